/**
 * kube-apiserver's auditing, as k8s.io/apiserver does it with the log backend:
 * - at each start, the --audit-* flags parsed and validated, the policy file (--audit-policy-file)
 *   read through the pod's mounts and validated, and the log file (--audit-log-path) made sure of
 *   (ensureLogFile) — a failure is the error kube-apiserver exits with (a crash loop);
 * - for every request, the Audit-ID (the client's `Audit-ID` header, else a new UUID) echoed in the
 *   response; the policy's level for the request; events at the stages it logs (RequestReceived
 *   before the handler, ResponseStarted for long-running requests, ResponseComplete), with
 *   requestObject from Request and responseObject at RequestResponse; JSON lines (or the legacy
 *   one-line format) appended to the file as the node sees it — only when the pod mounts the log's
 *   directory from the node (writable), else they stay in the container.
 * Simplified: the log is written synchronously whatever --audit-log-mode says; the webhook backend
 * and --audit-log-path=- (stdout) write nothing; a request refused by authentication (401) and an
 * exec/attach upgrade are not logged.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join, posix } from 'node:path';
import { authorizeChain } from '../nodeAuthorizer.js';
import { decodeKubeProtobuf, loadProtoSchema } from '../protobuf.js';
import type { Attributes, UserInfo } from '../rbac.js';
import type { ObjectStore } from '../store.js';
import { AuditLogFile } from './logFile.js';
import { AuditPolicyError, levelAndStages, parseAuditPolicy, type AuditPolicy, type Level, type Stage } from './policy.js';

export { parseAuditPolicy, levelAndStages, AuditPolicyError } from './policy.js';
export type { AuditPolicy, Level, Stage } from './policy.js';

const INT_FLAGS = new Set(['--audit-log-maxage', '--audit-log-maxbackup', '--audit-log-maxsize', '--audit-log-batch-buffer-size', '--audit-log-batch-max-size', '--audit-log-batch-throttle-burst', '--audit-webhook-batch-buffer-size', '--audit-webhook-batch-max-size', '--audit-webhook-batch-throttle-burst', '--audit-log-truncate-max-batch-size', '--audit-log-truncate-max-event-size', '--audit-webhook-truncate-max-batch-size', '--audit-webhook-truncate-max-event-size']);
const BOOL_FLAGS = new Set(['--audit-log-compress', '--audit-log-batch-throttle-enable', '--audit-log-truncate-enabled', '--audit-webhook-batch-throttle-enable', '--audit-webhook-truncate-enabled']);
const STRING_FLAGS = new Set(['--audit-policy-file', '--audit-log-path', '--audit-log-format', '--audit-log-mode', '--audit-log-version', '--audit-log-batch-max-wait', '--audit-log-batch-throttle-qps', '--audit-webhook-config-file', '--audit-webhook-initial-backoff', '--audit-webhook-batch-initial-backoff', '--audit-webhook-mode', '--audit-webhook-version', '--audit-webhook-batch-max-wait', '--audit-webhook-batch-throttle-qps']);
const MODES = ['batch', 'blocking', 'blocking-strict'];
const FORMATS = ['legacy', 'json'];

/** Where a container path comes from: a node path through a hostPath mount, or the container's own filesystem. */
export type MountLookup = (path: string) => { nodePath: string; readOnly: boolean } | undefined;

export interface AuditStartInput {
  args: string[];
  /** The pod's mounts, for the container's paths. */
  mountOf: MountLookup;
  /** A node file's text, or null when missing. */
  readNode: (nodePath: string) => string | null;
  /** Where the node's `/` is seen from this process (for writing the log). */
  hostRoot: () => string;
  /** Does the node path exist (a directory the read-only mount would need)? */
  nodeExists?: (nodePath: string) => boolean;
}

/**
 * The audit backend kube-apiserver would run with these flags: undefined when auditing is off
 * (no --audit-policy-file, or no log path), or `{error}`: what it exits with.
 */
export function auditFromFlags(input: AuditStartInput): { backend?: AuditBackend } | { error: string } {
  const flags = new Map<string, string>();
  const { args } = input;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--audit-')) continue;
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg : arg.slice(0, eq);
    if (!INT_FLAGS.has(name) && !BOOL_FLAGS.has(name) && !STRING_FLAGS.has(name)) return { error: `unknown flag: ${name}` };
    let value: string | undefined = eq < 0 ? undefined : arg.slice(eq + 1);
    if (value === undefined) {
      if (BOOL_FLAGS.has(name)) value = 'true';
      else if (i + 1 < args.length) value = args[++i];
      else return { error: `flag needs an argument: ${name}` };
    }
    if (INT_FLAGS.has(name) && !/^[+-]?\d+$/.test(value ?? '')) return { error: `invalid argument "${value}" for "${name}" flag: strconv.ParseInt: parsing "${value}": invalid syntax` };
    if (BOOL_FLAGS.has(name) && !/^(1|0|t|f|true|false|TRUE|FALSE|True|False|T|F)$/.test(value ?? '')) return { error: `invalid argument "${value}" for "${name}" flag: strconv.ParseBool: parsing "${value}": invalid syntax` };
    flags.set(name, value ?? '');
  }
  const int = (name: string): number => Number(flags.get(name) ?? 0);
  const logPath = flags.get('--audit-log-path') ?? '';
  // AuditLogOptions.Validate (only when the log backend is enabled).
  if (logPath !== '') {
    const errs: string[] = [];
    const mode = flags.get('--audit-log-mode') ?? 'blocking';
    if (!MODES.includes(mode)) errs.push(`invalid audit log mode ${mode}, allowed modes are "${MODES.join(',')}"`);
    const version = flags.get('--audit-log-version') ?? 'audit.k8s.io/v1';
    if (version !== 'audit.k8s.io/v1') errs.push(`invalid group version, allowed versions are [audit.k8s.io/v1]`);
    const format = flags.get('--audit-log-format') ?? 'json';
    if (!FORMATS.includes(format)) errs.push(`invalid audit log format ${format}, allowed formats are "${FORMATS.join(',')}"`);
    for (const [flag, label] of [['--audit-log-maxage', '--audit-log-maxage'], ['--audit-log-maxbackup', '--audit-log-maxbackup'], ['--audit-log-maxsize', '--audit-log-maxsize']] as const) {
      if (int(flag) < 0) errs.push(`${label} ${int(flag)} can't be a negative number`);
    }
    if (errs.length > 0) return { error: errs.length === 1 ? errs[0]! : `[${errs.join(', ')}]` };
  }
  // AuditOptions.ApplyTo: 1. the policy, 2. the log file.
  const policyFile = flags.get('--audit-policy-file') ?? '';
  let policy: AuditPolicy | undefined;
  if (policyFile !== '') {
    const mounted = input.mountOf(policyFile);
    const text = mounted ? input.readNode(mounted.nodePath) : null;
    if (text === null) return { error: `loading audit policy file: failed to read file path "${policyFile}": open ${policyFile}: no such file or directory` };
    try {
      policy = parseAuditPolicy(text, policyFile);
    } catch (e) {
      if (e instanceof AuditPolicyError) return { error: `loading audit policy file: ${e.message}` };
      throw e;
    }
  }
  if (logPath === '' || logPath === '-') return policy && logPath === '-' ? { backend: new AuditBackend(policy, null, 'json') } : {};
  const mounted = input.mountOf(logPath);
  let file: AuditLogFile | null = null;
  if (mounted) {
    const dir = posix.dirname(mounted.nodePath);
    if (mounted.readOnly) {
      const exists = input.nodeExists ?? (() => true);
      if (!exists(dir)) return { error: `ensureLogFile: mkdir ${posix.dirname(logPath)}: read-only file system` };
      return { error: `ensureLogFile: open ${logPath}: read-only file system` };
    }
    file = new AuditLogFile({ path: mounted.nodePath, maxSizeMB: int('--audit-log-maxsize'), maxBackups: int('--audit-log-maxbackup'), maxAgeDays: int('--audit-log-maxage'), compress: /^(1|t|true|T|TRUE|True)$/.test(flags.get('--audit-log-compress') ?? 'false'), hostRoot: input.hostRoot });
    try {
      file.ensure();
    } catch (e) {
      return { error: `ensureLogFile: ${(e as NodeJS.ErrnoException).code === 'EROFS' ? `open ${logPath}: read-only file system` : (e as Error).message}` };
    }
  }
  // Not mounted: the file lives in the container's own filesystem, never seen on the node.
  if (!policy) return {};
  return { backend: new AuditBackend(policy, file, (flags.get('--audit-log-format') ?? 'json') as 'json' | 'legacy') };
}

/** The Audit-ID of a request (the client's, else a new UUID), echoed in the response's `Audit-Id` header. */
export function auditIdOf(req: IncomingMessage, res: ServerResponse): string {
  const given = req.headers['audit-id'];
  const id = typeof given === 'string' && given !== '' ? given : randomUUID();
  if (!res.headersSent) res.setHeader('Audit-Id', id);
  return id;
}

/** One request as the audit filter sees it (after authentication). */
export interface AuditedRequest {
  auditID: string;
  req: IncomingMessage;
  res: ServerResponse;
  body: Buffer;
  /** The authenticated user (the policy matches it). */
  who: UserInfo;
  /** The user it acts as (`kubectl --as`): the event's impersonatedUser, and who is authorized. */
  impersonated?: UserInfo;
  /** The authorizer's attributes (resource request when `resource` is set). */
  attrs: Attributes;
  store: ObjectStore;
}

type AuditEvent = Record<string, unknown>;

/** Writes the events of the requests the policy logs. */
export class AuditBackend {
  constructor(
    readonly policy: AuditPolicy,
    private readonly file: AuditLogFile | null,
    private readonly format: 'json' | 'legacy',
  ) {}

  /** Starts auditing a request: RequestReceived now, the response's stages when it is written. */
  observe(r: AuditedRequest): void {
    const resourceRequest = r.attrs.resource !== undefined;
    const { level, omitStages, omitManagedFields } = levelAndStages(this.policy, { user: r.who.user, groups: r.who.groups, resourceRequest, ...r.attrs });
    if (level === 'None') return;
    const received = microTime();
    const uri = r.req.url ?? '/';
    const ev: AuditEvent = {
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level,
      auditID: r.auditID,
      stage: 'RequestReceived',
      requestURI: uri,
      verb: r.attrs.verb,
      user: { username: r.who.user, groups: r.who.groups },
      ...(r.impersonated ? { impersonatedUser: { username: r.impersonated.user, groups: r.impersonated.groups } } : {}),
      sourceIPs: sourceIPs(r.req),
      ...(typeof r.req.headers['user-agent'] === 'string' ? { userAgent: r.req.headers['user-agent'] } : {}),
      ...(resourceRequest ? { objectRef: objectRef(r.attrs, uri) } : {}),
    };
    const emit = (stage: Stage, extra: AuditEvent, at: string): void => {
      if (omitStages.includes(stage)) return;
      const { requestReceivedTimestamp: _r, stageTimestamp: _s, annotations, ...rest } = extra;
      const event = { ...ev, ...rest, stage, requestReceivedTimestamp: received, stageTimestamp: at, ...(annotations ? { annotations } : {}) };
      this.write(event);
    };
    emit('RequestReceived', {}, received);
    let code = 200;
    let sent: unknown;
    let done = false;
    const longRunning = r.attrs.verb === 'watch' || (r.attrs.subresource !== undefined && ['exec', 'attach', 'portforward', 'proxy'].includes(r.attrs.subresource));
    const origWriteHead = r.res.writeHead.bind(r.res) as (...a: unknown[]) => ServerResponse;
    r.res.writeHead = ((status: number, ...rest: unknown[]) => {
      code = status;
      if (longRunning) emit('ResponseStarted', { responseStatus: { metadata: {}, code } }, microTime());
      return origWriteHead(status, ...rest);
    }) as ServerResponse['writeHead'];
    const complete = (): void => {
      if (done) return;
      done = true;
      emit('ResponseComplete', this.completion(r, level, code, sent, omitManagedFields), microTime());
    };
    const origEnd = r.res.end.bind(r.res) as (...a: unknown[]) => ServerResponse;
    r.res.end = ((...a: unknown[]) => {
      const chunk = a[0];
      if (typeof chunk === 'string' || Buffer.isBuffer(chunk)) sent = chunk;
      if (!longRunning) complete();
      const out = origEnd(...a);
      if (longRunning) complete();
      return out;
    }) as ServerResponse['end'];
    r.res.on('close', complete);
  }

  /** What the ResponseComplete event adds: status, objects by level, the authorizer's decision. */
  private completion(r: AuditedRequest, level: Level, code: number, sent: unknown, omitManagedFields: boolean): AuditEvent {
    const extra: AuditEvent = {};
    const response = parseJson(sent);
    const status = response && response.kind === 'Status' ? response : undefined;
    extra.responseStatus = status && code >= 300
      ? { metadata: {}, ...pick(status, ['status', 'message', 'reason', 'details']), code }
      : { metadata: {}, code };
    const objectRef = createdRef(r);
    if (objectRef) extra.objectRef = objectRef;
    if (level === 'Request' || level === 'RequestResponse') {
      const requestObject = requestBody(r);
      if (requestObject !== undefined) extra.requestObject = omitManagedFields ? withoutManagedFields(requestObject) : requestObject;
    }
    if (level === 'RequestResponse' && response !== undefined) extra.responseObject = omitManagedFields ? withoutManagedFields(response) : response;
    const verdict = authorizeChain(r.store, r.store.apiserverAuth, r.impersonated ?? r.who, r.attrs);
    extra.annotations = { 'authorization.k8s.io/decision': verdict.allowed ? 'allow' : 'forbid', 'authorization.k8s.io/reason': verdict.reason ?? '' };
    return extra;
  }

  private write(event: AuditEvent): void {
    if (!this.file) return;
    try {
      this.file.write(`${this.format === 'legacy' ? legacyLine(event) : JSON.stringify(event)}\n`);
    } catch {
      // --audit-log-mode=blocking ignores the backend's errors (ignoreErrorsBackend)
    }
  }
}

/** objectRef with the name and namespace of a created object (LogRequestObject fills them from the object). */
function createdRef(r: AuditedRequest): Record<string, unknown> | undefined {
  if (r.attrs.resource === undefined || r.attrs.verb !== 'create' || r.attrs.name) return undefined;
  const obj = requestBody(r) as { metadata?: { name?: string; namespace?: string } } | undefined;
  const name = obj?.metadata?.name;
  if (typeof name !== 'string' || name === '') return undefined;
  return objectRef({ ...r.attrs, name }, r.req.url ?? '/');
}

function requestBody(r: AuditedRequest): Record<string, unknown> | undefined {
  if (r.body.length === 0) return undefined;
  const type = String(r.req.headers['content-type'] ?? '');
  if (type.startsWith('application/vnd.kubernetes.protobuf')) {
    try {
      return decodeKubeProtobuf(loadProtoSchema(), r.body);
    } catch {
      return undefined;
    }
  }
  return parseJson(r.body);
}

function parseJson(v: unknown): Record<string, unknown> | undefined {
  if (typeof v !== 'string' && !Buffer.isBuffer(v)) return undefined;
  try {
    const o = JSON.parse(v.toString()) as unknown;
    return o !== null && typeof o === 'object' && !Array.isArray(o) ? (o as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function pick(o: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));
}

function withoutManagedFields(o: Record<string, unknown>): Record<string, unknown> {
  const strip = (x: Record<string, unknown>): Record<string, unknown> => {
    const meta = x.metadata as Record<string, unknown> | undefined;
    if (!meta || !('managedFields' in meta)) return x;
    const { managedFields: _m, ...rest } = meta;
    return { ...x, metadata: rest };
  };
  const out = strip(o);
  return Array.isArray(out.items) ? { ...out, items: (out.items as Record<string, unknown>[]).map((i) => (i && typeof i === 'object' ? strip(i) : i)) } : out;
}

/** objectRef: resource, namespace, name, apiGroup, apiVersion, subresource (audit.k8s.io/v1 field order). */
function objectRef(a: Attributes, uri: string): Record<string, unknown> {
  const parts = (uri.split('?')[0] ?? '').split('/').filter(Boolean);
  const apiVersion = parts[0] === 'api' ? (parts[1] ?? 'v1') : (parts[2] ?? '');
  return {
    resource: a.resource,
    ...(a.namespace ? { namespace: a.namespace } : {}),
    ...(a.name ? { name: a.name } : {}),
    ...(a.group ? { apiGroup: a.group } : {}),
    apiVersion,
    ...(a.subresource ? { subresource: a.subresource } : {}),
  };
}

function sourceIPs(req: IncomingMessage): string[] {
  const forwarded = String(req.headers['x-forwarded-for'] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const remote = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
  return [...forwarded, ...(remote && !forwarded.includes(remote) ? [remote] : [])];
}

/** metav1.MicroTime as JSON: RFC 3339 with microseconds, UTC. */
function microTime(d: Date = new Date()): string {
  const micro = String(Math.floor((performance.now() % 1) * 1000)).padStart(3, '0');
  return d.toISOString().replace(/\.(\d{3})Z$/, `.$1${micro}Z`);
}

/** audit.EventString: the legacy one-line format. */
function legacyLine(e: AuditEvent): string {
  const user = e.user as { username: string; groups: string[] };
  const q = (s: string): string => JSON.stringify(s);
  const groups = user.username && user.groups.length > 0 ? user.groups.map(q).join(',') : '<none>';
  const ref = e.objectRef as { namespace?: string } | undefined;
  const as = e.impersonatedUser as { username: string; groups?: string[] } | undefined;
  const status = e.responseStatus as { code: number } | undefined;
  const ip = (e.sourceIPs as string[])[0] ?? '<unknown>';
  return `${String(e.requestReceivedTimestamp)} AUDIT: id=${q(String(e.auditID))} stage=${q(String(e.stage))} ip=${q(ip)} method=${q(String(e.verb))} user=${q(user.username || '<none>')} groups=${q(groups)} as=${q(as ? as.username : '<self>')} asgroups=${q(as?.groups ? as.groups.map(q).join(',') : '<lookup>')} user-agent=${q(String(e.userAgent ?? ''))} namespace=${q(ref?.namespace || '<none>')} uri=${q(String(e.requestURI))} response="${status ? status.code : '<deferred>'}"`;
}

/**
 * Where the running node's `/` is seen from this process: /proc/<pid>/root of the node's holder
 * (so writes go through its overlay and the node sees them at once), else the node directory.
 */
export function liveNodeRoot(nodeRoot: string): string {
  // Asked for every event: the holder found once is kept while it lives (a restarted node has a new one).
  const known = liveRoots.get(nodeRoot);
  try {
    if (known && readlinkSync(known.root) === known.rootfs) return known.root;
  } catch {
    // that node process is gone
  }
  liveRoots.delete(nodeRoot);
  try {
    const clusterDir = dirname(nodeRoot);
    const rec = JSON.parse(readFileSync(join(clusterDir, 'cluster.json'), 'utf8')) as { nodes?: { role?: string; process?: { pid?: number; rootfs?: string } }[] };
    const proc = rec.nodes?.find((n) => n.role === 'control-plane')?.process;
    if (proc?.pid !== undefined && existsSync(`/proc/${proc.pid}/root`)) {
      const root = `/proc/${proc.pid}/root`;
      const rootfs = readlinkSync(root);
      if (proc.rootfs === undefined || rootfs === proc.rootfs) {
        liveRoots.set(nodeRoot, { root, rootfs });
        return root;
      }
    }
  } catch {
    // no running node (unit tests): its directory
  }
  return nodeRoot;
}

const liveRoots = new Map<string, { root: string; rootfs: string }>();
