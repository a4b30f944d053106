// A fake node's port map. Fake nodes have no network namespace of their own, so a fake component
// that stands for a listener on a node port (the kubelet's :10250, etcd's :2379, an ingress
// controller's :443) listens on an ephemeral port of the host's 127.0.0.1 instead and publishes it
// here; the node's `curl` (curl-shim.cjs) connects there when a request is addressed to that node
// port. `null` means nothing listens on the node port: connections are refused.
//
// The file is /etc/cks-fake/ports.json in the node. It is created empty with the node's skeleton
// and always rewritten in place (same inode), so a write through the node's upper directory is
// seen through the node's overlay at once.
import fs from 'node:fs';
import path from 'node:path';

export const PORTS_FILE = 'etc/cks-fake/ports.json';

/** Create the empty port map in a fresh node's directory (before the node starts). */
export function createNodePorts(nodeRoot) {
  const file = path.join(nodeRoot, PORTS_FILE);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  if (!fs.existsSync(file)) fs.writeFileSync(file, '{}\n');
}

/** The node's port map: node port → `{ host, port }`, or null when nothing listens there. */
export function readNodePorts(nodeRoot) {
  try {
    const parsed = JSON.parse(fs.readFileSync(path.join(nodeRoot, PORTS_FILE), 'utf8'));
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : {};
  } catch {
    return {};
  }
}

/**
 * Publish what listens on `port` of the node whose directory is `nodeRoot` (`<clusterDir>/node`
 * for the control plane): `{ host: '127.0.0.1', port: <real port> }`, or null for "refused".
 */
export function publishNodePort(nodeRoot, port, target) {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`publishNodePort: bad node port ${port}`);
  if (target !== null && (typeof target?.host !== 'string' || !Number.isInteger(target?.port))) {
    throw new Error('publishNodePort: target must be { host, port } or null');
  }
  const map = readNodePorts(nodeRoot);
  map[String(port)] = target === null ? null : { host: target.host, port: target.port };
  const file = path.join(nodeRoot, PORTS_FILE);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(map, null, 2) + '\n'); // O_TRUNC: same inode
}
