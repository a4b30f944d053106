'use strict';
// Fake `crictl` for fake kind nodes (copied to the node's /usr/local/bin/crictl by node-files.mjs,
// with __CRI_ENDPOINT__ replaced). Talks to the fake API server process's CRI endpoint
// (test/fakes/kube-apiserver/cri.ts), which simulates the control-plane static pods.
// Follows crictl v1.34: urfave/cli flags, `crictl ps` table (text/tabwriter, minwidth 20,
// padding 3), --name is a regular expression, --state one of created|running|exited|unknown,
// fatal errors as logrus prints them without a terminal, exit codes passed through by exec.
// CommonJS on purpose: the node has no package.json saying "type": "module".
const http = require('node:http');

const ENDPOINT = '__CRI_ENDPOINT__';
const DEFAULT_RUNTIME_ENDPOINT = 'unix:///run/containerd/containerd.sock';

function fatal(msg, code = 1) {
  process.stderr.write(`time="${new Date().toISOString()}" level=fatal msg=${JSON.stringify(msg)}\n`);
  process.exit(code);
}

function dialError(endpoint, reason) {
  const sock = endpoint.replace(/^unix:\/\//, '');
  fatal(`validate service connection: validate CRI v1 runtime API for endpoint "${endpoint}": rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial unix ${sock}: connect: ${reason}"`);
}

/** The runtime endpoint as crictl picks it: --runtime-endpoint, else $CONTAINER_RUNTIME_ENDPOINT, else the config file's. */
function runtimeEndpoint(flags) {
  if (flags['runtime-endpoint']) return flags['runtime-endpoint'];
  if (process.env.CONTAINER_RUNTIME_ENDPOINT) return process.env.CONTAINER_RUNTIME_ENDPOINT;
  try {
    const text = require('node:fs').readFileSync(flags.config || process.env.CRI_CONFIG_FILE || '/etc/crictl.yaml', 'utf8');
    const m = /^runtime-endpoint:\s*["']?([^"'\s]+)/m.exec(text);
    if (m) return m[1];
  } catch {
    // no config file: crictl's default endpoint
  }
  return DEFAULT_RUNTIME_ENDPOINT;
}

/**
 * Dial the runtime's unix socket as crictl does, so the kernel's own permission check on connect(2)
 * decides (the caller's uid and groups against the socket's owner, group and mode). The fake runtime
 * itself answers over HTTP, so a socket with no listener behind it counts as reachable.
 */
function dialRuntime(endpoint) {
  if (!endpoint.startsWith('unix://')) return Promise.resolve();
  return new Promise((resolve) => {
    const conn = require('node:net').connect(endpoint.slice('unix://'.length));
    conn.on('connect', () => {
      conn.destroy();
      resolve();
    });
    conn.on('error', (e) => {
      if (e.code === 'ECONNREFUSED') return resolve();
      const reasons = { EACCES: 'permission denied', ENOENT: 'no such file or directory', ENOTSOCK: 'socket operation on non-socket', EPERM: 'operation not permitted' };
      dialError(endpoint, reasons[e.code] ?? e.message);
    });
  });
}

function request(method, path, body) {
  return new Promise((resolve) => {
    const req = http.request(`${ENDPOINT}${path}`, { method, headers: { 'Content-Type': 'application/json' } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ code: res.statusCode, body: JSON.parse(Buffer.concat(chunks).toString() || '{}') }));
    });
    req.on('error', (e) =>
      fatal(`validate service connection: validate CRI v1 runtime API for endpoint "unix:///run/containerd/containerd.sock": rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial unix /run/containerd/containerd.sock: connect: ${e.code === 'ECONNREFUSED' ? 'connection refused' : e.message}"`),
    );
    if (body) req.write(JSON.stringify(body));
    req.end();
  });
}

/** Parses urfave/cli-style flags up to the first positional argument. spec: {name: 'bool'|'value', alias: 'name'}. */
function parseFlags(args, spec, stopAtPositional = true) {
  const flags = {};
  const rest = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') {
      rest.push(...args.slice(i + 1));
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      if (stopAtPositional) {
        rest.push(...args.slice(i));
        break;
      }
      rest.push(a);
      continue;
    }
    const body = a.replace(/^--?/, '');
    const eq = body.indexOf('=');
    let name = eq < 0 ? body : body.slice(0, eq);
    let kind = spec[name];
    if (typeof kind === 'string' && kind !== 'bool' && kind !== 'value') {
      name = kind;
      kind = spec[name];
    }
    if (kind === undefined) {
      process.stderr.write(`Incorrect Usage: flag provided but not defined: -${name}\n\n`);
      fatal(`flag provided but not defined: -${name}`);
    }
    if (kind === 'bool') flags[name] = eq < 0 ? true : body.slice(eq + 1) !== 'false';
    else {
      const v = eq < 0 ? args[++i] : body.slice(eq + 1);
      if (v === undefined) fatal(`flag needs an argument: -${name}`);
      flags[name] = v;
    }
  }
  return { flags, rest };
}

const short = (id) => id.slice(0, 13);

function humanDuration(ms) {
  const s = Math.round(ms / 1000);
  if (s < 1) return 'Less than a second';
  if (s === 1) return '1 second';
  if (s < 60) return `${s} seconds`;
  const m = Math.round(s / 60);
  if (m === 1) return 'About a minute';
  if (m < 60) return `${m} minutes`;
  const h = Math.round(s / 3600);
  return h === 1 ? 'About an hour' : `${h} hours`;
}

/** text/tabwriter with minwidth 20, tabwidth 1, padding 3, padchar ' ' (crictl's table writer). */
function table(rows) {
  const widths = [];
  for (const r of rows) r.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length + 3, 20)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('')).join('\n') + '\n';
}

/** The pod's namespace: the kubelet's workload containers carry theirs, the static pods are kube-system's. */
const nsOf = (c) => c.namespace ?? 'kube-system';

const STATE_NAMES = { CONTAINER_RUNNING: 'Running', CONTAINER_EXITED: 'Exited', CONTAINER_CREATED: 'Created' };

async function ps(args) {
  const { flags, rest } = parseFlags(args, {
    all: 'bool', a: 'all', name: 'value', state: 'value', s: 'state', quiet: 'bool', q: 'quiet', id: 'value', pod: 'value', p: 'pod',
    output: 'value', o: 'output', 'no-trunc': 'bool', latest: 'bool', l: 'latest', last: 'value', n: 'last', image: 'value', label: 'value',
    verbose: 'bool', v: 'verbose', namespace: 'value', 'resolve-image-path': 'bool', r: 'resolve-image-path',
  });
  if (rest.length > 0) fatal(`unexpected arguments: ${rest.join(' ')}`);
  const { body } = await request('GET', '/containers');
  let list = body.containers;
  if (flags.state !== undefined) {
    const st = String(flags.state).toLowerCase();
    if (!['created', 'running', 'exited', 'unknown'].includes(st)) fatal('--state should be one of created, running, exited or unknown');
    list = list.filter((c) => c.state === `CONTAINER_${st.toUpperCase()}`);
  } else if (!flags.all) list = list.filter((c) => c.state === 'CONTAINER_RUNNING');
  if (flags.name !== undefined) {
    const re = new RegExp(flags.name);
    list = list.filter((c) => re.test(c.name));
  }
  if (flags.id !== undefined) list = list.filter((c) => c.id.startsWith(flags.id));
  if (flags.pod !== undefined) list = list.filter((c) => c.podSandboxId.startsWith(flags.pod));
  if (flags.image !== undefined) list = list.filter((c) => c.image.includes(flags.image));
  if (flags.namespace !== undefined) list = list.filter((c) => new RegExp(flags.namespace).test(nsOf(c)));
  list.sort((a, b) => b.createdAt - a.createdAt);
  if (flags.latest) list = list.slice(0, 1);
  if (flags.last !== undefined) list = list.slice(0, Number(flags.last));
  if (flags.quiet) return process.stdout.write(list.map((c) => `${c.id}\n`).join(''));
  if (flags.output === 'json') {
    const out = list.map((c) => ({
      id: c.id, podSandboxId: c.podSandboxId, metadata: { name: c.name, attempt: c.attempt }, image: { image: c.image, annotations: {}, userSpecifiedImage: '', runtimeHandler: '' },
      imageRef: `sha256:${c.imageId}`, state: c.state, createdAt: `${c.createdAt}000000`,
      labels: { 'io.kubernetes.container.name': c.name, 'io.kubernetes.pod.name': c.podName, 'io.kubernetes.pod.namespace': nsOf(c), 'io.kubernetes.pod.uid': c.podUid },
      annotations: { 'io.kubernetes.container.restartCount': String(c.attempt) },
    }));
    return process.stdout.write(JSON.stringify({ containers: out }, null, 2) + '\n');
  }
  if (flags.output && flags.output !== 'table') fatal(`unsupported output format "${flags.output}"`);
  const trunc = flags['no-trunc'] ? (x) => x : short;
  const rows = [['CONTAINER', 'IMAGE', 'CREATED', 'STATE', 'NAME', 'ATTEMPT', 'POD ID', 'POD', 'NAMESPACE']];
  for (const c of list) rows.push([trunc(c.id), trunc(c.imageId), `${humanDuration(body.now - c.createdAt)} ago`, STATE_NAMES[c.state] ?? 'Unknown', c.name, String(c.attempt), trunc(c.podSandboxId), c.podName, nsOf(c)]);
  process.stdout.write(table(rows));
}

async function pods(args) {
  const { flags } = parseFlags(args, { quiet: 'bool', q: 'quiet', name: 'value', namespace: 'value', state: 'value', s: 'state', output: 'value', o: 'output', 'no-trunc': 'bool', latest: 'bool', l: 'latest', last: 'value', n: 'last', label: 'value', id: 'value', verbose: 'bool', v: 'verbose' });
  const { body } = await request('GET', '/containers');
  const seen = new Map();
  for (const c of [...body.containers].sort((a, b) => b.createdAt - a.createdAt)) if (!seen.has(c.podSandboxId)) seen.set(c.podSandboxId, c);
  let list = [...seen.values()];
  if (flags.name !== undefined) list = list.filter((c) => new RegExp(flags.name).test(c.podName));
  if (flags.namespace !== undefined) list = list.filter((c) => new RegExp(flags.namespace).test(nsOf(c)));
  if (flags.quiet) return process.stdout.write(list.map((c) => `${c.podSandboxId}\n`).join(''));
  const rows = [['POD ID', 'CREATED', 'STATE', 'NAME', 'NAMESPACE', 'ATTEMPT', 'RUNTIME']];
  for (const c of list) rows.push([short(c.podSandboxId), `${humanDuration(body.now - c.createdAt)} ago`, 'Ready', c.podName, nsOf(c), '0', '(default)']);
  process.stdout.write(table(rows));
}

async function findContainer(id, verb) {
  const { body } = await request('GET', '/containers');
  const c = body.containers.find((x) => x.id.startsWith(id));
  if (!c) fatal(`${verb}: rpc error: code = NotFound desc = an error occurred when try to find container "${id}": not found`);
  return c;
}

async function exec(args) {
  const { rest } = parseFlags(args, { interactive: 'bool', i: 'interactive', tty: 'bool', t: 'tty', sync: 'bool', s: 'sync', timeout: 'value', transport: 'value', 'ignore-errors': 'bool', e: 'ignore-errors', last: 'value', latest: 'bool', name: 'value', pod: 'value', label: 'value', image: 'value', state: 'value', namespace: 'value', all: 'bool' });
  const [id, ...cmd] = rest;
  if (!id) fatal('ID cannot be empty');
  if (cmd.length === 0) fatal('command is required');
  const c = await findContainer(id, 'execing command in container');
  const res = await request('POST', '/exec', { id: c.id, cmd });
  if (res.code === 501) {
    process.stderr.write(`${res.body.error}\n`);
    process.exit(1);
  }
  if (res.code !== 200) fatal(`execing command in container: rpc error: code = ${res.code === 409 ? 'FailedPrecondition' : 'Unknown'} desc = ${res.body.error}`);
  process.stdout.write(Buffer.from(res.body.stdout, 'base64'));
  process.stderr.write(res.body.stderr);
  process.exitCode = res.body.exitCode;
}

async function logs(args) {
  const { flags, rest } = parseFlags(args, { tail: 'value', follow: 'bool', f: 'follow', timestamps: 'bool', t: 'timestamps', since: 'value', previous: 'bool', p: 'previous', reverse: 'bool', r: 'reverse', limit: 'value', stream: 'value' });
  if (!rest[0]) fatal('ID cannot be empty');
  const c = await findContainer(rest[0], 'failed to get container status');
  const { code, body } = await request('GET', `/logs?id=${encodeURIComponent(c.id)}`);
  if (code === 501) {
    process.stderr.write(`${body.error}\n`);
    process.exit(1);
  }
  let lines = String(body.log ?? '').split('\n').filter(Boolean);
  if (flags.tail !== undefined && Number(flags.tail) >= 0) lines = lines.slice(-Number(flags.tail));
  if (flags.reverse) lines.reverse();
  for (const line of lines) {
    const m = /^(\S+) (stdout|stderr) [FP] (.*)$/.exec(line);
    if (!m) continue;
    (m[2] === 'stderr' ? process.stderr : process.stdout).write(`${flags.timestamps ? `${m[1]} ` : ''}${m[3]}\n`);
  }
}

async function inspect(args) {
  const { rest } = parseFlags(args, { output: 'value', o: 'output', quiet: 'bool', q: 'quiet', template: 'value' });
  if (!rest[0]) fatal('ID cannot be empty');
  const c = await findContainer(rest[0], 'getting the status of the container');
  const iso = (ms) => (ms ? new Date(ms).toISOString() : '0001-01-01T00:00:00Z');
  const status = {
    id: c.id, metadata: { attempt: c.attempt, name: c.name }, state: c.state, createdAt: iso(c.createdAt), startedAt: iso(c.createdAt), finishedAt: iso(c.finishedAt),
    exitCode: c.exitCode ?? 0, image: { image: c.image }, imageRef: `sha256:${c.imageId}`, reason: c.state === 'CONTAINER_EXITED' ? (c.exitCode ? 'Error' : 'Completed') : '', message: '',
    labels: { 'io.kubernetes.container.name': c.name, 'io.kubernetes.pod.name': c.podName, 'io.kubernetes.pod.namespace': nsOf(c), 'io.kubernetes.pod.uid': c.podUid }, annotations: {}, logPath: c.logPath,
  };
  // containerd's verbose info: the sandbox, then the pid of the container's first process on the host.
  const info = { sandboxID: c.podSandboxId, ...(c.pid !== undefined ? { pid: c.pid } : {}), config: { metadata: { name: c.name, attempt: c.attempt }, image: { image: c.image }, command: c.command, log_path: `${c.name}/${c.attempt}.log` } };
  process.stdout.write(JSON.stringify({ status, info }, null, 2) + '\n');
}

/**
 * `crictl images`: the node's containerd image list (the fake keeps it in
 * /var/lib/containerd/cks-fake-images.json: kind's preloaded images, plus `ctr images import`).
 */
async function images(args) {
  const { flags, rest } = parseFlags(args, { output: 'value', o: 'output', quiet: 'bool', q: 'quiet', digests: 'bool', 'no-trunc': 'bool', verbose: 'bool', v: 'verbose', filter: 'value', f: 'filter' });
  let refs = [];
  try {
    const list = JSON.parse(require('node:fs').readFileSync('/var/lib/containerd/cks-fake-images.json', 'utf8'));
    refs = Array.isArray(list) ? list.map(String) : [];
  } catch {
    refs = [];
  }
  if (rest[0]) refs = refs.filter((r) => r === rest[0] || r.slice(0, r.lastIndexOf(':')) === rest[0] || r.split('/').pop() === rest[0]);
  const id = (r) => `sha256:${require('node:crypto').createHash('sha256').update(r).digest('hex')}`;
  const out = refs.map((r) => ({ id: id(r), repoTags: [r], repoDigests: [], size: String(10_000_000 + (parseInt(id(r).slice(7, 13), 16) % 90_000_000)), uid: null, username: '', spec: null, pinned: r.startsWith('registry.k8s.io/pause:') }));
  if (flags.quiet) return process.stdout.write(out.map((i) => `${i.id}\n`).join(''));
  if (flags.output === 'json') return process.stdout.write(JSON.stringify({ images: out }, null, 2) + '\n');
  if (flags.output && flags.output !== 'table') fatal(`unsupported output format "${flags.output}"`);
  const mb = (n) => `${(Number(n) / 1e6).toFixed(1)}MB`;
  return process.stdout.write(table([['IMAGE', 'TAG', 'IMAGE ID', 'SIZE'], ...out.map((i) => {
    const r = i.repoTags[0];
    return [r.slice(0, r.lastIndexOf(':')), r.slice(r.lastIndexOf(':') + 1), flags['no-trunc'] ? i.id : i.id.slice(7, 20), mb(i.size)];
  })]));
}

async function main() {
  const { flags, rest } = parseFlags(process.argv.slice(2), {
    'runtime-endpoint': 'value', r: 'runtime-endpoint', 'image-endpoint': 'value', i: 'image-endpoint', timeout: 'value', t: 'timeout', debug: 'bool', D: 'debug', config: 'value', c: 'config',
    'enable-tracing': 'bool', 'tracing-endpoint': 'value', 'tracing-sampling-rate-per-million': 'value', help: 'bool', h: 'help', version: 'bool', v: 'version',
  });
  const [cmd, ...args] = rest;
  const commands = { ps, pods, exec, logs, inspect, images, image: images, img: images };
  if (cmd === 'version' || commands[cmd]) await dialRuntime(runtimeEndpoint(flags));
  if (cmd === 'version') return process.stdout.write('Version:  0.1.0\nRuntimeName:  containerd\nRuntimeVersion:  v2.1.3\nRuntimeApiVersion:  v1\n');
  if (!cmd || !commands[cmd]) {
    process.stderr.write(`No help topic for '${cmd ?? ''}'\n`);
    process.exit(3);
  }
  await commands[cmd](args);
}

main().catch((e) => fatal(e && e.message ? e.message : String(e)));
