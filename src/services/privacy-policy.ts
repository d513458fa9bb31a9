/** What a guest consents to when joining an event; the version is recorded with the consent. */
export interface PrivacyPolicy {
  version: string;
  consentText: string;
  faceDataRetentionDays: number;
  retentionRules: string[];
}

export const PRIVACY_POLICY: PrivacyPolicy = {
  version: '2026-11-21',
  consentText:
    'I agree that FindMe processes my selfie to create a biometric face template and compares it with the ' +
    "faces in this event's photos, only to show me the photos I appear in. My template is never shared with " +
    'other guests or the photographer. I can withdraw this consent at any time by deleting my face data, ' +
    'which removes my selfie, my face template and my matches.',
  faceDataRetentionDays: 90,
  retentionRules: [
    'Your selfie and face template are kept while you have consented and are deleted when you delete your face data or your account.',
    'Face data of an event (templates, matches) is deleted 90 days after the event date, or earlier if the photographer deletes the event; never kept more than 3 years.',
    'Faces of people who are not participants are stored only as anonymous templates attached to the photo and are never shown.',
    'Password reset links expire and can be used once.',
  ],
};
