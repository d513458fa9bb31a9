/** Sends bytes to a presigned target exactly as a browser or the CLI would. */
export async function uploadTo(
  target: { url: string; method: string; headers: { key: string; value: string }[]; fields: { key: string; value: string }[] },
  bytes: Buffer,
  contentType: string,
): Promise<Response> {
  if (target.method === 'PUT') {
    return fetch(target.url, {
      method: 'PUT',
      headers: Object.fromEntries(target.headers.map((h) => [h.key, h.value])),
      body: bytes,
    });
  }
  const form = new FormData();
  for (const f of target.fields) form.append(f.key, f.value);
  form.append('file', new Blob([bytes], { type: contentType }));
  return fetch(target.url, { method: 'POST', body: form });
}
