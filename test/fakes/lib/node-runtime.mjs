// The fake node "container": a long-lived process holding a private mount + UTS namespace in which
// the node's files sit at their real paths. `docker exec` joins it with nsenter, as docker joins a
// container's namespaces.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { identify, isAlive, pidsInMountNs, readSpawned, recordSpawned, signal, sleep, terminate } from './proc.mjs';
import { clusterDir, fakeHome } from './paths.mjs';
import { securityfsDir } from './node-image.mjs';

const INIT_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'node-init.sh');
/** In a node's folder: its holder's { pid, startTime }, written as soon as it is spawned. */
const HOLDER_FILE = 'node.process.json';

/** The PATH a kindest/node container has. */
export const NODE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * Start the node's namespace holder (`dir`: the node's folder, holding `node/` with its files;
 * the cluster dir for the control-plane node). Resolves with its { pid, startTime } once the root is
 * assembled; rejects with the init log when it fails.
 */
export async function startNode(cluster, hostname, env = process.env, dir = clusterDir(cluster, env)) {
  const rootfs = path.join(dir, 'rootfs');
  const work = path.join(dir, 'overlay-work');
  fs.mkdirSync(rootfs, { recursive: true });
  fs.mkdirSync(work, { recursive: true });
  const logFile = path.join(dir, 'node.log');
  const log = fs.openSync(logFile, 'a');
  const skip = topLevelDirOf(fs.realpathSync(fakeHome(env)));
  const child = spawn(
    'unshare',
    ['--mount', '--uts', '--propagation', 'private', '/bin/sh', INIT_SCRIPT, rootfs, path.join(dir, 'node'), work, hostname, skip,
      securityfsDir(dir) ?? '', env.FAKE_NODE_KVM === '0' ? 'nokvm' : ''],
    { detached: true, stdio: ['ignore', log, log], env: { PATH: NODE_PATH } },
  );
  fs.closeSync(log);
  let exited = null;
  child.on('exit', (code, sig) => (exited = sig ?? code));
  child.unref();
  const ident = identify(child.pid);
  recordSpawned(path.join(dir, HOLDER_FILE), ident);
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (exited !== null || !isAlive(ident)) break;
    if (isChrooted(child.pid, rootfs)) return { ...ident, rootfs, mntNs: fs.readlinkSync(`/proc/${child.pid}/ns/mnt`) };
    await sleep(20);
  }
  if (isAlive(ident)) await terminate(ident, 200);
  throw new Error(`node init failed: ${fs.readFileSync(logFile, 'utf8').trim() || `exited ${exited}`}`);
}

function topLevelDirOf(p) {
  return p.split('/').filter(Boolean)[0] ?? '';
}

function isChrooted(pid, rootfs) {
  try {
    // Once chrooted, /proc/<pid>/root is the rootfs (seen from the node's namespace).
    return fs.readlinkSync(`/proc/${pid}/root`) === rootfs;
  } catch {
    return false;
  }
}

/** Path, seen from the host, of `p` inside the running node (for existence checks). */
export function pathInNode(holderPid, p) {
  return `/proc/${holderPid}/root${p.startsWith('/') ? p : `/${p}`}`;
}

/** Kill every process of the node (all processes in its mount namespace), the holder last. */
export async function stopNode(holder) {
  if (!holder) return;
  const ns = holder.mntNs;
  if (!ns) return terminate(holder, 500);
  // Only kill members when the namespace is not the host's own (never kill the world).
  if (ns === fs.readlinkSync('/proc/self/ns/mnt')) return;
  for (let round = 0; round < 3; round++) {
    // Same namespace and rooted in this node's rootfs: a recycled namespace id cannot match both.
    const pids = pidsInMountNs(ns).filter((p) => p !== holder.pid && isChrooted(p, holder.rootfs));
    if (pids.length === 0) break;
    for (const p of pids) signal(p, 'SIGKILL');
    await sleep(50);
  }
  await terminate(holder, 500);
}

/**
 * Stop the holder started in the node folder `dir` even when its start was never recorded in
 * cluster.json (`kind create` killed while the node came up). A no-op once it is gone.
 */
export async function stopSpawnedNode(dir) {
  const ident = readSpawned(path.join(dir, HOLDER_FILE));
  if (!ident || !isAlive(ident)) return;
  const rootfs = path.join(dir, 'rootfs');
  if (isChrooted(ident.pid, rootfs)) return stopNode({ ...ident, rootfs, mntNs: fs.readlinkSync(`/proc/${ident.pid}/ns/mnt`) });
  signal(-ident.pid, 'SIGKILL'); // not up yet: its process group is unshare and the init script
  await terminate(ident, 500);
}
