import { CombinedGraphQLErrors, ServerError } from '@apollo/client';
import type { TFunction } from 'i18next';

/** Codes whose server message names the very input at fault: shown as the server wrote it. */
const SPECIFIC = new Set(['BAD_USER_INPUT', 'CONFLICT', 'RATE_LIMITED', 'DRIVE_UNAVAILABLE']);

/** The code of the first GraphQL error, or null. */
export function errorCode(error: unknown): string | null {
  if (CombinedGraphQLErrors.is(error)) return (error.errors[0]?.extensions?.['code'] as string | undefined) ?? null;
  return null;
}

/**
 * A sentence for a person, never a raw code: the server's own message where
 * it is about this input (a refused selfie, a taken code), otherwise a
 * translated sentence for the kind of failure (signed out, not allowed, gone,
 * offline, our fault).
 */
export function errorSentence(error: unknown, t: TFunction, overrides: Record<string, string> = {}): string {
  if (CombinedGraphQLErrors.is(error)) {
    const first = error.errors[0];
    const code = (first?.extensions?.['code'] as string | undefined) ?? 'INTERNAL_SERVER_ERROR';
    if (overrides[code]) return overrides[code];
    if (first && SPECIFIC.has(code)) return first.message.replace(/^[a-zA-Z.[\]0-9]+: /, '');
    // Details the server adds (the address to share a Drive folder with) fill the translated sentence.
    return t(`errors.${code}`, { ...first?.extensions, defaultValue: t('errors.INTERNAL_SERVER_ERROR') });
  }
  if (ServerError.is(error)) return error.statusCode >= 500 ? t('errors.unavailable') : t('errors.INTERNAL_SERVER_ERROR');
  if (error instanceof TypeError || (error instanceof Error && /fetch|network/i.test(error.message))) return t('errors.network');
  if (error instanceof UploadError) return t(`errors.upload.${error.kind}`);
  return t('errors.INTERNAL_SERVER_ERROR');
}

/** A file that did not reach storage: why, in words the uploader can act on. */
export class UploadError extends Error {
  constructor(readonly kind: 'network' | 'refused' | 'expired' | 'tooLarge') {
    super(`upload ${kind}`);
  }
}
