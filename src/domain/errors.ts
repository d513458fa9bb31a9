/** The stable codes clients branch on (`extensions.code` in GraphQL answers). */
export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'BAD_USER_INPUT'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  /** Google Drive import is not configured on this server. */
  | 'DRIVE_NOT_CONFIGURED'
  /** The Drive folder does not exist or is not shared with the service account. */
  | 'DRIVE_FOLDER_UNREADABLE'
  /** Google Drive refused the credentials, asked to slow down, or did not answer. */
  | 'DRIVE_UNAVAILABLE'
  /** "This is me" on a face too far from the person's selfies. */
  | 'FACE_NOT_YOURS'
  | 'INTERNAL_SERVER_ERROR';

/**
 * An expected failure with a code and a message safe to show the user. Anything
 * else that escapes a service is treated as an internal error and masked.
 */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra machine-readable details (field names, retry hints). Never secrets. */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export class UnauthenticatedError extends DomainError {
  constructor(message = 'You must be logged in to do this.') {
    super('UNAUTHENTICATED', message);
  }
}

export class ForbiddenError extends DomainError {
  constructor(message = 'You are not allowed to do this.') {
    super('FORBIDDEN', message);
  }
}

export class NotFoundError extends DomainError {
  constructor(what: string) {
    super('NOT_FOUND', `${what} not found.`);
  }
}

export class BadUserInputError extends DomainError {
  constructor(field: string, message: string) {
    super('BAD_USER_INPUT', message, { field });
  }
}

export class ConflictError extends DomainError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('CONFLICT', message, details);
  }
}

/** A claimed face ("this is me") that does not look like the person's selfies. */
export class FaceNotYoursError extends DomainError {
  constructor(message: string) {
    super('FACE_NOT_YOURS', message);
  }
}

export class RateLimitedError extends DomainError {
  constructor(message: string, retryAfterSeconds: number) {
    super('RATE_LIMITED', message, { retryAfterSeconds });
  }
}
