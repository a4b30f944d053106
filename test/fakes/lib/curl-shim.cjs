'use strict';
// `curl` on a fake kind node (copied to the node's /usr/local/bin/curl by node-image.mjs, ahead of
// the real /usr/bin/curl in the node's PATH). Fake nodes share the host's network, so a fake
// listener for a node port (kubelet :10250, etcd :2379, an ingress controller :443) really listens
// on an ephemeral port of the host's 127.0.0.1 and is published in the node's port map,
// /etc/cks-fake/ports.json (node-ports.mjs). For every URL (and every `--resolve host:port:addr`)
// addressed to a node — this one (127.0.0.1, localhost, ::1, its IP, its name) or a peer named in
// /etc/cks-fake/peers.json — on a port its map lists, this adds `--connect-to` so the REAL curl
// connects to the published listener (TLS, SNI, Host header and output unchanged), or to the same
// port on 127.0.0.1 when the map says nothing listens there (refused, with curl's own message).
// Everything else runs /usr/bin/curl with the argv unchanged.
// CommonJS on purpose: the node has no package.json saying "type": "module".
const fs = require('node:fs');
const os = require('node:os');
const { spawnSync } = require('node:child_process');

const REAL_CURL = '/usr/bin/curl';
const MAX_FILE = 64 * 1024;

/** curl 7.88 long options that take a value (the next argv entry), and short ones. */
const LONG_WITH_VALUE = new Set([
  'abstract-unix-socket', 'alt-svc', 'aws-sigv4', 'cacert', 'capath', 'cert', 'cert-type', 'ciphers', 'config', 'connect-timeout',
  'connect-to', 'continue-at', 'cookie', 'cookie-jar', 'create-file-mode', 'crlfile', 'curves', 'data', 'data-ascii', 'data-binary',
  'data-raw', 'data-urlencode', 'delegation', 'dns-interface', 'dns-ipv4-addr', 'dns-ipv6-addr', 'dns-servers', 'doh-url',
  'dump-header', 'egd-file', 'engine', 'etag-compare', 'etag-save', 'expect100-timeout', 'form', 'form-string', 'ftp-account',
  'ftp-alternative-to-user', 'ftp-method', 'ftp-port', 'ftp-ssl-ccc-mode', 'happy-eyeballs-timeout-ms', 'header', 'help',
  'hostpubmd5', 'hostpubsha256', 'hsts', 'interface', 'json', 'keepalive-time', 'key', 'key-type', 'krb', 'libcurl',
  'limit-rate', 'local-port', 'login-options', 'mail-auth', 'mail-from', 'mail-rcpt', 'max-filesize', 'max-redirs', 'max-time',
  'netrc-file', 'noproxy', 'oauth2-bearer', 'output', 'output-dir', 'parallel-max', 'pass', 'pinnedpubkey', 'preproxy',
  'proto', 'proto-default', 'proto-redir', 'proxy', 'proxy-cacert', 'proxy-capath', 'proxy-cert', 'proxy-cert-type',
  'proxy-ciphers', 'proxy-crlfile', 'proxy-header', 'proxy-key', 'proxy-key-type', 'proxy-pass', 'proxy-pinnedpubkey',
  'proxy-service-name', 'proxy-tls13-ciphers', 'proxy-tlsauthtype', 'proxy-tlspassword', 'proxy-tlsuser', 'proxy-user',
  'proxy1.0', 'pubkey', 'quote', 'random-file', 'range', 'rate', 'referer', 'request', 'request-target', 'resolve', 'retry',
  'retry-delay', 'retry-max-time', 'sasl-authzid', 'service-name', 'socks4', 'socks4a', 'socks5', 'socks5-gssapi-service',
  'socks5-hostname', 'speed-limit', 'speed-time', 'stderr', 'telnet-option', 'tftp-blksize', 'time-cond', 'tls-max',
  'tls13-ciphers', 'tlsauthtype', 'tlspassword', 'tlsuser', 'trace', 'trace-ascii', 'trace-config', 'unix-socket',
  'upload-file', 'url', 'url-query', 'user', 'user-agent', 'variable', 'write-out',
]);
const SHORT_WITH_VALUE = new Set('bcdDeEFhHKmoPQrtTuUwxXYyzC'.split(''));

function readJson(file) {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const buf = Buffer.alloc(MAX_FILE);
      const n = fs.readSync(fd, buf, 0, MAX_FILE, 0);
      return JSON.parse(buf.subarray(0, n).toString('utf8'));
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return undefined;
  }
}

function validMap(map) {
  return map && typeof map === 'object' && !Array.isArray(map) ? map : {};
}

/** address/name (lower case) → the port map of the node it names. */
function nodeMaps() {
  const byAddress = new Map();
  const own = validMap(readJson('/etc/cks-fake/ports.json'));
  for (const a of ['127.0.0.1', 'localhost', '::1', '[::1]', '0.0.0.0', os.hostname().toLowerCase()]) byAddress.set(a, own);
  const peers = readJson('/etc/cks-fake/peers.json');
  for (const peer of Array.isArray(peers) ? peers : []) {
    if (typeof peer?.name !== 'string' || typeof peer?.ip !== 'string') continue;
    const self = peer.name.toLowerCase() === os.hostname().toLowerCase();
    const map = self ? own : Number.isInteger(peer.pid) ? validMap(readJson(`/proc/${peer.pid}/root/etc/cks-fake/ports.json`)) : {};
    byAddress.set(peer.name.toLowerCase(), map);
    byAddress.set(peer.ip, map);
  }
  return byAddress;
}

/** Host and port of a URL curl will request (scheme-less means http, as curl guesses). */
function urlTarget(arg) {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(arg) ? arg : `http://${arg}`;
  let u;
  try {
    u = new URL(withScheme);
  } catch {
    return undefined;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
  const port = u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
  return { host: u.hostname.toLowerCase(), port };
}

/** The URLs and --resolve entries in curl's argv (option values are not URLs). */
function scan(argv) {
  const urls = [];
  const resolves = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      urls.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = a.slice(2, eq >= 0 ? eq : undefined);
      if (!LONG_WITH_VALUE.has(name)) continue;
      const value = eq >= 0 ? a.slice(eq + 1) : argv[++i];
      if (value === undefined) break;
      if (name === 'url') urls.push(value);
      if (name === 'resolve') resolves.push(value);
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        if (!SHORT_WITH_VALUE.has(a[j])) continue;
        if (j === a.length - 1) i++; // the value is the next entry
        break; // the rest of this entry is the value
      }
      continue;
    }
    urls.push(a);
  }
  return { urls, resolves };
}

/** `--connect-to` entries that send node-port requests to where the fake listens. */
function connectTo(argv) {
  const { urls, resolves } = scan(argv);
  const maps = nodeMaps();
  const extra = [];
  const seen = new Set();
  const route = (host, port, nodeAddress) => {
    const map = maps.get(nodeAddress);
    if (!map || !Object.prototype.hasOwnProperty.call(map, String(port))) return;
    const key = `${host}:${port}`;
    if (seen.has(key)) return;
    seen.add(key);
    const t = map[String(port)];
    const valid = t && typeof t.host === 'string' && Number.isInteger(t.port);
    // Nothing listening: the same port on the host's loopback, where nothing listens either.
    const target = valid ? `${t.host}:${t.port}` : `127.0.0.1:${port}`;
    extra.push('--connect-to', `${host.includes(':') ? `[${host}]` : host}:${port}:${target}`);
  };
  const resolved = new Map();
  for (const r of resolves) {
    const m = /^\+?([^:]+):(\d+):(.+)$/.exec(r);
    if (!m) continue;
    const first = m[3].split(',')[0].replace(/^\[|\]$/g, '').toLowerCase();
    resolved.set(`${m[1].toLowerCase()}:${m[2]}`, first);
  }
  for (const u of urls) {
    const t = urlTarget(u);
    if (!t) continue;
    const host = t.host.replace(/^\[|\]$/g, '');
    route(host, t.port, resolved.get(`${host}:${t.port}`) ?? host);
  }
  return extra;
}

function main() {
  const argv = process.argv.slice(2);
  let extra = [];
  try {
    extra = connectTo(argv);
  } catch {
    extra = [];
  }
  const res = spawnSync(REAL_CURL, [...extra, ...argv], { stdio: 'inherit' });
  if (res.error) {
    process.stderr.write(`curl: ${res.error.message}\n`);
    process.exit(127);
  }
  if (res.signal) process.kill(process.pid, res.signal);
  process.exit(res.status ?? 1);
}

main();
