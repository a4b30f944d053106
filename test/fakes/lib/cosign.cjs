'use strict';
// Fake `cosign` (sigstore cosign v2.4.1) on a fake kind node, for the offline signing a lab needs:
//   cosign generate-key-pair                     cosign.key (ENCRYPTED SIGSTORE PRIVATE KEY: PKCS#8
//                                                ECDSA P-256 sealed with nacl/secretbox under an
//                                                scrypt key, N=32768 r=8 p=1) + cosign.pub (PKIX PEM)
//   cosign sign --key cosign.key --tlog-upload=false IMAGE
//   cosign verify --key cosign.pub --insecure-ignore-tlog=true IMAGE
//   cosign login HOST -u USER -p PASSWORD        (~/.docker/config.json, as cosign/crane/docker use)
// Signatures are real: ECDSA P-256 over SHA-256 of cosign's "simple signing" payload, stored as
// cosign stores them, in the image's repository under the tag sha256-<hex>.sig (an OCI manifest
// whose layers are the payloads, mediaType application/vnd.dev.cosign.simplesigning.v1+json, with
// the base64 signature in the dev.cosignproject.cosign/signature annotation). Only registries on
// the node itself (localhost:<port>, reached through /etc/cks-fake/ports.json) are simulated;
// transparency-log (Rekor) and keyless (Fulcio) flows need the internet and are refused as not
// simulated. Passwords come from COSIGN_PASSWORD or stdin, as cosign reads them without a terminal.
// CommonJS on purpose: the node has no package.json saying "type": "module".
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');

// Next to this file in the repository (tests), in /usr/local/lib/cks-fake in a node.
const lib = (name) => (fs.existsSync(path.join(__dirname, name)) ? path.join(__dirname, name) : `/usr/local/lib/cks-fake/${name}`);
const { Exit, OCI, ACCEPT, b64, parseRef, call, resolveDigest, putBlob, saveLogin } = require(lib('oci-client.cjs'));
const SECRETBOX = process.env.CKS_FAKE_SECRETBOX || '/usr/local/lib/cks-fake/secretbox.cjs';
const SIMPLE_SIGNING = 'application/vnd.dev.cosign.simplesigning.v1+json';
const SIG_ANNOTATION = 'dev.cosignproject.cosign/signature';

const fail = (msg) => new Exit(1, `Error: ${msg}\nmain.go:74: error during command execution: ${msg}`);

// --------------------------------------------------------------------------------- arguments
function parse(args, spec) {
  const flags = {};
  const rest = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') {
      rest.push(...args.slice(i + 1));
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      rest.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.replace(/^--?/, '').slice(0, eq >= 0 ? eq - (a.startsWith('--') ? 2 : 1) : undefined);
    const key = spec.alias?.[name] ?? name;
    if (!(key in spec.flags)) throw new Exit(1, `Error: unknown flag: ${a.split('=')[0]}\nmain.go:74: error during command execution: unknown flag: ${a.split('=')[0]}`);
    if (spec.flags[key] === 'bool') flags[key] = eq >= 0 ? a.slice(eq + 1) : 'true';
    else flags[key] = eq >= 0 ? a.slice(eq + 1) : args[++i];
    if (flags[key] === undefined) throw new Exit(1, `Error: flag needs an argument: ${a}`);
  }
  return { flags, rest };
}
const truthy = (v) => v === 'true' || v === '1' || v === 'True' || v === 'TRUE' || v === 't';

// ---------------------------------------------------------------------------------- password
function readStdin() {
  try {
    return fs.readFileSync(0, 'utf8');
  } catch {
    return '';
  }
}
let stdinLines;
function password(prompt, confirm) {
  if (process.env.COSIGN_PASSWORD !== undefined) return process.env.COSIGN_PASSWORD;
  process.stderr.write(`${prompt}`);
  stdinLines ??= readStdin().split('\n');
  const first = stdinLines.shift() ?? '';
  process.stderr.write('\n');
  if (confirm) {
    process.stderr.write(`${prompt.replace(/:\s*$/, '')} again: `);
    const second = stdinLines.shift() ?? '';
    process.stderr.write('\n');
    if (second !== first) throw fail('passwords do not match');
  }
  return first;
}

// ------------------------------------------------------------------------------------- keys
const secretbox = () => require(SECRETBOX);
function pem(type, der) {
  return `-----BEGIN ${type}-----\n${b64(der).match(/.{1,64}/g).join('\n')}\n-----END ${type}-----\n`;
}
function unpem(text, type) {
  const m = new RegExp(`-----BEGIN ${type}-----([A-Za-z0-9+/=\\s]+)-----END ${type}-----`).exec(text);
  return m ? Buffer.from(m[1].replace(/\s+/g, ''), 'base64') : undefined;
}
const SCRYPT = { N: 32768, r: 8, p: 1 };
function encryptKey(der, pass) {
  const salt = crypto.randomBytes(32);
  const nonce = crypto.randomBytes(24);
  const key = crypto.scryptSync(Buffer.from(pass), salt, 32, { ...SCRYPT, maxmem: 64 * 1024 * 1024 });
  const ciphertext = secretbox().secretboxSeal(der, nonce, key);
  return JSON.stringify({ kdf: { name: 'scrypt', params: SCRYPT, salt: b64(salt) }, cipher: { name: 'nacl/secretbox', nonce: b64(nonce) }, ciphertext: b64(ciphertext) });
}
function decryptKey(file, pass) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new Exit(1, `open ${file}: no such file or directory`);
  }
  const blob = unpem(text, 'ENCRYPTED SIGSTORE PRIVATE KEY') ?? unpem(text, 'ENCRYPTED COSIGN PRIVATE KEY');
  if (!blob) throw new Exit(1, 'invalid pem block');
  const doc = JSON.parse(blob.toString('utf8'));
  const p = doc.kdf?.params ?? {};
  const key = crypto.scryptSync(Buffer.from(pass), Buffer.from(doc.kdf?.salt ?? '', 'base64'), 32, { N: p.N, r: p.r, p: p.p, maxmem: 64 * 1024 * 1024 });
  const der = secretbox().secretboxOpen(Buffer.from(doc.ciphertext ?? '', 'base64'), Buffer.from(doc.cipher?.nonce ?? '', 'base64'), key);
  if (!der) throw new Exit(1, 'decrypt: encrypted: decryption failed');
  return crypto.createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
}
function publicKey(file) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw fail(`loading public key: open ${file}: no such file or directory`);
  }
  try {
    return crypto.createPublicKey(text);
  } catch {
    throw fail('loading public key: PEM decoding failed');
  }
}

// --------------------------------------------------------------------------------- registry
/** The signature manifest of `digest`, or undefined. */
async function signatures(r, digest) {
  const res = await call(r, 'GET', `/v2/${r.repo}/manifests/${digest.replace(':', '-')}.sig`, { headers: { Accept: ACCEPT } });
  if (res.status !== 200) return undefined;
  return JSON.parse(res.body.toString('utf8'));
}

// ------------------------------------------------------------------------------------ verbs
function generateKeyPair(args) {
  parse(args, { flags: { 'output-key-prefix': 'value' } });
  for (const f of ['cosign.key', 'cosign.pub']) {
    if (fs.existsSync(f)) throw fail(`File ${f} already exists (fake cosign: the overwrite prompt is not simulated; remove it first)`);
  }
  const pass = password('Enter password for private key: ', true);
  const { privateKey, publicKey: pub } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  fs.writeFileSync('cosign.key', pem('ENCRYPTED SIGSTORE PRIVATE KEY', Buffer.from(encryptKey(der, pass))), { mode: 0o600 });
  fs.writeFileSync('cosign.pub', pub.export({ format: 'pem', type: 'spki' }), { mode: 0o644 });
  process.stderr.write('Private key written to cosign.key\nPublic key written to cosign.pub\n');
}

async function sign(args) {
  const { flags, rest } = parse(args, { flags: { key: 'value', 'tlog-upload': 'bool', yes: 'bool', 'allow-insecure-registry': 'bool' }, alias: { y: 'yes' } });
  if (!flags.key) throw new Exit(1, 'fake cosign: keyless signing (Fulcio, OIDC) needs the internet and is not simulated: pass --key cosign.key');
  if (flags['tlog-upload'] === undefined || truthy(flags['tlog-upload'])) throw new Exit(1, 'fake cosign: uploading to the transparency log (Rekor) needs the internet and is not simulated: pass --tlog-upload=false');
  if (rest.length !== 1) throw fail('accepts 1 arg(s), received ' + rest.length);
  const r = parseRef(rest[0]);
  if (!r.digest) {
    process.stderr.write(`WARNING: Image reference ${rest[0]} uses a tag, not a digest, to identify the image to sign.\n    This can lead you to sign a different image than the intended one. Please use a\n    digest (example.com/ubuntu@sha256:abc123...) rather than tag\n    (example.com/ubuntu:latest) for the input to cosign. The ability to refer to\n    images by tag will be removed in a future release.\n\n`);
  }
  const pass = password('Enter password for private key: ', false);
  let key;
  try {
    key = decryptKey(flags.key, pass);
  } catch (e) {
    throw fail(`signing [${rest[0]}]: getting signer: reading key: ${e.message}`);
  }
  let digest;
  try {
    digest = await resolveDigest(r);
  } catch (e) {
    throw fail(`signing [${rest[0]}]: accessing image: ${e.message}`);
  }
  const repoRef = `${r.host}/${r.repo}`;
  const payload = Buffer.from(JSON.stringify({ critical: { identity: { 'docker-reference': repoRef }, image: { 'docker-manifest-digest': digest }, type: 'cosign container image signature' }, optional: null }));
  const signature = b64(crypto.sign('sha256', payload, key));
  try {
    const existing = await signatures(r, digest);
    const layers = (existing?.layers ?? []).filter((l) => l.annotations?.[SIG_ANNOTATION] !== signature);
    const payloadDigest = await putBlob(r, payload);
    layers.push({ mediaType: SIMPLE_SIGNING, size: payload.length, digest: payloadDigest, annotations: { [SIG_ANNOTATION]: signature } });
    const config = Buffer.from(JSON.stringify({ architecture: '', created: '0001-01-01T00:00:00Z', history: [{ created: '0001-01-01T00:00:00Z' }], os: '', rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) }, config: {} }));
    const configDigest = await putBlob(r, config);
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI, config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: config.length, digest: configDigest }, layers }));
    process.stderr.write(`Pushing signature to: ${repoRef}\n`);
    const put = await call(r, 'PUT', `/v2/${r.repo}/manifests/${digest.replace(':', '-')}.sig`, { body: manifest, headers: { 'Content-Type': OCI } });
    if (put.status !== 201) throw new Exit(1, `PUT manifest: ${put.status} ${put.body}`);
  } catch (e) {
    throw fail(`signing [${rest[0]}]: ${e.message}`);
  }
}

async function verify(args) {
  const { flags, rest } = parse(args, { flags: { key: 'value', 'insecure-ignore-tlog': 'bool', output: 'value', 'allow-insecure-registry': 'bool' }, alias: { o: 'output' } });
  if (!flags.key) throw new Exit(1, 'fake cosign: keyless verification (certificate identity, Fulcio roots) is not simulated: pass --key cosign.pub');
  if (!truthy(flags['insecure-ignore-tlog'] ?? 'false')) throw new Exit(1, 'fake cosign: checking the transparency log (Rekor) needs the internet and is not simulated: pass --insecure-ignore-tlog=true (signatures made with --tlog-upload=false have no log entry)');
  if (rest.length < 1) throw fail('requires at least 1 arg(s), only received 0');
  const pub = publicKey(flags.key);
  process.stderr.write('WARNING: Skipping tlog verification is an insecure practice that lacks of transparency and auditability verification for the signature.\n');
  const out = [];
  for (const ref of rest) {
    const r = parseRef(ref);
    let digest;
    let sigs;
    try {
      digest = await resolveDigest(r);
      sigs = await signatures(r, digest);
    } catch (e) {
      throw fail(e.message);
    }
    if (!sigs || !Array.isArray(sigs.layers) || sigs.layers.length === 0) throw fail('no signatures found');
    const good = [];
    let why = 'invalid signature when validating ASN.1 encoded signature';
    for (const layer of sigs.layers) {
      const res = await call(r, 'GET', `/v2/${r.repo}/blobs/${layer.digest}`).catch(() => undefined);
      if (!res || res.status !== 200) continue;
      const sig = Buffer.from(String(layer.annotations?.[SIG_ANNOTATION] ?? ''), 'base64');
      if (!crypto.verify('sha256', res.body, pub, sig)) continue;
      let claims;
      try {
        claims = JSON.parse(res.body.toString('utf8'));
      } catch {
        continue;
      }
      if (claims?.critical?.image?.['docker-manifest-digest'] !== digest) {
        why = `invalid or missing digest in claim: ${claims?.critical?.image?.['docker-manifest-digest']}`;
        continue;
      }
      good.push(claims);
    }
    if (good.length === 0) throw fail(`no matching signatures: ${why}`);
    process.stderr.write(`\nVerification for ${r.host}/${r.repo}${r.tag && !r.digest ? `:${r.tag}` : `@${digest}`} --\nThe following checks were performed on each of these signatures:\n  - The cosign claims were validated\n  - The signatures were verified against the specified public key\n`);
    out.push(...good);
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

function login(args) {
  const { flags, rest } = parse(args, { flags: { username: 'value', password: 'value', 'password-stdin': 'bool' }, alias: { u: 'username', p: 'password' } });
  if (rest.length !== 1) throw fail(`accepts 1 arg(s), received ${rest.length}`);
  let pass = flags.password;
  if (truthy(flags['password-stdin'] ?? 'false')) pass = readStdin().replace(/\r?\n$/, '');
  if (!flags.username || pass === undefined) throw fail('username and password required');
  const file = saveLogin(rest[0], flags.username, pass);
  process.stderr.write(`logged in via ${file}\n`);
}

function version() {
  process.stdout.write('  ______   ______        _______. __    _______ .__   __.\n /      | /  __  \\      /       ||  |  /  _____||  \\ |  |\n|  ,----\'|  |  |  |    |   (----`|  | |  |  __  |   \\|  |\n|  |     |  |  |  |     \\   \\    |  | |  | |_ | |  . `  |\n|  `----.|  `--\'  | .----)   |   |  | |  |__| | |  |\\   |\n \\______| \\______/  |_______/    |__|  \\______| |__| \\__|\ncosign: A tool for Container Signing, Verification and Storage in an OCI registry.\n\nGitVersion:    v2.4.1\nGitCommit:     9a4cfe1aae777984c07ce373d97a65428bbff734\nGitTreeState:  clean\nBuildDate:     2024-10-03T17:19:14Z\nGoVersion:     go1.23.2\nCompiler:      gc\nPlatform:      linux/amd64\n\n');
}

async function main(argv) {
  const [cmd, ...args] = argv;
  if (cmd === 'generate-key-pair') return generateKeyPair(args);
  if (cmd === 'sign') return sign(args);
  if (cmd === 'verify') return verify(args);
  if (cmd === 'login') return login(args);
  if (cmd === 'version') return version();
  throw new Exit(1, `fake cosign: "cosign ${argv.join(' ')}" is not simulated (generate-key-pair, sign, verify, login, version)`);
}

main(process.argv.slice(2)).catch((e) => {
  process.stderr.write(`${e.message}\n`);
  process.exit(e instanceof Exit ? e.code : 1);
});
