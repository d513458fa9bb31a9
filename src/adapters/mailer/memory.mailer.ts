import type { MailMessage, Mailer } from '../../ports/mailer.js';

/** Keeps messages in memory: for tests that read the mail a user would receive. */
export class MemoryMailer implements Mailer {
  readonly sent: MailMessage[] = [];

  async send(message: MailMessage): Promise<void> {
    this.sent.push(message);
  }

  /** The newest message to `to`, if any. */
  lastTo(to: string): MailMessage | undefined {
    return this.sent.filter((m) => m.to === to).at(-1);
  }
}
