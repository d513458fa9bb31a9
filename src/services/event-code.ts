import { randomInt } from 'node:crypto';
import { BadUserInputError } from '../domain/errors.js';

/** Crockford's base32: digits and letters minus I, L, O and U, which are misread or misheard. */
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** 8 characters × 5 bits: 40 bits of randomness, about 1.1 × 10^12 codes. */
const GENERATED_LENGTH = 8;
const GENERATED = /^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/;

/** Shortest chosen code, counting letters and digits only. */
export const MIN_CHOSEN_CODE_LENGTH = 6;

/**
 * Words an attacker tries first. A chosen code made of one of them, with or
 * without a year or a short number, is refused.
 */
const COMMON = new Set(
  (
    'WEDDING MARIAGE HOCHZEIT BODA MATRIMONIO PARTY FETE SOIREE EVENT EVENEMENT PHOTO PHOTOS PICS GALLERY GALERIE TEST DEMO ' +
    'BIRTHDAY ANNIVERSAIRE ANNIVERSARY BAPTEME BAPTISM CHRISTENING COMMUNION GRADUATION REUNION CONFERENCE CONGRES SEMINAR ' +
    'SUMMIT MEETUP CONCERT FESTIVAL GALA RACE MARATHON RUN COURSE TRAIL TRIATHLON CHRISTMAS NOEL NEWYEAR HOLIDAY VACANCES ' +
    'FAMILY FAMILLE FRIENDS AMIS LOVE BRIDE GROOM WELCOME HELLO BONJOUR PASSWORD ADMIN QWERTY AZERTY ABCDEF ABC'
  ).split(' '),
);

/** A new random code, grouped for reading aloud: `7K3P-9QXZ`. */
export function generateEventCode(): string {
  let code = '';
  for (let i = 0; i < GENERATED_LENGTH; i++) code += CROCKFORD[randomInt(CROCKFORD.length)];
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/**
 * Upper-cases and validates a code a photographer chose. Vanity codes are
 * welcome, but not ones a guesser tries first: too short, one repeated
 * character, or a common word with a year.
 */
export function normalizeEventCode(code: string, field = 'code'): string {
  const value = code.trim().toUpperCase();
  if (!/^[A-Z0-9][A-Z0-9-]{2,30}[A-Z0-9]$/.test(value)) {
    throw new BadUserInputError(field, `${field}: use 6 to 32 letters, digits or dashes, starting and ending with a letter or digit.`);
  }
  const letters = value.replace(/-/g, '');
  if (letters.length < MIN_CHOSEN_CODE_LENGTH) {
    throw new BadUserInputError(field, `${field}: use at least ${MIN_CHOSEN_CODE_LENGTH} letters or digits, so the code cannot be guessed.`);
  }
  const word = letters.replace(/\d+$/, '').replace(/^\d+/, '');
  const digits = letters.length - word.length;
  if (/^(.)\1*$/.test(letters) || word.length === 0 || (COMMON.has(word) && digits <= 4)) {
    throw new BadUserInputError(field, `${field}: ${value} is too easy to guess; add something only your guests know (names, a place), or leave it empty for a random code.`);
  }
  return value;
}

/**
 * The stored codes a typed code may mean, most literal first: as typed
 * (upper-cased), then, when it reads as a generated code, in canonical form
 * (dash restored, O read as 0, I and L as 1).
 */
export function codeCandidates(input: string): string[] {
  const typed = input.trim().toUpperCase();
  if (typed.length === 0 || typed.length > 64) return [];
  const compact = typed.replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  const canonical = compact.length === GENERATED_LENGTH ? `${compact.slice(0, 4)}-${compact.slice(4)}` : '';
  return GENERATED.test(canonical) && canonical !== typed ? [typed, canonical] : [typed];
}
