/** The fake kube-apiserver's auditing: the policy as k8s.io/apiserver reads and applies it, the flags, the events and the log file. */
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ObjectStore } from '../store.js';
import { bootstrapPolicy, type Attributes } from '../rbac.js';
import { auditFromFlags, auditIdOf, levelAndStages, parseAuditPolicy, AuditBackend, type MountLookup } from './index.js';
import { AuditLogFile } from './logFile.js';

const POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: Metadata
  resources: [{ group: "", resources: [secrets] }]
- level: RequestResponse
  namespaces: [billing]
  resources: [{ resources: [configmaps] }]
- level: None
`;
const ADMIN = { user: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] };
const ask = (a: Partial<Attributes> & { verb: string }) => ({ user: ADMIN.user, groups: ADMIN.groups, resourceRequest: a.resource !== undefined, ...a });

describe('fake kube-apiserver: audit policy', () => {
  it('the first matching rule decides; no match is None; the policy’s omitStages join every rule’s', () => {
    const p = parseAuditPolicy(POLICY, '/p.yaml');
    assert.deepEqual(levelAndStages(p, ask({ verb: 'get', resource: 'secrets', namespace: 'default', name: 's' })).level, 'Metadata');
    assert.deepEqual(levelAndStages(p, ask({ verb: 'patch', resource: 'configmaps', namespace: 'billing', name: 'c' })), { level: 'RequestResponse', omitStages: ['RequestReceived'], omitManagedFields: false });
    assert.equal(levelAndStages(p, ask({ verb: 'patch', resource: 'configmaps', namespace: 'default', name: 'c' })).level, 'None');
    assert.equal(levelAndStages(p, ask({ verb: 'list', resource: 'pods', namespace: 'billing' })).level, 'None');
    const noneFirst = parseAuditPolicy(POLICY.replace('rules:\n', 'rules:\n- level: None\n'), '/p.yaml');
    assert.equal(levelAndStages(noneFirst, ask({ verb: 'get', resource: 'secrets', namespace: 'default', name: 's' })).level, 'None');
    const noCatchAll = parseAuditPolicy(POLICY.replace('- level: None\n', ''), '/p.yaml');
    assert.equal(levelAndStages(noCatchAll, ask({ verb: 'list', resource: 'pods' })).level, 'None');
  });

  it('matches groups, subresources, resourceNames, users, userGroups, verbs and non-resource URLs as the checker does', () => {
    const p = parseAuditPolicy(`apiVersion: audit.k8s.io/v1
kind: Policy
rules:
- { level: Request, resources: [{ group: apps, resources: ["deployments/scale"] }] }
- { level: Request, resources: [{ group: "", resources: ["*/status"] }] }
- { level: RequestResponse, resources: [{ resources: [configmaps], resourceNames: [one] }] }
- { level: Metadata, users: [alice], verbs: [delete] }
- { level: Metadata, userGroups: [ops] }
- { level: Metadata, nonResourceURLs: ["/healthz*"] }
- { level: Request, resources: [{ group: "" }] }
`, '/p');
    const lvl = (a: Parameters<typeof ask>[0], who = ADMIN) => levelAndStages(p, { ...ask(a), user: who.user, groups: who.groups }).level;
    assert.equal(lvl({ verb: 'update', group: 'apps', resource: 'deployments', subresource: 'scale', name: 'd' }), 'Request');
    assert.equal(lvl({ verb: 'update', group: 'apps', resource: 'deployments', name: 'd' }), 'None');
    assert.equal(lvl({ verb: 'patch', resource: 'pods', subresource: 'status', name: 'p' }), 'Request');
    assert.equal(lvl({ verb: 'get', resource: 'configmaps', name: 'one' }), 'RequestResponse');
    assert.equal(lvl({ verb: 'get', resource: 'configmaps', name: 'two' }), 'Request', 'the core group with no resources matches every core resource');
    assert.equal(lvl({ verb: 'delete', group: 'apps', resource: 'deployments', name: 'x' }, { user: 'alice', groups: [] }), 'Metadata');
    assert.equal(lvl({ verb: 'get', group: 'apps', resource: 'deployments', name: 'x' }, { user: 'bob', groups: ['ops'] }), 'Metadata');
    assert.equal(levelAndStages(p, { user: 'x', groups: [], verb: 'get', resourceRequest: false, path: '/healthz/etcd' }).level, 'Metadata');
    assert.equal(levelAndStages(p, { user: 'x', groups: [], verb: 'get', resourceRequest: false, path: '/version' }).level, 'None');
  });

  it('refuses what kube-apiserver refuses, with its messages', () => {
    const bad = (text: string, re: RegExp) => assert.throws(() => parseAuditPolicy(text, '/etc/kubernetes/audit/policy.yaml'), (e: Error) => re.test(e.message), text);
    bad('apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: []\n', /^loaded illegal policy with 0 rules: from file \/etc\/kubernetes\/audit\/policy.yaml$/);
    bad('apiVersion: audit.k8s.io/v1beta1\nkind: Policy\nrules: [{ level: None }]\n', /no kind "Policy" is registered for version "audit.k8s.io\/v1beta1"/);
    bad('apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [{ level: Metdata }]\n', /^rules\[0\]\.level: Unsupported value: "Metdata": supported values: "None", "Metadata", "Request", "RequestResponse"$/);
    bad('apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [{ resources: [{ resources: [pods] }] }]\n', /^rules\[0\]\.level: Required value$/);
    bad('apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestRecieved]\nrules: [{ level: None }]\n', /omitStages\[0\]: Invalid value: "RequestRecieved": allowed stages are RequestReceived,ResponseStarted,ResponseComplete,Panic/);
    bad('apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [{ level: None, nonResourceURLs: [healthz], namespaces: [a] }]\n', /^\[rules\[0\]\.nonResourceURLs\[0\]: Invalid value: "healthz": non-resource URL rules must begin with a '\/' character, rules\[0\]\.nonResourceURLs: Invalid value: \[\]string\{"healthz"\}: rules cannot apply to both regular resources and non-resource URLs\]$/);
    bad('apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  resources: {group: ""}\n', /failed decoding: json: cannot unmarshal object into Go struct field PolicyRule.rules.resources/);
    bad('kind: Policy\nrules:\n  - level: [\n', /^failed decoding: error converting YAML to JSON/);
  });
});

describe('fake kube-apiserver: audit flags at start', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'audit-flags-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  const mounts = (list: { mountPath: string; hostPath: string; readOnly?: boolean }[]): MountLookup => (p) => {
    const m = list.filter((x) => p === x.mountPath || p.startsWith(`${x.mountPath}/`)).sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
    return m ? { nodePath: join(m.hostPath, p.slice(m.mountPath.length)), readOnly: m.readOnly === true } : undefined;
  };
  const start = (args: string[], mountOf: MountLookup) =>
    auditFromFlags({ args: ['kube-apiserver', ...args], mountOf, readNode: (p) => (existsSync(join(root, p)) ? readFileSync(join(root, p), 'utf8') : null), hostRoot: () => root, nodeExists: (p) => existsSync(join(root, p)) });
  const FLAGS = ['--audit-policy-file=/etc/kubernetes/audit/policy.yaml', '--audit-log-path=/var/log/kubernetes/audit/audit.log', '--audit-log-maxbackup=1'];
  const BOTH = [{ mountPath: '/etc/kubernetes/audit', hostPath: '/etc/kubernetes/audit', readOnly: true }, { mountPath: '/var/log/kubernetes/audit', hostPath: '/var/log/kubernetes/audit' }];
  const writePolicy = () => {
    mkdirSync(join(root, 'etc/kubernetes/audit'), { recursive: true });
    writeFileSync(join(root, 'etc/kubernetes/audit/policy.yaml'), POLICY);
  };

  it('no flags: no auditing; both mounted: the log file is created on the node', () => {
    assert.deepEqual(start([], mounts([])), {});
    writePolicy();
    const r = start(FLAGS, mounts(BOTH));
    assert.ok('backend' in r && r.backend);
    assert.ok(existsSync(join(root, 'var/log/kubernetes/audit/audit.log')));
  });

  it('the flags without the mounts: the policy file cannot be read (crash loop)', () => {
    writePolicy();
    assert.deepEqual(start(FLAGS, mounts([])), { error: 'loading audit policy file: failed to read file path "/etc/kubernetes/audit/policy.yaml": open /etc/kubernetes/audit/policy.yaml: no such file or directory' });
  });

  it('the log directory mounted read-only: ensureLogFile fails', () => {
    writePolicy();
    mkdirSync(join(root, 'var/log/kubernetes/audit'), { recursive: true });
    assert.deepEqual(start(FLAGS, mounts([BOTH[0]!, { ...BOTH[1]!, readOnly: true }])), { error: 'ensureLogFile: open /var/log/kubernetes/audit/audit.log: read-only file system' });
  });

  it('the log directory not mounted: kube-apiserver runs, the log stays in the container', () => {
    writePolicy();
    const r = start(FLAGS, mounts([BOTH[0]!]));
    assert.ok('backend' in r && r.backend);
    assert.equal(existsSync(join(root, 'var/log/kubernetes')), false);
  });

  it('flag errors: unknown, not a number, negative, bad format', () => {
    writePolicy();
    assert.deepEqual(start([...FLAGS, '--audit-log-maxbackups=1'], mounts(BOTH)), { error: 'unknown flag: --audit-log-maxbackups' });
    assert.deepEqual(start([...FLAGS, '--audit-log-maxage=ten'], mounts(BOTH)), { error: 'invalid argument "ten" for "--audit-log-maxage" flag: strconv.ParseInt: parsing "ten": invalid syntax' });
    assert.deepEqual(start([...FLAGS, '--audit-log-maxsize=-1'], mounts(BOTH)), { error: "--audit-log-maxsize -1 can't be a negative number" });
    assert.deepEqual(start([...FLAGS, '--audit-log-format=yaml'], mounts(BOTH)), { error: 'invalid audit log format yaml, allowed formats are "legacy,json"' });
  });
});

describe('fake kube-apiserver: audit events and log rotation', () => {
  let root: string;
  let server: Server;
  let backend: AuditBackend;
  const store = new ObjectStore();
  bootstrapPolicy(store);
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'audit-events-'));
    const file = new AuditLogFile({ path: '/audit.log', maxSizeMB: 0, maxBackups: 0, maxAgeDays: 0, compress: false, hostRoot: () => root });
    backend = new AuditBackend(parseAuditPolicy(POLICY.replace('omitStages: [RequestReceived]\n', ''), '/p'), file, 'json');
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const auditID = auditIdOf(req, res);
        const [, , , , ns, resource, name] = (req.url ?? '').split('?')[0]!.split('/');
        const verb = req.method === 'PATCH' ? 'patch' : name ? 'get' : 'list';
        const as = req.headers['impersonate-user'];
        const impersonated = typeof as === 'string' ? { impersonated: { user: as, groups: ['system:authenticated'] } } : {};
        backend.observe({ auditID, req, res, body: Buffer.concat(chunks), who: ADMIN, ...impersonated, store, attrs: { verb, group: '', resource: resource!, namespace: ns!, name: name ?? '' } });
        if (name === 'missing') {
          const text = JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'secrets "missing" not found', reason: 'NotFound', details: { name: 'missing', kind: 'secrets' }, code: 404 });
          res.writeHead(404, { 'Content-Type': 'application/json' }).end(text);
          return;
        }
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ kind: resource === 'secrets' ? 'Secret' : 'ConfigMap', apiVersion: 'v1', metadata: { name, namespace: ns, managedFields: [{ manager: 'kubectl' }] }, data: { password: 'c2VjcmV0' } }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });
  after(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(root, { recursive: true, force: true });
  });
  const send = (method: string, path: string, headers: Record<string, string> = {}, body?: string) =>
    new Promise<{ code: number; auditId: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, method, path, headers: { 'User-Agent': 'audit-test/1.0', ...headers } }, (res) => {
        res.resume();
        res.on('end', () => resolve({ code: res.statusCode ?? 0, auditId: String(res.headers['audit-id']) }));
      });
      req.on('error', reject);
      req.end(body);
    });
  const events = (id: string) => readFileSync(join(root, 'audit.log'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>).filter((e) => e.auditID === id);

  it('a Secret read at Metadata: two stages, no objects, the authorizer’s decision; the client’s Audit-ID is used and echoed', async () => {
    const r = await send('GET', '/api/v1/namespaces/billing/secrets/db', { 'Audit-ID': 'grader-1' });
    assert.equal(r.auditId, 'grader-1');
    const evs = events('grader-1');
    assert.deepEqual(evs.map((e) => e.stage), ['RequestReceived', 'ResponseComplete']);
    const done = evs[1]!;
    assert.deepEqual(Object.keys(done), ['kind', 'apiVersion', 'level', 'auditID', 'stage', 'requestURI', 'verb', 'user', 'sourceIPs', 'userAgent', 'objectRef', 'responseStatus', 'requestReceivedTimestamp', 'stageTimestamp', 'annotations']);
    assert.equal(done.level, 'Metadata');
    assert.deepEqual(done.objectRef, { resource: 'secrets', namespace: 'billing', name: 'db', apiVersion: 'v1' });
    assert.deepEqual(done.responseStatus, { metadata: {}, code: 200 });
    assert.equal(done.annotations['authorization.k8s.io/decision'], 'allow');
    assert.match(done.stageTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    assert.equal(evs[0]!.responseStatus, undefined);
    assert.ok(!JSON.stringify(evs).includes('c2VjcmV0'), 'no data at Metadata');
  });

  it('an impersonated request: the authenticated user, impersonatedUser, and the authorizer’s decision for the impersonated one', async () => {
    await send('GET', '/api/v1/namespaces/billing/secrets/db', { 'Audit-ID': 'grader-as', 'Impersonate-User': 'jane' });
    const done = events('grader-as')[1]!;
    assert.deepEqual([done.user.username, done.impersonatedUser], ['kubernetes-admin', { username: 'jane', groups: ['system:authenticated'] }]);
    assert.deepEqual(Object.keys(done).slice(7, 9), ['user', 'impersonatedUser']);
    assert.equal(done.annotations['authorization.k8s.io/decision'], 'forbid');
  });

  it('a failed request carries the Status in responseStatus', async () => {
    await send('GET', '/api/v1/namespaces/billing/secrets/missing', { 'Audit-ID': 'grader-404' });
    assert.deepEqual(events('grader-404')[1]!.responseStatus, { metadata: {}, status: 'Failure', message: 'secrets "missing" not found', reason: 'NotFound', details: { name: 'missing', kind: 'secrets' }, code: 404 });
  });

  it('a ConfigMap patch in billing at RequestResponse: the patch and the answer; nothing for other namespaces or pods', async () => {
    await send('PATCH', '/api/v1/namespaces/billing/configmaps/probe', { 'Audit-ID': 'grader-2', 'Content-Type': 'application/merge-patch+json' }, '{"data":{"k":"v"}}');
    const done = events('grader-2').find((e) => e.stage === 'ResponseComplete')!;
    assert.equal(done.level, 'RequestResponse');
    assert.deepEqual(done.requestObject, { data: { k: 'v' } });
    assert.equal(done.responseObject.metadata.name, 'probe');
    await send('PATCH', '/api/v1/namespaces/default/configmaps/probe', { 'Audit-ID': 'grader-3' }, '{}');
    await send('GET', '/api/v1/namespaces/billing/pods', { 'Audit-ID': 'grader-4' });
    assert.deepEqual([...events('grader-3'), ...events('grader-4')], []);
  });

  it('rotates past maxsize and keeps maxbackup backups', () => {
    const dir = mkdtempSync(join(tmpdir(), 'audit-rotate-'));
    try {
      let t = Date.parse('2026-01-02T03:04:05.678Z');
      const f = new AuditLogFile({ path: '/l/audit.log', maxSizeMB: 1, maxBackups: 1, maxAgeDays: 0, compress: false, hostRoot: () => dir, now: () => new Date((t += 1000)) });
      f.ensure();
      const line = `${'x'.repeat(400 * 1024)}\n`;
      for (let i = 0; i < 7; i++) f.write(line);
      const files = readdirSync(join(dir, 'l')).sort();
      assert.deepEqual(files, ['audit-2026-01-02T03-04-08.678.log', 'audit.log']);
      assert.equal(readFileSync(join(dir, 'l/audit.log')).length, line.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
