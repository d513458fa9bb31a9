/** What a guest consents to when joining an event; the version is recorded with the consent. */
export interface PrivacyPolicy {
  version: string;
  consentText: string;
  faceDataRetentionDays: number;
  retentionRules: string[];
}

/** Bumped whenever the consent text changes; recorded with each consent. */
export const PRIVACY_POLICY_VERSION = '2026-11-22';

/** The policy served by `privacyPolicy` and consented to by `joinEvent`, with the operator's default retention. */
export function privacyPolicy(defaultRetentionDays: number): PrivacyPolicy {
  return {
    version: PRIVACY_POLICY_VERSION,
    consentText:
      'I agree that FindMe processes my selfie to create a biometric face template and compares it with the ' +
      "faces in this event's photos, only to show me the photos I appear in. My template is never shared with " +
      'other guests or the photographer. I can withdraw this consent at any time by deleting my face data, ' +
      'which removes my selfie, my face template and my matches.',
    faceDataRetentionDays: defaultRetentionDays,
    retentionRules: [
      'Your selfie and face template are kept while you have consented and are deleted when you delete your face data or your account.',
      `Face data of an event (face templates in its photos, matches) is deleted ${defaultRetentionDays} days after the event date (or after the event was created, if later) unless the photographer chose a shorter or longer period when creating it (shown on the event); never more than 3 years.`,
      'Your selfie and template are deleted once none of your events is within its retention period.',
      'Faces of people who are not participants are stored only as anonymous templates attached to the photo, are never shown, and are deleted with the event face data.',
      'Deleting your account deletes your face data, your memberships and, for photographers, their events and photos.',
      'Password reset links expire and can be used once.',
    ],
  };
}
