'use strict';
// A small OCI distribution client for node-side fakes (cosign.cjs, crane.cjs): references to a
// registry on the node itself (localhost:<port>/…), reached through the node's port map
// (/etc/cks-fake/ports.json) over TLS trusting the system store (/etc/ssl/certs/ca-certificates.crt),
// with the docker config's credentials (~/.docker/config.json or $DOCKER_CONFIG, as
// go-containerregistry's default keychain reads them). Errors read as go-containerregistry's.
// Installed in a node at /usr/local/lib/cks-fake/oci-client.cjs.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');
const https = require('node:https');

const PORTS_FILE = process.env.CKS_FAKE_PORTS_FILE || '/etc/cks-fake/ports.json';
const CA_FILE = process.env.CKS_FAKE_CA_FILE || '/etc/ssl/certs/ca-certificates.crt';
const OCI = 'application/vnd.oci.image.manifest.v1+json';
const ACCEPT = [OCI, 'application/vnd.docker.distribution.manifest.v2+json', 'application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json'].join(',');

/** An error that ends the command with `code` after printing `message`. */
class Exit extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}
const b64 = (b) => Buffer.from(b).toString('base64');
const dockerConfigDir = () => process.env.DOCKER_CONFIG || path.join(os.homedir(), '.docker');

/** Stores credentials for `host` in the docker config (what `cosign login` / `crane auth login` do); its path. */
function saveLogin(host, username, password) {
  const dir = dockerConfigDir();
  const file = path.join(dir, 'config.json');
  let doc = {};
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    doc = {};
  }
  doc.auths = { ...(doc.auths ?? {}), [host]: { auth: b64(`${username}:${password}`) } };
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(file, JSON.stringify(doc, null, '\t'), { mode: 0o600 });
  return file;
}

function parseRef(ref) {
  const m = /^((?:localhost|127\.0\.0\.1):(\d{1,5}))\/([a-z0-9]+(?:[._-]+[a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-]+[a-z0-9]+)*)*)(?::([\w][\w.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$/.exec(ref);
  if (!m) throw new Exit(1, `fake tool: the image ${ref} is not in a registry on this node (localhost:<port>/…): other registries are not simulated`);
  return { host: m[1], port: Number(m[2]), repo: m[3], tag: m[4], digest: m[5] };
}
function dockerAuth(host) {
  const file = path.join(dockerConfigDir(), 'config.json');
  try {
    const entry = JSON.parse(fs.readFileSync(file, 'utf8')).auths?.[host];
    if (entry?.auth) return `Basic ${entry.auth}`;
    if (entry?.username) return `Basic ${b64(`${entry.username}:${entry.password ?? ''}`)}`;
  } catch {
    /* anonymous */
  }
  return undefined;
}
function target(r) {
  try {
    const t = JSON.parse(fs.readFileSync(PORTS_FILE, 'utf8'))[String(r.port)];
    if (t && typeof t.host === 'string' && Number.isInteger(t.port)) return t;
  } catch {
    /* nothing published */
  }
  return null;
}
function call(r, method, p, { body, headers = {} } = {}) {
  const url = `https://${r.host}${p}`;
  const t = target(r);
  const auth = dockerAuth(r.host);
  return new Promise((resolve, reject) => {
    if (!t) return reject(new Exit(1, `${method} ${url}: dial tcp 127.0.0.1:${r.port}: connect: connection refused`));
    let ca;
    try {
      ca = fs.readFileSync(CA_FILE);
    } catch {
      ca = undefined;
    }
    const req = https.request({ host: t.host, port: t.port, method, path: p, servername: r.host.startsWith('localhost') ? 'localhost' : undefined, ca, headers: { Host: r.host, 'User-Agent': 'cosign/v2.4.1 (linux; amd64) go-containerregistry/v0.20.2', ...(auth ? { Authorization: auth } : {}), ...headers } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const buf = Buffer.concat(chunks);
        if (res.statusCode === 401) {
          let detail = 'authentication required';
          try {
            detail = JSON.parse(buf.toString()).errors.map((e) => `${e.code}: ${e.message}`).join('; ');
          } catch {
            /* keep */
          }
          return reject(new Exit(1, `${method} ${url}: ${detail}; [map[Action:pull Class: Name:${r.repo} Type:repository]]`));
        }
        resolve({ status: res.statusCode, headers: res.headers, body: buf });
      });
    });
    req.on('error', (e) => {
      if (/certificate|self.signed|issuer/i.test(e.code ?? '') || /certificate/i.test(e.message)) {
        return reject(new Exit(1, `${method} ${url}: tls: failed to verify certificate: x509: certificate signed by unknown authority`));
      }
      reject(new Exit(1, `${method} ${url}: ${e.message}`));
    });
    req.end(body);
  });
}
async function resolveDigest(r) {
  if (r.digest) return r.digest;
  const res = await call(r, 'HEAD', `/v2/${r.repo}/manifests/${r.tag ?? 'latest'}`, { headers: { Accept: ACCEPT } });
  if (res.status === 404) throw new Exit(1, `HEAD https://${r.host}/v2/${r.repo}/manifests/${r.tag ?? 'latest'}: unexpected status code 404 Not Found (HEAD responses have no body, use GET for details)`);
  return String(res.headers['docker-content-digest']);
}
async function putBlob(r, data) {
  const digest = `sha256:${crypto.createHash('sha256').update(data).digest('hex')}`;
  const head = await call(r, 'HEAD', `/v2/${r.repo}/blobs/${digest}`);
  if (head.status === 200) return digest;
  const start = await call(r, 'POST', `/v2/${r.repo}/blobs/uploads/`);
  const loc = new URL(String(start.headers.location), `https://${r.host}`);
  const put = await call(r, 'PUT', `${loc.pathname}${loc.search}${loc.search ? '&' : '?'}digest=${digest}`, { body: data, headers: { 'Content-Type': 'application/octet-stream' } });
  if (put.status !== 201) throw new Exit(1, `PUT blob: ${put.status} ${put.body}`);
  return digest;
}

module.exports = { Exit, OCI, ACCEPT, b64, parseRef, dockerAuth, call, resolveDigest, putBlob, saveLogin };
