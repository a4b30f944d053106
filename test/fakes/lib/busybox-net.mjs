// The network applets of busybox (nc, wget, nslookup, httpd, ip) inside a fake pod. Fake pods share the
// host's network, so no real packet can say what the pod network would do: each applet asks the
// fake API server's network endpoint (test/fakes/kube-apiserver/network/) what its connection
// meets under the cluster's Services, DNS and NetworkPolicies, then behaves like busybox 1.36:
// same argv, messages, exit codes and time-outs. The fake kubelet binds a per-pod wrapper over
// /bin/<applet> that runs: node busybox-net.mjs <endpoint url> <pod uid> <applet> args…
import { request, createServer } from 'node:http';
import { readFileSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { join, normalize } from 'node:path';
import { spawn } from 'node:child_process';

const [endpoint, podUid, applet, ...args] = process.argv.slice(2);

function ask(path, body) {
  return new Promise((resolve, reject) => {
    const req = request(`${endpoint}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString() || '{}')));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ pod: podUid, ...body }));
  });
}

/** Keeps a listener registered for as long as this process lives. */
function listen(port, protocol, proxyPort) {
  const req = request(`${endpoint}/listen`, { method: 'POST', headers: { 'Content-Type': 'application/json' } });
  req.on('error', () => process.exit(1));
  req.end(JSON.stringify({ pod: podUid, port, protocol, ...(proxyPort ? { proxyPort } : {}) }));
}

const sleep = (s) => new Promise((r) => setTimeout(r, s * 1000));
const err = (line) => process.stderr.write(`${line}\n`);
// The pod's resolver (resolv.conf: timeout 5, attempts 2) gives up after about 10 s when DNS is dropped.
const RESOLVER_WAIT_S = 10;

/** getopt for busybox-style short options; `withArg` lists letters that take a value. */
function getopt(argv, withArg) {
  const opts = {};
  const rest = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') { rest.push(...argv.slice(i + 1)); break; }
    if (a.startsWith('-') && a.length > 1 && !a.startsWith('--')) {
      for (let j = 1; j < a.length; j++) {
        const ch = a[j];
        if (withArg.includes(ch)) {
          opts[ch] = a.slice(j + 1) || argv[++i];
          break;
        }
        opts[ch] = (opts[ch] ?? 0) + 1;
      }
    } else rest.push(a);
  }
  return { opts, rest };
}

async function nc() {
  const { opts, rest } = getopt(args, 'pswio');
  const verbose = opts.v ?? 0;
  const wait = opts.w !== undefined ? Number(opts.w) : 0;
  const protocol = opts.u ? 'UDP' : 'TCP';
  if (opts.l) {
    const port = Number(opts.p ?? rest[1] ?? 0);
    if (verbose) err(`listening on [::]:${port} ...`);
    listen(port, protocol);
    return new Promise(() => undefined);
  }
  const [host, port] = rest;
  if (!host || !port) {
    err('BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.\n\nUsage: nc [OPTIONS] HOST PORT  - connect\nnc [OPTIONS] -l -p PORT [HOST] [PORT]  - listen');
    return 1;
  }
  const r = await ask('/connect', { host, port: Number(port), protocol });
  if (r.outcome === 'badAddress') {
    if (r.dnsTimeout) await sleep(RESOLVER_WAIT_S);
    err(`nc: bad address '${host}'`);
    return 1;
  }
  const dotted = `${r.ip}:${port}`;
  const sent = () => { if (verbose > 1) err(' sent 0, rcvd 0'); };
  // 'reset': the handshake completed (a mesh proxy accepted it) before the reset nc never waits for.
  if (r.outcome === 'open' || r.outcome === 'reset') {
    if (verbose) err(`${host} (${dotted}) open`);
    sent();
    return 0;
  }
  if (r.outcome === 'refused') {
    if (verbose > 1) err(`nc: ${host} (${dotted}): Connection refused`);
    sent();
    return 1;
  }
  // Dropped: the SYN goes unanswered until -w (without it, the kernel gives up after about 127 s).
  await sleep(wait > 0 ? wait : 127);
  if (verbose) err(`nc: ${host} (${dotted}): Connection timed out`);
  sent();
  return 1;
}

async function wget() {
  const spider = args.includes('--spider');
  const { opts, rest } = getopt(args.filter((a) => a !== '--spider'), 'OTUYPe');
  const quiet = Boolean(opts.q); // -q alone or bundled (-qO-)
  const timeout = opts.T !== undefined ? Number(opts.T) : 900;
  const url = rest[0];
  const m = /^http:\/\/([^/:]+)(?::(\d+))?(\/.*)?$/.exec(url ?? '');
  if (!m) {
    err(url ? `wget: not an http or ftp url: ${url}` : 'BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.\n\nUsage: wget [-cqS] [--spider] [-O FILE] [-o LOGFILE] [--header STR] [--post-data STR | --post-file FILE] [-Y on/off] [-P DIR] [-U AGENT] [-T SEC] URL...');
    return 1;
  }
  const [, host, portText, path = '/'] = m;
  const port = Number(portText ?? 80);
  const r = await ask('/connect', { host, port, protocol: 'TCP' });
  if (r.outcome === 'badAddress') {
    if (r.dnsTimeout) await sleep(RESOLVER_WAIT_S);
    err(`wget: bad address '${host}'`);
    return 1;
  }
  if (!quiet) err(`Connecting to ${host}${portText ? `:${portText}` : ''} (${r.ip}:${port})`);
  if (r.outcome === 'refused') {
    err(`wget: can't connect to remote host (${r.ip}): Connection refused`);
    return 1;
  }
  if (r.outcome === 'timeout') {
    await sleep(timeout);
    err('wget: download timed out');
    return 1;
  }
  if (r.outcome === 'reset') {
    // Connected, then reset before any status line (Envoy refusing plain text under STRICT mTLS).
    err('wget: error getting response: Connection reset by peer');
    return 1;
  }
  let status = 200, body = Buffer.from('');
  if (r.proxyPort) {
    ({ status, body } = await new Promise((resolve) => {
      const req = request({ host: '127.0.0.1', port: r.proxyPort, path, method: spider ? 'HEAD' : 'GET' }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 500, body: Buffer.concat(chunks) }));
      });
      req.on('error', () => resolve({ status: 0, body: Buffer.from('') }));
      req.end();
    }));
    if (status === 0) {
      err('wget: error getting response: Connection reset by peer');
      return 1;
    }
  } else if (r.image === 'nginx' || r.image === 'httpd') {
    if (path === '/' || path === '/index.html') body = Buffer.from(r.image === 'nginx' ? '<!DOCTYPE html>\n<html>\n<head>\n<title>Welcome to nginx!</title>\n</head>\n<body>\n<h1>Welcome to nginx!</h1>\n</body>\n</html>\n' : '<html><body><h1>It works!</h1></body></html>\n');
    else status = 404;
  } else {
    // Something listens but does not speak HTTP: wget waits for a status line until -T.
    await sleep(timeout);
    err('wget: download timed out');
    return 1;
  }
  if (status !== 200) {
    err(`wget: server returned error: HTTP/1.1 ${status} ${status === 404 ? 'Not Found' : 'Error'}`);
    return 1;
  }
  if (spider) {
    if (!quiet) err('remote file exists');
    return 0;
  }
  const out = opts.O ?? (path.split('/').pop() || 'index.html');
  if (out === '-') {
    if (!quiet) err('writing to stdout');
    process.stdout.write(body);
    if (!quiet) err('written to stdout');
  } else {
    if (!quiet) err(`saving to '${out}'`);
    writeFileSync(out, body);
    if (!quiet) err(`'${out}' saved`);
  }
  return 0;
}

async function nslookup() {
  const rest = args.filter((a) => !a.startsWith('-'));
  const name = rest[0];
  if (!name) {
    err('BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.\n\nUsage: nslookup [-type=QUERY_TYPE] [-debug] HOST [DNS_SERVER]');
    return 1;
  }
  const r = await ask('/resolve', { name });
  if (r.outcome === 'timeout') {
    await sleep(RESOLVER_WAIT_S);
    process.stdout.write(';; connection timed out; no servers could be reached\n\n');
    return 1;
  }
  process.stdout.write(`Server:\t\t${r.server}\nAddress:\t${r.server}:53\n\n`);
  if (r.outcome === 'nxdomain') {
    process.stdout.write(`** server can't find ${r.name}: NXDOMAIN\n\n`);
    return 1;
  }
  process.stdout.write(`Name:\t${r.name}\n${r.addresses.map((a) => `Address: ${a}\n`).join('')}\n`);
  return 0;
}

/** busybox httpd: serves files from -h DIR (default /www) on -p [IP:]PORT (default 80); -f stays in the foreground. */
async function httpd() {
  const { opts } = getopt(args, 'phcurmeMdi');
  if (!opts.f) {
    // Without -f busybox httpd daemonizes: the parent returns at once, the server lives on.
    const child = spawn(process.execPath, [process.argv[1], endpoint, podUid, applet, '-f', ...args], { detached: true, stdio: 'ignore' });
    child.unref();
    return 0;
  }
  const port = Number(String(opts.p ?? '80').split(':').pop());
  const home = opts.h ?? '/www';
  const server = createServer((req, res) => {
    let file = normalize(join(home, decodeURIComponent((req.url ?? '/').split('?')[0])));
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!file.startsWith(normalize(home)) || !existsSync(file)) {
      res.writeHead(404, { 'Content-Type': 'text/html' }).end('<HTML><HEAD><TITLE>404 Not Found</TITLE></HEAD>\n<BODY><H1>404 Not Found</H1>\nThe requested URL was not found\n</BODY></HTML>\n');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/html' }).end(readFileSync(file));
  });
  server.listen(0, '127.0.0.1', () => listen(port, 'TCP', server.address().port));
  return new Promise(() => undefined);
}

/** busybox ip: the pod network answers (the host's ip would change this machine's own network). */
async function ip() {
  const r = await ask('/ip', { args });
  if (r.stdout) process.stdout.write(r.stdout);
  if (r.stderr) process.stderr.write(r.stderr);
  return r.exitCode ?? 1;
}

const APPLETS = { nc, wget, nslookup, httpd, ip };
const run = APPLETS[applet];
if (!run) {
  err(`${applet}: applet not found`);
  process.exit(127);
}
run().then((code) => process.exit(code), (e) => {
  err(`${applet}: ${e.message}`);
  process.exit(1);
});
