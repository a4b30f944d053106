/** Raw HTTP for tests that send what a browser or fetch would not (odd paths, forged headers). */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { waitFor } from './wait.js';
import { MemoryProbes } from './memoryProbes.js';
import { MemoryProvider } from './memoryProvider.js';
import { startTestServer, type Learner, type TestServer } from './testServer.js';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

/** One HTTP request with the path sent exactly as given (fetch would normalise `..` and `%2e`). */
export function raw(base: string, method: string, path: string, headers: Record<string, string> = {}, body?: string | Buffer): Promise<RawResponse> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: u.hostname, port: u.port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The usual JSON error: `{ error: { code, message } }`, a 4xx, no stack trace. */
export function assertJsonError(r: RawResponse, status: number, code?: string): void {
  assert.equal(r.status, status, r.text);
  assert.match(String(r.headers['content-type']), /application\/json/);
  assert.equal(typeof r.json?.error?.message, 'string', r.text);
  if (code) assert.equal(r.json.error.code, code);
  assert.doesNotMatch(r.text, /at .*\.(js|ts):\d+|node_modules/);
}

/** Starts init-containers for `l` and waits until it is ready. */
export async function readySession(l: Learner): Promise<{ id: string; token: string }> {
  const created = await l.request('POST', '/api/sessions', { scenarioId: 'init-containers' });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  const { session, token } = created.json as { session: { id: string }; token: string };
  await waitFor(async () => (await l.request('GET', `/api/sessions/${session.id}`, undefined, { 'x-session-token': token })).json.state === 'ready', 'ready');
  return { id: session.id, token };
}

/**
 * A real server on port 0 over the in-memory provider, booted per test with its own HTTP options,
 * closed after each test, failing the test if any request became a 500 ("request failed").
 */
export function memoryServerPerTest(instructorToken: string): { boot(opts?: HttpOptions): Promise<TestServer>; readonly srv: TestServer } {
  let current: TestServer | undefined;
  afterEach(async () => {
    const s = current;
    current = undefined;
    if (!s) return;
    await s.close();
    assert.ok(!s.logs.some((l) => l.includes('request failed')), `no request became a 500: ${s.logs.join('\n')}`);
  });
  return {
    async boot(opts = {}) {
      current = await startTestServer({ provider: new MemoryProvider(), probesFor: () => new MemoryProbes(), instructorToken, http: opts });
      return current;
    },
    get srv() {
      assert.ok(current, 'boot() the server first');
      return current;
    },
  };
}

type HttpOptions = NonNullable<Parameters<typeof startTestServer>[0]['http']>;
