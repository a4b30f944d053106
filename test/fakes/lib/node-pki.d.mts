/** Node paths (under /etc/kubernetes/pki) that writeEtcdPki writes. */
export const REAL_PKI_FILES: string[];
/** Writes etcd's real PKI (CA, server, peer, healthcheck and apiserver-etcd-client certificates) into the node directory `root`. */
export function writeEtcdPki(root: string, spec: { hostname: string; ip: string }): void;
