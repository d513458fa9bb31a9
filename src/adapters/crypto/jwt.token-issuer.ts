import { createSecretKey, type KeyObject } from 'node:crypto';
import { SignJWT, errors, jwtVerify } from 'jose';
import type { Clock } from '../../ports/clock.js';
import type { TokenCheck, TokenClaims, TokenIssuer } from '../../ports/token-issuer.js';

const ISSUER = 'findme';

/** HS256 JWTs signed with SECRET_KEY. */
export class JwtTokenIssuer implements TokenIssuer {
  /** Imported once: jose would otherwise import raw bytes on every verification. */
  private readonly key: KeyObject;

  constructor(
    secretKey: string,
    private readonly ttlSeconds: number,
    private readonly clock: Clock,
  ) {
    this.key = createSecretKey(Buffer.from(secretKey, 'utf8'));
  }

  async issue(claims: TokenClaims): Promise<{ token: string; expiresAt: Date }> {
    const issuedAt = Math.floor(this.clock.now().getTime() / 1000);
    const expiresAt = issuedAt + this.ttlSeconds;
    const token = await new SignJWT({ ver: claims.version, ...(claims.sessionId ? { sid: claims.sessionId } : {}) })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(claims.userId)
      .setIssuer(ISSUER)
      .setIssuedAt(issuedAt)
      .setExpirationTime(expiresAt)
      .sign(this.key);
    return { token, expiresAt: new Date(expiresAt * 1000) };
  }

  async verify(token: string): Promise<TokenCheck> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        issuer: ISSUER,
        currentDate: this.clock.now(),
      });
      if (typeof payload.sub !== 'string' || typeof payload['ver'] !== 'number') return { ok: false, reason: 'invalid' };
      const sid = typeof payload['sid'] === 'string' ? { sessionId: payload['sid'] } : {};
      return { ok: true, claims: { userId: payload.sub, version: payload['ver'], ...sid }, expiresAt: new Date((payload.exp ?? 0) * 1000) };
    } catch (err) {
      return { ok: false, reason: err instanceof errors.JWTExpired ? 'expired' : 'invalid' };
    }
  }
}
