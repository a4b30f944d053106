/**
 * `auditEvent` checks: the grader's own requests carry unique Audit-IDs; the log on the node is
 * read by those ids (a bounded grep, argv only) and each request judged: level, stages, objects,
 * leaked strings, and absences that count only when a later request of the check was logged.
 */
import assert from 'node:assert/strict';
import { defaultCheckRunners } from '../../server/grading/checks/index.js';
import type { ApiRequest, ClusterProbes, ExecOutcome } from '../../server/grading/types.js';
import type { AuditEventCheck } from '../../server/scenarios/types.js';
import { fakeProbes, ok } from './fakeProbes.js';

type Level = 'None' | 'Metadata' | 'Request' | 'RequestResponse';
interface Sim {
  level: (req: ApiRequest) => Level;
  omitReceived?: boolean;
  missing?: boolean;
  answer?: number;
  /** Events appear this many reads late (a slow writer). */
  lag?: number;
}

/** Probes whose API logs events as kube-apiserver would for the given policy, and whose node greps them. */
function auditProbes(sim: Sim): ClusterProbes & { requests: ApiRequest[]; reads: string[][] } {
  const lines: string[] = [];
  const requests: ApiRequest[] = [];
  const reads: string[][] = [];
  let pendingLag = sim.lag ?? 0;
  const base = fakeProbes({
    node: (argv: string[]): ExecOutcome => {
      reads.push(argv);
      if (sim.missing) return ok('', 3, 'no such file');
      if (pendingLag-- > 0) return ok('');
      const id = argv[5]!;
      return ok(lines.filter((l) => l.includes(id)).join('\n') + '\n');
    },
  });
  return Object.assign(base, {
    requests,
    reads,
    async apiRequest(req: ApiRequest) {
      requests.push(req);
      const level = sim.level(req);
      const id = req.headers!['Audit-ID']!;
      const secret = req.path.includes('/secrets/');
      const body = secret ? { kind: 'Secret', data: { password: 'UzNjcjN0' } } : { kind: 'ConfigMap', data: { a: 'b' } };
      if (level !== 'None') {
        const ev = { kind: 'Event', apiVersion: 'audit.k8s.io/v1', level, auditID: id, requestURI: req.path };
        if (!sim.omitReceived) lines.push(JSON.stringify({ ...ev, stage: 'RequestReceived' }));
        lines.push(JSON.stringify({ ...ev, stage: 'ResponseComplete', responseStatus: { code: 200 }, ...(level !== 'Metadata' && req.body ? { requestObject: JSON.parse(req.body) as unknown } : {}), ...(level === 'RequestResponse' ? { responseObject: body } : {}) }));
      }
      lines.push('not json at all ' + id);
      return { code: sim.answer ?? 200, body: JSON.stringify(sim.answer && sim.answer >= 400 ? { kind: 'Status', message: 'configmaps "audit-probe" not found' } : body), headers: {} };
    },
  });
}

const policy = (req: ApiRequest): Level => (req.path.includes('/secrets/') ? 'Metadata' : req.path.includes('/namespaces/billing/configmaps/') ? 'RequestResponse' : 'None');
const check: AuditEventCheck = {
  id: 'audit',
  type: 'auditEvent',
  description: 'the audit log records the grader’s requests',
  logPath: '/var/log/kubernetes/audit/audit.log',
  waitSeconds: 1,
  requests: [
    { verb: 'list', apiVersion: 'v1', resource: 'pods', namespace: 'billing', expect: { logged: false } },
    { verb: 'get', apiVersion: 'v1', resource: 'secrets', namespace: 'billing', name: 'ledger', expect: { logged: true, level: 'Metadata', stages: ['ResponseComplete'], requestObject: false, responseObject: false, notContains: ['UzNjcjN0'] } },
    { verb: 'patch', apiVersion: 'v1', resource: 'configmaps', namespace: 'billing', name: 'audit-probe', patch: { data: { probe: 'x' } }, expect: { logged: true, level: 'RequestResponse', stages: ['ResponseComplete'], requestObject: true, responseObject: true } },
  ],
};
const run = (c: AuditEventCheck, probes: ClusterProbes) => defaultCheckRunners().get('auditEvent')!(c, probes, new AbortController().signal);

describe('auditEvent checks', () => {
  it('passes when each request is logged as expected, and sends unique Audit-IDs, the merge patch and a bounded argv read', async () => {
    const probes = auditProbes({ level: policy, omitReceived: true });
    const r = await run(check, probes);
    assert.equal(r.status, 'pass', r.message);
    assert.deepEqual(probes.requests.map((q) => [q.method, q.path]), [
      ['GET', '/api/v1/namespaces/billing/pods'],
      ['GET', '/api/v1/namespaces/billing/secrets/ledger'],
      ['PATCH', '/api/v1/namespaces/billing/configmaps/audit-probe'],
    ]);
    const ids = probes.requests.map((q) => q.headers!['Audit-ID']!);
    assert.equal(new Set(ids).size, 3);
    assert.match(ids[0]!, /^cks-lab-audit-[0-9a-f-]{36}-0$/);
    assert.equal(probes.requests[2]!.contentType, 'application/merge-patch+json');
    const argv = probes.reads[0]!;
    assert.deepEqual([argv[0], argv[1], argv[3], argv[4]], ['sh', '-c', 'audit-read', '/var/log/kubernetes/audit/audit.log']);
    assert.ok(ids[0]!.startsWith(argv[5]!), 'the node greps for the check’s id prefix only');
    assert.match(r.actual, /get secrets billing\/ledger: Metadata at ResponseComplete, no objects/);
  });

  it('RequestReceived not omitted: the stages are wrong', async () => {
    const r = await run(check, auditProbes({ level: policy }));
    assert.equal(r.status, 'fail');
    assert.match(r.message, /get secrets billing\/ledger — stages RequestReceived, ResponseComplete, expected exactly ResponseComplete/);
  });

  it('Secrets at RequestResponse: the level is wrong and the value leaks', async () => {
    const r = await run(check, auditProbes({ level: (q) => (q.path.includes('/secrets/') ? 'RequestResponse' : policy(q)), omitReceived: true }));
    assert.equal(r.status, 'fail');
    assert.match(r.message, /level RequestResponse, expected Metadata; a responseObject is logged; the log holds "UzNjcjN0"/);
  });

  it('a catch-all None first: nothing is logged, and the absence proves nothing', async () => {
    const r = await run(check, auditProbes({ level: () => 'None' }));
    assert.equal(r.status, 'fail');
    assert.match(r.actual, /list pods in billing: no event, but no later request of this check was logged either/);
    assert.match(r.actual, /get secrets billing\/ledger: no event in \/var\/log\/kubernetes\/audit\/audit.log/);
  });

  it('an event for a request that must not be logged fails', async () => {
    const r = await run(check, auditProbes({ level: (q) => (q.path.endsWith('/pods') ? 'Metadata' : policy(q)), omitReceived: true }));
    assert.equal(r.status, 'fail');
    assert.match(r.message, /list pods in billing — logged \(Metadata at ResponseComplete, no objects\), expected no event/);
  });

  it('waits for events written late', async () => {
    const r = await run(check, auditProbes({ level: policy, omitReceived: true, lag: 2 }));
    assert.equal(r.status, 'pass', r.message);
  });

  it('no log file on the node: fails saying so; a request the API refuses is an error (the grader’s object is missing)', async () => {
    const missing = await run(check, auditProbes({ level: policy, missing: true }));
    assert.equal(missing.status, 'fail');
    assert.match(missing.message, /the audit log \/var\/log\/kubernetes\/audit\/audit.log does not exist on the node/);
    await assert.rejects(run(check, auditProbes({ level: policy, answer: 404 })), /the grader's own request \(list pods in billing\) was answered HTTP 404: configmaps "audit-probe" not found/);
  });
});

describe('ClientNodeProbes.apiRequest', () => {
  it('sends the method, headers and body with the kubeconfig’s credentials, returns any answer, and waits out a restart (503)', async () => {
    const { createServer } = await import('node:http');
    const { ClientNodeProbes } = await import('../../server/kube/clientNodeProbes.js');
    const { kubeconfigFor } = await import('./tinyApiServer.js');
    const seen: { method?: string; url?: string; auditId?: string; auth?: string; type?: string; body: string }[] = [];
    let unavailable = 1;
    const started = Date.now();
    const srv = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, auditId: String(req.headers['audit-id']), auth: String(req.headers.authorization ?? ''), type: String(req.headers['content-type'] ?? ''), body });
        if (unavailable-- > 0) {
          res.writeHead(503).end('starting');
          return;
        }
        res.writeHead(404, { 'Content-Type': 'application/json', 'Audit-Id': String(req.headers['audit-id']) }).end('{"kind":"Status","message":"nope"}');
      });
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    try {
      const probes = new ClientNodeProbes({ kubeconfig: kubeconfigFor(`http://127.0.0.1:${(srv.address() as import('node:net').AddressInfo).port}`), nodeExec: async () => ok(), apiRetryMs: 3000 });
      const answer = await probes.apiRequest({ method: 'PATCH', path: '/api/v1/namespaces/b/configmaps/c', body: '{"data":{}}', contentType: 'application/merge-patch+json', headers: { 'Audit-ID': 'id-1' } });
      assert.equal(answer.code, 404);
      assert.equal(answer.headers['audit-id'], 'id-1');
      assert.equal(seen.length, 2, 'the 503 was tried again');
      assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
      assert.deepEqual({ ...seen[1], auth: seen[1]!.auth !== '' }, { method: 'PATCH', url: '/api/v1/namespaces/b/configmaps/c', auditId: 'id-1', auth: true, type: 'application/merge-patch+json', body: '{"data":{}}' });
    } finally {
      srv.closeAllConnections();
      await new Promise<void>((r) => srv.close(() => r()));
    }
  });
});
