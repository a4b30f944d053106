'use strict';
// Fake `crane` (go-containerregistry v0.20.2) on a fake kind node, for reading a registry on the
// node: `crane auth login HOST -u USER -p PASSWORD` (or --password-stdin), `crane digest REF`,
// `crane manifest REF`, `crane config REF`, `crane ls REPO`, `crane catalog HOST`, `crane version`.
// Same registry client as the fake cosign (oci-client.cjs): only registries on the node itself
// (localhost:<port>) are simulated; anything else is refused as not simulated.
// CommonJS on purpose: the node has no package.json saying "type": "module".
const fs = require('node:fs');
const path = require('node:path');

const lib = (name) => (fs.existsSync(path.join(__dirname, name)) ? path.join(__dirname, name) : `/usr/local/lib/cks-fake/${name}`);
const { Exit, ACCEPT, parseRef, call, saveLogin } = require(lib('oci-client.cjs'));

const fail = (msg) => new Exit(1, `Error: ${msg}`);

function flagsOf(args, known) {
  const flags = {};
  const rest = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('-')) {
      rest.push(a);
      continue;
    }
    const [name, value] = a.replace(/^--?/, '').split(/=(.*)/s);
    const key = known[name];
    if (!key) throw fail(`unknown flag: ${a.split('=')[0]}`);
    if (key.endsWith('?')) flags[key.slice(0, -1)] = value ?? 'true';
    else flags[key] = value ?? args[++i];
  }
  return { flags, rest };
}

/** GET a manifest or config; 404s as go-containerregistry words them. */
async function fetchManifest(ref) {
  const r = parseRef(ref);
  const id = r.digest ?? r.tag ?? 'latest';
  let res;
  try {
    res = await call(r, 'GET', `/v2/${r.repo}/manifests/${id}`, { headers: { Accept: ACCEPT } });
  } catch (e) {
    throw fail(`fetching manifest ${ref}: ${e.message}`);
  }
  if (res.status !== 200) {
    let detail = 'MANIFEST_UNKNOWN: manifest unknown';
    try {
      detail = JSON.parse(res.body.toString()).errors.map((e) => `${e.code}: ${e.message}`).join('; ');
    } catch {
      /* keep */
    }
    throw fail(`fetching manifest ${ref}: GET https://${r.host}/v2/${r.repo}/manifests/${id}: ${detail}; unknown tag=${id}`);
  }
  return { r, res };
}

async function main(argv) {
  const [cmd, ...args] = argv;
  if (cmd === 'version') return process.stdout.write('v0.20.2\n');
  if (cmd === 'auth' && args[0] === 'login') {
    const { flags, rest } = flagsOf(args.slice(1), { u: 'username', username: 'username', p: 'password', password: 'password', 'password-stdin': 'stdin?' });
    if (rest.length !== 1) throw fail(`accepts 1 arg(s), received ${rest.length}`);
    const pass = flags.stdin ? fs.readFileSync(0, 'utf8').replace(/\r?\n$/, '') : flags.password;
    if (!flags.username || pass === undefined) throw fail('username and password required');
    const file = saveLogin(rest[0], flags.username, pass);
    const ts = new Date().toISOString().replace('T', ' ').replace(/\..*$/, '').replace(/-/g, '/');
    process.stderr.write(`${ts} logged in via ${file}\n`);
    return undefined;
  }
  if (cmd === 'digest' || cmd === 'manifest' || cmd === 'config') {
    const { rest } = flagsOf(args, {});
    if (rest.length !== 1) throw fail(`accepts 1 arg(s), received ${rest.length}`);
    const { r, res } = await fetchManifest(rest[0]);
    if (cmd === 'digest') return process.stdout.write(`${String(res.headers['docker-content-digest'])}\n`);
    if (cmd === 'manifest') return process.stdout.write(res.body);
    const manifest = JSON.parse(res.body.toString('utf8'));
    if (Array.isArray(manifest.manifests)) throw new Exit(1, 'fake crane: the config of an image index (multi-platform) is not simulated');
    const cfg = await call(r, 'GET', `/v2/${r.repo}/blobs/${manifest.config.digest}`);
    return process.stdout.write(cfg.body);
  }
  if (cmd === 'ls') {
    const { rest } = flagsOf(args, {});
    if (rest.length !== 1) throw fail(`accepts 1 arg(s), received ${rest.length}`);
    const r = parseRef(rest[0]);
    let res;
    try {
      res = await call(r, 'GET', `/v2/${r.repo}/tags/list`);
    } catch (e) {
      throw fail(`reading tags for ${rest[0]}: ${e.message}`);
    }
    if (res.status !== 200) throw fail(`reading tags for ${rest[0]}: GET https://${r.host}/v2/${r.repo}/tags/list: NAME_UNKNOWN: repository name not known to registry`);
    return process.stdout.write((JSON.parse(res.body.toString()).tags ?? []).map((t) => `${t}\n`).join(''));
  }
  if (cmd === 'catalog') {
    const { rest } = flagsOf(args, {});
    const r = parseRef(`${rest[0] ?? ''}/x`);
    let res;
    try {
      res = await call(r, 'GET', '/v2/_catalog');
    } catch (e) {
      throw fail(`reading catalog for ${rest[0]}: ${e.message}`);
    }
    return process.stdout.write((JSON.parse(res.body.toString()).repositories ?? []).map((t) => `${t}\n`).join(''));
  }
  throw new Exit(1, `fake crane: "crane ${argv.join(' ')}" is not simulated (auth login, digest, manifest, config, ls, catalog, version)`);
}

main(process.argv.slice(2)).catch((e) => {
  process.stderr.write(`${e.message}\n`);
  process.exit(e instanceof Exit ? e.code : 1);
});
