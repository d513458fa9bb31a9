import type { Logger } from 'pino';
import type { MailMessage, Mailer } from '../../ports/mailer.js';

/**
 * Development mailer: writes the message to the log so a developer can follow a
 * reset link without SMTP. Off the production path: with NODE_ENV=production and
 * no SMTP_URL, the body (which holds the token) is not logged.
 */
export class LogMailer implements Mailer {
  constructor(
    private readonly logger: Logger,
    private readonly includeBody: boolean,
  ) {}

  async send(message: MailMessage): Promise<void> {
    this.logger.info(
      { mail: { to: message.to, subject: message.subject, ...(this.includeBody ? { text: message.text } : {}) } },
      this.includeBody ? 'mail (log mailer; set SMTP_URL to deliver)' : 'mail not delivered: SMTP_URL is not set',
    );
  }
}
