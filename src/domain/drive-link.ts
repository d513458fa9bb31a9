/** The folder id in a Drive link (`https://drive.google.com/drive/folders/<id>?usp=sharing`, `…/open?id=<id>`) or a bare id; null when there is none. */
export function driveFolderId(input: string): string | null {
  const text = input.trim();
  const ID = /^[A-Za-z0-9_-]{10,100}$/;
  if (ID.test(text)) return text;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  if (!/(^|\.)drive\.google\.com$/.test(url.hostname)) return null;
  const inPath = /\/folders\/([A-Za-z0-9_-]+)/.exec(url.pathname)?.[1];
  const candidate = inPath ?? url.searchParams.get('id') ?? '';
  return ID.test(candidate) ? candidate : null;
}
