import {
  CompletePhotoUploadsDocument,
  CompleteSelfieUploadDocument,
  CreateEventDocument,
  LoginDocument,
  PhotoDocument,
  RegisterDocument,
  RematchJobDocument,
  RequestPhotoUploadsDocument,
  RequestSelfieUploadDocument,
  type PhotoQuery,
} from '../generated/graphql.js';
import { uploadTo } from './upload.js';
import { uniqueEmail, type TestServer } from './harness.js';

/** Registers a fresh account and returns its token. */
export async function newAccount(server: TestServer, role: 'PARTICIPANT' | 'PHOTOGRAPHER', displayName: string = role): Promise<string> {
  const res = await server.gql(RegisterDocument, { input: { email: uniqueEmail(role.toLowerCase()), password: 'long enough password', displayName, role } });
  if (!res.data) throw new Error(`register failed: ${JSON.stringify(res.errors)}`);
  return res.data.register.token;
}

/**
 * An administrator appointed as the operator does (`findme admin create`, on
 * the server), signed in: returns their token.
 */
export async function newAdmin(server: TestServer, email: string = uniqueEmail('admin'), password = 'long enough password'): Promise<string> {
  await server.app.services(server.app.db.orm.em.fork()).accounts.createAdmin(email, password, 'Administrator');
  const res = await server.gql(LoginDocument, { input: { email, password } });
  if (!res.data) throw new Error(`admin login failed: ${JSON.stringify(res.errors)}`);
  return res.data.login.token;
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

/** Requests targets, uploads the files and completes them; returns the photo ids in order. */
export async function uploadPhotos(server: TestServer, token: string, eventId: string, files: { name: string; bytes: Buffer; contentType?: string }[]): Promise<string[]> {
  const req = await server.gql(
    RequestPhotoUploadsDocument,
    { eventId, files: files.map((f) => ({ filename: f.name, contentType: f.contentType ?? 'image/jpeg', byteSize: f.bytes.length })) },
    { token },
  );
  if (!req.data) throw new Error(`requestPhotoUploads failed: ${JSON.stringify(req.errors)}`);
  const targets = req.data.requestPhotoUploads;
  for (const [i, t] of targets.entries()) {
    const sent = await uploadTo(t.upload, files[i]!.bytes, files[i]!.contentType ?? 'image/jpeg');
    if (sent.status >= 300) throw new Error(`upload of ${files[i]!.name} answered ${sent.status}`);
  }
  const ids = targets.map((t) => t.photo.id);
  const done = await server.gql(CompletePhotoUploadsDocument, { photoIds: ids }, { token });
  if (!done.data) throw new Error(`completePhotoUploads failed: ${JSON.stringify(done.errors)}`);
  return ids;
}

/** Sends a selfie and waits for its rematch job to finish; returns the job. */
export async function sendSelfie(
  server: TestServer,
  token: string,
  bytes: Buffer,
  contentType = 'image/png',
  options: { personId?: string; add?: boolean } = {},
): Promise<{ id: string; status: string; matched: number; message?: string | null }> {
  const req = await server.gql(RequestSelfieUploadDocument, { input: { filename: 'me.png', contentType, byteSize: bytes.length }, personId: options.personId ?? null, add: options.add ?? null }, { token });
  if (!req.data) throw new Error(`requestSelfieUpload failed: ${JSON.stringify(req.errors)}`);
  await uploadTo(req.data.requestSelfieUpload.upload, bytes, contentType);
  const done = await server.gql(CompleteSelfieUploadDocument, { id: req.data.requestSelfieUpload.id }, { token });
  if (!done.data) throw new Error(`completeSelfieUpload failed: ${JSON.stringify(done.errors)}`);
  for (let i = 0; i < 600; i++) {
    const job = (await server.gql(RematchJobDocument, { id: done.data.completeSelfieUpload.id }, { token })).data?.rematchJob;
    if (job && ['DONE', 'FAILED', 'VALIDATION_FAILED'].includes(job.status)) return job;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the rematch job did not finish');
}
