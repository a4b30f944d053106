/**
 * Static pods other than the control plane's, as the kubelet's file source runs them
 * (pkg/kubelet/config/file.go, common.go; mirror pods pkg/kubelet/pod/mirror_client.go):
 * - the directory is the KubeletConfiguration's `staticPodPath` (/var/lib/kubelet/config.yaml in
 *   the node; kind sets /etc/kubernetes/manifests);
 * - every regular file in it is read, whatever its extension (`rogue.yaml.bak` still runs a Pod),
 *   except hidden files (a leading dot); subdirectories are not entered; a file that is no valid Pod
 *   is skipped;
 * - each Pod gets the name `<name>-<nodeName>`, namespace `default` when it names none, and is
 *   shown in the API as a mirror Pod: annotations kubernetes.io/config.mirror, config.hash,
 *   config.seen, config.source=file, an ownerReference to the Node, a NoExecute toleration;
 * - a deleted mirror Pod is created again while the file stays; a changed file replaces the Pod;
 *   a removed file removes it.
 * The control plane's own manifests (kube-apiserver, etcd, kube-controller-manager, kube-scheduler)
 * are left to controlPlane.ts. The simulated kubelet runs the mirror Pods' containers like any Pod.
 *
 * Simplified: the directory is polled (fast) instead of watched with the real 20 s re-list; deleting
 * the mirror Pod restarts the fake's containers (the real kubelet keeps the static pod running and
 * only re-creates the mirror); a change of staticPodPath applies without a kubelet restart.
 */
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { parse } from 'yaml';
import type { Logger } from '../../../../server/log/index.js';
import { findResource } from '../resources.js';
import type { KubeObject, ObjectStore } from '../store.js';
import { KUBELET_CONFIG } from './kubeletConfig.js';

const PODS = findResource('', 'v1', 'pods')!;
const NODES = findResource('', 'v1', 'nodes')!;
const DEFAULT_PATH = '/etc/kubernetes/manifests';
const CONTROL_PLANE = new Set(['kube-apiserver', 'etcd', 'kube-controller-manager', 'kube-scheduler']);
const MAX_BYTES = 1 << 20;
const MIRROR = 'kubernetes.io/config.mirror';
const HASH = 'kubernetes.io/config.hash';
const SOURCE = 'kubernetes.io/config.source';

/**
 * YAML parsed by the text it came from. The directory is polled every 200 ms and holds the control
 * plane's large manifests: parsing only what changed keeps the poll from being most of the fake's CPU.
 * Callers get their own copy; a text that does not parse is remembered as such.
 */
const PARSED = new Map<string, { value: unknown } | { error: true }>();
function parseCached(text: string): unknown {
  let hit = PARSED.get(text);
  if (!hit) {
    try {
      hit = { value: parse(text) as unknown };
    } catch {
      hit = { error: true };
    }
    if (PARSED.size >= 64) PARSED.delete(PARSED.keys().next().value!);
    PARSED.set(text, hit);
  }
  if ('error' in hit) throw new Error('not YAML');
  return structuredClone(hit.value);
}

export interface StaticPodOptions {
  store: ObjectStore;
  /** Host path of the node's root (its files at their real paths). */
  nodeRoot: string;
  nodeName: string;
  logger: Logger;
  /** Creates a Pod through the API's defaulting and validation (not admission: the kubelet's own credentials). */
  create: (pod: KubeObject) => KubeObject;
  pollMs?: number;
}

/** A node file as text (bounded; symlinks not followed out of the node), or null. */
function readNode(nodeRoot: string, path: string): string | null {
  try {
    const host = join(nodeRoot, posix.normalize(`/${path}`));
    if (!lstatSync(host).isFile() || statSync(host).size > MAX_BYTES) return null;
    return readFileSync(host, 'utf8');
  } catch {
    return null;
  }
}

/** The kubelet's staticPodPath (absolute), from its config file. */
export function staticPodPath(nodeRoot: string): string {
  try {
    const cfg = parseCached(readNode(nodeRoot, KUBELET_CONFIG) ?? '') as Record<string, unknown> | null;
    const p = cfg?.['staticPodPath'];
    return typeof p === 'string' && p.startsWith('/') ? posix.normalize(p) : DEFAULT_PATH;
  } catch {
    return DEFAULT_PATH;
  }
}

/** The Pods the directory defines now: mirror name → { pod, hash, file }. Control-plane manifests excluded. */
export function desiredStaticPods(nodeRoot: string, nodeName: string): Map<string, { ns: string; pod: KubeObject; hash: string; file: string }> {
  const dir = staticPodPath(nodeRoot);
  const out = new Map<string, { ns: string; pod: KubeObject; hash: string; file: string }>();
  let names: string[] = [];
  try {
    if (!lstatSync(join(nodeRoot, dir)).isDirectory()) return out; // a symlink could lead out of the node
    names = readdirSync(join(nodeRoot, dir)).sort();
  } catch {
    return out;
  }
  for (const name of names) {
    if (name.startsWith('.')) continue;
    const text = readNode(nodeRoot, posix.join(dir, name));
    if (text === null) continue;
    let pod: KubeObject;
    try {
      pod = parseCached(text) as KubeObject;
    } catch {
      continue;
    }
    if (pod?.kind !== 'Pod' || pod.apiVersion !== 'v1' || typeof pod.metadata?.name !== 'string' || !Array.isArray(pod.spec?.containers)) continue;
    if (CONTROL_PLANE.has(pod.metadata.name)) continue;
    const mirror = `${pod.metadata.name}-${nodeName.toLowerCase()}`;
    const ns = typeof pod.metadata.namespace === 'string' && pod.metadata.namespace !== '' ? pod.metadata.namespace : 'default';
    const hash = createHash('md5').update(`${nodeName}\n${text}`).digest('hex');
    if (!out.has(`${ns}/${mirror}`)) out.set(`${ns}/${mirror}`, { ns, pod, hash, file: posix.join(dir, name) });
  }
  return out;
}

/** Starts the file source; returns a function that stops it. */
export function startStaticPods(opts: StaticPodOptions): () => void {
  const seen = new Map<string, string>();
  /** The files' hashes and the store's version at the last poll that did anything: nothing changed, nothing to do. */
  let last = '';
  const poll = (): void => {
    let desired: ReturnType<typeof desiredStaticPods>;
    try {
      desired = desiredStaticPods(opts.nodeRoot, opts.nodeName);
    } catch (err) {
      opts.logger.warn('fake kubelet: static pod path unreadable', { err: err as Error });
      return;
    }
    const files = [...desired].map(([k, v]) => `${k}=${v.hash}`).join(',');
    if (`${files}@${opts.store.resourceVersion()}` === last) return;
    let failed = false;
    // Mirror pods this node made whose file is gone (or changed): removed.
    for (const p of opts.store.list(PODS)) {
      const ann = (p.metadata.annotations ?? {}) as Record<string, string>;
      if (ann[SOURCE] !== 'file' || ann[MIRROR] === undefined || p.spec?.nodeName !== opts.nodeName) continue;
      const want = desired.get(`${p.metadata.namespace}/${p.metadata.name}`);
      if (!want || want.hash !== ann[HASH]) opts.store.delete(PODS, p.metadata.namespace, p.metadata.name);
    }
    for (const [key, want] of desired) {
      if (opts.store.get(PODS, want.ns, key.slice(want.ns.length + 1))) continue;
      try {
        opts.create(mirrorPod(opts.store, want.pod, want.ns, key.slice(want.ns.length + 1), want.hash, opts.nodeName));
        seen.set(key, want.hash);
      } catch (err) {
        // The real kubelet logs "Failed creating a mirror pod" and tries again at the next sync.
        if (seen.get(key) !== `failed:${want.hash}`) opts.logger.warn('fake kubelet: mirror pod not created', { pod: key, err: err as Error });
        seen.set(key, `failed:${want.hash}`);
        failed = true;
      }
    }
    // A mirror Pod that could not be created is tried again at the next poll, as the kubelet's next sync does.
    last = failed ? '' : `${files}@${opts.store.resourceVersion()}`;
  };
  poll();
  const timer = setInterval(poll, opts.pollMs ?? 200);
  return () => clearInterval(timer);
}

function mirrorPod(store: ObjectStore, pod: KubeObject, ns: string, name: string, hash: string, nodeName: string): KubeObject {
  const node = store.get(NODES, '', nodeName);
  const spec: Record<string, unknown> = { ...(pod.spec as Record<string, unknown>), nodeName };
  const tolerations = Array.isArray(spec['tolerations']) ? (spec['tolerations'] as unknown[]) : [];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...Object.fromEntries(Object.entries(pod.metadata ?? {}).filter(([k]) => ['labels', 'annotations'].includes(k))),
      name,
      namespace: ns,
      annotations: { ...(pod.metadata?.annotations ?? {}), [HASH]: hash, [MIRROR]: hash, 'kubernetes.io/config.seen': new Date().toISOString(), [SOURCE]: 'file' },
      ...(node ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: nodeName, uid: node.metadata.uid, controller: true }] } : {}),
    },
    spec: { ...spec, tolerations: [...tolerations, { operator: 'Exists', effect: 'NoExecute' }] },
  };
}
