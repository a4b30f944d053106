/**
 * A container's Linux capabilities and no_new_privs, as the kubelet asks containerd for them and
 * runc applies them (v1.34): containerd's 14 default capabilities, then securityContext.capabilities
 * `drop` (ALL drops every default) and `add` (ALL adds every capability); a privileged container
 * keeps every capability; no_new_privs is set exactly when allowPrivilegeEscalation is false.
 * The result is what /proc/<pid>/status shows in the container (CapBnd, NoNewPrivs), applied for real
 * with util-linux setpriv in the fake sandbox.
 */

/** containerd's default capabilities for a non-privileged container (pkg/oci defaultUnixCaps). */
export const DEFAULT_CAPABILITIES = [
  'CHOWN', 'DAC_OVERRIDE', 'FSETID', 'FOWNER', 'MKNOD', 'NET_RAW', 'SETGID', 'SETUID', 'SETFCAP', 'SETPCAP', 'NET_BIND_SERVICE', 'SYS_CHROOT', 'KILL', 'AUDIT_WRITE',
];

/** Every capability the kernel knows (as setpriv names them without cap_), in number order. */
const ALL_CAPABILITIES = [
  'CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'SETPCAP', 'LINUX_IMMUTABLE', 'NET_BIND_SERVICE',
  'NET_BROADCAST', 'NET_ADMIN', 'NET_RAW', 'IPC_LOCK', 'IPC_OWNER', 'SYS_MODULE', 'SYS_RAWIO', 'SYS_CHROOT', 'SYS_PTRACE', 'SYS_PACCT', 'SYS_ADMIN',
  'SYS_BOOT', 'SYS_NICE', 'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'MKNOD', 'LEASE', 'AUDIT_WRITE', 'AUDIT_CONTROL', 'SETFCAP', 'MAC_OVERRIDE',
  'MAC_ADMIN', 'SYSLOG', 'WAKE_ALARM', 'BLOCK_SUSPEND', 'AUDIT_READ', 'PERFMON', 'BPF', 'CHECKPOINT_RESTORE',
];
const KNOWN = new Set(ALL_CAPABILITIES);

export interface ContainerPrivileges {
  /** setpriv's --bounding-set value (`-all,+chown,…`), or undefined for a privileged container (every capability). */
  boundingSet?: string;
  noNewPrivs: boolean;
}

/** `CAP_NET_ADMIN`, `net_admin` and `NET_ADMIN` all name one capability, as containerd accepts them. */
function capName(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const n = v.toUpperCase().replace(/^CAP_/, '');
  return n === 'ALL' || KNOWN.has(n) ? n : undefined;
}

export function containerPrivileges(c: Record<string, any>): ContainerPrivileges {
  const sc = (c.securityContext ?? {}) as Record<string, any>;
  const noNewPrivs = sc.allowPrivilegeEscalation === false;
  if (sc.privileged === true) return { noNewPrivs };
  const drop = ((sc.capabilities?.drop ?? []) as unknown[]).map(capName).filter((n): n is string => n !== undefined);
  const add = ((sc.capabilities?.add ?? []) as unknown[]).map(capName).filter((n): n is string => n !== undefined);
  let caps = new Set(DEFAULT_CAPABILITIES);
  if (drop.includes('ALL')) caps = new Set();
  for (const d of drop) caps.delete(d);
  if (add.includes('ALL')) caps = new Set(ALL_CAPABILITIES);
  for (const a of add) if (a !== 'ALL') caps.add(a);
  const list = ALL_CAPABILITIES.filter((n) => caps.has(n)).map((n) => `+${n.toLowerCase()}`);
  return { boundingSet: ['-all', ...list].join(','), noNewPrivs };
}
