/**
 * The kubelet's version as its Node reports it (status.nodeInfo.kubeletVersion): the version of the
 * /usr/bin/kubelet binary the unit started. On a fake node that binary is a small program marking
 * its version (test/fakes/lib/kube-tools.mjs: kind's v1.34.0, or a kubelet package's after
 * `apt-get install kubelet=…`), read when the kubelet (re)starts — so an upgraded package changes
 * the Node only after `systemctl restart kubelet`, as on a real node.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { kubeletVersionOf } from '../../lib/kube-tools.mjs';
import { findResource } from '../resources.js';
import type { ObjectStore } from '../store.js';

const NODES = findResource('', 'v1', 'nodes')!;

/** Version of the node's installed /usr/bin/kubelet, or null when it is not a fake kubelet program. */
export function installedKubeletVersion(nodeRoot: string): string | null {
  try {
    return kubeletVersionOf(readFileSync(join(nodeRoot, 'usr/bin/kubelet'), 'utf8').slice(0, 4096));
  } catch {
    return null;
  }
}

/** A started kubelet posts its version in its Node's status (unchanged when the binary says nothing). */
export function postKubeletVersion(store: ObjectStore, nodeName: string, version: string | null): void {
  if (version === null) return;
  const node = store.get(NODES, '', nodeName);
  if (!node || node.status?.nodeInfo?.kubeletVersion === version) return;
  node.status.nodeInfo = { ...node.status.nodeInfo, kubeletVersion: version };
  store.update(NODES, node);
}
