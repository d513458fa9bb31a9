import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { RequestPasswordResetDocument, RegisterDocument, ResetPasswordDocument } from './generated/graphql.js';
import { plainHasher, startTestServer, uniqueEmail } from './support/harness.js';

interface Received {
  from: string;
  to: string[];
  body: string;
}

describe('mail over SMTP', () => {
  const received: Received[] = [];
  let smtp: SMTPServer;
  let port: number;

  before(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, session, callback) {
        let body = '';
        stream.on('data', (chunk: Buffer) => (body += chunk.toString()));
        stream.on('end', () => {
          received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            body,
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    port = (smtp.server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => smtp.close(() => resolve())));

  it('should deliver the reset link through SMTP_URL when it is set, and the link should work', async () => {
    const server = await startTestServer({
      hasher: plainHasher,
      configuredMailer: true,
      worker: true,
      env: { SMTP_URL: `smtp://127.0.0.1:${port}`, MAIL_FROM: 'FindMe <reset@findme.test>', PUBLIC_URL: 'https://findme.example' },
    });
    try {
      const email = uniqueEmail('smtp');
      const url = server.url;
      const post = (body: unknown) =>
        fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.json());
      const { print } = await import('graphql');
      await post({ query: print(RegisterDocument), variables: { input: { email, password: 'long enough password', displayName: 'S', role: 'PARTICIPANT' } } });
      await post({ query: print(RequestPasswordResetDocument), variables: { email } });
      await server.mailed();
      const mail = received.find((m) => m.to.includes(email));
      assert.ok(mail, 'the SMTP server received the message');
      assert.equal(mail.from, 'reset@findme.test');
      const unfolded = mail.body.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
      assert.match(unfolded, /https:\/\/findme\.example\/reset-password\?token=/);
      const token = /token=([\w-]+)/.exec(unfolded)?.[1];
      const reset = (await post({ query: print(ResetPasswordDocument), variables: { token, newPassword: 'new long password' } })) as {
        data: { resetPassword: boolean };
      };
      assert.equal(reset.data.resetPassword, true);
    } finally {
      await server.close();
    }
  });
});
