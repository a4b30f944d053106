import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Per-session secrets bound to the learner: token = HMAC(serverKey, session id + learner id).
 * The learner cookie is the root credential; the token proves the caller holds both the
 * cookie's identity and this session, and survives server restarts (the key is persisted).
 */
export class SessionTokens {
  constructor(private readonly key: Buffer) {}

  static randomKey(): Buffer {
    return randomBytes(32);
  }

  issue(sessionId: string, learnerId: string): string {
    return createHmac('sha256', this.key).update(`${sessionId}\n${learnerId}`).digest('base64url');
  }

  verify(sessionId: string, learnerId: string, token: unknown): boolean {
    if (typeof token !== 'string' || token.length === 0 || token.length > 200) return false;
    const expected = Buffer.from(this.issue(sessionId, learnerId));
    const given = Buffer.from(token);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}

/** A new opaque id: 128 bits, URL-safe. */
export function newId(bytes = 16): string {
  return randomBytes(bytes).toString('base64url');
}

/** A cluster name with the fixed prefix, valid for kind and our name pattern. */
export function newClusterName(prefix: string): string {
  return `${prefix}${randomBytes(5).toString('hex')}`;
}
