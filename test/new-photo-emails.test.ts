import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { JoinEventDocument, MeDocument } from './generated/graphql.js';
import { newAccount, newEvent, uploadPhotos, waitForPhoto } from './support/flows.js';
import { plainHasher, startTestServer, type TestServer } from './support/harness.js';
import { generatedPhotos } from './support/images.js';
import { GUARDIAN_CONSENT_VERSION } from '../src/services/privacy-policy.js';

const SET = 'mutation($e: ID!, $on: Boolean!) { setNewPhotoEmails(eventId: $e, enabled: $on) { id newPhotoEmails } }';
const INTERVAL = 4;

/** "Email me when new photos of me arrive": one email per burst, at most one per interval, unsubscribe without signing in. */
describe('new-photo emails', () => {
  let server: TestServer;
  let event: { owner: string; eventId: string; code: string };
  let photoIds: string[];
  before(async () => {
    server = await startTestServer({
      hasher: plainHasher,
      worker: true,
      env: { NEW_PHOTO_EMAIL_DELAY_SECONDS: '1', NEW_PHOTO_EMAIL_INTERVAL_SECONDS: String(INTERVAL) },
    });
    event = await newEvent(server, 'Fête du village');
    photoIds = await uploadPhotos(server, event.owner, event.eventId, (await generatedPhotos(6, 200)).map((bytes, i) => ({ name: `${i}.jpg`, bytes })));
    for (const id of photoIds) await waitForPhoto(server, event.owner, id);
  });
  after(() => server.close());

  async function guest(name: string): Promise<{ token: string; id: string; email: string }> {
    const token = await newAccount(server, 'PARTICIPANT', name);
    await server.gql(JoinEventDocument, { code: event.code, consent: true }, { token });
    const me = (await server.gql(MeDocument, {}, { token })).data!.me!;
    return { token, id: me.id, email: me.email };
  }

  async function set(token: string, on: boolean) {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: SET, variables: { e: event.eventId, on } }),
    });
    return (await res.json()) as { data?: { setNewPhotoEmails: { id: string; newPhotoEmails: boolean } }; errors?: { extensions?: { code?: string } }[] };
  }

  /** Matches as the pipeline makes them (of the guest, or of `personId`, someone they look for), announced on the bus as it does. */
  async function found(userId: string, photos: string[], personId = userId): Promise<void> {
    for (const photoId of photos) {
      const [face] = await server.sql<{ id: string }>(
        `insert into faces (id, photo_id, face_index, box_left, box_top, box_width, box_height, confidence, created_at)
         values (gen_random_uuid(), ?, (select count(*) from faces where photo_id = ?) + 10, 0.1, 0.1, 0.2, 0.2, 0.99, now()) returning id`,
        [photoId, photoId],
      );
      await server.sql(`insert into matches (id, photo_id, user_id, person_id, face_id, similarity, source, created_at) values (gen_random_uuid(), ?, ?, ?::uuid, ?, 80, 'INGEST', now())`, [
        photoId,
        userId,
        personId,
        face!.id,
      ]);
      await server.app.bus.publish('match.created', { eventId: event.eventId, photoId, userId, personId });
    }
  }

  const mailsTo = (email: string) => server.mailer.sent.filter((m) => m.to === email);
  async function waitForMails(email: string, n: number, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (mailsTo(email).length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.equal(mailsTo(email).length, n, `${n} email(s) to ${email}`);
  }

  it('should send one email for a burst, the next not before the interval, and none to a guest who did not ask', async () => {
    const ana = await guest('Ana');
    const bo = await guest('Bo');
    await found(ana.id, [photoIds[5]!]); // before she asks: not news
    const on = await set(ana.token, true);
    assert.equal(on.data?.setNewPhotoEmails.newPhotoEmails, true);

    await found(ana.id, photoIds.slice(0, 3));
    await found(bo.id, photoIds.slice(0, 3));
    await waitForMails(ana.email, 1);
    const first = mailsTo(ana.email)[0]!;
    const firstAt = Date.now();
    assert.equal(first.subject, '3 new photos of you at Fête du village');
    assert.ok(first.text.includes(`${server.baseUrl}/e/${encodeURIComponent(event.code)}`), 'a link to the event');
    assert.match(first.unsubscribeUrl ?? '', new RegExp(`^${server.baseUrl.replace(/\./g, '\\.')}/unsubscribe\\?token=`));
    assert.ok(first.text.includes(first.unsubscribeUrl!), 'the unsubscribe link is in the text too');

    await found(ana.id, [photoIds[3]!]);
    await waitForMails(ana.email, 2);
    assert.ok(Date.now() - firstAt >= (INTERVAL - 1) * 1000, 'not before the interval');
    assert.equal(mailsTo(ana.email)[1]!.subject, '1 new photo of you at Fête du village');
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(mailsTo(ana.email).length, 2, 'one email per burst');
    assert.equal(mailsTo(bo.email).length, 0, 'off by default');
  });

  it('should count new photos per person for a guest who looks for their child too', async () => {
    const cy = await guest('Cy');
    const added = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${cy.token}` },
      body: JSON.stringify({ query: 'mutation($v: String!) { addPerson(input: { name: "Léa", consentVersion: $v }) { id } }', variables: { v: GUARDIAN_CONSENT_VERSION } }),
    });
    const lea = ((await added.json()) as { data: { addPerson: { id: string } } }).data.addPerson.id;
    assert.equal((await set(cy.token, true)).data?.setNewPhotoEmails.newPhotoEmails, true);
    await found(cy.id, photoIds.slice(0, 3));
    await found(cy.id, photoIds.slice(2, 4), lea);
    await waitForMails(cy.email, 1);
    const mail = mailsTo(cy.email)[0]!;
    // Photo 2 shows both: 4 photos in all, 3 of Cy and 2 of Léa.
    assert.equal(mail.subject, '4 new photos at Fête du village');
    assert.ok(mail.text.includes('FindMe found 4 new photos at Fête du village: 3 new photos of you, 2 new photos of Léa.'), mail.text);
  });

  it('should unsubscribe from the email link without signing in, and send nothing after', async () => {
    const cy = await guest('Cy');
    await set(cy.token, true);
    await found(cy.id, [photoIds[0]!]);
    await waitForMails(cy.email, 1);
    const link = mailsTo(cy.email)[0]!.unsubscribeUrl!;

    const page = await fetch(link);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<form method="post"/);
    // A mail client's one-click unsubscribe (RFC 8058).
    const done = await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    assert.equal(done.status, 200);
    assert.match(await done.text(), /no longer get emails about new photos at Fête du village/);
    const [row] = await server.sql<{ new_photo_emails: boolean }>('select new_photo_emails from participations where user_id = ?', [cy.id]);
    assert.equal(row!.new_photo_emails, false);

    await new Promise((r) => setTimeout(r, INTERVAL * 1000));
    await found(cy.id, [photoIds[1]!]);
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(mailsTo(cy.email).length, 1, 'nothing after unsubscribing');
    const forged = await fetch(`${server.baseUrl}/unsubscribe?token=forged`, { method: 'POST' });
    assert.equal(forged.status, 404);
  });

  it('should refuse the setting to someone who is not a member of the event', async () => {
    const stranger = await newAccount(server, 'PARTICIPANT');
    assert.equal((await set(stranger, true)).errors?.[0]?.extensions?.code, 'NOT_FOUND');
  });
});
