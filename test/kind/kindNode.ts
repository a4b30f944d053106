/**
 * What a real kind node has, shared by test/scenarios/nodeTools.test.ts (instructions use only
 * these) and test/kind/nodeImages.test.ts (which checks these facts against real kind nodes).
 */

/** Commands every kindest/node v1.34.0 has, instructions may rely on them. */
export const PRESENT_ON_KIND_NODE = [
  'bash', 'cat', 'head', 'tail', 'od', 'base64', 'sha256sum', 'grep', 'sed', 'awk', 'find', 'tar', 'gzip', 'curl', 'jq',
  'openssl', 'mount', 'ps', 'ip', 'ss', 'nft', 'iptables', 'systemctl', 'journalctl', 'crictl', 'kubectl', 'kubeadm',
];

/**
 * Commands a kindest/node v1.34.0 does not have (kind images/base/Dockerfile installs systemd,
 * conntrack, iptables, nftables, iproute2, ethtool, util-linux, mount, kmod, libseccomp2, pigz,
 * fuse-overlayfs, nfs-common, open-iscsi, e2fsprogs, bash, ca-certificates, curl, jq, procps on
 * debian:bookworm-slim), with what to use instead.
 */
export const ABSENT_ON_KIND_NODE: Record<string, string> = {
  hexdump: 'od (coreutils), e.g. od -c',
  xxd: 'od (coreutils), e.g. od -A x -t x1z',
  less: 'head, tail or a plain cat',
  wget: 'curl',
  nc: 'curl, or bash /dev/tcp',
  netcat: 'curl, or bash /dev/tcp',
  ping: 'curl',
  dig: 'kubectl run … nslookup in a pod',
  nslookup: 'a pod with nslookup (e.g. busybox)',
  netstat: 'ss (iproute2)',
  strings: 'grep -a',
  file: 'head -c … | od -c',
  python: 'bash, jq',
  python3: 'bash, jq',
  yq: 'jq on kubectl … -o json',
  tree: 'find',
  sudo: 'nothing: the terminal is root',
  etcdctl: 'crictl exec <etcd container> etcdctl …',
  vi: 'a lab image that installs vim',
  vim: 'a lab image that installs vim',
  nano: 'a lab image that installs nano',
  apparmor_parser: 'the apparmor lab',
  'aa-status': 'the apparmor lab, or cat /sys/kernel/security/apparmor/profiles',
  'aa-enforce': 'apparmor_parser (apparmor-utils is not installed)',
  'aa-complain': 'apparmor_parser -C (apparmor-utils is not installed)',
  'aa-genprof': 'nothing: apparmor-utils is not installed',
  'aa-logprof': 'nothing: apparmor-utils is not installed',
  strace: 'the strace lab',
};

/** Commands a Debian package of a lab image's `apt-get install` adds. */
const PACKAGE_COMMANDS: Record<string, string[]> = {
  vim: ['vim', 'vi'],
  'vim-tiny': ['vi'],
  nano: ['nano'],
  apparmor: ['apparmor_parser', 'aa-status', 'aa-enabled'],
  'apparmor-utils': ['aa-enforce', 'aa-complain', 'aa-genprof', 'aa-logprof'],
  sudo: ['sudo', 'visudo', 'sudoedit'],
  strace: ['strace'],
  falco: ['falco'],
};

/** Commands a lab's node image adds to kindest/node (read from its Dockerfile's apt-get install). */
export function labCommands(dockerfile: string): Set<string> {
  const out = new Set<string>();
  for (const m of dockerfile.matchAll(/apt-get install([^\n&|;]*)/g)) {
    // A pinned package (`strace=6.1-0.1`, `"falco=${FALCO_VERSION}"`) adds the same commands.
    for (const word of (m[1] ?? '').split(/\s+/)) for (const c of PACKAGE_COMMANDS[word.replace(/^["']|["']$/g, '').replace(/=.*$/, '')] ?? []) out.add(c);
  }
  return out;
}

