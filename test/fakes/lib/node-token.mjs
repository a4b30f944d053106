// The bearer token a node's kubelet authenticates with to the fake API server. Real kind gives each
// kubelet a client certificate (CN=system:node:<node>, O=system:nodes) in /etc/kubernetes/kubelet.conf;
// the fakes have no client TLS, so kubelet.conf carries this token instead, and the fake API server
// maps it to the same identity (user system:node:<node>, group system:nodes). Derived from the
// admin token, so fake kind can write kubelet.conf without asking the server.
import crypto from 'node:crypto';

/** The kubelet token of node `nodeName` on the API server whose admin token is `adminToken`. */
export function nodeToken(adminToken, nodeName) {
  return `node.${crypto.createHmac('sha256', String(adminToken)).update(`system:node:${nodeName}`).digest('hex').slice(0, 40)}`;
}
