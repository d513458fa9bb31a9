/**
 * Where every object lives. Keys are deterministic, so a re-run job overwrites
 * instead of duplicating, and grouped under prefixes, so erasing a photo, an
 * event or a user's selfies deletes everything under one prefix, including an
 * object written there later through an old upload link.
 */
export const photoKeys = (eventId: string, photoId: string) => {
  const base = photoPrefix(eventId, photoId);
  return {
    original: `${base}original`,
    /** The original as guests download it: GPS and serial numbers removed. */
    guestOriginal: `${base}original-guest`,
    display: `${base}display.jpg`,
    thumbnail: `${base}thumb.webp`,
  };
};

export const photoPrefix = (eventId: string, photoId: string) => `events/${eventId}/photos/${photoId}/`;
export const eventPrefix = (eventId: string) => `events/${eventId}/`;
export const selfieKey = (userId: string, selfieId: string) => `users/${userId}/selfies/${selfieId}`;
export const userPrefix = (userId: string) => `users/${userId}/`;

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const ORIGINAL = new RegExp(`^events/(${UUID})/photos/(${UUID})/original$`);
const SELFIE = new RegExp(`^users/(${UUID})/selfies/(${UUID})$`);

/** The photo an original's key belongs to (for S3 ObjectCreated notifications and upload checks). */
export function parseOriginalKey(key: string): { eventId: string; photoId: string } | null {
  const m = ORIGINAL.exec(key);
  return m ? { eventId: m[1]!, photoId: m[2]! } : null;
}

/** The selfie a key belongs to. */
export function parseSelfieKey(key: string): { userId: string; selfieId: string } | null {
  const m = SELFIE.exec(key);
  return m ? { userId: m[1]!, selfieId: m[2]! } : null;
}
