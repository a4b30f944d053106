/**
 * `nodeHttp` and `nodeReady` checks: curl's argv is built by the grader from a validated URL;
 * its outcome (status, body, certificate, refused, time-out) is judged with expected vs found;
 * a real curl against real listeners proves the parsing; the node's kubelet unit and Node Ready.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { CheckEngine } from '../../server/grading/index.js';
import { curlArgv, parseCurl } from '../../server/grading/checks/nodeHttp.js';
import { kubeletUnit } from '../../server/grading/checks/nodeReady.js';
import type { ClusterProbes, ExecOutcome } from '../../server/grading/types.js';
import { createSilentLogger } from '../../server/log/index.js';
import type { Check, NodeHttpCheck } from '../../server/scenarios/types.js';
import { httpUrlProblem } from '../../server/scenarios/httpUrl.js';
import { fakeProbes } from './fakeProbes.js';
import { writeEtcdPki } from '../fakes/lib/node-pki.mjs';

const engine = new CheckEngine({ logger: createSilentLogger() });
const runOn = (check: Check, probes: ClusterProbes) => engine.runCheck(check, probes);

/** Runs curl on this host for real, as a node would. */
async function realCurl(argv: string[]): Promise<ExecOutcome> {
  try {
    const { stdout, stderr } = await promisify(execFile)(argv[0]!, argv.slice(1), { timeout: 20_000 });
    return { exitCode: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { exitCode: typeof err.code === 'number' ? err.code : 1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

function http(url: string, expect: NodeHttpCheck['expect'], extra: Partial<NodeHttpCheck> = {}): NodeHttpCheck {
  return { id: 'probe', type: 'nodeHttp', description: 'the probe', url, expect, ...extra };
}

describe('nodeHttp checks', () => {
  let server: Server;
  let port: number;
  let closedPort: number;
  const argvs: string[][] = [];
  const probes = (): ClusterProbes =>
    Object.assign(fakeProbes({ node: (argv) => (argvs.push(argv), realCurl(argv)) as unknown as ExecOutcome }), {
      serviceAccountToken: async (ns: string, name: string) => `token-of-${ns}-${name}`,
    });

  before(async () => {
    server = createServer((req, res) => {
      if (req.headers.authorization === 'Bearer token-of-default-probe') return void res.writeHead(403).end('Forbidden (user=system:serviceaccount:default:probe, verb=get, resource=nodes, subresource(s)=[pods proxy])\n');
      res.writeHead(401).end('Unauthorized');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as AddressInfo).port;
    const spare = createServer();
    await new Promise<void>((r) => spare.listen(0, '127.0.0.1', () => r()));
    closedPort = (spare.address() as AddressInfo).port;
    await new Promise<void>((r) => spare.close(() => r()));
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it('validates the URL: http(s) only, no credentials, no spaces or quotes', () => {
    assert.equal(httpUrlProblem('https://127.0.0.1:10250/pods'), undefined);
    assert.equal(httpUrlProblem('http://localhost:10255/healthz'), undefined);
    assert.match(httpUrlProblem('file:///etc/shadow')!, /http/);
    assert.match(httpUrlProblem('https://user:pw@127.0.0.1/')!, /credentials/);
    assert.match(httpUrlProblem('https://127.0.0.1/ -o /etc/passwd')!, /spaces/);
    assert.match(httpUrlProblem('-K/etc/shadow')!, /not a URL/);
  });

  it('builds an argv (never a shell string): --url last, -k and the token only when asked', () => {
    const argv = curlArgv(http('https://127.0.0.1:10250/pods', { status: 401 }, { insecure: true }), 'tok');
    assert.equal(argv[0], 'curl');
    assert.deepEqual(argv.slice(-2), ['--url', 'https://127.0.0.1:10250/pods']);
    assert.ok(argv.includes('-k'));
    assert.ok(argv.includes('Authorization: Bearer tok'));
    assert.ok(!curlArgv(http('http://x/', { status: 200 })).includes('-k'));
  });

  it('passes on the expected status and body, fails saying expected vs found', async () => {
    const ok = await runOn(http(`http://127.0.0.1:${port}/pods`, { status: 401, bodyContains: ['Unauthorized'] }), probes());
    assert.equal(ok.status, 'pass', ok.message);
    const bad = await runOn(http(`http://127.0.0.1:${port}/pods`, { status: 200 }), probes());
    assert.equal(bad.status, 'fail');
    assert.equal(bad.message, `the probe: expected HTTP 200 from http://127.0.0.1:${port}/pods, found HTTP 401 "Unauthorized"`);
  });

  it('a refused connection: passes refused, fails a status expectation; an answer fails refused', async () => {
    const refused = await runOn(http(`http://127.0.0.1:${closedPort}/pods`, { refused: true }), probes());
    assert.equal(refused.status, 'pass', refused.message);
    const wanted401 = await runOn(http(`http://127.0.0.1:${closedPort}/pods`, { status: 401 }), probes());
    assert.equal(wanted401.status, 'fail');
    assert.match(wanted401.message, new RegExp(`expected HTTP 401 from http://127.0.0.1:${closedPort}/pods, found connection refused \\(curl: \\(7\\) Failed to connect`));
    const open = await runOn(http(`http://127.0.0.1:${port}/pods`, { refused: true }), probes());
    assert.equal(open.status, 'fail');
    assert.match(open.message, new RegExp(`^the probe: expected connection refused on 127.0.0.1:${port}, found HTTP 401 "Unauthorized"$`));
  });

  it('authenticates as a ServiceAccount with a TokenRequest token', async () => {
    const c = await runOn(http(`http://127.0.0.1:${port}/pods`, { status: 403, bodyContains: ['subresource(s)=[pods proxy]'] }, { auth: { serviceAccount: { namespace: 'default', name: 'probe' } } }), probes());
    assert.equal(c.status, 'pass', c.message);
    const noTokens = await runOn(http(`http://127.0.0.1:${port}/pods`, { status: 403 }, { auth: { serviceAccount: { namespace: 'default', name: 'probe' } } }), fakeProbes({ node: () => ({ exitCode: 0, stdout: '', stderr: '' }) }));
    assert.equal(noTokens.status, 'error');
  });

  it('reads a certificate subject, a time-out and a missing curl from curl output', () => {
    const https = parseCurl({ exitCode: 0, stdout: 'Unauthorized\n__cks_http__ 401', stderr: '* Server certificate:\n*  subject: CN=kind-control-plane@1764468000\n*  start date: x\n' });
    assert.deepEqual(https, { kind: 'http', status: 401, body: 'Unauthorized', certSubject: 'CN=kind-control-plane@1764468000' });
    const forged = parseCurl({ exitCode: 0, stdout: 'x\n__cks_http__ 200 and more\n__cks_http__ 401', stderr: '' });
    assert.equal(forged.kind === 'http' && forged.status, 401, 'the last mark is curl\'s');
    assert.equal(parseCurl({ exitCode: 28, stdout: '', stderr: 'curl: (28) Connection timed out after 5001 milliseconds\n' }).kind, 'failed');
    assert.throws(() => parseCurl({ exitCode: 127, stdout: '', stderr: 'exec: "curl": executable file not found in $PATH' }), /curl is not installed/);
  });
});

describe('nodeHttp checks over TLS: client certificates, TLS versions, a refused handshake, waiting out a restart', () => {
  let dir: string;
  let pki: (f: string) => string;
  let mtls: HttpsServer;
  let tls13: HttpsServer;
  const portOf = (s: HttpsServer): number => (s.address() as AddressInfo).port;
  const probes = (): ClusterProbes => fakeProbes({ node: ((argv: string[]) => realCurl(argv)) as unknown as (argv: string[]) => ExecOutcome });
  const listen = async (s: HttpsServer): Promise<HttpsServer> => {
    s.on('tlsClientError', () => {});
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    return s;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nodehttp-tls-'));
    writeEtcdPki(dir, { hostname: 'kind-control-plane', ip: '172.18.0.2' });
    pki = (f) => join(dir, 'etc/kubernetes/pki', f);
    const serving = { cert: readFileSync(pki('etcd/server.crt')), key: readFileSync(pki('etcd/server.key')) };
    const ok = (_req: unknown, res: ServerResponse): void => void res.writeHead(200).end('{"health":"true"}');
    // etcd with --client-cert-auth: a certificate from its CA is required.
    mtls = await listen(createHttpsServer({ ...serving, ca: readFileSync(pki('etcd/ca.crt')), requestCert: true, rejectUnauthorized: true }, ok));
    // kube-apiserver with --tls-min-version=VersionTLS13.
    tls13 = await listen(createHttpsServer({ ...serving, minVersion: 'TLSv1.3' }, ok));
  });
  after(async () => {
    for (const s of [mtls, tls13]) await new Promise<void>((r) => s.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('builds --cacert, --cert, --key, --tlsv1.x and --tls-max into the argv', () => {
    const argv = curlArgv(http('https://127.0.0.1:2379/health', { status: 200 }, { tls: { cacert: '/ca.crt', cert: '/c.crt', key: '/c.key', minVersion: '1.2', maxVersion: '1.2' } }));
    assert.deepEqual(argv.slice(argv.indexOf('--cacert'), argv.indexOf('--url')), ['--cacert', '/ca.crt', '--cert', '/c.crt', '--key', '/c.key', '--tlsv1.2', '--tls-max', '1.2']);
  });

  it('a server that requires a client certificate: refused in the handshake without one, answers with one', async () => {
    const url = `https://127.0.0.1:${portOf(mtls)}/health`;
    const none = await runOn(http(url, { handshakeRefused: true }, { tls: { cacert: pki('etcd/ca.crt') } }), probes());
    assert.equal(none.status, 'pass', none.message);
    assert.match(none.actual, /the TLS handshake refused \(curl: \(56\) .*alert certificate required/);
    const withCert = await runOn(http(url, { status: 200, bodyContains: ['"health":"true"'] }, { tls: { cacert: pki('etcd/ca.crt'), cert: pki('apiserver-etcd-client.crt'), key: pki('apiserver-etcd-client.key') } }), probes());
    assert.equal(withCert.status, 'pass', withCert.message);
    const wrong = await runOn(http(url, { handshakeRefused: true }, { tls: { cacert: pki('etcd/ca.crt'), cert: pki('apiserver-etcd-client.crt'), key: pki('apiserver-etcd-client.key') } }), probes());
    assert.equal(wrong.status, 'fail');
    assert.equal(wrong.message, `the probe: expected the TLS handshake with 127.0.0.1:${portOf(mtls)} refused (client certificate ${pki('apiserver-etcd-client.crt')}), found HTTP 200 "{\"health\":\"true\"}"`);
  });

  it('a TLS 1.3-only server refuses a handshake limited to TLS 1.2 and completes a TLS 1.3 one', async () => {
    const url = `https://127.0.0.1:${portOf(tls13)}/readyz`;
    const old = await runOn(http(url, { handshakeRefused: true }, { insecure: true, tls: { maxVersion: '1.2' } }), probes());
    assert.equal(old.status, 'pass', old.message);
    assert.match(old.actual, /the TLS handshake refused \(curl: \(35\) .*protocol version/);
    const current = await runOn(http(url, { status: 200 }, { insecure: true, tls: { minVersion: '1.3' } }), probes());
    assert.equal(current.status, 'pass', current.message);
    const tls12Server = await runOn(http(`https://127.0.0.1:${portOf(mtls)}/health`, { handshakeRefused: true }, { insecure: true, tls: { maxVersion: '1.2' } }), probes());
    assert.equal(tls12Server.status, 'pass', 'TLS 1.2 without a client certificate is refused too (alert in the handshake)');
  });

  it('waitSeconds: a refused connection is tried again until the server listens; without it, refused at once', async () => {
    const spare = createServer();
    await new Promise<void>((r) => spare.listen(0, '127.0.0.1', () => r()));
    const port = (spare.address() as AddressInfo).port;
    await new Promise<void>((r) => spare.close(() => r()));
    const url = `https://127.0.0.1:${port}/readyz`;
    const atOnce = await runOn(http(url, { status: 200 }, { insecure: true }), probes());
    assert.equal(atOnce.status, 'fail');
    assert.match(atOnce.actual, /connection refused/);
    const late = createHttpsServer({ cert: readFileSync(pki('etcd/server.crt')), key: readFileSync(pki('etcd/server.key')) }, (_req, res) => void res.writeHead(200).end('ok'));
    const timer = setTimeout(() => late.listen(port, '127.0.0.1'), 1500);
    try {
      const waited = await runOn(http(url, { status: 200 }, { insecure: true, waitSeconds: 10, timeoutMs: 20_000 }), probes());
      assert.equal(waited.status, 'pass', waited.message);
    } finally {
      clearTimeout(timer);
      await new Promise<void>((r) => (late.listening ? late.close(() => r()) : r()));
    }
  });
});

describe('nodeHttp to kube-apiserver while it crash-loops', () => {
  it('stops waiting at once and the grade says why (the crash loop and its log), instead of sitting out waitSeconds', async () => {
    let curls = 0;
    const refused = (): ExecOutcome => ((curls += 1), { exitCode: 7, stdout: '', stderr: 'curl: (7) Failed to connect to 127.0.0.1 port 6443 after 0 ms: Couldn\'t connect to server\n' });
    const probes: ClusterProbes = {
      ...fakeProbes({ node: refused }),
      apiHealth: async () => ({ ready: false, state: 'crashLoop', evidence: 'kube-apiserver exited 3 times: Error: unknown flag: --tls-max-version' }),
    };
    const r = await runOn(http('https://127.0.0.1:6443/readyz', { status: 200 }, { insecure: true, waitSeconds: 30, timeoutMs: 45_000 }), probes);
    assert.equal(curls, 1, 'one try: a crash-looping kube-apiserver is not waited for');
    assert.equal(r.status, 'error');
    assert.match(`${r.message} ${r.actual}`, /crash loop.*unknown flag: --tls-max-version/s);
  });
});

describe('nodeReady checks', () => {
  const NODE = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'kind-control-plane' }, status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }] } };
  const notReady = { ...NODE, status: { conditions: [{ type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: 'container runtime status check may not have completed yet' }] } };
  const RUNNING = '● kubelet.service - kubelet: The Kubernetes Node Agent\n     Active: active (running) since Mon 2026-11-30 02:07:12 UTC; 5s ago\n';
  const LOOP = '● kubelet.service - kubelet: The Kubernetes Node Agent\n     Active: activating (auto-restart) (Result: exit-code) since Mon 2026-11-30 02:07:12 UTC; 400ms ago\n\nNov 30 02:07:12 kind-control-plane kubelet[1234]: E1130 02:07:12.345678    1234 run.go:72] "command failed" err="unknown authorization mode Webhok"\nNov 30 02:07:12 kind-control-plane systemd[1]: kubelet.service: Failed with result \'exit-code\'.\n';
  const node = (status: string, code = 0) => (argv: string[]): ExecOutcome =>
    argv[0] === 'cat' ? { exitCode: 0, stdout: 'kind-control-plane\n', stderr: '' } : { exitCode: code, stdout: status, stderr: '' };
  const check: Check = { id: 'ready', type: 'nodeReady', description: 'the node is Ready', waitSeconds: 2, timeoutMs: 10_000 };

  it('reads systemctl status: the Active state and the kubelet\'s error line', () => {
    assert.deepEqual(kubeletUnit(LOOP), { active: 'activating', sub: 'auto-restart', error: 'unknown authorization mode Webhok' });
    assert.deepEqual(kubeletUnit(RUNNING), { active: 'active', sub: 'running' });
    assert.deepEqual(kubeletUnit('○ kubelet.service\n     Active: inactive (dead) since x\n'), { active: 'inactive', sub: 'dead' });
  });

  it('passes when the kubelet runs and the Node is Ready', async () => {
    const c = await runOn(check, fakeProbes({ objects: [NODE], node: node(RUNNING) }));
    assert.equal(c.status, 'pass', c.message);
  });

  it('a crash-looping kubelet fails at once, quoting its error', async () => {
    const started = Date.now();
    const c = await runOn(check, fakeProbes({ objects: [NODE], node: node(LOOP, 3) }));
    assert.equal(c.status, 'fail');
    assert.match(c.message, /the kubelet exits at start and systemd keeps restarting it .*unknown authorization mode Webhok/);
    assert.ok(Date.now() - started < 1500);
  });

  it('a stopped kubelet fails; a restart that outlasts waitSeconds is an error saying to Check again', async () => {
    const stopped = await runOn(check, fakeProbes({ objects: [NODE], node: node('○ kubelet.service\n     Active: inactive (dead) since x\n', 3) }));
    assert.equal(stopped.status, 'fail');
    assert.match(stopped.actual, /kubelet.service inactive \(dead\)/);
    const restarting = await runOn(check, fakeProbes({ objects: [notReady], node: node(RUNNING) }));
    assert.equal(restarting.status, 'error');
    assert.match(restarting.message, /is restarting \(Node Ready=False: container runtime status check may not have completed yet\), press Check again/);
  });
});
