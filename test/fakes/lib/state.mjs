// cluster.json: the record of one fake kind cluster.
import fs from 'node:fs';
import path from 'node:path';
import { clusterDir, clustersDir } from './paths.mjs';

export function readCluster(name, env = process.env) {
  try {
    return JSON.parse(fs.readFileSync(path.join(clusterDir(name, env), 'cluster.json'), 'utf8'));
  } catch {
    return null;
  }
}

export function writeCluster(record, env = process.env) {
  const file = path.join(clusterDir(record.name, env), 'cluster.json');
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(record, null, 2) + '\n');
  fs.renameSync(tmp, file);
}

/** Names of all clusters that have a cluster.json, sorted. */
export function listClusters(env = process.env) {
  let entries = [];
  try {
    entries = fs.readdirSync(clustersDir(env));
  } catch {
    return [];
  }
  return entries.filter((n) => fs.existsSync(path.join(clustersDir(env), n, 'cluster.json'))).sort();
}

/** Every node of every cluster, with its cluster record: what `docker ps -a` sees. */
export function listNodes(env = process.env) {
  const out = [];
  for (const name of listClusters(env)) {
    const rec = readCluster(name, env);
    for (const node of rec?.nodes ?? []) out.push({ cluster: rec, node });
  }
  return out;
}

/** Find a node by container name, full id or unique id prefix (as docker does). */
export function findNode(ref, env = process.env) {
  const all = listNodes(env);
  const byName = all.find((n) => n.node.name === ref || `/${n.node.name}` === ref);
  if (byName) return byName;
  if (/^[0-9a-f]{3,64}$/.test(ref)) {
    const hits = all.filter((n) => n.node.id.startsWith(ref));
    if (hits.length === 1) return hits[0];
  }
  return null;
}
