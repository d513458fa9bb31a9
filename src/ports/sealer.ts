/** Authenticated encryption of short strings with the server's key (for what must wait in a queue unreadable). */
export interface Sealer {
  seal(plain: string): string;
  /** Throws when the text was not sealed with this key or was altered. */
  open(sealed: string): string;
}
