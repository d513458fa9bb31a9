/** Stable codes a photographer sees on a FAILED photo. */
export type PhotoErrorCode =
  | 'NOT_UPLOADED'
  | 'FILE_TOO_LARGE'
  | 'UNSUPPORTED_FORMAT'
  | 'CORRUPT_IMAGE'
  | 'TOO_MANY_PIXELS'
  | 'STORAGE_UNAVAILABLE'
  | 'FACE_ENGINE_FAILED'
  | 'PROCESSING_FAILED';

/**
 * A failure with a one-sentence message for the photographer. `permanent`
 * failures (the file itself is bad) are not retried: another try cannot help.
 */
export class PhotoProcessingError extends Error {
  readonly permanent: boolean;

  constructor(
    readonly code: PhotoErrorCode,
    message: string,
    options: { permanent?: boolean; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'PhotoProcessingError';
    this.permanent = options.permanent ?? !['STORAGE_UNAVAILABLE', 'FACE_ENGINE_FAILED', 'PROCESSING_FAILED', 'NOT_UPLOADED'].includes(code);
  }
}
