import { AppError } from '../errors.js';
import { nodeContainer } from './nodes.js';
import type { ClusterProvider } from './types.js';

/**
 * `ssh <node>` between the nodes of one cluster, as on the exam. kind nodes have no SSH set-up of
 * their own; a multi-node lab's image brings openssh (labs/default/image), and right after the
 * cluster is created (before any learner or setup script) CKS Lab gives the cluster one root key
 * pair, made on its control-plane node, authorised on every node, with short host aliases
 * (`ssh worker`, `ssh control-plane`) beside the full node names. The key never leaves the
 * cluster's nodes except in transit through this process, and only via stdin (never argv).
 */

/** Made once on the control plane: prints the public key, then the private key. */
const MAKE_KEY = `set -eu
umask 077
mkdir -p /root/.ssh
command -v ssh-keygen >/dev/null || { echo "ssh-keygen: command not found" >&2; exit 127; }
[ -s /root/.ssh/id_ed25519 ] || ssh-keygen -q -t ed25519 -N '' -C "root@$(hostname)" -f /root/.ssh/id_ed25519 </dev/null
cat /root/.ssh/id_ed25519.pub /root/.ssh/id_ed25519`;

/** Run on every node; stdin: the public key line, then the private key. $CKS_SSH_HOSTS: alias=name pairs. */
const INSTALL = `set -eu
umask 077
mkdir -p /root/.ssh
IFS= read -r pub
cat > /root/.ssh/id_ed25519
printf '%s\\n' "$pub" > /root/.ssh/id_ed25519.pub
touch /root/.ssh/authorized_keys
grep -qxF "$pub" /root/.ssh/authorized_keys || printf '%s\\n' "$pub" >> /root/.ssh/authorized_keys
{
  echo '# CKS Lab: the nodes of this cluster, written when it was created: ssh <alias> or ssh <node name>.'
  for pair in $CKS_SSH_HOSTS; do printf 'Host %s\\n  HostName %s\\n' "\${pair%%=*}" "\${pair#*=}"; done
  printf 'Host *\\n  StrictHostKeyChecking accept-new\\n  IdentityFile ~/.ssh/id_ed25519\\n'
} > /root/.ssh/config
ssh-keygen -A >/dev/null
if [ -d /run/systemd/system ]; then systemctl enable --now ssh.service >/dev/null 2>&1 || systemctl restart ssh.service; fi`;

const PUBLIC_KEY = /^ssh-ed25519 [A-Za-z0-9+/]{60,120}={0,2}( [!-~]{1,100})?$/;
const PRIVATE_KEY = /^-----BEGIN OPENSSH PRIVATE KEY-----\n[A-Za-z0-9+/=\n]{100,4000}-----END OPENSSH PRIVATE KEY-----\n?$/;

/** Parse what MAKE_KEY printed, bounded: nothing but an ed25519 key pair gets through. */
export function parseKeyPair(out: string): { publicKey: string; privateKey: string } | null {
  if (out.length > 8192) return null;
  const nl = out.indexOf('\n');
  const publicKey = out.slice(0, nl).trim();
  const privateKey = out.slice(nl + 1);
  return PUBLIC_KEY.test(publicKey) && PRIVATE_KEY.test(privateKey) ? { publicKey, privateKey: privateKey.endsWith('\n') ? privateKey : `${privateKey}\n` } : null;
}

/** Give the cluster's nodes (short names, control plane first) one root key pair and host aliases. */
export async function connectNodes(provider: Pick<ClusterProvider, 'nodeExec'>, cluster: string, nodes: string[]): Promise<void> {
  const made = await provider.nodeExec(cluster, ['bash', '-c', MAKE_KEY], { timeoutMs: 60_000 });
  if (made.exitCode === 127) {
    throw new AppError('cluster_failed', `its cluster has ${nodes.length} nodes but its node image has no OpenSSH, so \`ssh <node>\` cannot work: build the image with openssh-client and openssh-server (see labs/default/image/Dockerfile).`);
  }
  const pair = made.exitCode === 0 ? parseKeyPair(made.stdout) : null;
  if (!pair) throw new AppError('cluster_failed', `making the cluster's SSH key on its control-plane node failed (exit code ${made.exitCode}): ${made.stderr.trim().split('\n').slice(-2).join(' ')}`);
  const hosts = nodes.map((n) => `${n}=${nodeContainer(cluster, n)}`).join(' ');
  for (const node of nodes) {
    const out = await provider.nodeExec(cluster, ['bash', '-c', INSTALL], { node, input: `${pair.publicKey}\n${pair.privateKey}`, env: { CKS_SSH_HOSTS: hosts }, timeoutMs: 60_000 });
    if (out.exitCode !== 0) {
      throw new AppError('cluster_failed', `setting up SSH on node ${nodeContainer(cluster, node)} failed (exit code ${out.exitCode}): ${out.stderr.trim().split('\n').slice(-2).join(' ')}`);
    }
  }
}
