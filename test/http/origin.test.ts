/** State changes only from our own pages: forged form posts and another site's sockets are refused. Real server on port 0, memory provider. */
import assert from 'node:assert/strict';
import { io as ioClient, type Socket } from 'socket.io-client';
import { TERMINAL_NAMESPACE } from '../../server/wire/types.js';
import { assertJsonError, raw, readySession } from '../helpers/http.js';
import { MemoryProbes } from '../helpers/memoryProbes.js';
import { MemoryProvider } from '../helpers/memoryProvider.js';
import { Learner, startTestServer, type TestServer } from '../helpers/testServer.js';
import { waitFor } from '../helpers/wait.js';

const TOKEN = 'instructor-secret-token-1234';
const EVIL = 'http://evil.example';

describe('HTTP: state changes only from our own pages', () => {
  let srv: TestServer;
  const sockets: Socket[] = [];

  async function boot(opts: Parameters<typeof startTestServer>[0]['http'] = {}): Promise<void> {
    srv = await startTestServer({ provider: new MemoryProvider(), probesFor: () => new MemoryProbes(), instructorToken: TOKEN, http: opts });
  }
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.disconnect();
    await srv.close();
    assert.ok(!srv.logs.some((l) => l.includes('request failed')), `no request became a 500: ${srv.logs.join('\n')}`);
  });
  const json = { 'content-type': 'application/json' };

  it('refuses a form post from another site to /me/next (403, seat unchanged), accepts the page’s own', async () => {
    await boot();
    const instructor = { authorization: `Bearer ${TOKEN}` };
    const w = await new Learner(srv.url).request('POST', '/api/workshops', { title: 'T', scenarios: ['init-containers', 'apparmor'], seats: 2, warmClusters: 0 }, instructor);
    assert.equal(w.status, 201, JSON.stringify(w.json));
    const ann = new Learner(srv.url);
    assert.equal((await ann.request('POST', '/api/join', { joinCode: w.json.joinCode, displayName: 'Ann' })).status, 201);
    const path = `/api/workshops/${w.json.id}/me/next`;
    const forged: Record<string, string>[] = [
      { origin: EVIL, 'content-type': 'application/x-www-form-urlencoded' },
      { origin: EVIL, 'content-type': 'multipart/form-data; boundary=x' },
      { origin: EVIL, 'content-type': 'text/plain' },
      { origin: 'null', 'content-type': 'application/x-www-form-urlencoded' },
      // A sibling app on the same host but another port is another origin (and gets SameSite=Strict cookies).
      { origin: `http://127.0.0.1:1`, 'content-type': 'text/plain' },
      // Old browsers sent no Origin on form posts.
      { 'content-type': 'application/x-www-form-urlencoded' },
      { 'sec-fetch-site': 'cross-site' },
    ];
    for (const headers of forged) {
      const r = await raw(srv.url, 'POST', path, { cookie: ann.cookie, ...headers }, 'a=b');
      assertJsonError(r, 403, 'forbidden');
    }
    assert.equal((await ann.request('GET', `/api/workshops/${w.json.id}/me`)).json.scenarioIndex, 0, 'the forged posts changed nothing');
    const own = await raw(srv.url, 'POST', path, { cookie: ann.cookie, origin: srv.url });
    assert.equal(own.status, 200, own.text);
    assert.equal(own.json.scenarioIndex, 1);
  });

  it('refuses JSON, token and instructor requests from another site, and accepts them without an Origin (curl, CLI)', async () => {
    await boot();
    const l = new Learner(srv.url);
    const foreign = await raw(srv.url, 'POST', '/api/sessions', { ...json, origin: EVIL }, '{"scenarioId":"init-containers"}');
    assertJsonError(foreign, 403, 'forbidden');
    assert.match(foreign.json.error.message, /another web site/);
    const instructorForeign = await raw(srv.url, 'POST', '/api/workshops', { ...json, origin: EVIL, authorization: `Bearer ${TOKEN}` }, '{}');
    assertJsonError(instructorForeign, 403, 'forbidden');
    assert.equal(srv.store.listSessions().length, 0);

    const { id, token } = await readySession(l);
    // curl: a token header, no body, no Origin.
    const graded = await raw(srv.url, 'POST', `/api/sessions/${id}/grade`, { cookie: l.cookie, 'x-session-token': token });
    assert.equal(graded.status, 200, graded.text);
    // A text/plain body is fine with a token (a form cannot set one).
    assert.equal((await raw(srv.url, 'POST', `/api/sessions/${id}/grade`, { cookie: l.cookie, 'x-session-token': token, 'content-type': 'text/plain' }, 'x')).status, 200);
    const stolen = await raw(srv.url, 'DELETE', `/api/sessions/${id}`, { cookie: l.cookie, 'x-session-token': token, origin: EVIL });
    assertJsonError(stolen, 403, 'forbidden');
    assert.equal(srv.store.getSession(id)?.state, 'ready');
    // Reads are not affected.
    assert.equal((await raw(srv.url, 'GET', '/api/scenarios', { origin: EVIL })).status, 200);
  });

  it('accepts CKS_PUBLIC_URL as the page’s origin behind a proxy that rewrites Host', async () => {
    await boot({ publicUrl: 'https://labs.example.org' });
    const body = '{"scenarioId":"init-containers"}';
    const proxied = await raw(srv.url, 'POST', '/api/sessions', { ...json, origin: 'https://labs.example.org', host: 'backend:3000' }, body);
    assert.equal(proxied.status, 201, proxied.text);
    assertJsonError(await raw(srv.url, 'POST', '/api/sessions', { ...json, origin: 'https://other.example.org', host: 'backend:3000' }, body), 403, 'forbidden');
  });

  it('refuses socket.io handshakes from another site on the websocket and polling transports', async () => {
    await boot();
    const l = new Learner(srv.url);
    const { id, token } = await readySession(l);
    const open = (origin: string): Socket => {
      const s = ioClient(srv.url + TERMINAL_NAMESPACE, { auth: { sessionId: id, token }, extraHeaders: { cookie: l.cookie, origin }, transports: ['websocket'], reconnection: false, forceNew: true });
      sockets.push(s);
      return s;
    };
    const evil = open(EVIL);
    const err = await new Promise<Error>((r) => evil.on('connect_error', r));
    assert.ok(err, 'refused');
    assert.equal(evil.connected, false);
    let output = '';
    evil.on('output', (d: string) => (output += d));
    const own = open(srv.url);
    await waitFor(() => own.connected, 'own origin connects');
    assert.equal(output, '');
    const polling = await raw(srv.url, 'GET', '/socket.io/?EIO=4&transport=polling', { origin: EVIL, cookie: l.cookie });
    assert.equal(polling.status, 403);
    assert.equal((await raw(srv.url, 'GET', '/socket.io/?EIO=4&transport=polling', { origin: srv.url })).status, 200);
  });
});
