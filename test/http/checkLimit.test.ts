/** Check (grade) is rate limited per session: 429 with Retry-After and a message the page shows. Real server on port 0, memory provider. */
import assert from 'node:assert/strict';
import { TokenBuckets } from '../../server/http/rateLimit.js';
import { memoryServerPerTest, readySession } from '../helpers/http.js';
import { Learner } from '../helpers/testServer.js';

const TOKEN = 'instructor-secret-token-1234';

describe('HTTP: Check is rate limited per session', () => {
  const server = memoryServerPerTest(TOKEN);
  const boot = server.boot;
  it('answers 429 with Retry-After and a learner-fit message, per session, and the lab goes on', async () => {
    await boot({ checkLimit: { burst: 2, perMinute: 1 } });
    const l = new Learner(server.srv.url);
    const { id, token } = await readySession(l);
    const h = { 'x-session-token': token };
    assert.equal((await l.request('POST', `/api/sessions/${id}/grade`, undefined, h)).status, 200);
    assert.equal((await l.request('POST', `/api/sessions/${id}/grade`, undefined, h)).status, 200);
    const limited = await l.request('POST', `/api/sessions/${id}/grade`, undefined, h);
    assert.equal(limited.status, 429);
    assert.equal(limited.json.error.code, 'rate_limited');
    assert.match(limited.json.error.message, /wait \d+ seconds?, then press it again/);
    const retryAfter = Number(limited.headers.get('retry-after'));
    assert.ok(Number.isInteger(retryAfter) && retryAfter > 0 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    const session = await l.request('GET', `/api/sessions/${id}`, undefined, h);
    assert.equal(session.json.attempts, 2, 'the refused Check is not an attempt');
    assert.equal(session.json.state, 'ready');
    // Another learner's session has its own budget.
    const other = new Learner(server.srv.url);
    const s2 = await readySession(other);
    assert.equal((await other.request('POST', `/api/sessions/${s2.id}/grade`, undefined, { 'x-session-token': s2.token })).status, 200);
  });

  it('refills at the configured rate (token bucket)', () => {
    let now = 0;
    const b = new TokenBuckets({ burst: 2, perMinute: 6 }, () => now);
    assert.equal(b.take('s'), 0);
    assert.equal(b.take('s'), 0);
    assert.equal(b.take('s'), 10);
    now += 4_000;
    assert.equal(b.take('s'), 6);
    now += 6_000;
    assert.equal(b.take('s'), 0);
    assert.equal(b.take('other'), 0);
    assert.equal(new TokenBuckets({ burst: 1, perMinute: 0 }, () => now).take('s'), 0, '0 per minute = no limit');
    b.dispose();
    assert.equal(b.size, 0);
  });
});
