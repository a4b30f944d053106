// Real X.509 files for the parts of a fake node's PKI that fake components serve TLS with: etcd's
// CA, its server and peer certificates, and the clients kubeadm gives it (kube-apiserver's
// apiserver-etcd-client, the healthcheck client). With them `curl --cert … https://127.0.0.1:2379`
// and `etcdctl` on the node really handshake with the fake etcd listener, which verifies client
// certificates against --trusted-ca-file as etcd does. Names, subjects, SANs and key usages are
// kubeadm's (certs phase); keys are ECDSA P-256 (kubeadm's encryptionAlgorithm ECDSA-P256) since
// RSA-2048 generation would slow every fake cluster's creation down. The openssl CLI is called
// with argv arrays, never a shell.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Node paths (under /etc/kubernetes/pki) this module writes. */
export const REAL_PKI_FILES = [
  'etcd/ca.crt', 'etcd/ca.key', 'etcd/server.crt', 'etcd/server.key', 'etcd/peer.crt', 'etcd/peer.key',
  'etcd/healthcheck-client.crt', 'etcd/healthcheck-client.key', 'apiserver-etcd-client.crt', 'apiserver-etcd-client.key',
];

const KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function openssl(args) {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 20_000 });
}

/**
 * Writes etcd's PKI into the node directory `root`: the CA (CN etcd-ca), server and peer
 * certificates for `hostname`/`ip` (kubeadm's SANs: the node name, localhost, the node IP,
 * 127.0.0.1 and ::1), and the client certificates, each signed by the CA.
 */
export function writeEtcdPki(root, { hostname, ip }) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-pki-'));
  try {
    const f = (name) => path.join(tmp, name);
    openssl(['req', '-x509', ...KEY, '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', '3650', '-subj', '/CN=etcd-ca',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign']);
    const sans = `subjectAltName=DNS:${hostname},DNS:localhost,IP:${ip},IP:127.0.0.1,IP:0:0:0:0:0:0:0:1`;
    const leaf = (name, cn, usage, extra = []) =>
      openssl(['req', '-x509', ...KEY, '-keyout', f(`${name}.key`), '-out', f(`${name}.crt`), '-days', '365', '-subj', `/CN=${cn}`,
        '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-addext', 'basicConstraints=critical,CA:FALSE',
        '-addext', 'keyUsage=critical,digitalSignature,keyEncipherment', '-addext', `extendedKeyUsage=${usage}`, ...extra]);
    leaf('server', hostname, 'serverAuth,clientAuth', ['-addext', sans]);
    leaf('peer', hostname, 'serverAuth,clientAuth', ['-addext', sans]);
    leaf('healthcheck-client', 'kube-etcd-healthcheck-client', 'clientAuth');
    leaf('apiserver-etcd-client', 'kube-apiserver-etcd-client', 'clientAuth');
    const into = (from, to, mode) => {
      const file = path.join(root, 'etc/kubernetes/pki', to);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, fs.readFileSync(f(from)), { mode });
      fs.chmodSync(file, mode);
    };
    for (const n of ['ca', 'server', 'peer', 'healthcheck-client']) {
      into(`${n}.crt`, `etcd/${n}.crt`, 0o644);
      into(`${n}.key`, `etcd/${n}.key`, 0o600);
    }
    into('apiserver-etcd-client.crt', 'apiserver-etcd-client.crt', 0o644);
    into('apiserver-etcd-client.key', 'apiserver-etcd-client.key', 0o600);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
