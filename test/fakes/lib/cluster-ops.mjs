// Lifecycle of a fake cluster: the node "container", its files, its API server; delete.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { clusterDir, extraNodeDir, nodeDir, nodeName } from './paths.mjs';
import { listClusters, readCluster, writeCluster } from './state.mjs';
import { startNode, stopNode, stopSpawnedNode } from './node-runtime.mjs';
import { startTimeOf } from './proc.mjs';
import { startApiserver, stopApiserver } from './apiserver.mjs';
import { prepareNodeDirs, writeWorkerFiles } from './node-files.mjs';
import { applyNodeImage, writePeers } from './node-image.mjs';

/** kind's default node image for v0.30.0. */
export const DEFAULT_IMAGE = 'kindest/node:v1.34.0@sha256:7416a61b42b1662ca6ca89f02028ac133a309a2a30ba309614e8ec94d976dc5a';

export const CLUSTER_LABEL = 'io.x-k8s.kind.cluster';
export const ROLE_LABEL = 'io.x-k8s.kind.role';

function nextIp(env) {
  const used = new Set(listClusters(env).flatMap((n) => (readCluster(n, env)?.nodes ?? []).map((x) => x.ipAddress)));
  for (let i = 2; i < 255; i++) if (!used.has(`172.18.0.${i}`)) return `172.18.0.${i}`;
  return '172.18.0.254';
}

/**
 * "docker run" of the control-plane node: claims the cluster dir, lays out the node's files and
 * starts the namespace holder. Throws { docker: true } style errors with kind-like text on conflict.
 */
export async function provisionNode(name, image, env = process.env) {
  const dir = clusterDir(name, env);
  fs.mkdirSync(clusterDir('', env), { recursive: true });
  const node = nodeName(name);
  const id = crypto.createHash('sha256').update(`${name}/${Date.now()}/${process.pid}/${Math.random()}`).digest('hex');
  try {
    fs.mkdirSync(dir);
  } catch (e) {
    if (e.code !== 'EEXIST') throw e;
    const err = new Error(`docker: Error response from daemon: Conflict. The container name "/${node}" is already in use by another container. You have to remove (or rename) that container to be able to reuse that name.`);
    err.kindCommand = `docker run --name ${node} --hostname ${node} --label ${CLUSTER_LABEL}=${name} ${image}`;
    err.status = 125;
    throw err;
  }
  const createdAt = new Date().toISOString();
  const record = {
    name,
    image,
    createdAt,
    nodes: [{ name: node, id, role: 'control-plane', image, ipAddress: nextIp(env), createdAt, labels: { [CLUSTER_LABEL]: name, [ROLE_LABEL]: 'control-plane' } }],
  };
  writeCluster(record, env);
  prepareNodeDirs(nodeDir(name, env), { hostname: node, ip: record.nodes[0].ipAddress });
  applyNodeImage(dir, image, env);
  record.nodes[0].process = await startNode(name, node, env);
  writeCluster(record, env);
  return record;
}

/** Start the cluster's API server and record it. */
export async function bootApiserver(record, env = process.env) {
  const info = await startApiserver(record.name, clusterDir(record.name, env), env, record.nodes.filter((n) => n.role === 'worker'));
  record.apiserver = { port: info.port, token: info.token, process: info.process };
  if (info.httpsUrl && info.caData) Object.assign(record.apiserver, { httpsUrl: info.httpsUrl, caData: info.caData });
  if (info.criPort) record.apiserver.criPort = info.criPort;
  writeCluster(record, env);
  return record.apiserver;
}

/**
 * Pod sandboxes the fake kubelet wrote down (kubelet/sandbox.ts) and that still run: their process
 * groups are killed (a pid counts only with the same start time, so a reused pid is never hit).
 * Without this, the pods of a kube-apiserver that was killed outlive their cluster.
 */
function endSandboxes(dir) {
  let entries = [];
  try {
    entries = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let recorded = '';
    try {
      recorded = fs.readFileSync(path.join(dir, entry), 'utf8').trim();
    } catch {
      continue;
    }
    if (recorded && startTimeOf(Number(entry)) === recorded) signalGroup(Number(entry));
  }
}

function signalGroup(pid) {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    /* gone */
  }
}

/** The control-plane node's folder and every worker's. */
function nodeFolders(name, env) {
  const workers = path.join(clusterDir(name, env), 'nodes');
  let names = [];
  try {
    names = fs.readdirSync(workers);
  } catch {
    /* no workers */
  }
  return [clusterDir(name, env), ...names.map((n) => path.join(workers, n))];
}

/** Kill the node's processes and the API server, remove all state. Idempotent. */
export async function destroyCluster(name, env = process.env) {
  const record = readCluster(name, env);
  await stopApiserver(record, clusterDir(name, env));
  if (record) {
    for (const node of record.nodes ?? []) await stopNode(node.process);
  }
  for (const dir of nodeFolders(name, env)) await stopSpawnedNode(dir);
  endSandboxes(path.join(clusterDir(name, env), 'sandboxes'));
  fs.rmSync(clusterDir(name, env), { recursive: true, force: true });
  return Boolean(record);
}

/**
 * kind's node names (its nodeNamer): the first node of a role is `<cluster>-<role>`, the next
 * `<cluster>-<role>2`, `<cluster>-<role>3` …
 */
export function nodeNames(cluster, roles) {
  const seen = new Map();
  return roles.map((role) => {
    const n = (seen.get(role) ?? 0) + 1;
    seen.set(role, n);
    return `${cluster}-${role}${n === 1 ? '' : n}`;
  });
}

/**
 * "docker run" of the worker nodes (after the control-plane node): each gets its own folder,
 * files, address and namespace holder; then every node learns its peers (see writePeers).
 */
export async function provisionWorkers(record, workers, env = process.env) {
  const names = nodeNames(record.name, workers.map(() => 'worker'));
  for (const name of names) {
    const dir = extraNodeDir(record.name, name, env);
    fs.mkdirSync(dir, { recursive: true });
    const createdAt = new Date().toISOString();
    const id = crypto.createHash('sha256').update(`${name}/${Date.now()}/${process.pid}/${Math.random()}`).digest('hex');
    const node = { name, id, role: 'worker', image: record.image, ipAddress: nextIp(env), createdAt, labels: { [CLUSTER_LABEL]: record.name, [ROLE_LABEL]: 'worker' }, dir };
    record.nodes.push(node);
    writeCluster(record, env);
    prepareNodeDirs(path.join(dir, 'node'), { hostname: name, ip: node.ipAddress });
    applyNodeImage(dir, record.image, env);
    node.process = await startNode(record.name, name, env, dir);
    writeCluster(record, env);
  }
  return record;
}

/** kubeadm join's files on each worker, once the API server runs (its kubelet.conf points there). */
export function joinWorkers(record, api) {
  for (const node of record.nodes.filter((n) => n.role === 'worker')) writeWorkerFiles(path.join(node.dir, 'node'), record.name, node.name, api);
  writePeers(record);
}
