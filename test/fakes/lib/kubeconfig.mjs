// Kubeconfig documents for fake clusters, and kind-style merge into / removal from a file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { sleep } from './proc.mjs';

export const contextName = (cluster) => `kind-${cluster}`;
/** HTTPS with the server's CA when the API server offers it (kubectl sends tokens only over TLS), else plain HTTP. */
export const serverUrl = (api) => (api.httpsUrl && api.caData ? api.httpsUrl : `http://127.0.0.1:${api.port}`);
const clusterEntry = (api) => (api.httpsUrl && api.caData ? { 'certificate-authority-data': api.caData, server: api.httpsUrl } : { server: serverUrl(api) });

const toYaml = (obj) => stringify(obj, { indentSeq: false, lineWidth: 0 });

/** What `kind get kubeconfig --name N` prints: names kind-N, plain-HTTP server, bearer token. */
export function kindKubeconfig(cluster, api) {
  const key = contextName(cluster);
  return toYaml({
    apiVersion: 'v1',
    clusters: [{ cluster: clusterEntry(api), name: key }],
    contexts: [{ context: { cluster: key, user: key }, name: key }],
    'current-context': key,
    kind: 'Config',
    preferences: {},
    users: [{ name: key, user: { token: api.token } }],
  });
}

/**
 * What real kind does for `kind get kubeconfig` and the kubeconfig it writes at create: read
 * /etc/kubernetes/admin.conf from the control-plane node, check kubeadm's shape (one cluster, one
 * user, one context), rename all three to kind-<cluster>, point the server at the address published
 * on the host, and keep every other field of the cluster and user maps unchanged (kind's
 * KINDFromRawKubeadm). So whatever a learner (root on the node) writes into admin.conf comes out.
 */
export function kindKubeconfigFromNode(cluster, api, nodeRoot) {
  const file = path.join(nodeRoot, 'etc/kubernetes/admin.conf');
  let raw;
  try {
    raw = fs.readFileSync(file, 'utf8');
  } catch {
    const e = new Error('cat: /etc/kubernetes/admin.conf: No such file or directory');
    e.kindCommand = `docker exec --privileged ${cluster}-control-plane cat /etc/kubernetes/admin.conf`;
    throw e;
  }
  const cfg = parse(raw) ?? {};
  for (const [field, what] of [['clusters', 'cluster'], ['users', 'user'], ['contexts', 'context']]) {
    const n = Array.isArray(cfg[field]) ? cfg[field].length : 0;
    if (n !== 1) throw new Error(`kubeadm KUBECONFIG should have one ${what}, but read ${n}`);
  }
  const key = contextName(cluster);
  cfg.clusters[0].name = key;
  cfg.users[0].name = key;
  cfg.contexts[0].name = key;
  cfg.contexts[0].context = { ...(cfg.contexts[0].context ?? {}), cluster: key, user: key };
  cfg['current-context'] = key;
  cfg.clusters[0].cluster = { ...(cfg.clusters[0].cluster ?? {}), server: serverUrl(api) };
  return toYaml(ordered(cfg));
}

/** kubeadm-shaped kubeconfig for files under /etc/kubernetes (admin.conf, scheduler.conf …); `token` defaults to the admin token. */
export function nodeKubeconfig(cluster, api, user, token = api.token) {
  return toYaml({
    apiVersion: 'v1',
    clusters: [{ cluster: clusterEntry(api), name: cluster }],
    contexts: [{ context: { cluster, user }, name: `${user}@${cluster}` }],
    'current-context': `${user}@${cluster}`,
    kind: 'Config',
    preferences: {},
    users: [{ name: user, user: { token } }],
  });
}

/** The file kind writes to: --kubeconfig, else the first $KUBECONFIG entry, else ~/.kube/config. */
export function kubeconfigPath(explicit, env = process.env) {
  if (explicit) return path.resolve(explicit);
  const fromEnv = (env.KUBECONFIG ?? '').split(path.delimiter).find(Boolean);
  if (fromEnv) return path.resolve(fromEnv);
  return path.join(env.HOME || os.homedir(), '.kube', 'config');
}

async function withLock(file, fn) {
  const lock = `${file}.lock`; // the lock file name kind and kubectl use
  fs.mkdirSync(path.dirname(file), { recursive: true });
  for (let i = 0; ; i++) {
    try {
      fs.closeSync(fs.openSync(lock, 'wx'));
      break;
    } catch (e) {
      if (e.code !== 'EEXIST' || i > 200) throw new Error(`failed to lock config file: open ${lock}: file exists`);
      await sleep(25);
    }
  }
  try {
    return fn();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

function readConfig(file) {
  let doc = null;
  try {
    doc = parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    if (e.code !== 'ENOENT') throw e;
  }
  doc = doc && typeof doc === 'object' ? doc : {};
  return { apiVersion: 'v1', kind: 'Config', preferences: {}, ...doc, clusters: doc.clusters ?? [], contexts: doc.contexts ?? [], users: doc.users ?? [] };
}

/** Keys in the order kind and kubectl write them. */
function ordered(doc) {
  const { apiVersion, clusters, contexts, kind, preferences, users, ...rest } = doc;
  return { apiVersion, clusters, contexts, 'current-context': doc['current-context'] ?? '', kind, preferences, users, ...rest };
}

function upsert(list, entry) {
  const i = list.findIndex((e) => e.name === entry.name);
  if (i >= 0) list[i] = entry;
  else list.push(entry);
}

/** Merge the cluster's context into `file` and make it current, like `kind export kubeconfig`. */
export function exportKubeconfig(file, cluster, api, nodeRoot) {
  return withLock(file, () => {
    const doc = readConfig(file);
    const own = parse(nodeRoot ? kindKubeconfigFromNode(cluster, api, nodeRoot) : kindKubeconfig(cluster, api));
    upsert(doc.clusters, own.clusters[0]);
    upsert(doc.contexts, own.contexts[0]);
    upsert(doc.users, own.users[0]);
    doc['current-context'] = contextName(cluster);
    fs.writeFileSync(file, toYaml(ordered(doc)), { mode: 0o600 });
  });
}

/** Remove the cluster's entries from `file` (kind delete does this); no-op when absent. */
export function removeFromKubeconfig(file, cluster) {
  if (!fs.existsSync(file)) return Promise.resolve();
  return withLock(file, () => {
    const doc = readConfig(file);
    const key = contextName(cluster);
    const before = doc.clusters.length + doc.contexts.length + doc.users.length;
    doc.clusters = doc.clusters.filter((e) => e.name !== key);
    doc.contexts = doc.contexts.filter((e) => e.name !== key);
    doc.users = doc.users.filter((e) => e.name !== key);
    if (doc.clusters.length + doc.contexts.length + doc.users.length === before) return;
    if (doc['current-context'] === key) doc['current-context'] = '';
    fs.writeFileSync(file, toYaml(ordered(doc)), { mode: 0o600 });
  });
}
