import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { WorkshopStore } from '../store/types.js';

const SETTING = 'instructor_token_sha256';

function sha256(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/**
 * The instructor credential. From configuration when given; otherwise generated at first start,
 * only its hash stored, and the token itself handed back once to be printed.
 */
export class InstructorAuth {
  private readonly hash: Buffer;

  private constructor(hash: Buffer) {
    this.hash = hash;
  }

  /** `generated` is set only on the first start without a configured token: print it once. */
  static init(store: Pick<WorkshopStore, 'getSetting' | 'setSetting'>, configured: string | undefined): { auth: InstructorAuth; generated: string | null } {
    if (configured) return { auth: new InstructorAuth(sha256(configured)), generated: null };
    const stored = store.getSetting(SETTING);
    if (stored) return { auth: new InstructorAuth(Buffer.from(stored, 'hex')), generated: null };
    const token = randomBytes(24).toString('base64url');
    store.setSetting(SETTING, sha256(token).toString('hex'));
    return { auth: new InstructorAuth(sha256(token)), generated: token };
  }

  /** Does `Authorization: Bearer <token>` (or a bare token) carry the instructor's credential? */
  verify(header: unknown): boolean {
    if (typeof header !== 'string' || header.length > 500) return false;
    const token = header.startsWith('Bearer ') ? header.slice(7).trim() : header.trim();
    if (!token) return false;
    return timingSafeEqual(sha256(token), this.hash);
  }
}
