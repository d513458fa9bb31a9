export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  /** A link that unsubscribes without signing in (sent as List-Unsubscribe, one-click per RFC 8058). */
  unsubscribeUrl?: string;
}

/** Sends transactional mail (password resets). Implementations must not log message bodies: they hold tokens. */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
  /** Releases connections (SMTP pools), when the mailer holds any. */
  close?(): void;
}
