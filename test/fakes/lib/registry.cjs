'use strict';
// Fake `registry` (CNCF distribution's registry binary, v2.8.3) on a fake kind node: the lab's
// registry.service runs `registry serve /etc/docker/registry/config.yml`. It speaks the
// Distribution API v2 (OCI distribution spec) for what containerd, curl and crane use:
//   GET/HEAD /v2/                                   version check (200, or 401 with the challenge)
//   GET/HEAD/PUT /v2/<name>/manifests/<tag|digest>  Docker-Content-Digest = sha256 of the bytes
//   GET/HEAD /v2/<name>/blobs/<digest>
//   POST /v2/<name>/blobs/uploads/ (+ ?digest= monolithic), PATCH and PUT ?digest= on the upload
//   GET /v2/<name>/tags/list, GET /v2/_catalog
// with registry:2's headers, error bodies ({"errors":[{code,message,detail}]}), htpasswd Basic auth
// (bcrypt, checked with the host's crypt(3) through python3: a fake-only dependency) answering 401
// with `WWW-Authenticate: Basic realm="<realm>"`, and TLS from http.tls. Content lives in the real
// filesystem driver layout under storage.filesystem.rootdirectory (blobs/, repositories/<name>/
// _manifests, _layers, _uploads). Fake nodes share the host's network, so it listens on an
// ephemeral port of 127.0.0.1 and publishes it as the node port of http.addr in
// /etc/cks-fake/ports.json (see node-ports.mjs); SIGTERM (systemctl stop) unpublishes it.
// Only the config keys the lab uses are read; anything else is refused loudly.
// CommonJS on purpose: the node has no package.json saying "type": "module".
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const https = require('node:https');
const http = require('node:http');
const { spawnSync } = require('node:child_process');

const VERSION = 'v2.8.3';
// The node's port map; CKS_FAKE_PORTS_FILE only for the fake's own unit tests, run outside a node.
const PORTS_FILE = process.env.CKS_FAKE_PORTS_FILE || '/etc/cks-fake/ports.json';
const MAX_MANIFEST = 4 * 1024 * 1024;
const MAX_BLOB = 256 * 1024 * 1024;
const NAME = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const MANIFEST_TYPES = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
];

function log(msg) {
  process.stderr.write(`time="${new Date().toISOString()}" level=info msg="${msg.replace(/"/g, '\\"')}" go.version=go1.20.8 instance.id=${INSTANCE} service=registry version=${VERSION}\n`);
}
const INSTANCE = crypto.randomUUID();

/**
 * The YAML subset of registry config files: nested maps by indentation, scalars (quoted or
 * not), `#` comments. Lists are not needed by the keys read here and are refused.
 */
function parseConfig(text) {
  const root = {};
  const stack = [{ indent: -1, obj: root }];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\s+#.*$/, '').replace(/^\s*#.*$/, '');
    if (!line.trim()) continue;
    const indent = line.length - line.trimStart().length;
    const m = /^([A-Za-z0-9_.-]+):(?:\s+(.*))?$/.exec(line.trim());
    if (!m) throw new Error(`configuration error: unsupported line ${JSON.stringify(raw.trim())} (fake registry: only maps and scalars)`);
    while (stack.length > 1 && stack[stack.length - 1].indent >= indent) stack.pop();
    const parent = stack[stack.length - 1].obj;
    if (m[2] === undefined || m[2] === '') {
      parent[m[1]] = {};
      stack.push({ indent, obj: parent[m[1]] });
    } else {
      parent[m[1]] = m[2].replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1');
    }
  }
  return root;
}

function loadConfig(file) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`configuration error: open ${file}: no such file or directory`);
  }
  const c = parseConfig(text);
  if (String(c.version) !== '0.1') throw new Error(`configuration error: error parsing ${file}: unsupported version "${c.version ?? ''}"`);
  const root = c.storage?.filesystem?.rootdirectory ?? '/var/lib/registry';
  const addr = c.http?.addr ?? ':5000';
  const port = Number(/:(\d+)$/.exec(addr)?.[1]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`configuration error: invalid http.addr ${addr}`);
  const auth = c.auth?.htpasswd ? { realm: c.auth.htpasswd.realm ?? 'basic-realm', path: c.auth.htpasswd.path } : undefined;
  if (c.auth && !auth) throw new Error('fake registry: only htpasswd auth is simulated');
  if (auth && !auth.path) throw new Error('configuration error: htpasswd: path is required');
  const tls = c.http?.tls ? { cert: c.http.tls.certificate, key: c.http.tls.key } : undefined;
  return { root, port, auth, tls };
}

// ---------------------------------------------------------------------------------- storage
class Storage {
  constructor(root) {
    this.v2 = path.join(root, 'docker/registry/v2');
  }
  blobPath(digest) {
    const hex = digest.slice(7);
    return path.join(this.v2, 'blobs/sha256', hex.slice(0, 2), hex, 'data');
  }
  hasBlob(digest) {
    return fs.existsSync(this.blobPath(digest));
  }
  putBlob(digest, file) {
    const p = this.blobPath(digest);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.renameSync(file, p);
  }
  putBlobBytes(digest, buf) {
    const p = this.blobPath(digest);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, buf);
  }
  repo(name) {
    return path.join(this.v2, 'repositories', name);
  }
  hasRepo(name) {
    return fs.existsSync(path.join(this.repo(name), '_manifests'));
  }
  link(file, digest) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, digest);
  }
  readLink(file) {
    try {
      const d = fs.readFileSync(file, 'utf8').trim();
      return DIGEST.test(d) ? d : undefined;
    } catch {
      return undefined;
    }
  }
  linkLayer(name, digest) {
    this.link(path.join(this.repo(name), '_layers/sha256', digest.slice(7), 'link'), digest);
  }
  layerLinked(name, digest) {
    return this.readLink(path.join(this.repo(name), '_layers/sha256', digest.slice(7), 'link')) === digest && this.hasBlob(digest);
  }
  /** The manifest's digest for a tag or digest reference, if this repository has it. */
  resolve(name, ref) {
    if (DIGEST.test(ref)) return this.readLink(path.join(this.repo(name), '_manifests/revisions/sha256', ref.slice(7), 'link')) === ref && this.hasBlob(ref) ? ref : undefined;
    return this.readLink(path.join(this.repo(name), '_manifests/tags', ref, 'current/link'));
  }
  putManifest(name, ref, digest, bytes) {
    this.putBlobBytes(digest, bytes);
    this.link(path.join(this.repo(name), '_manifests/revisions/sha256', digest.slice(7), 'link'), digest);
    if (!DIGEST.test(ref)) {
      const tagDir = path.join(this.repo(name), '_manifests/tags', ref);
      this.link(path.join(tagDir, 'current/link'), digest);
      this.link(path.join(tagDir, 'index/sha256', digest.slice(7), 'link'), digest);
    }
  }
  tags(name) {
    try {
      return fs.readdirSync(path.join(this.repo(name), '_manifests/tags')).sort();
    } catch {
      return [];
    }
  }
  catalog() {
    const out = [];
    const walk = (dir, prefix) => {
      let entries = [];
      try {
        entries = fs.readdirSync(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        if (!e.isDirectory()) continue;
        if (e.name === '_manifests') out.push(prefix);
        else if (!e.name.startsWith('_')) walk(path.join(dir, e.name), prefix ? `${prefix}/${e.name}` : e.name);
      }
    };
    walk(path.join(this.v2, 'repositories'), '');
    return out.sort();
  }
  uploadPath(name, uuid) {
    return path.join(this.repo(name), '_uploads', uuid, 'data');
  }
}

// ------------------------------------------------------------------------------------- auth
const verified = new Map();
function htpasswd(file) {
  const users = new Map();
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return users;
  }
  for (const line of text.split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) users.set(line.slice(0, i), line.slice(i + 1).trim());
  }
  return users;
}
/** bcrypt check with crypt(3) ($2y$ as htpasswd -B writes it is $2b$ for libxcrypt). */
function bcryptMatches(password, hash) {
  if (!/^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/.test(hash)) return false;
  const key = crypto.createHash('sha256').update(`${hash}\0${password}`).digest('hex');
  if (verified.has(key)) return verified.get(key);
  const h = hash.replace(/^\$2y\$/, '$2b$');
  const r = spawnSync('python3', ['-W', 'ignore', '-c', 'import crypt,sys; sys.stdout.write(crypt.crypt(sys.stdin.read(), sys.argv[1]) or "")', h], { input: password, encoding: 'utf8', timeout: 10_000 });
  const ok = r.status === 0 && r.stdout === h;
  verified.set(key, ok);
  return ok;
}
function authorized(req, auth) {
  if (!auth) return true;
  const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(String(req.headers.authorization ?? ''));
  if (!m) return false;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return false;
  const hash = htpasswd(auth.path).get(decoded.slice(0, i));
  return hash !== undefined && bcryptMatches(decoded.slice(i + 1), hash);
}

// ------------------------------------------------------------------------------------- http
function send(res, status, headers, body) {
  const h = { 'Docker-Distribution-Api-Version': 'registry/2.0', 'X-Content-Type-Options': 'nosniff', ...headers };
  if (body !== undefined && h['Content-Length'] === undefined) h['Content-Length'] = String(Buffer.byteLength(body));
  res.writeHead(status, h);
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
function sendError(res, status, code, message, detail = null, headers = {}) {
  send(res, status, { 'Content-Type': 'application/json; charset=utf-8', ...headers }, JSON.stringify({ errors: [{ code, message, detail }] }) + '\n');
}
function readBody(req, limit) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let n = 0;
    req.on('data', (c) => {
      n += c.length;
      if (n > limit) {
        reject(new Error('too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
/** registry:2 answers absolute Locations built from the request's Host (relativeurls: false). */
const base = (req) => `${req.socket.encrypted ? 'https' : 'http'}://${String(req.headers.host ?? 'localhost').replace(/[^\w.:\[\]-]/g, '')}`;
const sha = (buf) => `sha256:${crypto.createHash('sha256').update(buf).digest('hex')}`;

/** The media types a stored manifest declares (its mediaType field, or OCI's by shape). */
function manifestType(bytes) {
  try {
    const m = JSON.parse(bytes.toString('utf8'));
    if (typeof m.mediaType === 'string') return m.mediaType;
    return Array.isArray(m.manifests) ? MANIFEST_TYPES[1] : MANIFEST_TYPES[0];
  } catch {
    return MANIFEST_TYPES[0];
  }
}

async function handle(req, res, store, cfg) {
  const url = new URL(req.url ?? '/', 'https://registry.invalid');
  const p = url.pathname;
  log(`response: ${req.method} ${p}`);
  if (!p.startsWith('/v2/')) return send(res, 404, { 'Content-Type': 'text/plain; charset=utf-8' }, '404 page not found\n');
  if (!authorized(req, cfg.auth)) {
    return sendError(res, 401, 'UNAUTHORIZED', 'authentication required', null, { 'Www-Authenticate': `Basic realm="${cfg.auth.realm}"` });
  }
  if (p === '/v2/') return send(res, 200, { 'Content-Type': 'application/json; charset=utf-8' }, '{}');
  if (p === '/v2/_catalog' && req.method === 'GET') return send(res, 200, { 'Content-Type': 'application/json; charset=utf-8' }, JSON.stringify({ repositories: store.catalog() }) + '\n');
  const m = /^\/v2\/(.+)\/(manifests|blobs|tags)\/(.*)$/.exec(p);
  if (!m) return sendError(res, 404, 'UNSUPPORTED', 'The operation is unsupported.');
  const [, name, kind, rest] = m;
  if (!NAME.test(name)) return sendError(res, 400, 'NAME_INVALID', 'invalid repository name', { Name: name });
  if (kind === 'tags') {
    if (rest !== 'list' || req.method !== 'GET') return sendError(res, 405, 'UNSUPPORTED', 'The operation is unsupported.');
    if (!store.hasRepo(name)) return sendError(res, 404, 'NAME_UNKNOWN', 'repository name not known to registry', { name });
    return send(res, 200, { 'Content-Type': 'application/json; charset=utf-8' }, JSON.stringify({ name, tags: store.tags(name) }) + '\n');
  }
  if (kind === 'manifests') return manifests(req, res, store, name, rest);
  if (rest.startsWith('uploads/')) return uploads(req, res, store, name, rest.slice('uploads/'.length), url);
  return blobs(req, res, store, name, rest);
}

async function manifests(req, res, store, name, ref) {
  if (!DIGEST.test(ref) && !TAG.test(ref)) return sendError(res, 400, 'TAG_INVALID', 'manifest tag did not match URI', { Tag: ref });
  if (req.method === 'GET' || req.method === 'HEAD') {
    if (!store.hasRepo(name)) return sendError(res, 404, 'NAME_UNKNOWN', 'repository name not known to registry', { name });
    const digest = store.resolve(name, ref);
    if (!digest) return sendError(res, 404, 'MANIFEST_UNKNOWN', 'manifest unknown', DIGEST.test(ref) ? null : { Tag: ref });
    const bytes = fs.readFileSync(store.blobPath(digest));
    // distribution 2.8 serves an OCI manifest only to clients that accept it (Accept header).
    const type = manifestType(bytes);
    const accepts = String(req.headers.accept ?? '').split(',').map((a) => a.split(';')[0].trim());
    if (type === MANIFEST_TYPES[0] && !accepts.includes(type)) return sendError(res, 404, 'MANIFEST_UNKNOWN', 'OCI manifest found, but accept header does not support OCI manifests', null);
    if (type === MANIFEST_TYPES[1] && !accepts.includes(type)) return sendError(res, 404, 'MANIFEST_UNKNOWN', 'OCI index found, but accept header does not support OCI indexes', null);
    return send(res, 200, { 'Content-Type': manifestType(bytes), 'Content-Length': String(bytes.length), 'Docker-Content-Digest': digest, Etag: `"${digest}"` }, bytes);
  }
  if (req.method !== 'PUT') return sendError(res, 405, 'UNSUPPORTED', 'The operation is unsupported.');
  let bytes;
  try {
    bytes = await readBody(req, MAX_MANIFEST);
  } catch {
    return sendError(res, 400, 'SIZE_INVALID', 'provided length did not match content length');
  }
  const digest = sha(bytes);
  if (DIGEST.test(ref) && ref !== digest) return sendError(res, 400, 'DIGEST_INVALID', 'provided digest did not match uploaded content');
  let doc;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch {
    return sendError(res, 400, 'MANIFEST_INVALID', 'manifest invalid', 'invalid character in manifest JSON');
  }
  const refs = Array.isArray(doc.manifests) ? doc.manifests : [doc.config, ...(Array.isArray(doc.layers) ? doc.layers : [])];
  for (const d of refs) {
    const dg = String(d?.digest ?? '');
    const known = Array.isArray(doc.manifests) ? store.resolve(name, dg) : DIGEST.test(dg) && store.layerLinked(name, dg);
    if (!known) return sendError(res, 400, 'MANIFEST_BLOB_UNKNOWN', 'blob unknown to registry', dg);
  }
  store.putManifest(name, ref, digest, bytes);
  return send(res, 201, { Location: `${base(req)}/v2/${name}/manifests/${digest}`, 'Docker-Content-Digest': digest, 'Content-Length': '0' }, '');
}

function blobs(req, res, store, name, digest) {
  if (!DIGEST.test(digest)) return sendError(res, 400, 'DIGEST_INVALID', 'provided digest did not match uploaded content');
  if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, 405, 'UNSUPPORTED', 'The operation is unsupported.');
  if (!store.layerLinked(name, digest) && !store.resolve(name, digest)) return sendError(res, 404, 'BLOB_UNKNOWN', 'blob unknown to registry', digest);
  const file = store.blobPath(digest);
  const size = fs.statSync(file).size;
  const headers = { 'Content-Type': 'application/octet-stream', 'Content-Length': String(size), 'Docker-Content-Digest': digest, Etag: `"${digest}"`, 'Accept-Ranges': 'bytes', 'Cache-Control': 'max-age=31536000' };
  res.writeHead(200, { 'Docker-Distribution-Api-Version': 'registry/2.0', 'X-Content-Type-Options': 'nosniff', ...headers });
  if (req.method === 'HEAD') return res.end();
  fs.createReadStream(file).pipe(res);
}

async function uploads(req, res, store, name, uuid, url) {
  const started = () => {
    const id = crypto.randomUUID();
    fs.mkdirSync(path.dirname(store.uploadPath(name, id)), { recursive: true });
    fs.writeFileSync(store.uploadPath(name, id), '');
    return id;
  };
  const finish = async (id, digest) => {
    const file = store.uploadPath(name, id);
    const body = await readBody(req, MAX_BLOB);
    if (body.length) fs.appendFileSync(file, body);
    const got = sha(fs.readFileSync(file));
    if (got !== digest) {
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
      return sendError(res, 400, 'DIGEST_INVALID', 'provided digest did not match uploaded content');
    }
    store.putBlob(digest, file);
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
    store.linkLayer(name, digest);
    return send(res, 201, { Location: `${base(req)}/v2/${name}/blobs/${digest}`, 'Docker-Content-Digest': digest, 'Content-Length': '0' }, '');
  };
  if (uuid === '' && req.method === 'POST') {
    const digest = url.searchParams.get('digest');
    const id = started();
    if (digest !== null) {
      if (!DIGEST.test(digest)) return sendError(res, 400, 'DIGEST_INVALID', 'provided digest did not match uploaded content');
      return finish(id, digest);
    }
    return send(res, 202, { Location: `${base(req)}/v2/${name}/blobs/uploads/${id}?_state=${id}`, 'Docker-Upload-Uuid': id, Range: '0-0', 'Content-Length': '0' }, '');
  }
  const id = uuid.replace(/\/$/, '');
  if (!/^[0-9a-f-]{36}$/.test(id) || !fs.existsSync(store.uploadPath(name, id))) return sendError(res, 404, 'BLOB_UPLOAD_UNKNOWN', 'blob upload unknown to registry');
  if (req.method === 'PATCH') {
    const body = await readBody(req, MAX_BLOB);
    fs.appendFileSync(store.uploadPath(name, id), body);
    const size = fs.statSync(store.uploadPath(name, id)).size;
    return send(res, 202, { Location: `${base(req)}/v2/${name}/blobs/uploads/${id}?_state=${id}`, 'Docker-Upload-Uuid': id, Range: `0-${Math.max(size - 1, 0)}`, 'Content-Length': '0' }, '');
  }
  if (req.method === 'PUT') {
    const digest = url.searchParams.get('digest') ?? '';
    if (!DIGEST.test(digest)) return sendError(res, 400, 'DIGEST_INVALID', 'provided digest did not match uploaded content');
    return finish(id, digest);
  }
  if (req.method === 'DELETE') {
    fs.rmSync(path.dirname(store.uploadPath(name, id)), { recursive: true, force: true });
    return send(res, 204, {}, undefined);
  }
  return sendError(res, 405, 'UNSUPPORTED', 'The operation is unsupported.');
}

// ---------------------------------------------------------------------------------- serving
/** Rewrites the node's port map in place (same inode: node-ports.mjs's contract). */
function publish(port, target) {
  let map = {};
  try {
    const parsed = JSON.parse(fs.readFileSync(PORTS_FILE, 'utf8'));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) map = parsed;
  } catch {
    /* none yet */
  }
  map[String(port)] = target;
  fs.mkdirSync(path.dirname(PORTS_FILE), { recursive: true });
  fs.writeFileSync(PORTS_FILE, JSON.stringify(map, null, 2) + '\n');
}

function serve(configFile) {
  const cfg = loadConfig(configFile);
  const store = new Storage(cfg.root);
  fs.mkdirSync(store.v2, { recursive: true });
  const onRequest = (req, res) => {
    handle(req, res, store, cfg).catch((e) => {
      log(`error: ${e.message}`);
      if (!res.headersSent) sendError(res, 500, 'UNKNOWN', 'unknown error');
      else res.destroy();
    });
  };
  let server;
  if (cfg.tls) {
    let cert, key;
    try {
      cert = fs.readFileSync(cfg.tls.cert);
      key = fs.readFileSync(cfg.tls.key);
    } catch (e) {
      throw new Error(`open ${e.path}: no such file or directory`);
    }
    server = https.createServer({ cert, key, minVersion: 'TLSv1.2' }, onRequest);
  } else server = http.createServer(onRequest);
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address();
    publish(cfg.port, { host: '127.0.0.1', port });
    log(`listening on [::]:${cfg.port}${cfg.tls ? ', tls' : ''}`);
  });
  const stop = () => {
    publish(cfg.port, null);
    server.close();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

function main(argv) {
  const [cmd, ...rest] = argv;
  if (cmd === '--version' || cmd === '-v' || cmd === 'version') {
    process.stdout.write(`registry github.com/docker/distribution ${VERSION}\n`);
    return;
  }
  if (cmd === 'serve' && rest.length === 1) {
    try {
      serve(rest[0]);
    } catch (e) {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    }
    return;
  }
  process.stderr.write(`fake registry: "registry ${argv.join(' ')}" is not simulated (only serve <config> and --version)\n`);
  process.exit(1);
}

main(process.argv.slice(2));
