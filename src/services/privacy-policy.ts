/** What a guest consents to when joining an event; the version is recorded with the consent. */
export interface PrivacyPolicy {
  version: string;
  consentText: string;
  faceDataRetentionDays: number;
  retentionRules: string[];
  /** What a guest agrees to when they add someone without a phone (a child, a parent) to look for. */
  guardianConsentVersion: string;
  guardianConsentText: string;
}

/** Bumped whenever the guardian's consent text changes; recorded with each person added. */
export const GUARDIAN_CONSENT_VERSION = '2026-12-04';

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
    guardianConsentVersion: GUARDIAN_CONSENT_VERSION,
    guardianConsentText:
      'I am this person\'s parent or legal guardian, or they asked me to look for their photos and agreed to it. ' +
      'I agree, on their behalf, that FindMe processes their selfies to create a biometric face template and compares it ' +
      "with the faces in the photos of the events I joined, only to show me the photos they appear in. Their template is " +
      'never shared with anyone else. I can withdraw this consent at any time by removing them, which deletes their ' +
      'selfies, their face template and their matches.',
    retentionRules: [
      'Your selfie and face template are kept while you have consented and are deleted when you delete your face data or your account.',
      `Face data of an event (face templates in its photos, matches) is deleted ${defaultRetentionDays} days after the event date (or after the event was created, if later) unless the photographer chose a shorter or longer period when creating it (shown on the event); never more than 3 years.`,
      'Your selfie and template are deleted once none of your events is within its retention period.',
      'People you look for (a child, a parent) are kept under the same rules as you: their selfies, template and matches go when you remove them, delete your face data, or delete your account.',
      'Faces of people who are not participants are stored only as anonymous templates attached to the photo, are never shown, and are deleted with the event face data.',
      'Deleting your account deletes your face data, your memberships and, for photographers, their events and photos.',
      'Password reset links expire and can be used once.',
    ],
  };
}
