import { create } from 'content-disposition';

/**
 * `attachment; filename="ascii fallback"; filename*=UTF-8''…` (RFC 6266 and
 * RFC 5987) for any file name a photographer's camera or computer produced:
 * Cyrillic, CJK, accents, emoji, quotes or control characters. Never throws,
 * and the result is always a valid header value.
 */
export function attachmentDisposition(filename: string): string {
  const clean = filename.replace(/[\u0000-\u001f\u007f-\u009f]/g, '').trim() || 'photo';
  return create(clean, { type: 'attachment', fallback: asciiFallback(clean) });
}

/** The name in plain ASCII for old clients: accents dropped, anything else replaced by `_`. */
function asciiFallback(name: string): string {
  const ascii = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\x20-\x7e]/g, '_')
    .replace(/["\\%]/g, '_');
  return ascii.replace(/_+/g, '_') || 'photo';
}
