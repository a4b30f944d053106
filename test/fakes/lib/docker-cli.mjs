// The fake `docker` CLI: version, info, ps, inspect, exec — only what the platform uses.
import { CliExit, parseFlags } from './cli-util.mjs';
import { DAEMON_DOWN_MESSAGE, dockerDown } from './docker-down.mjs';
import { renderTemplate } from './go-template.mjs';
import { inspectObject, psRow } from './docker-objects.mjs';
import { execInNode } from './docker-exec.mjs';
import { findNode, listNodes } from './state.mjs';
import { isAlive } from './proc.mjs';
import { buildImage, findImage, imageInspectObject } from './docker-images.mjs';

const VERSION = '28.3.3';
const API = '1.51';

const CLIENT = { Platform: { Name: 'Docker Engine - Community' }, Version: VERSION, ApiVersion: API, DefaultAPIVersion: API, GitCommit: '980b856', GoVersion: 'go1.24.5', Os: 'linux', Arch: 'amd64', BuildTime: 'Fri Jul 25 11:34:09 2025', Context: 'default' };
const SERVER = { Platform: { Name: 'Docker Engine - Community' }, Version: VERSION, ApiVersion: API, MinAPIVersion: '1.24', GitCommit: 'bea959c', GoVersion: 'go1.24.5', Os: 'linux', Arch: 'amd64', KernelVersion: '6.8.0', BuildTime: '2025-07-25T11:34:09.000000000+00:00' };

function daemonCheck(env) {
  if (dockerDown(env)) throw new CliExit(1, DAEMON_DOWN_MESSAGE);
}

function flagError(e, cmd) {
  if (e instanceof CliExit && /flag/.test(e.message)) {
    return new CliExit(125, `${e.message}\n\nUsage:  docker ${cmd}\n\nRun 'docker ${cmd.split(' ')[0]} --help' for more information`);
  }
  return e;
}

function parse(argv, spec, cmd, opts) {
  try {
    return parseFlags(argv, { help: { type: 'bool' }, ...spec }, opts);
  } catch (e) {
    throw flagError(e, cmd);
  }
}

function version(argv, env, io) {
  const { flags } = parse(argv, { format: { type: 'string', short: 'f' } }, 'version [OPTIONS]');
  if (dockerDown(env)) {
    if (!flags.format) io.stdout.write(clientText());
    throw new CliExit(1, DAEMON_DOWN_MESSAGE);
  }
  if (flags.format) io.stdout.write(`${renderTemplate(flags.format, { Client: CLIENT, Server: SERVER })}\n`);
  else io.stdout.write(`${clientText()}\nServer: Docker Engine - Community\n Engine:\n  Version:          ${VERSION}\n  API version:      ${API} (minimum version 1.24)\n  Go version:       go1.24.5\n  Git commit:       bea959c\n  Built:            Fri Jul 25 11:34:09 2025\n  OS/Arch:          linux/amd64\n  Experimental:     false\n`);
  return 0;
}

function clientText() {
  return `Client: Docker Engine - Community\n Version:           ${VERSION}\n API version:       ${API}\n Go version:        go1.24.5\n Git commit:        980b856\n Built:             Fri Jul 25 11:34:09 2025\n OS/Arch:           linux/amd64\n Context:           default\n`;
}

function infoObject(env) {
  const nodes = listNodes(env);
  const running = nodes.filter((n) => isAlive(n.node.process)).length;
  return {
    ID: 'b7d4c0e2-fake-4c1b-9f1e-cks0lab0fake', Containers: nodes.length, ContainersRunning: running, ContainersPaused: 0, ContainersStopped: nodes.length - running,
    Images: 1, Driver: 'overlayfs', CgroupDriver: cgroupV1(env) ? 'cgroupfs' : 'systemd', CgroupVersion: cgroupV1(env) ? '1' : '2', KernelVersion: '6.8.0', OperatingSystem: 'Ubuntu 24.04 LTS', OSType: 'linux',
    Architecture: 'x86_64', NCPU: 2, MemTotal: 8_589_934_592, Name: 'cks-lab-fake', ServerVersion: VERSION, SecurityOptions: securityOptions(env),
    MemoryLimit: true, SwapLimit: true, CPUShares: true, PidsLimit: true, Runtimes: { runc: { path: 'runc' } }, DefaultRuntime: 'runc',
  };
}

const knob = (env, name) => Boolean(env[name]) && env[name] !== '0';
/** FAKE_DOCKER_CGROUP_V1=1: a host still on cgroup v1 (no cgroup namespaces by default). */
const cgroupV1 = (env) => knob(env, 'FAKE_DOCKER_CGROUP_V1');

/**
 * Docker lists AppArmor first when the host kernel has it (FAKE_DOCKER_APPARMOR=1 pretends it
 * does); a rootless daemon adds name=rootless (FAKE_DOCKER_ROOTLESS=1), userns-remap name=userns.
 */
function securityOptions(env) {
  return [
    ...(knob(env, 'FAKE_DOCKER_APPARMOR') ? ['name=apparmor'] : []),
    'name=seccomp,profile=builtin',
    ...(knob(env, 'FAKE_DOCKER_ROOTLESS') ? ['name=rootless'] : []),
    ...(knob(env, 'FAKE_DOCKER_USERNS') ? ['name=userns'] : []),
    ...(cgroupV1(env) ? [] : ['name=cgroupns']),
  ];
}

/** What `podman info` reports (the fake `podman` is this CLI under another name; FAKE_PODMAN_ROOTLESS=0 for a rootful one). */
function podmanInfoObject(env) {
  return {
    Host: { Security: { Rootless: !(env.FAKE_PODMAN_ROOTLESS === '0'), SELinuxEnabled: false, SECCOMPEnabled: true, AppArmorEnabled: knob(env, 'FAKE_DOCKER_APPARMOR') }, CgroupsVersion: cgroupV1(env) ? 'v1' : 'v2', CgroupManager: 'systemd', Arch: 'amd64', Hostname: 'cks-lab-fake' },
    Version: { Version: '5.4.2', APIVersion: '5.4.2', GoVersion: 'go1.23.6', OsArch: 'linux/amd64' },
  };
}

function info(argv, env, io) {
  const { flags } = parse(argv, { format: { type: 'string', short: 'f' } }, 'info [OPTIONS]');
  if (dockerDown(env)) {
    if (flags.format) throw new CliExit(1, DAEMON_DOWN_MESSAGE);
    io.stdout.write(`Client: Docker Engine - Community\n Version:    ${VERSION}\n Context:    default\n Debug Mode: false\n\nServer:\n`);
    throw new CliExit(1, `ERROR: ${DAEMON_DOWN_MESSAGE}\nerrors pretty printing info`);
  }
  const obj = env.FAKE_ENGINE_CLI === 'podman' ? podmanInfoObject(env) : infoObject(env);
  if (flags.format) io.stdout.write(`${renderTemplate(flags.format, obj)}\n`);
  else io.stdout.write(`Client: Docker Engine - Community\n Version:    ${VERSION}\n Context:    default\n\nServer:\n Containers: ${obj.Containers}\n  Running: ${obj.ContainersRunning}\n  Paused: 0\n  Stopped: ${obj.ContainersStopped}\n Server Version: ${VERSION}\n Storage Driver: overlayfs\n Cgroup Driver: systemd\n Cgroup Version: 2\n Kernel Version: ${obj.KernelVersion}\n Operating System: ${obj.OperatingSystem}\n CPUs: ${obj.NCPU}\n Name: ${obj.Name}\n`);
  return 0;
}

function matchesFilters(row, node, filters) {
  const byKey = {};
  for (const f of filters) {
    const eq = f.indexOf('=');
    if (eq < 0) throw new CliExit(1, `Error response from daemon: invalid filter '${f}'`);
    (byKey[f.slice(0, eq)] ??= []).push(f.slice(eq + 1));
  }
  return Object.entries(byKey).every(([key, values]) => values.some((v) => {
    switch (key) {
      case 'label': {
        const i = v.indexOf('=');
        return i < 0 ? v in node.labels : node.labels[v.slice(0, i)] === v.slice(i + 1);
      }
      case 'name':
        return new RegExp(v).test(node.name);
      case 'id':
        return node.id.startsWith(v);
      case 'status':
        return row.State === v;
      case 'ancestor':
        return node.image === v || node.image.startsWith(`${v}@`) || node.image.startsWith(v);
      default:
        throw new CliExit(1, `Error response from daemon: invalid filter '${key}'`);
    }
  }));
}

function table(rows, columns) {
  const widths = columns.map(([h, f]) => Math.max(h.length, ...rows.map((r) => String(r[f]).length)));
  const line = (cells) => cells.map((c, i) => (i === cells.length - 1 ? c : String(c).padEnd(widths[i] + 3))).join('').trimEnd();
  return [line(columns.map(([h]) => h)), ...rows.map((r) => line(columns.map(([, f]) => r[f])))].map((l) => `${l}\n`).join('');
}

const PS_COLUMNS = [['CONTAINER ID', 'ID'], ['IMAGE', 'Image'], ['COMMAND', 'Command'], ['CREATED', 'RunningFor'], ['STATUS', 'Status'], ['PORTS', 'Ports'], ['NAMES', 'Names']];

function ps(argv, env, io) {
  const { flags } = parse(argv, {
    all: { type: 'bool', short: 'a' }, quiet: { type: 'bool', short: 'q' }, 'no-trunc': { type: 'bool' }, filter: { type: 'string', short: 'f', repeat: true },
    format: { type: 'string' }, latest: { type: 'bool', short: 'l' }, last: { type: 'string', short: 'n' }, size: { type: 'bool', short: 's' },
  }, 'ps [OPTIONS]');
  daemonCheck(env);
  let items = listNodes(env).map((n) => ({ ...n, row: psRow(n, flags['no-trunc']) }));
  items = items.filter(({ row, node }) => (flags.all || row.State === 'running') && matchesFilters(row, node, flags.filter ?? []));
  items.sort((a, b) => Date.parse(b.node.createdAt) - Date.parse(a.node.createdAt));
  if (flags.latest) items = items.slice(0, 1);
  if (flags.last) items = items.slice(0, Number(flags.last));
  const rows = items.map((i) => i.row);
  if (flags.quiet) io.stdout.write(rows.map((r) => `${r.ID}\n`).join(''));
  else if (flags.format && flags.format.startsWith('table')) {
    const tmpl = flags.format.slice(5).trim() || PS_COLUMNS.map(([, f]) => `{{.${f}}}`).join('\t');
    const header = renderTemplate(tmpl.replace(/\{\{\s*\.(\w+)\s*\}\}/g, (_, f) => (PS_COLUMNS.find(([, x]) => x === f)?.[0] ?? f.toUpperCase())), {});
    io.stdout.write([header, ...rows.map((r) => renderTemplate(tmpl, r))].map((l) => `${l}\n`).join(''));
  } else if (flags.format) io.stdout.write(rows.map((r) => `${renderTemplate(flags.format, r)}\n`).join(''));
  else io.stdout.write(table(rows, PS_COLUMNS));
  return 0;
}

function inspect(argv, env, io) {
  const { flags, args } = parse(argv, { format: { type: 'string', short: 'f' }, type: { type: 'string' }, size: { type: 'bool', short: 's' } }, 'inspect [OPTIONS] NAME|ID [NAME|ID...]');
  if (args.length === 0) throw new CliExit(1, `"docker inspect" requires at least 1 argument.\nSee 'docker inspect --help'.\n\nUsage:  docker inspect [OPTIONS] NAME|ID [NAME|ID...]\n\nReturn low-level information on Docker objects`);
  daemonCheck(env);
  const found = [];
  const missing = [];
  for (const ref of args) {
    const n = findNode(ref, env);
    if (n) found.push(inspectObject(n));
    else missing.push(ref);
  }
  if (flags.format) io.stdout.write(found.map((o) => `${renderTemplate(flags.format, o)}\n`).join(''));
  else io.stdout.write(`${JSON.stringify(found, null, 4)}\n`);
  if (missing.length) throw new CliExit(1, missing.map((m) => `Error: No such object: ${m}`).join('\n'));
  return 0;
}

async function exec(argv, env) {
  const { flags, args } = parse(argv, {
    interactive: { type: 'bool', short: 'i' }, tty: { type: 'bool', short: 't' }, detach: { type: 'bool', short: 'd' },
    env: { type: 'string', short: 'e', repeat: true }, 'env-file': { type: 'string', repeat: true }, workdir: { type: 'string', short: 'w' },
    user: { type: 'string', short: 'u' }, privileged: { type: 'bool' }, 'detach-keys': { type: 'string' },
  }, 'exec [OPTIONS] CONTAINER COMMAND [ARG...]', { stopAtFirstArg: true });
  if (args.length < 2) {
    throw new CliExit(1, `docker: 'docker exec' requires at least 2 arguments\n\nUsage:  docker exec [OPTIONS] CONTAINER COMMAND [ARG...]\n\nSee 'docker exec --help' for more information`);
  }
  daemonCheck(env);
  const [ref, ...command] = args;
  const found = findNode(ref, env);
  if (!found) throw new CliExit(1, `Error response from daemon: No such container: ${ref}`);
  if (!isAlive(found.node.process)) throw new CliExit(1, `Error response from daemon: container ${found.node.id} is not running`);
  if (!flags.detach && flags.interactive && flags.tty && !process.stdin.isTTY) throw new CliExit(1, 'the input device is not a TTY');
  return execInNode(found.node, command, flags, env);
}

function build(argv, env, io) {
  const { flags, args } = parse(argv, {
    tag: { type: 'string', short: 't', repeat: true }, file: { type: 'string', short: 'f' }, quiet: { type: 'bool', short: 'q' },
    progress: { type: 'string' }, pull: { type: 'bool' }, 'no-cache': { type: 'bool' }, label: { type: 'string', repeat: true },
  }, 'buildx build [OPTIONS] PATH | URL | -');
  if (args.length !== 1) throw new CliExit(1, `ERROR: "docker buildx build" requires exactly 1 argument.\nSee 'docker buildx build --help'.\n\nUsage:  docker buildx build [OPTIONS] PATH | URL | -\n\nStart a build`);
  daemonCheck(env);
  const quietIo = flags.quiet ? { stderr: { write: () => true } } : io;
  const img = buildImage({ context: args[0], tags: flags.tag ?? [], file: flags.file }, env, quietIo);
  if (flags.quiet) io.stdout.write(`${img.id}\n`);
  return 0;
}

function imageInspect(argv, env, io) {
  const { flags, args } = parse(argv, { format: { type: 'string', short: 'f' } }, 'image inspect [OPTIONS] IMAGE [IMAGE...]');
  if (args.length === 0) throw new CliExit(1, `"docker image inspect" requires at least 1 argument.\nSee 'docker image inspect --help'.\n\nUsage:  docker image inspect [OPTIONS] IMAGE [IMAGE...]\n\nDisplay detailed information on one or more images`);
  daemonCheck(env);
  const found = [];
  const missing = [];
  for (const ref of args) {
    const img = findImage(ref, env);
    if (img) found.push(imageInspectObject(img));
    else missing.push(ref);
  }
  if (flags.format) io.stdout.write(found.map((o) => `${renderTemplate(flags.format, o)}\n`).join(''));
  else io.stdout.write(`${JSON.stringify(found, null, 4)}\n`);
  // kindest/node images are pulled on demand by kind; locally they are "missing" until then, like here.
  if (missing.length) throw new CliExit(1, missing.map((m) => `Error response from daemon: No such image: ${m}`).join('\n'));
  return 0;
}


const COMMANDS = {
  version, info, ps, inspect, exec, build, 'image inspect': imageInspect, 'image build': build, 'buildx build': build,
  'container ls': ps, 'container ps': ps, 'container list': ps, 'container inspect': inspect, 'container exec': exec,
};

/** Entry point: returns the exit code; throws CliExit for docker-style errors. */
export async function dockerMain(argv, env = process.env, io = { stdout: process.stdout, stderr: process.stderr }) {
  if (argv[0] === '--version' || argv[0] === '-v') {
    io.stdout.write(`Docker version ${VERSION}, build 980b856\n`);
    return 0;
  }
  const two = COMMANDS[`${argv[0]} ${argv[1]}`];
  if (two) return two(argv.slice(2), env, io);
  const one = Object.hasOwn(COMMANDS, argv[0] ?? '') ? COMMANDS[argv[0]] : null;
  if (one) return one(argv.slice(1), env, io);
  if (argv.length === 0) {
    io.stdout.write('Usage:  docker [OPTIONS] COMMAND\n\nA self-sufficient runtime for containers (fake: version, info, ps, inspect, exec)\n');
    return 0;
  }
  throw new CliExit(1, `docker: unknown command: docker ${argv[0]}\n\nRun 'docker --help' for more information`);
}
