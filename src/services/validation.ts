import { BadUserInputError } from '../domain/errors.js';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Trimmed and lower-cased; refuses what cannot be an address. */
export function normalizeEmail(email: string, field = 'email'): string {
  const value = email.trim().toLowerCase();
  if (value.length > 254 || !EMAIL.test(value)) throw new BadUserInputError(field, `${field}: is not a valid email address.`);
  return value;
}

export function validatePassword(password: string, field = 'password'): string {
  if (password.length < 10) throw new BadUserInputError(field, `${field}: must be at least 10 characters long.`);
  if (password.length > 256) throw new BadUserInputError(field, `${field}: must be at most 256 characters long.`);
  return password;
}

/** Trims, collapses inner whitespace and bounds the length. */
export function requireText(value: string, field: string, max: number): string {
  const text = value.trim().replace(/\s+/g, ' ');
  if (text.length === 0) throw new BadUserInputError(field, `${field}: must not be empty.`);
  if (text.length > max) throw new BadUserInputError(field, `${field}: must be at most ${max} characters long.`);
  return text;
}

/** A real calendar date written `yyyy-mm-dd`. */
export function isIsoDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return date.toISOString().slice(0, 10) === value;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/**
 * A file name as the user's computer gave it, minus what only causes harm:
 * folders, control characters (CR/LF in headers, NUL) and the bidirectional
 * overrides that disguise `gpj.exe` as `exe.jpg`. Any script and emoji stay.
 */
export function cleanFilename(name: string): string {
  const base = name.replace(/\\/g, '/').split('/').pop() ?? '';
  return base
    .replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '')
    .normalize('NFC')
    .trim();
}
