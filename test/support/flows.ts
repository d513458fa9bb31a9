import { CreateEventDocument, PhotoDocument, RegisterDocument, type PhotoQuery } from '../generated/graphql.js';
import { uniqueEmail, type TestServer } from './harness.js';

/** Registers a fresh account and returns its token. */
export async function newAccount(server: TestServer, role: 'PARTICIPANT' | 'PHOTOGRAPHER', displayName: string = role): Promise<string> {
  const res = await server.gql(RegisterDocument, { input: { email: uniqueEmail(role.toLowerCase()), password: 'long enough password', displayName, role } });
  if (!res.data) throw new Error(`register failed: ${JSON.stringify(res.errors)}`);
  return res.data.register.token;
}

/** A photographer with one event. */
export async function newEvent(server: TestServer, name = 'Event'): Promise<{ owner: string; eventId: string; code: string }> {
  const owner = await newAccount(server, 'PHOTOGRAPHER');
  const res = await server.gql(CreateEventDocument, { input: { name, date: '2026-06-01' } }, { token: owner });
  if (!res.data) throw new Error(`createEvent failed: ${JSON.stringify(res.errors)}`);
  return { owner, eventId: res.data.createEvent.id, code: res.data.createEvent.code };
}

/** Polls the photo until it is DONE or FAILED (or `timeoutMs` passes). */
export async function waitForPhoto(server: TestServer, token: string, id: string, timeoutMs = 20_000): Promise<NonNullable<PhotoQuery['photo']>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const photo = (await server.gql(PhotoDocument, { id }, { token })).data?.photo;
    if (photo && (photo.status === 'DONE' || photo.status === 'FAILED')) return photo;
    if (Date.now() > deadline) throw new Error(`photo ${id} is still ${photo?.status ?? 'missing'} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
