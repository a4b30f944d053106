// Starting and stopping a cluster's fake Kubernetes API server (a detached process on the host).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { FAKES_DIR, PROJECT_ROOT } from './paths.mjs';
import { bundled } from './bundle.mjs';
import { identify, isAlive, readSpawned, recordSpawned, sleep, terminate } from './proc.mjs';

const REAL_ENTRY = path.join(FAKES_DIR, 'kube-apiserver', 'main.ts');
const STUB_ENTRY = path.join(FAKES_DIR, 'lib', 'stub-apiserver.mjs');
/** The server's { pid, startTime }, written as soon as it is spawned. */
const PROCESS_FILE = 'apiserver.process.json';
const TSX = path.join(PROJECT_ROOT, 'node_modules', 'tsx', 'dist', 'esm', 'index.mjs');

/**
 * Which server to run: $FAKE_KIND_APISERVER = "stub" | "real" | a path to an entry file;
 * default: the real fake (test/fakes/kube-apiserver/main.ts) when it exists, else the stub.
 */
export function apiserverEntry(env = process.env) {
  const choice = env.FAKE_KIND_APISERVER;
  if (choice === 'stub') return STUB_ENTRY;
  if (choice === 'real') return REAL_ENTRY;
  if (choice) return path.resolve(choice);
  return fs.existsSync(REAL_ENTRY) ? REAL_ENTRY : STUB_ENTRY;
}

/**
 * Start the API server for `cluster` detached (stdio to <clusterDir>/apiserver.log) and wait for
 * it to write <clusterDir>/apiserver.json (`workers`: the cluster's worker nodes, { name, ipAddress }). Resolves with { port, pid, token, process:{pid,startTime} }.
 */
export async function startApiserver(cluster, dir, env = process.env, workers = []) {
  const entry = apiserverEntry(env);
  // The real fake runs from its bundle (bundle.mjs) unless FAKE_BUNDLE=0.
  const js = entry.endsWith('.ts') && env.FAKE_BUNDLE !== '0' ? await bundled(entry) : null;
  const args = js ? [js] : entry.endsWith('.ts') ? ['--import', pathToFileURL(TSX).href, entry] : [entry];
  // FAKE_APISERVER_CPU_PROF=<dir>: each API server writes a V8 CPU profile there when it stops (to find what the fake spends).
  if (env.FAKE_APISERVER_CPU_PROF) args.unshift('--cpu-prof', `--cpu-prof-dir=${path.resolve(env.FAKE_APISERVER_CPU_PROF)}`);
  // Worker nodes register themselves (kubeadm join): name@address, for the Node objects.
  if (workers.length > 0) args.push('--workers', workers.map((w) => `${w.name}@${w.ipAddress}`).join(','));
  const log = fs.openSync(path.join(dir, 'apiserver.log'), 'a');
  const child = spawn(process.execPath, [...args, '--cluster', cluster, '--dir', dir], {
    cwd: dir,
    detached: true,
    stdio: ['ignore', log, log],
    env,
  });
  fs.closeSync(log);
  let exited = null;
  child.on('exit', (code, sig) => (exited = sig ?? code));
  child.unref();
  const ident = identify(child.pid);
  // Written before the wait: a `kind create` killed while it waits leaves this behind, so
  // `kind delete` still finds the server (like a real node container left by a killed kind).
  recordSpawned(path.join(dir, PROCESS_FILE), ident);
  const timeoutMs = Number(env.FAKE_KIND_APISERVER_TIMEOUT_MS || 30_000);
  const deadline = Date.now() + timeoutMs;
  const infoFile = path.join(dir, 'apiserver.json');
  while (Date.now() < deadline && exited === null && isAlive(ident)) {
    const info = readInfo(infoFile);
    if (info) return { ...info, process: ident };
    await sleep(25);
  }
  await terminate(ident, 500);
  const tail = tailOf(path.join(dir, 'apiserver.log'));
  throw new Error(exited === null && isAlive(ident) ? `timed out after ${timeoutMs}ms waiting for the API server\n${tail}` : `API server exited (${exited})\n${tail}`);
}

function readInfo(file) {
  try {
    const info = JSON.parse(fs.readFileSync(file, 'utf8'));
    return Number.isInteger(info.port) ? info : null;
  } catch {
    return null; // not written yet, or half-written
  }
}

function tailOf(file) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-20).join('\n').trim();
  } catch {
    return '';
  }
}

/**
 * Stop the API server recorded in cluster.json, or the one started in `dir` whose start was never
 * recorded there (SIGTERM, then SIGKILL).
 */
export async function stopApiserver(record, dir) {
  const server = record?.apiserver?.process ?? readSpawned(path.join(dir, PROCESS_FILE));
  if (server) await terminate(server, 3000);
}

export { isAlive };
