/**
 * The etcd static pod's client port as etcd v3.6 serves it: a real TLS (or plain HTTP) listener per
 * port of --listen-client-urls, configured from the manifest's flags each time the pod starts.
 * As etcd's transport.TLSInfo.ServerConfig does, a client certificate is required and verified
 * (RequireAndVerifyClientCert) when --client-cert-auth is true OR --trusted-ca-file is set, against
 * that CA (without one: the system roots, which never hold the etcd CA). A client without a valid
 * certificate is refused in the TLS handshake (an alert), never with an HTTP status. The listener
 * answers /version, /health, /livez and /readyz as etcd does, and a plain HTTP request on a TLS
 * port with net/http's 400. gRPC is not served (etcdctl runs through `crictl exec`, see cri.ts).
 *
 * kube-apiserver's own connection to etcd is a real handshake too ({@link probeEtcd}): with its
 * --etcd-cafile, --etcd-certfile and --etcd-keyfile against this listener.
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { checkServerIdentity, connect as tlsConnect, createSecureContext, type SecureVersion } from 'node:tls';

/** etcd's flags (server/embed/config.go) in the families this fake reads or a learner may mistype. */
const KNOWN = new Set([
  'cert-file', 'key-file', 'trusted-ca-file', 'client-cert-auth', 'client-crl-file', 'client-cert-file', 'client-key-file',
  'client-cert-allowed-hostname', 'auto-tls', 'peer-auto-tls', 'peer-cert-file', 'peer-key-file', 'peer-trusted-ca-file',
  'peer-client-cert-auth', 'peer-crl-file', 'peer-cert-allowed-cn', 'peer-cert-allowed-hostname', 'peer-client-cert-file',
  'peer-client-key-file', 'peer-skip-client-san-verification', 'self-signed-cert-validity', 'cipher-suites', 'tls-min-version',
  'tls-max-version', 'listen-client-urls', 'listen-client-http-urls', 'advertise-client-urls', 'listen-peer-urls',
  'listen-metrics-urls', 'initial-advertise-peer-urls', 'discovery-cacert', 'discovery-cert', 'discovery-key',
  'discovery-insecure-transport', 'discovery-insecure-skip-tls-verify',
]);
/** etcd's bool flags (a bare `--flag` means true; a value only with `=`). */
const BOOL = new Set([
  'client-cert-auth', 'auto-tls', 'peer-auto-tls', 'peer-client-cert-auth', 'peer-skip-client-san-verification',
  'discovery-insecure-transport', 'discovery-insecure-skip-tls-verify', 'experimental-initial-corrupt-check', 'initial-corrupt-check',
  'strict-reconfig-check', 'pre-vote', 'force-new-cluster', 'enable-pprof', 'enable-grpc-gateway', 'enable-log-rotation',
  'socket-reuse-port', 'socket-reuse-address', 'unsafe-no-fsync', 'version', 'enable-distributed-tracing', 'memory-mlock',
  'experimental-enable-lease-checkpoint', 'experimental-enable-distributed-tracing', 'experimental-memory-mlock',
]);
/** A name in the TLS families: an unknown one here is a typo etcd refuses (other unknown names are not simulated). */
const TLS_FAMILY = /cert|tls|trusted|ca-?file|crl|key-file|cipher|client-url/;
const GO_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const GO_FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);
const ETCD_VERSIONS: Record<string, SecureVersion> = { 'TLS1.2': 'TLSv1.2', 'TLS1.3': 'TLSv1.3' };

/** How one etcd container serves its client URLs. */
export interface EtcdClientConfig {
  /** Ports of --listen-client-urls, each plain (http) or TLS (https). */
  ports: { port: number; secure: boolean }[];
  cert?: string;
  key?: string;
  /** PEM of --trusted-ca-file. */
  ca?: string;
  /** RequireAndVerifyClientCert: --client-cert-auth or --trusted-ca-file. */
  requireClientCert: boolean;
  minVersion: SecureVersion;
  maxVersion: SecureVersion;
}

/** Why etcd exits at start: its log line and exit code. */
export interface EtcdFailure {
  error: string;
  /** Go's flag package exits 2 on a parse error; etcd's own checks exit 1. */
  exitCode: number;
  /** A flag parse error goes to stderr as plain text, not as a zap JSON line. */
  plain?: boolean;
}

/**
 * etcd's configuration from its command line (command + args, program first). `read` gives a
 * container path's content (through the pod's volume mounts), or null when the container cannot see it.
 */
export function etcdClientConfig(command: string[], read: (path: string) => string | null): EtcdClientConfig | EtcdFailure {
  const flags = new Map<string, string>();
  const args = command.slice(1);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      if (i + 1 < args.length) return { error: `${JSON.stringify(args[i + 1])} is not a valid flag`, exitCode: 1 };
      break;
    }
    if (!arg.startsWith('-') || arg === '-') return { error: `${JSON.stringify(arg)} is not a valid flag`, exitCode: 1 };
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq < 0 ? body : body.slice(0, eq);
    if (!KNOWN.has(name) && !BOOL.has(name) && TLS_FAMILY.test(name)) return { error: `flag provided but not defined: -${name}`, exitCode: 2, plain: true };
    if (BOOL.has(name)) {
      const value = eq < 0 ? 'true' : body.slice(eq + 1);
      if (!GO_TRUE.has(value) && !GO_FALSE.has(value)) return { error: `invalid boolean value ${JSON.stringify(value)} for -${name}: parse error`, exitCode: 2, plain: true };
      flags.set(name, GO_TRUE.has(value) ? 'true' : 'false');
    } else {
      const value = eq < 0 ? args[++i] : body.slice(eq + 1);
      if (value === undefined) return { error: `flag needs an argument: -${name}`, exitCode: 2, plain: true };
      flags.set(name, value);
    }
  }
  const fatal = (error: string): EtcdFailure => ({ error, exitCode: 1 });
  const ports: EtcdClientConfig['ports'] = [];
  for (const raw of (flags.get('listen-client-urls') ?? 'http://localhost:2379').split(',')) {
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      return fatal(`parse "${raw}": invalid URI for request`);
    }
    if (!['http:', 'https:'].includes(u.protocol)) return fatal(`URL scheme must be http, https, unix, or unixs: ${raw}`);
    const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
    const secure = u.protocol === 'https:';
    const seen = ports.find((p) => p.port === port);
    if (seen) seen.secure ||= secure;
    else ports.push({ port, secure });
  }
  const certFile = flags.get('cert-file') ?? '';
  const keyFile = flags.get('key-file') ?? '';
  const secureUrl = ports.find((p) => p.secure);
  if (secureUrl && (certFile === '' || keyFile === '')) {
    return fatal(`TLS key/cert (--cert-file, --key-file) must be provided for client url https://${flags.get('listen-client-urls')?.split(',').find((u) => u.startsWith('https://'))?.slice(8) ?? `127.0.0.1:${secureUrl.port}`} with HTTPS scheme`);
  }
  const file = (path: string): string | EtcdFailure => read(path) ?? fatal(`open ${path}: no such file or directory`);
  // Peer TLS files are loaded first (configurePeerListeners), then the client's.
  for (const name of ['peer-cert-file', 'peer-key-file', 'peer-trusted-ca-file']) {
    const p = flags.get(name);
    if (p) {
      const r = file(p);
      if (typeof r !== 'string') return r;
    }
  }
  const config: EtcdClientConfig = { ports, requireClientCert: false, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' };
  for (const [flag, field] of [['tls-min-version', 'minVersion'], ['tls-max-version', 'maxVersion']] as const) {
    const v = flags.get(flag);
    if (v === undefined || v === '') continue;
    const mapped = ETCD_VERSIONS[v];
    if (!mapped) return fatal(`unexpected TLS version: ${v} (must be one of: TLS1.2, TLS1.3)`);
    config[field] = mapped;
  }
  if (certFile !== '' && keyFile !== '') {
    const cert = file(certFile);
    if (typeof cert !== 'string') return cert;
    const key = file(keyFile);
    if (typeof key !== 'string') return key;
    try {
      createSecureContext({ cert, key });
    } catch (e) {
      return fatal(/PEM|no start line|bad base64/i.test((e as Error).message) ? 'tls: failed to find any PEM data in certificate input' : 'tls: private key does not match public key');
    }
    config.cert = cert;
    config.key = key;
  }
  const caFile = flags.get('trusted-ca-file') ?? '';
  if (caFile !== '') {
    const ca = file(caFile);
    if (typeof ca !== 'string') return ca;
    if (!ca.includes('-----BEGIN CERTIFICATE-----')) return fatal(`failed to append certificates from file ${caFile}`);
    config.ca = ca;
  }
  config.requireClientCert = caFile !== '' || flags.get('client-cert-auth') === 'true';
  return config;
}

/** etcd's HTTP answers on its client port (v3.6). */
function handle(req: IncomingMessage, res: ServerResponse): void {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  const json = (body: unknown): void => {
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  };
  if (path === '/version') return json({ etcdserver: '3.6.4', etcdcluster: '3.6.0' });
  if (path === '/health') return json({ health: 'true', reason: '' });
  if (path === '/livez' || path === '/readyz') {
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end('ok');
    return;
  }
  res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' }).end('404 page not found\n');
}

/** A running etcd's client listeners: node port → the host port it really listens on. */
export class EtcdListeners {
  private constructor(
    private readonly servers: NetServer[],
    private readonly sockets: Set<Socket>,
    readonly ports: Map<number, number>,
  ) {}

  /** Listens on 127.0.0.1 (ephemeral ports) for each client port of `config`. */
  static async start(config: EtcdClientConfig): Promise<EtcdListeners> {
    const sockets = new Set<Socket>();
    const servers: NetServer[] = [];
    const ports = new Map<number, number>();
    for (const { port, secure } of config.ports) {
      const http = createHttpServer(handle);
      const https = secure
        ? createHttpsServer(
            {
              cert: config.cert!,
              key: config.key!,
              minVersion: config.minVersion,
              maxVersion: config.maxVersion,
              requestCert: config.requireClientCert,
              rejectUnauthorized: config.requireClientCert,
              ...(config.ca ? { ca: config.ca } : {}),
            },
            handle,
          )
        : undefined;
      https?.on('tlsClientError', () => {}); // a refused client is etcd's normal business
      const server = createNetServer((socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => {});
        socket.once('data', (first: Buffer) => {
          socket.pause();
          socket.unshift(first);
          if (https && first[0] !== 0x16) {
            // net/http on a TLS listener answers a plain request like this and closes.
            socket.end('HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n');
            return;
          }
          (https ?? http).emit('connection', socket);
          process.nextTick(() => socket.resume());
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      servers.push(server);
      ports.set(port, (server.address() as AddressInfo).port);
    }
    return new EtcdListeners(servers, sockets, ports);
  }

  /** Stops listening and drops every connection (the container exited). */
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await Promise.all(this.servers.map((s) => new Promise<void>((resolve) => (s.listening ? s.close(() => resolve()) : resolve()))));
  }
}

/** What kube-apiserver connects to etcd with (--etcd-servers' first URL and the --etcd-* files' contents). */
export interface EtcdClient {
  url: URL;
  ca?: string;
  cert?: string;
  key?: string;
}

/**
 * Connects to the fake etcd as kube-apiserver's etcd client would (TLS verified against its
 * --etcd-cafile, its client certificate offered) and asks /health. null = reachable; otherwise
 * the gRPC transport error kube-apiserver logs.
 */
export function probeEtcd(client: EtcdClient, hostPort: number | undefined, timeoutMs = 3000): Promise<string | null> {
  const addr = `${client.url.hostname}:${client.url.port || 2379}`;
  if (hostPort === undefined) return Promise.resolve(`transport: Error while dialing: dial tcp ${addr}: connect: connection refused`);
  if (client.url.protocol !== 'https:') return Promise.resolve('error reading server preface: EOF');
  return new Promise((resolve) => {
    let done = false;
    const finish = (v: string | null): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(v);
    };
    const host = client.url.hostname.replace(/^\[|\]$/g, '');
    const socket = tlsConnect({
      host: '127.0.0.1',
      port: hostPort,
      ...(/^[\d.]+$|:/.test(host) ? {} : { servername: host }),
      checkServerIdentity: (_name, cert) => checkServerIdentity(host, cert),
      ...(client.ca ? { ca: client.ca } : {}),
      ...(client.cert && client.key ? { cert: client.cert, key: client.key } : {}),
    });
    const timer = setTimeout(() => finish('context deadline exceeded'), timeoutMs);
    let secured = false;
    socket.on('secureConnect', () => {
      secured = true;
      socket.write(`GET /health HTTP/1.1\r\nHost: ${addr}\r\nConnection: close\r\n\r\n`);
    });
    socket.on('data', () => finish(null));
    socket.on('error', (e: NodeJS.ErrnoException) => finish(transportError(e)));
    // A Node TLS server drops a client whose certificate does not verify without an alert; Go's
    // etcd sends "bad certificate" there, which is what kube-apiserver would log.
    socket.on('close', () => finish(secured && client.cert ? 'transport: authentication handshake failed: remote error: tls: bad certificate' : 'transport: authentication handshake failed: EOF'));
  });
}

function transportError(e: NodeJS.ErrnoException): string {
  const code = e.code ?? '';
  if (['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'].includes(code)) {
    return 'transport: authentication handshake failed: tls: failed to verify certificate: x509: certificate signed by unknown authority';
  }
  if (/CERTIFICATE_REQUIRED/.test(code)) return 'transport: authentication handshake failed: remote error: tls: certificate required';
  if (/ALERT/.test(code)) return 'transport: authentication handshake failed: remote error: tls: bad certificate';
  return `transport: authentication handshake failed: ${e.message}`;
}
