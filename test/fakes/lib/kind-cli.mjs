// The fake `kind` CLI (kind v0.30.0 argv, output and exit codes).
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { CliExit, formatGoDuration, parseFlags, parseGoDuration } from './cli-util.mjs';
import { createStatus } from './kind-status.mjs';
import { DAEMON_DOWN_MESSAGE, dockerDown, kindCommandError } from './docker-down.mjs';
import { nodeDir, nodeName } from './paths.mjs';
import { listClusters, readCluster } from './state.mjs';
import { DEFAULT_IMAGE, bootApiserver, destroyCluster, joinWorkers, provisionNode, provisionWorkers } from './cluster-ops.mjs';
import { writeCniConfig, writeControlPlane, writeCriTools, writeKubeadmConfig, writeKubeconfigs } from './node-files.mjs';
import { exportKubeconfig, kindKubeconfigFromNode, kubeconfigPath, removeFromKubeconfig } from './kubeconfig.mjs';
import { isAlive, sleep } from './proc.mjs';
import { findImage, isPullable } from './docker-images.mjs';
import { applyContainerdPatches } from './registry-files.mjs';

const VERSION = 'kind v0.30.0 go1.24.6 linux/amd64';
const VALID_NAME = /^[a-z0-9.-]+$/;
const GLOBAL = { quiet: { type: 'bool', short: 'q' }, verbosity: { type: 'string', short: 'v' }, help: { type: 'bool', short: 'h' } };

const err = (message) => new CliExit(1, message);

function listNodesFailure(name) {
  const filter = name === undefined ? `label=io.x-k8s.kind.cluster` : `label=io.x-k8s.kind.cluster=${name}`;
  const format = name === undefined ? `'{{.Label "io.x-k8s.kind.cluster"}}'` : `'{{.Names}}'`;
  return kindCommandError('', `docker ps -a --filter ${filter} --format ${format}`, DAEMON_DOWN_MESSAGE);
}

function clusterName(flags, set, env, fallback = 'kind') {
  if (set.has('name')) return flags.name;
  return env.KIND_CLUSTER_NAME || fallback;
}

/** Load and check a kind config like kind's encoding.Load; returns the parsed object. */
function loadConfig(file, stdin) {
  let raw;
  try {
    raw = file === '-' ? stdin() : fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw err(`failed to create cluster: error reading file: open ${file}: no such file or directory`);
  }
  let doc;
  try {
    doc = parse(raw) ?? {};
  } catch (e) {
    throw err(`failed to create cluster: could not determine kind / apiVersion for config: ${e.message.split('\n')[0]}`);
  }
  if (typeof doc !== 'object' || Array.isArray(doc)) throw err('failed to create cluster: could not determine kind / apiVersion for config');
  if (doc.apiVersion === 'kind.x-k8s.io/v1alpha4') {
    if (doc.kind !== 'Cluster') throw err(`failed to create cluster: unknown kind ${doc.kind ?? ''} for apiVersion: ${doc.apiVersion}`);
  } else if (/^kind\.sigs\.k8s\.io\/v1alpha[123]$/.test(doc.apiVersion ?? '')) {
    throw err(`failed to create cluster: kind v0.8.0+ no longer supports ${doc.apiVersion} configs, please update to kind.x-k8s.io/v1alpha4: https://kind.sigs.k8s.io/docs/user/configuration/`);
  } else {
    throw err(`failed to create cluster: unknown apiVersion: ${doc.apiVersion ?? ''}`);
  }
  const known = ['kind', 'apiVersion', 'name', 'nodes', 'networking', 'featureGates', 'runtimeConfig', 'kubeadmConfigPatches', 'kubeadmConfigPatchesJSON6902', 'containerdConfigPatches', 'containerdConfigPatchesJSON6902'];
  for (const key of Object.keys(doc)) {
    if (!known.includes(key)) throw err(`failed to create cluster: error unmarshaling JSON: while decoding JSON: json: unknown field "${key}"`);
  }
  const nodes = doc.nodes ?? [{ role: 'control-plane' }];
  if (!Array.isArray(nodes) || nodes.filter((n) => n?.role === 'control-plane' || n?.role === undefined).length < 1) {
    throw err('failed to create cluster: must have at least one control-plane node');
  }
  for (const n of nodes) {
    const role = n?.role ?? 'control-plane';
    if (role !== 'control-plane' && role !== 'worker') throw err(`failed to create cluster: invalid configuration: unknown role "${role}"`);
  }
  // A limit of this fake, not of kind: several control-plane nodes need kind's load balancer.
  if (nodes.filter((n) => (n?.role ?? 'control-plane') === 'control-plane').length > 1) {
    throw err('failed to create cluster: fake kind: more than one control-plane node (HA) is not simulated');
  }
  return doc;
}

const PHASES = {
  image: (image) => `Ensuring node image (${image.split('@sha256:')[0]}) 🖼`,
  prepare: () => 'Preparing nodes 📦 ',
  config: () => 'Writing configuration 📜',
  controlPlane: () => 'Starting control-plane 🕹️',
  cni: () => 'Installing CNI 🔌',
  storage: () => 'Installing StorageClass 💾',
};

/** Does $FAKE_KIND_FAIL_AT name this phase? (matches the phase's words, case-insensitive) */
function injectedFailure(env, status) {
  const want = (env.FAKE_KIND_FAIL_AT ?? '').trim().toLowerCase();
  return want !== '' && status.toLowerCase().startsWith(want);
}

function phaseFailure(phase, name, image) {
  const node = nodeName(name);
  const injected = 'injected failure (FAKE_KIND_FAIL_AT)';
  switch (phase) {
    case 'image':
      return kindCommandError(`failed to pull image "${image}": `, `docker pull ${image}`, injected);
    case 'prepare':
      return kindCommandError('', `docker run --name ${node} --hostname ${node} --label io.x-k8s.kind.role=control-plane --privileged --detach --tty --label io.x-k8s.kind.cluster=${name} --net kind --restart=on-failure:1 --publish=127.0.0.1:0:6443/TCP ${image}`, injected, 125);
    case 'config':
      return kindCommandError('failed to copy kubeadm config to node: ', `docker exec --privileged -i ${node} cp /dev/stdin /kind/kubeadm.conf`, injected);
    case 'controlPlane':
      return kindCommandError('failed to init node with kubeadm: ', `docker exec --privileged ${node} kubeadm init --config=/kind/kubeadm.conf --skip-token-print --v=6`, injected);
    case 'cni':
      return kindCommandError('failed to apply overlay network: ', `docker exec --privileged -i ${node} kubectl create --kubeconfig=/etc/kubernetes/admin.conf -f -`, injected);
    default:
      return kindCommandError('failed to add default storage class: ', `docker exec --privileged -i ${node} kubectl --kubeconfig=/etc/kubernetes/admin.conf apply -f -`, injected);
  }
}

/**
 * kind's "Ensuring node image": a local image is used as is, anything else is pulled. Only kind's
 * own kindest/node images are on a registry; a lab image that was never built fails like real kind.
 */
function ensureNodeImage(image, env) {
  if (isPullable(image) || findImage(image, env)) return;
  const repo = image.split('@')[0].replace(/:[^:/]*$/, '');
  throw new Error(kindCommandError(`failed to pull image "${image}": `, `docker pull ${image}`, `Error response from daemon: pull access denied for ${repo}, repository does not exist or may require 'docker login': denied: requested access to the resource is denied`));
}

async function waitReady(api, waitMs, env) {
  if (env.FAKE_KIND_WAIT_TIMEOUT && env.FAKE_KIND_WAIT_TIMEOUT !== '0') {
    await sleep(Math.min(waitMs, 200));
    return false;
  }
  const deadline = Date.now() + waitMs;
  do {
    try {
      const res = await fetch(`http://127.0.0.1:${api.port}/readyz`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return true;
    } catch {
      /* not up yet */
    }
    await sleep(100);
  } while (Date.now() < deadline);
  return false;
}

async function createCluster(argv, env, io) {
  const { flags, set } = parseFlags(argv, {
    ...GLOBAL,
    name: { type: 'string', short: 'n' },
    config: { type: 'string' },
    image: { type: 'string' },
    kubeconfig: { type: 'string' },
    wait: { type: 'string' },
    retain: { type: 'bool' },
  });
  let waitMs = 0;
  if (flags.wait !== undefined) {
    try {
      waitMs = parseGoDuration(flags.wait);
    } catch (e) {
      throw err(`invalid argument "${flags.wait}" for "--wait" flag: ${e.message}`);
    }
  }
  const config = flags.config ? loadConfig(flags.config, () => fs.readFileSync(0, 'utf8')) : {};
  const name = clusterName(flags, set, env, config.name || 'kind');
  const image = flags.image || (config.nodes ?? []).find((n) => n?.image)?.image || DEFAULT_IMAGE;
  if (dockerDown(env)) throw err(`failed to create cluster: failed to list nodes: ${listNodesFailure(name)}`);
  if (readCluster(name, env)) throw err(`failed to create cluster: node(s) already exist for a cluster with the name "${name}"`);
  if (!VALID_NAME.test(name)) throw err(`failed to create cluster: '${name}' is not a valid cluster name, cluster names must match \`^[a-z0-9.-]+$\``);

  const log = createStatus(io.stderr, { quiet: flags.quiet });
  const delay = Number(env.FAKE_KIND_PHASE_DELAY_MS ?? 50);
  log.log(`Creating cluster "${name}" ...`);
  const root = nodeDir(name, env);
  let record = null;
  const steps = [
    ['image', async () => ensureNodeImage(image, env)],
    ['prepare', async () => {
      record = await provisionNode(name, image, env);
      await provisionWorkers(record, (config.nodes ?? []).filter((n) => n?.role === 'worker'), env);
      for (const n of record.nodes) applyContainerdPatches(n.dir ? path.join(n.dir, 'node') : root, config.containerdConfigPatches);
    }],
    ['config', async () => writeKubeadmConfig(root, { cluster: name, ip: record.nodes[0].ipAddress, image })],
    ['controlPlane', async () => {
      writeControlPlane(root, { cluster: name, ip: record.nodes[0].ipAddress, image });
      const api = await bootApiserver(record, env);
      writeKubeconfigs(root, name, api);
      writeCriTools(root, api);
      joinWorkers(record, api);
    }],
    ['cni', async () => writeCniConfig(root)],
    ['storage', async () => {}],
  ];
  for (const [phase, run] of steps) {
    const status = PHASES[phase](image);
    log.start(status);
    try {
      await sleep(delay);
      if (injectedFailure(env, status)) throw new Error(phaseFailure(phase, name, image));
      await run();
    } catch (e) {
      log.end(false);
      if (!flags.retain && !(e.status === 125 && phase === 'prepare')) await destroyCluster(name, env);
      const detail = e.kindCommand ? kindCommandError('', e.kindCommand, e.message, e.status ?? 1) : e.message;
      throw err(`failed to create cluster: ${detail}`);
    }
  }
  if (waitMs > 0) {
    const started = Date.now();
    log.start(`Waiting ≤ ${formatGoDuration(waitMs)} for control-plane = Ready ⏳`);
    if (await waitReady(record.apiserver, waitMs, env)) {
      log.end(true);
      log.log(` • Ready after ${formatGoDuration(Math.round((Date.now() - started) / 1000) * 1000)} 💚`);
    } else {
      log.end(false);
      log.log(' • WARNING: Timed out waiting for Ready ⚠️');
    }
  } else {
    log.end(true);
  }
  const file = kubeconfigPath(flags.kubeconfig, env);
  await exportKubeconfig(file, name, record.apiserver, root);
  log.log(`Set kubectl context to "kind-${name}"`);
  log.log(`You can now use your cluster with:\n\nkubectl cluster-info --context kind-${name}${flags.kubeconfig ? ` --kubeconfig ${shellQuote(flags.kubeconfig)}` : ''}`);
  log.log('');
  log.log('Have a nice day! 👋');
  return 0;
}

function shellQuote(s) {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'"'"'`)}'`;
}

async function deleteCluster(argv, env, io) {
  const { flags, set } = parseFlags(argv, { ...GLOBAL, name: { type: 'string', short: 'n' }, kubeconfig: { type: 'string' } });
  const name = clusterName(flags, set, env);
  if (!flags.quiet) io.stderr.write(`Deleting cluster "${name}" ...\n`);
  if (dockerDown(env)) throw err(`failed to delete cluster "${name}": failed to list nodes: ${listNodesFailure(name)}`);
  const existed = await destroyCluster(name, env);
  if (existed) await removeFromKubeconfig(kubeconfigPath(flags.kubeconfig, env), name);
  return 0;
}

async function deleteClusters(argv, env, io) {
  const { flags, args } = parseFlags(argv, { ...GLOBAL, all: { type: 'bool', short: 'A' }, kubeconfig: { type: 'string' } });
  if (dockerDown(env)) throw err(`failed listing clusters for delete: ${listNodesFailure()}`);
  const names = flags.all ? listClusters(env) : args;
  const deleted = [];
  for (const name of names) {
    if (await destroyCluster(name, env)) await removeFromKubeconfig(kubeconfigPath(flags.kubeconfig, env), name);
    deleted.push(name);
  }
  if (!flags.quiet) io.stderr.write(`Deleted clusters: [${deleted.map((n) => JSON.stringify(n)).join(' ')}]\n`);
  return 0;
}

function getClusters(argv, env, io) {
  parseFlags(argv, GLOBAL);
  if (dockerDown(env)) throw err(`failed to list clusters: ${listNodesFailure()}`);
  const names = listClusters(env);
  if (names.length === 0) io.stderr.write('No kind clusters found.\n');
  else io.stdout.write(names.map((n) => `${n}\n`).join(''));
  return 0;
}

function getNodes(argv, env, io) {
  const { flags, set } = parseFlags(argv, { ...GLOBAL, name: { type: 'string', short: 'n' }, 'all-clusters': { type: 'bool', short: 'A' } });
  if (dockerDown(env)) throw err(`failed to list nodes: ${listNodesFailure(clusterName(flags, set, env))}`);
  const names = flags['all-clusters'] ? listClusters(env) : [clusterName(flags, set, env)];
  const nodes = names.flatMap((n) => (readCluster(n, env)?.nodes ?? []).map((x) => x.name));
  if (nodes.length === 0) io.stderr.write(`No kind nodes found for cluster "${names[0] ?? 'kind'}".\n`);
  else io.stdout.write(nodes.map((n) => `${n}\n`).join(''));
  return 0;
}

function requireApi(name, env) {
  const record = readCluster(name, env);
  if (!record) throw err(`could not locate any control plane nodes for cluster named '${name}'. Use the --name option to select a different cluster`);
  if (!record.apiserver || !isAlive(record.nodes?.[0]?.process)) {
    const node = nodeName(name);
    const why = record.apiserver ? `Error response from daemon: container ${record.nodes[0].id} is not running` : 'cat: /etc/kubernetes/admin.conf: No such file or directory';
    throw err(`failed to get cluster internal kubeconfig: ${kindCommandError('', `docker exec --privileged ${node} cat /etc/kubernetes/admin.conf`, why)}`);
  }
  return record.apiserver;
}

/** kind's kubeconfig for the cluster, read from its node; kind's own error text when that fails. */
function nodeKubeconfigOrError(name, env) {
  const api = requireApi(name, env);
  try {
    return kindKubeconfigFromNode(name, api, nodeDir(name, env));
  } catch (e) {
    if (e.kindCommand) throw err(`failed to get cluster internal kubeconfig: ${kindCommandError('', e.kindCommand, e.message)}`);
    throw err(e.message);
  }
}

function getKubeconfig(argv, env, io) {
  const { flags, set } = parseFlags(argv, { ...GLOBAL, name: { type: 'string', short: 'n' }, internal: { type: 'bool' } });
  const name = clusterName(flags, set, env);
  if (dockerDown(env)) throw err(`failed to list nodes: ${listNodesFailure(name)}`);
  io.stdout.write(nodeKubeconfigOrError(name, env));
  return 0;
}

async function exportKubeconfigCmd(argv, env, io) {
  const { flags, set } = parseFlags(argv, { ...GLOBAL, name: { type: 'string', short: 'n' }, internal: { type: 'bool' }, kubeconfig: { type: 'string' } });
  const name = clusterName(flags, set, env);
  if (dockerDown(env)) throw err(`failed to list nodes: ${listNodesFailure(name)}`);
  const api = requireApi(name, env);
  nodeKubeconfigOrError(name, env);
  await exportKubeconfig(kubeconfigPath(flags.kubeconfig, env), name, api, nodeDir(name, env));
  if (!flags.quiet) io.stderr.write(`Set kubectl context to "kind-${name}"\n`);
  return 0;
}

const USAGE = `kind creates and manages local Kubernetes clusters using Docker container 'nodes'

Usage:
  kind [command]

Available Commands:
  build       Build one of [node-image]
  completion  Output shell completion code for the specified shell (bash, zsh or fish)
  create      Creates one of [cluster]
  delete      Deletes one of [cluster]
  export      Exports one of [kubeconfig, logs]
  get         Gets one of [clusters, nodes, kubeconfig]
  help        Help about any command
  load        Loads images into nodes
  version     Prints the kind CLI version

Flags:
  -h, --help              help for kind
  -q, --quiet             silence all stderr output
  -v, --verbosity int32   info log verbosity, higher value produces more output
      --version           version for kind

Use "kind [command] --help" for more information about a command.
`;

const COMMANDS = {
  'create cluster': createCluster,
  'delete cluster': deleteCluster,
  'delete clusters': deleteClusters,
  'get clusters': getClusters,
  'get nodes': getNodes,
  'get kubeconfig': getKubeconfig,
  'export kubeconfig': exportKubeconfigCmd,
};

/** Entry point: returns the exit code; throws CliExit for kind-style errors. */
export async function kindMain(argv, env = process.env, io = { stdout: process.stdout, stderr: process.stderr }) {
  const words = argv.filter((a) => !a.startsWith('-')).slice(0, 2);
  if (argv[0] === 'version' || argv[0] === '--version') {
    io.stdout.write(argv[0] === 'version' ? `${VERSION}\n` : 'kind version 0.30.0\n');
    return 0;
  }
  if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
    io.stdout.write(USAGE);
    return 0;
  }
  const key = `${argv[0]} ${argv[1] ?? ''}`.trim();
  const run = COMMANDS[key];
  if (!run) {
    if (['create', 'delete', 'get', 'export', 'build', 'load'].includes(argv[0])) {
      throw err(`unknown command "${argv[1] ?? ''}" for "kind ${argv[0]}"`);
    }
    throw err(`unknown command "${words[0] ?? argv[0]}" for "kind"`);
  }
  return run(argv.slice(2), env, io);
}
