/**
 * Image pulls from a registry that listens on the node itself (`localhost:<port>/…` or
 * `127.0.0.1:<port>/…`, e.g. the `registry` lab's distribution registry): the kubelet's
 * EnsureImageExists and containerd's resolver, for real over HTTPS against whatever the node
 * publishes on that port (/etc/cks-fake/ports.json, see test/fakes/lib/node-ports.mjs):
 * - imagePullPolicy: Never / IfNotPresent (image already pulled) / Always;
 * - credentials from the Pod's imagePullSecrets (the ServiceAccount admission copies the
 *   ServiceAccount's there), kubernetes.io/dockerconfigjson or dockercfg, matched to the image by
 *   host and path prefix as the kubelet's keyring does, each tried in turn;
 * - containerd's hosts directory: `config_path` in the CRI registry section of config.toml, then
 *   <config_path>/<host:port>/hosts.toml `ca` (or the *.crt files of that directory) as the trust;
 * - HEAD manifest (Basic challenge → retried with the credentials), then GET of the manifest and
 *   its config blob; the status imageID is `<repo>@<manifest digest>` as containerd reports it.
 * Errors carry containerd's wording (wrapped by the kubelet as "Failed to pull image …").
 * Images from anywhere else keep the fake's old behaviour: always present (undefined here).
 */
import { existsSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { request } from 'node:https';
import { join, dirname } from 'node:path';
import type { KubeObject, ObjectStore } from '../store.js';
import { findResource } from '../resources.js';

const SECRETS = findResource('', 'v1', 'secrets')!;
const ACCEPT = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  '*/*',
].join(', ');
const MAX_BODY = 4 * 1024 * 1024;
const PULLED_FILE = 'var/lib/containerd/cks-fake-pulled.json';
const IMAGES_FILE = 'var/lib/containerd/cks-fake-images.json';

/** A reference to an image in a registry on the node. */
export interface NodeImageRef {
  host: string;
  port: number;
  repo: string;
  tag?: string;
  digest?: string;
}

/** What the node's containerd knows of a pulled image. */
export interface PulledImage {
  /** `<host:port>/<repo>@sha256:…`: the status imageID. */
  imageRef: string;
  digest: string;
  entrypoint?: string[];
  cmd?: string[];
}

/** `localhost:5000/shop/web:1.0`, `127.0.0.1:5000/a/b@sha256:…` → parts; other registries → undefined. */
export function nodeImageRef(image: string): NodeImageRef | undefined {
  const m = /^(localhost|127\.0\.0\.1):(\d{1,5})\/([a-z0-9]+(?:[._-]+[a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-]+[a-z0-9]+)*)*)(?::([\w][\w.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$/.exec(image);
  if (!m) return undefined;
  return { host: m[1]!, port: Number(m[2]), repo: m[3]!, ...(m[4] ? { tag: m[4] } : {}), ...(m[5] ? { digest: m[5] } : {}) };
}

const refName = (r: NodeImageRef): string => `${r.host}:${r.port}/${r.repo}${r.digest ? `@${r.digest}` : `:${r.tag ?? 'latest'}`}`;

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

type PulledStore = Record<string, { repo: string; tags: string[]; entrypoint?: string[]; cmd?: string[] }>;

/** The image, if the node's containerd already has it (pulled earlier). */
export function presentImage(nodeRoot: string, r: NodeImageRef): PulledImage | undefined {
  const store = (readJson(join(nodeRoot, PULLED_FILE)) ?? {}) as PulledStore;
  const name = `${r.host}:${r.port}/${r.repo}`;
  for (const [digest, rec] of Object.entries(store)) {
    if (rec.repo !== name) continue;
    if (r.digest ? digest === r.digest : rec.tags.includes(r.tag ?? 'latest')) return { imageRef: `${name}@${digest}`, digest, ...(rec.entrypoint ? { entrypoint: rec.entrypoint } : {}), ...(rec.cmd ? { cmd: rec.cmd } : {}) };
  }
  return undefined;
}

function remember(nodeRoot: string, r: NodeImageRef, img: PulledImage): void {
  const file = join(nodeRoot, PULLED_FILE);
  const store = (readJson(file) ?? {}) as PulledStore;
  const name = `${r.host}:${r.port}/${r.repo}`;
  const tag = r.digest ? undefined : (r.tag ?? 'latest');
  for (const rec of Object.values(store)) if (tag && rec.repo === name) rec.tags = rec.tags.filter((t) => t !== tag);
  const rec = (store[img.digest] ??= { repo: name, tags: [] });
  if (tag && !rec.tags.includes(tag)) rec.tags.push(tag);
  if (img.entrypoint) rec.entrypoint = img.entrypoint;
  if (img.cmd) rec.cmd = img.cmd;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(store, null, 2) + '\n');
  if (tag) {
    const list = readJson(join(nodeRoot, IMAGES_FILE));
    const refs = Array.isArray(list) ? list.map(String) : [];
    if (!refs.includes(`${name}:${tag}`)) writeFileSync(join(nodeRoot, IMAGES_FILE), JSON.stringify([...refs, `${name}:${tag}`], null, 2) + '\n');
  }
}

/** containerd's hosts directory for the CRI, from config.toml (`config_path`), or undefined. */
function hostsDir(nodeRoot: string): string | undefined {
  let text = '';
  try {
    text = readFileSync(join(nodeRoot, 'etc/containerd/config.toml'), 'utf8');
  } catch {
    return undefined;
  }
  let inRegistry = false;
  for (const line of text.split('\n')) {
    if (/^\s*\[/.test(line)) inRegistry = /^\s*\[\s*plugins\.(?:"io\.containerd\.grpc\.v1\.cri"|'io\.containerd\.cri\.v1\.images'|"io\.containerd\.cri\.v1\.images")\.registry\s*\]/.test(line);
    const m = /^\s*config_path\s*=\s*["']([^"']*)["']/.exec(line);
    if (inRegistry && m) return m[1]!.split(':')[0] || undefined;
  }
  return undefined;
}

/** A node file (written at runtime: the node's upper directory; else the image's, i.e. the host's). */
function nodeFile(nodeRoot: string, p: string): Buffer | undefined {
  for (const f of [join(nodeRoot, p), p]) {
    try {
      return readFileSync(f);
    } catch {
      /* next */
    }
  }
  return undefined;
}

/** The CA certificates containerd trusts for host:port (hosts.toml `ca`, or *.crt in its directory). */
function trust(nodeRoot: string, hostPort: string): Buffer[] | undefined {
  const base = hostsDir(nodeRoot);
  if (!base) return undefined;
  const dir = join(base, hostPort);
  const toml = nodeFile(nodeRoot, join(dir, 'hosts.toml'))?.toString('utf8');
  const cas: Buffer[] = [];
  if (toml) {
    for (const m of toml.matchAll(/^\s*ca\s*=\s*(?:\[\s*)?["']([^"']+)["']/gm)) {
      const ca = nodeFile(nodeRoot, m[1]!);
      if (ca) cas.push(ca);
    }
  } else {
    let names: string[] = [];
    try {
      names = readdirSync(join(nodeRoot, dir)).filter((n) => n.endsWith('.crt'));
    } catch {
      /* none */
    }
    for (const n of names) cas.push(readFileSync(join(nodeRoot, dir, n)));
  }
  return cas.length > 0 ? cas : undefined;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

type Target = { host: string; port: number } | null;

function fetchOnce(target: Target, r: NodeImageRef, method: string, path: string, auth: string | undefined, ca: Buffer[] | undefined): Promise<Answer> {
  return new Promise((resolve, reject) => {
    if (!target) return reject(new Error(`failed to do request: ${method === 'HEAD' ? 'Head' : 'Get'} "https://${r.host}:${r.port}${path}": dial tcp 127.0.0.1:${r.port}: connect: connection refused`));
    const req = request(
      {
        host: target.host, port: target.port, method, path, servername: r.host === 'localhost' ? 'localhost' : undefined,
        ...(ca ? { ca } : {}), headers: { Accept: ACCEPT, Host: `${r.host}:${r.port}`, 'User-Agent': 'containerd/v2.1.3', ...(auth ? { Authorization: auth } : {}) },
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let n = 0;
        res.on('data', (c: Buffer) => {
          n += c.length;
          if (n <= MAX_BODY) chunks.push(c);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('i/o timeout')));
    req.on('error', (e: NodeJS.ErrnoException) => {
      const url = `https://${r.host}:${r.port}${path}`;
      const verb = method === 'HEAD' ? 'Head' : 'Get';
      if (e.code === 'ECONNREFUSED') return reject(new Error(`failed to do request: ${verb} "${url}": dial tcp 127.0.0.1:${r.port}: connect: connection refused`));
      if (e.code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' || e.code === 'SELF_SIGNED_CERT_IN_CHAIN' || e.code === 'DEPTH_ZERO_SELF_SIGNED_CERT' || e.code === 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY') {
        return reject(new Error(`failed to do request: ${verb} "${url}": tls: failed to verify certificate: x509: certificate signed by unknown authority`));
      }
      if (e.code === 'ERR_TLS_CERT_ALTNAME_INVALID') return reject(new Error(`failed to do request: ${verb} "${url}": tls: failed to verify certificate: x509: certificate is not valid for ${r.host}`));
      reject(new Error(`failed to do request: ${verb} "${url}": ${e.message}`));
    });
    req.end();
  });
}

/** Credentials for the image from dockerconfigjson/dockercfg Secrets, in the keyring's order. */
export function credentialsFor(store: ObjectStore, pod: KubeObject, r: NodeImageRef): string[] {
  const out: string[] = [];
  for (const ref of (pod.spec?.imagePullSecrets ?? []) as { name?: string }[]) {
    const s = ref?.name ? store.get(SECRETS, pod.metadata.namespace, ref.name) : undefined;
    if (!s) continue;
    let auths: Record<string, any> | undefined;
    try {
      if (s.type === 'kubernetes.io/dockerconfigjson') auths = JSON.parse(Buffer.from(String(s.data?.['.dockerconfigjson'] ?? ''), 'base64').toString('utf8'))?.auths;
      else if (s.type === 'kubernetes.io/dockercfg') auths = JSON.parse(Buffer.from(String(s.data?.['.dockercfg'] ?? ''), 'base64').toString('utf8'));
    } catch {
      auths = undefined;
    }
    for (const [key, entry] of Object.entries(auths ?? {})) {
      if (!keyMatches(key, r)) continue;
      let user = typeof entry?.username === 'string' ? entry.username : '';
      let pass = typeof entry?.password === 'string' ? entry.password : '';
      if (typeof entry?.auth === 'string' && entry.auth) {
        const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
        const i = decoded.indexOf(':');
        if (i > 0) [user, pass] = [decoded.slice(0, i), decoded.slice(i + 1)];
      }
      if (user && pass) out.push(`Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`);
    }
  }
  return out;
}

/** The kubelet keyring's match: same host:port, the key's path a prefix of the image's path. */
function keyMatches(key: string, r: NodeImageRef): boolean {
  const bare = key.replace(/^https?:\/\//, '').replace(/\/+$/, '');
  const slash = bare.indexOf('/');
  const host = slash < 0 ? bare : bare.slice(0, slash);
  const keyPath = slash < 0 ? '' : bare.slice(slash + 1);
  if (host.toLowerCase() !== `${r.host}:${r.port}`) return false;
  return keyPath === '' || r.repo === keyPath || r.repo.startsWith(`${keyPath}/`);
}

/** containerd's pull of `r` with one credential (or none); the pulled image or its error message. */
async function pullWith(target: Target, r: NodeImageRef, auth: string | undefined, ca: Buffer[] | undefined): Promise<PulledImage> {
  const name = refName(r);
  const ref = r.digest ?? r.tag ?? 'latest';
  const path = `/v2/${r.repo}/manifests/${ref}`;
  const url = `https://${r.host}:${r.port}${path}`;
  const resolveErr = (msg: string): Error => new Error(`failed to pull and unpack image "${name}": failed to resolve reference "${name}": ${msg}`);
  let head: Answer;
  try {
    head = await fetchOnce(target, r, 'HEAD', path, undefined, ca);
    if (head.status === 401 && /^basic/i.test(String(head.headers['www-authenticate'] ?? ''))) {
      if (!auth) throw resolveErr('pull access denied, repository does not exist or may require authorization: authorization failed: no basic auth credentials');
      head = await fetchOnce(target, r, 'HEAD', path, auth, ca);
    }
  } catch (e) {
    if ((e as Error).message.startsWith('failed to pull')) throw e;
    throw resolveErr((e as Error).message);
  }
  if (head.status === 404) throw resolveErr(`${name}: not found`);
  if (head.status !== 200) throw resolveErr(`unexpected status from HEAD request to ${url}: ${head.status} ${head.status === 401 ? 'Unauthorized' : head.status === 403 ? 'Forbidden' : 'Error'}`);
  const digest = String(head.headers['docker-content-digest'] ?? '');
  const get = await fetchOnce(target, r, 'GET', `/v2/${r.repo}/manifests/${digest || ref}`, auth, ca).catch((e: Error) => {
    throw new Error(`failed to pull and unpack image "${name}": ${e.message}`);
  });
  const { createHash } = await import('node:crypto');
  const actual = `sha256:${createHash('sha256').update(get.body).digest('hex')}`;
  if (get.status !== 200 || (digest && actual !== digest) || (r.digest && actual !== r.digest)) {
    throw new Error(`failed to pull and unpack image "${name}": failed to copy: manifest digest mismatch (${digest || r.digest}, got ${actual})`);
  }
  let manifest: Record<string, any>;
  try {
    manifest = JSON.parse(get.body.toString('utf8')) as Record<string, any>;
  } catch {
    throw new Error(`failed to pull and unpack image "${name}": failed to unmarshal manifest`);
  }
  if (Array.isArray(manifest.manifests)) throw new Error(`fake containerd: pulling the image index "${name}" is not simulated (push a single-platform manifest)`);
  const cfgDigest = String(manifest.config?.digest ?? '');
  const cfg = await fetchOnce(target, r, 'GET', `/v2/${r.repo}/blobs/${cfgDigest}`, auth, ca).catch((e: Error) => {
    throw new Error(`failed to pull and unpack image "${name}": ${e.message}`);
  });
  if (cfg.status !== 200) throw new Error(`failed to pull and unpack image "${name}": failed to copy: httpReadSeeker: failed open: content at https://${r.host}:${r.port}/v2/${r.repo}/blobs/${cfgDigest} not found: not found`);
  let config: Record<string, any> = {};
  try {
    config = (JSON.parse(cfg.body.toString('utf8')) as Record<string, any>).config ?? {};
  } catch {
    /* an image without a readable config runs the container's command */
  }
  return {
    imageRef: `${r.host}:${r.port}/${r.repo}@${actual}`,
    digest: actual,
    ...(Array.isArray(config.Entrypoint) ? { entrypoint: config.Entrypoint.map(String) } : {}),
    ...(Array.isArray(config.Cmd) ? { cmd: config.Cmd.map(String) } : {}),
  };
}

/** The node's port map entry for `port` (null: nothing listens). */
function portTarget(nodeRoot: string, port: number): Target {
  const map = readJson(join(nodeRoot, 'etc/cks-fake/ports.json')) as Record<string, { host?: unknown; port?: unknown } | null> | undefined;
  const t = map?.[String(port)];
  return t && typeof t.host === 'string' && typeof t.port === 'number' ? { host: t.host, port: t.port } : null;
}

/**
 * EnsureImageExists for one container: undefined for images the fake does not pull (not from a
 * registry on the node); else the image, or the message of an ErrImagePull (`pulled` tells
 * whether a pull happened, for the kubelet's Pulling/Pulled events).
 */
export async function ensureImage(store: ObjectStore, nodeRoot: string, pod: KubeObject, container: Record<string, any>): Promise<{ image: PulledImage; pulled: boolean } | { error: string; reason: 'ErrImagePull' | 'ErrImageNeverPull' } | undefined> {
  const image = String(container.image ?? '');
  const r = nodeImageRef(image);
  if (!r) return undefined;
  const policy = String(container.imagePullPolicy ?? (r.digest || (r.tag && r.tag !== 'latest') ? 'IfNotPresent' : 'Always'));
  const present = presentImage(nodeRoot, r);
  if (policy !== 'Always' && present) return { image: present, pulled: false };
  if (policy === 'Never') return { error: `Container image "${image}" is not present with pull policy of Never`, reason: 'ErrImageNeverPull' };
  if (!existsSync(nodeRoot)) return { error: `Failed to pull image "${image}": node not found`, reason: 'ErrImagePull' };
  const target = portTarget(nodeRoot, r.port);
  const ca = trust(nodeRoot, `${r.host}:${r.port}`);
  const creds = credentialsFor(store, pod, r);
  let last: Error | undefined;
  for (const auth of creds.length > 0 ? creds : [undefined]) {
    try {
      const img = await pullWith(target, r, auth, ca);
      remember(nodeRoot, r, img);
      return { image: img, pulled: true };
    } catch (e) {
      last = e as Error;
    }
  }
  return { error: `Failed to pull image "${image}": ${last?.message ?? 'unknown error'}`, reason: 'ErrImagePull' };
}
