/**
 * Which object keys may still receive their one upload: a photo's original
 * while the photo is PENDING, a selfie's file while the selfie is PENDING.
 * Stores that receive uploads themselves ask before accepting bytes, so an
 * upload link cannot replace a processed photo or recreate an erased selfie.
 */
export interface UploadTargets {
  isAwaitingUpload(key: string): Promise<boolean>;
}
