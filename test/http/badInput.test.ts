/** Bad input from a careless client or a broken browser: a 4xx with the usual JSON error, never a 500. Real server on port 0, memory provider. */
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { LEARNER_COOKIE } from '../../server/wire/types.js';
import { assertJsonError, memoryServerPerTest, raw } from '../helpers/http.js';

const TOKEN = 'instructor-secret-token-1234';

describe('HTTP: bad input is a 4xx with the usual JSON error', () => {
  const server = memoryServerPerTest(TOKEN);
  const boot = server.boot;
  beforeEach(() => boot());

  it('answers a body over the limit with 413 and an unsupported content-encoding with 415', async () => {
    const big = JSON.stringify({ scenarioId: 'init-containers', pad: 'x'.repeat(20_000) });
    assertJsonError(await raw(server.srv.url, 'POST', '/api/sessions', { 'content-type': 'application/json' }, big), 413, 'too_large');
    const bomb = gzipSync(Buffer.from(big));
    assertJsonError(await raw(server.srv.url, 'POST', '/api/sessions', { 'content-type': 'application/json', 'content-encoding': 'gzip' }, bomb), 413, 'too_large');
    const odd = await raw(server.srv.url, 'POST', '/api/sessions', { 'content-type': 'application/json', 'content-encoding': 'x-custom' }, '{}');
    assertJsonError(odd, 415, 'unsupported_media_type');
    assert.match(odd.json.error.message, /content-encoding/);
    const latin = await raw(server.srv.url, 'POST', '/api/sessions', { 'content-type': 'application/json; charset=x-unknown' }, '{}');
    assertJsonError(latin, 415, 'unsupported_media_type');
    // A well-formed gzip body still works.
    const ok = await raw(server.srv.url, 'POST', '/api/sessions', { 'content-type': 'application/json', 'content-encoding': 'gzip' }, gzipSync('{"scenarioId":"init-containers"}'));
    assert.equal(ok.status, 201, ok.text);
  });

  it('answers malformed percent-escapes in paths with 400', async () => {
    for (const path of ['/api/sessions/%E0%A4%A', '/api/scenarios/%ZZ', '/s/%E0%A4%A', '/join/%', '/assets/%E0%A4%A.js']) {
      assertJsonError(await raw(server.srv.url, 'GET', path), 400, 'bad_request');
    }
  });

  it('answers missing assets, unknown pages and path traversal under /assets with a JSON 4xx, never a file outside', async () => {
    assertJsonError(await raw(server.srv.url, 'GET', '/assets/nope.js'), 404, 'not_found');
    assertJsonError(await raw(server.srv.url, 'GET', '/no-such-page'), 404, 'not_found');
    for (const path of ['/assets/../../package.json', '/assets/..%2f..%2fpackage.json', '/assets/%2e%2e/%2e%2e/package.json', '/assets/..%5c..%5cpackage.json', '/assets/app.js%00.map']) {
      const r = await raw(server.srv.url, 'GET', path);
      assert.ok(r.status >= 400 && r.status < 500, `${path}: ${r.status}`);
      assert.ok(r.json?.error?.message, `${path}: JSON error, got ${r.text.slice(0, 80)}`);
      assert.doesNotMatch(r.text, /"devDependencies"/);
    }
    assert.equal((await raw(server.srv.url, 'GET', '/assets/app.js')).status, 200);
  });

  it('treats a malformed learner cookie as none: the browser gets a fresh cookie and carries on', async () => {
    const broken = `${LEARNER_COOKIE}=%E0%A4%A`;
    const list = await raw(server.srv.url, 'GET', '/api/sessions', { cookie: broken });
    assert.equal(list.status, 200, list.text);
    assert.deepEqual(list.json, { sessions: [] });
    const created = await raw(server.srv.url, 'POST', '/api/sessions', { cookie: broken, 'content-type': 'application/json' }, '{"scenarioId":"init-containers"}');
    assert.equal(created.status, 201, created.text);
    const set = String(created.headers['set-cookie']);
    const fresh = new RegExp(`${LEARNER_COOKIE}=([A-Za-z0-9_-]{32,64});`).exec(set)?.[1];
    assert.ok(fresh, `a fresh learner cookie replaces the broken one: ${set}`);
    assert.match(set, /Path=\//);
    // The browser now sends the fresh cookie and sees its lab.
    const after = await raw(server.srv.url, 'GET', '/api/sessions', { cookie: `${LEARNER_COOKIE}=${fresh}` });
    assert.deepEqual(after.json.sessions.map((s: { id: string }) => s.id), [created.json.session.id]);
    // A stale broken copy next to the fresh one (another Path) does not hide it.
    const both = await raw(server.srv.url, 'GET', '/api/sessions', { cookie: `${broken}; ${LEARNER_COOKIE}=${fresh}` });
    assert.equal(both.json.sessions.length, 1);
  });
});
