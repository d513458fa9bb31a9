import { randomInt } from 'node:crypto';
import { BadUserInputError } from '../domain/errors.js';

// No 0/O or 1/I/L: codes are read aloud and typed on phones.
const ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';

/** `Mariage Sophie & Paul` → `MARIAGESO-7K3P`: recognisable prefix, random suffix. */
export function generateEventCode(name: string): string {
  const prefix = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, '')
    .slice(0, 10);
  let suffix = '';
  for (let i = 0; i < 4; i++) suffix += ALPHABET[randomInt(ALPHABET.length)];
  return prefix.length >= 3 ? `${prefix}-${suffix}` : `EVENT-${suffix}`;
}

/** Upper-cases and validates a code a photographer chose. */
export function normalizeEventCode(code: string, field = 'code'): string {
  const value = code.trim().toUpperCase();
  if (!/^[A-Z0-9][A-Z0-9-]{2,30}[A-Z0-9]$/.test(value)) {
    throw new BadUserInputError(
      field,
      `${field}: use 4 to 32 letters, digits or dashes, starting and ending with a letter or digit.`,
    );
  }
  return value;
}
