/**
 * The fake node's container runtime endpoint, answered by the API server process on its own port
 * so it keeps working while kube-apiserver is down: the fake `crictl` on the node (written by
 * fake kind, see test/fakes/lib/crictl.mjs) asks it for containers, logs and execs. `etcdctl` in
 * the etcd container answers from the store's stored bytes, as real etcd would.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CriContainer, StaticControlPlane } from './controlPlane.js';
import type { EtcdClientConfig } from './etcdServer.js';
import { etcdKey, plainValue } from './etcdValue.js';
import { RESOURCE_TYPES } from './resources.js';
import type { ObjectStore } from './store.js';

export interface ExecResult {
  exitCode: number;
  stdout: Buffer;
  stderr: string;
}

/** `systemctl <verb> kubelet` on a node, answered by its simulated kubelet (kubelet/kubeletServer.ts); undefined: no such node. */
export type KubeletUnitHandler = (node: string, verb: string) => Promise<{ exitCode: number; stdout: string; stderr: string }> | undefined;

/** `systemctl <verb> falco-modern-bpf` on a node of the falco lab (falco/service.ts); undefined: no such unit there. */
export type FalcoUnitHandler = (node: string, verb: string) => { exitCode: number; stdout: string; stderr: string } | undefined;

/**
 * Starts the endpoint on 127.0.0.1 (random port); `/kubelet?node=&verb=` serves the nodes' kubelet.service.
 * `pods` lists the workload containers the simulated kubelet runs on this node (with their real pids).
 */
export async function startCriEndpoint(cp: StaticControlPlane, store: ObjectStore, nodeRoot: string, kubelet?: KubeletUnitHandler, pods?: () => CriContainer[], falco?: FalcoUnitHandler): Promise<{ port: number; server: Server }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const send = (code: number, body: unknown): void => {
        res.writeHead(code, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
      };
      if (url.pathname === '/containers') return send(200, { containers: [...cp.containers, ...(pods?.() ?? [])], now: Date.now() });
      if (url.pathname === '/kubelet') {
        const answer = kubelet?.(url.searchParams.get('node') ?? '', url.searchParams.get('verb') ?? '');
        if (!answer) return send(200, { exitCode: 4, stdout: '', stderr: 'Unit kubelet.service could not be found.\n' });
        void answer.then((a) => send(200, a), (e: unknown) => send(200, { exitCode: 1, stdout: '', stderr: `${(e as Error).message}\n` }));
        return;
      }
      if (url.pathname === '/falco') {
        const answer = falco?.(url.searchParams.get('node') ?? '', url.searchParams.get('verb') ?? '');
        return send(200, answer ?? { exitCode: 4, stdout: '', stderr: 'Unit falco-modern-bpf.service could not be found.\n' });
      }
      const c = cp.containers.find((x) => x.id.startsWith(url.searchParams.get('id') ?? '\0'));
      if (url.pathname === '/logs') {
        if (!c && pods?.().some((x) => x.id.startsWith(url.searchParams.get('id') ?? '\0'))) return send(501, { error: 'fake crictl: logs of a workload container are not simulated (use kubectl logs)' });
        if (!c) return send(404, { error: 'not found' });
        let text = '';
        try {
          text = readFileSync(join(nodeRoot, c.logPath), 'utf8');
        } catch {
          text = '';
        }
        return send(200, { log: text });
      }
      if (url.pathname === '/exec') {
        const { id, cmd } = JSON.parse(Buffer.concat(chunks).toString() || '{}') as { id: string; cmd: string[] };
        const target = cp.containers.find((x) => x.id.startsWith(id));
        if (!target && pods?.().some((x) => x.id.startsWith(id))) return send(501, { error: 'fake crictl: exec into a workload container is not simulated (use kubectl exec)' });
        if (!target) return send(404, { error: `an error occurred when try to find container "${id}": not found` });
        if (target.state !== 'CONTAINER_RUNNING') return send(409, { error: `container ${target.id} is not running` });
        const r = execIn(target.name, cmd, store, nodeRoot, cp.etcd.clientConfig);
        if (r.exitCode === 126) return send(500, { error: `failed to exec in container: failed to start exec "${randomBytes(32).toString('hex')}": ${r.stderr}` });
        return send(200, { exitCode: r.exitCode, stdout: r.stdout.toString('base64'), stderr: r.stderr });
      }
      send(404, { error: 'unknown path' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { port: (server.address() as AddressInfo).port, server };
}

const OCI = 'OCI runtime exec failed: exec failed: unable to start container process: exec:';

/** A command in one of the static pods' containers: only etcdctl (in etcd) exists; images have no shell. */
function execIn(container: string, cmd: string[], store: ObjectStore, nodeRoot: string, etcdTls: EtcdClientConfig | undefined): ExecResult {
  const prog = cmd[0] ?? '';
  if (container === 'etcd' && (prog === 'etcdctl' || prog === '/usr/local/bin/etcdctl')) return etcdctl(cmd.slice(1), store, nodeRoot, etcdTls);
  return { exitCode: 126, stdout: Buffer.alloc(0), stderr: `${OCI} "${prog}": executable file not found in $PATH: unknown` };
}

const GLOBAL_VALUE_FLAGS = ['endpoints', 'cacert', 'cert', 'key', 'write-out', 'w', 'command-timeout', 'dial-timeout', 'keepalive-time', 'keepalive-timeout', 'user', 'password', 'discovery-srv', 'discovery-srv-name'];
const BOOL_FLAGS = ['insecure-skip-tls-verify', 'insecure-transport', 'insecure-discovery', 'hex', 'debug', 'prefix', 'keys-only', 'print-value-only', 'count-only', 'from-key', 'consistency'];
const GET_VALUE_FLAGS = ['limit', 'rev', 'sort-by', 'order', 'consistency', 'max-create-rev', 'min-create-rev', 'max-mod-rev', 'min-mod-rev'];
const HEADER = '"header":{"cluster_id":5984040553046011012,"member_id":4858040066567898153,"revision":REV,"raft_term":2}';

/**
 * etcdctl v3 (etcd 3.6) against the fake store: `get KEY [--prefix] [--keys-only] [--print-value-only]
 * [-w simple|json]`, `version`, `endpoint health`. TLS as the running etcd serves it (etcdServer.ts;
 * unknown: as kubeadm sets it up): a client certificate is required when etcd asks for one and
 * must be signed by its --trusted-ca-file, and the files must exist in the etcd container, which
 * mounts only /etc/kubernetes/pki/etcd.
 */
function etcdctl(args: string[], store: ObjectStore, nodeRoot: string, etcdTls: EtcdClientConfig | undefined): ExecResult {
  const flags: Record<string, string> = {};
  const positional: string[] = [];
  const err = (msg: string, code = 1): ExecResult => ({ exitCode: code, stdout: Buffer.alloc(0), stderr: `${msg}\n` });
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('-')) {
      positional.push(a);
      continue;
    }
    const [rawName, inline] = a.replace(/^--?/, '').split(/=(.*)/s, 2) as [string, string | undefined];
    if (BOOL_FLAGS.includes(rawName)) flags[rawName] = inline ?? 'true';
    else if (GLOBAL_VALUE_FLAGS.includes(rawName) || GET_VALUE_FLAGS.includes(rawName)) {
      const v = inline ?? args[++i];
      if (v === undefined) return err(`Error: flag needs an argument: --${rawName}`);
      flags[rawName === 'w' ? 'write-out' : rawName] = v;
    } else return err(`Error: unknown flag: --${rawName}`);
  }
  const [command, ...rest] = positional;
  if (command === 'version') return { exitCode: 0, stdout: Buffer.from('etcdctl version: 3.6.4\nAPI version: 3.6\n'), stderr: '' };
  const endpoint = (flags['endpoints'] ?? '127.0.0.1:2379').split(',')[0]!;
  const tlsProblem = checkTls(flags, nodeRoot, endpoint, etcdTls);
  if (tlsProblem) return tlsProblem;
  if (command === 'endpoint' && rest[0] === 'health') return { exitCode: 0, stdout: Buffer.from(`${endpoint} is healthy: successfully committed proposal: took = 2.1ms\n`), stderr: '' };
  if (command !== 'get') return err(`Error: unknown command "${command ?? ''}" for "etcdctl"\nRun 'etcdctl --help' for usage.`);
  const key = rest[0];
  if (key === undefined) return err('Error: get command needs one argument as key and an optional argument as range_end');
  const kvs = listKeys(store).filter((kv) => (flags['prefix'] === 'true' ? kv.key.startsWith(key) : kv.key === key));
  const rev = store.resourceVersion();
  const format = flags['write-out'] ?? 'simple';
  if (format === 'json') {
    const items = kvs.map((kv) => {
      const value = flags['keys-only'] === 'true' ? '' : `,"value":"${kv.value().toString('base64')}"`;
      return `{"key":"${Buffer.from(kv.key).toString('base64')}","create_revision":${kv.rv},"mod_revision":${kv.rv},"version":1${value}}`;
    });
    const body = kvs.length > 0 ? `,"kvs":[${items.join(',')}],"count":${kvs.length}` : '';
    return { exitCode: 0, stdout: Buffer.from(`{${HEADER.replace('REV', rev)}${body}}\n`), stderr: '' };
  }
  if (format !== 'simple') return err(`Error: unsupported output format ${format}`);
  const parts: Buffer[] = [];
  for (const kv of kvs) {
    if (flags['print-value-only'] !== 'true') parts.push(Buffer.from(`${kv.key}\n`));
    if (flags['keys-only'] !== 'true') parts.push(kv.value(), Buffer.from('\n'));
  }
  return { exitCode: 0, stdout: Buffer.concat(parts), stderr: '' };
}

function checkTls(flags: Record<string, string>, nodeRoot: string, endpoint: string, etcdTls: EtcdClientConfig | undefined): ExecResult | undefined {
  const fail = (detail: string): ExecResult => ({
    exitCode: 1,
    stdout: Buffer.alloc(0),
    stderr: `{"level":"warn","msg":"retrying of unary invoker failed","target":"etcd-endpoints://0xc000372000/${endpoint.replace(/^https?:\/\//, '')}","error":"rpc error: code = DeadlineExceeded desc = latest balancer error: last connection error: connection error: desc = \\"${detail}\\""}\nError: context deadline exceeded\n`,
  });
  if (!endpoint.startsWith('https://')) return fail('error reading server preface: read tcp 127.0.0.1:45678->127.0.0.1:2379: read: connection reset by peer');
  for (const f of ['cacert', 'cert', 'key']) {
    const p = flags[f];
    if (p === undefined) continue;
    // Only /etc/kubernetes/pki/etcd is mounted into the etcd container.
    let exists = p.startsWith('/etc/kubernetes/pki/etcd/');
    try {
      if (exists) readFileSync(join(nodeRoot, p));
    } catch {
      exists = false;
    }
    if (!exists) return { exitCode: 1, stdout: Buffer.alloc(0), stderr: `Error: open ${p}: no such file or directory\n` };
  }
  if (!flags['cacert'] && flags['insecure-skip-tls-verify'] !== 'true') return fail('transport: authentication handshake failed: tls: failed to verify certificate: x509: certificate signed by unknown authority');
  if (etcdTls && !etcdTls.requireClientCert) return undefined;
  if (!flags['cert'] || !flags['key']) return fail('transport: authentication handshake failed: remote error: tls: certificate required');
  if (etcdTls && !signedBy(readFileSync(join(nodeRoot, flags['cert']), 'utf8'), etcdTls.ca)) return fail('transport: authentication handshake failed: remote error: tls: bad certificate');
  return undefined;
}

/** Whether the client certificate `pem` was issued and signed by the CA `caPem` (none: etcd falls back to the system roots, which never hold it). */
function signedBy(pem: string, caPem: string | undefined): boolean {
  if (!caPem) return false;
  try {
    const cert = new X509Certificate(pem);
    const ca = new X509Certificate(caPem);
    return cert.checkIssued(ca) && cert.verify(ca.publicKey);
  } catch {
    return false;
  }
}

/** Every stored object as etcd holds it: the encrypted bytes, or the plain encoding. */
function listKeys(store: ObjectStore): { key: string; rv: string; value: () => Buffer }[] {
  return store
    .entries()
    .map(({ group, resource, ns, object }) => {
      const rt = RESOURCE_TYPES.find((t) => t.group === group && t.resource === resource);
      return {
        key: etcdKey({ group, resource }, ns, object.metadata.name),
        rv: String(object.metadata.resourceVersion ?? '1'),
        value: () => store.encrypted(group, resource, ns, object.metadata.name) ?? (rt ? plainValue(rt, object) : Buffer.from(JSON.stringify(object))),
      };
    })
    .sort((a, b) => a.key.localeCompare(b.key));
}
