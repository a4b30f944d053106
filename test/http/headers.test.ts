/** Security headers, no-store on token answers, source maps and the metrics token, as a client sees them. Real server on port 0, memory provider. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertJsonError, memoryServerPerTest, raw } from '../helpers/http.js';
import { Learner, ROOT } from '../helpers/testServer.js';

const TOKEN = 'instructor-secret-token-1234';

describe('HTTP: headers', () => {
  const server = memoryServerPerTest(TOKEN);
  const boot = server.boot;
  it('sends a CSP without inline script, nosniff and frame-ancestors on the page, and the page has no inline script', async () => {
    await boot();
    const page = await raw(server.srv.url, 'GET', '/');
    assert.equal(page.status, 200);
    const csp = String(page.headers['content-security-policy']);
    const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));
    assert.deepEqual(directives.get('script-src'), ["'self'"]);
    assert.deepEqual(directives.get('frame-ancestors'), ["'none'"]);
    assert.deepEqual(directives.get('object-src'), ["'none'"]);
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
    assert.equal(page.headers['x-frame-options'], 'DENY');
    assert.doesNotMatch(page.text, /<script(?![^>]*\bsrc=)[^>]*>/i, 'no inline <script>');
    assert.doesNotMatch(page.text, /\son[a-z]+\s*=/i, 'no inline event handlers');
    assert.doesNotMatch(page.text, /\sstyle\s*=/i, 'no inline style attributes');
    const asset = await raw(server.srv.url, 'GET', '/assets/app.js');
    assert.equal(asset.headers['x-content-type-options'], 'nosniff');
  });

  it('marks every response that carries a token Cache-Control: no-store', async () => {
    await boot();
    const l = new Learner(server.srv.url);
    const created = await l.request('POST', '/api/sessions', { scenarioId: 'init-containers' });
    assert.equal(created.headers.get('cache-control'), 'no-store');
    assert.equal((await l.request('GET', '/api/sessions')).headers.get('cache-control'), 'no-store');
    const ws = await l.request('POST', '/api/workshops', { title: 'T', scenarios: ['init-containers'], seats: 2, warmClusters: 0 }, { authorization: `Bearer ${TOKEN}` });
    const joined = await new Learner(server.srv.url).request('POST', '/api/join', { joinCode: ws.json.joinCode, displayName: 'Ann' });
    assert.equal(joined.status, 201);
    assert.ok(joined.json.token);
    assert.equal(joined.headers.get('cache-control'), 'no-store');
  });

  it('serves no source maps unless told (production), and serves them in development', async () => {
    const mapFile = join(ROOT, 'web', 'dist', 'app.js.map');
    await boot();
    assertJsonError(await raw(server.srv.url, 'GET', '/assets/app.js.map'), 404, 'not_found');
    await server.srv.close();
    await boot({ sourceMaps: true });
    const dev = await raw(server.srv.url, 'GET', '/assets/app.js.map');
    assert.equal(dev.status, 200, 'a development build has app.js.map');
    assert.equal(dev.text, readFileSync(mapFile, 'utf8'));
  });

  it('puts /metrics behind CKS_METRICS_TOKEN when it is set', async () => {
    const operator = { metrics: () => 'cks_sessions{state="ready"} 0\n', ready: async () => ({ ready: true, problems: [] }) };
    await boot({ operator, metricsToken: 'metrics-token-123' });
    assertJsonError(await raw(server.srv.url, 'GET', '/metrics'), 401, 'unauthorized');
    assertJsonError(await raw(server.srv.url, 'GET', '/metrics', { authorization: 'Bearer wrong' }), 401, 'unauthorized');
    const ok = await raw(server.srv.url, 'GET', '/metrics', { authorization: 'Bearer metrics-token-123' });
    assert.equal(ok.status, 200);
    assert.match(ok.text, /cks_sessions/);
    assert.equal((await raw(server.srv.url, 'GET', '/api/ready')).status, 200, 'readiness stays open for probes');
    await server.srv.close();
    await boot({ operator });
    assert.equal((await raw(server.srv.url, 'GET', '/metrics')).status, 200, 'open without a token');
  });
});
