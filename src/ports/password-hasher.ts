/** One-way password hashing. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** False for a wrong password or a malformed hash; never throws on bad input. */
  verify(hash: string, password: string): Promise<boolean>;
}
