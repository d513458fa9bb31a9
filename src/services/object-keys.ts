/** Where each object of a photo lives. Deterministic, so a re-run job overwrites instead of duplicating. */
export const photoKeys = (eventId: string, photoId: string) => {
  const base = `events/${eventId}/photos/${photoId}`;
  return { original: `${base}/original`, display: `${base}/display.jpg`, thumbnail: `${base}/thumb.webp` };
};

const ORIGINAL = /^events\/([0-9a-f-]{36})\/photos\/([0-9a-f-]{36})\/original$/;

/** The photo an original's key belongs to (for S3 ObjectCreated notifications). */
export function parseOriginalKey(key: string): { eventId: string; photoId: string } | null {
  const m = ORIGINAL.exec(key);
  return m ? { eventId: m[1]!, photoId: m[2]! } : null;
}
