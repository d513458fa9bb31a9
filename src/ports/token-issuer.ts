export interface TokenClaims {
  userId: string;
  /** The user's token version when issued; a newer version revokes the token. */
  version: number;
  /** The signed-in device (refresh token family) the token was issued to; revoking it revokes the token. */
  sessionId?: string;
}

export type TokenCheck =
  | { ok: true; claims: TokenClaims; expiresAt: Date }
  | { ok: false; reason: 'expired' | 'invalid' };

/** Issues and verifies session tokens (JWT). */
export interface TokenIssuer {
  issue(claims: TokenClaims): Promise<{ token: string; expiresAt: Date }>;
  verify(token: string): Promise<TokenCheck>;
}
