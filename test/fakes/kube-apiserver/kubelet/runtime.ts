/**
 * What the node's container runtime makes of a pod, read from the node's real files the way
 * containerd and the kubelet would:
 * - runtimeClassName → RuntimeClass → handler → a runtime in the node's /etc/containerd/config.toml
 *   (runc, gVisor's runsc or Kata). A missing handler fails sandbox creation with containerd's
 *   message, and the pod stays Pending (ContainerCreating), as on a real node.
 * - AppArmor: a container's Localhost profile must be loaded in the securityfs the node mounts
 *   (<clusterDir>/securityfs → the fake host kernel's, shared by every AppArmor node of the host;
 *   written by the nodes' apparmor_parser); otherwise
 *   containerd fails the container (CreateContainerError) with its own wording.
 * The result is written to <podDir>/runtime/ as small files the sandbox binds over what a process
 * in the container sees: `dmesg` (gVisor's kernel log under runsc, EPERM under runc) and
 * /proc/1/attr/current (the AppArmor label); a deny-write profile in enforce mode makes the
 * container's filesystem read-only (the fake's stand-in for AppArmor's `deny /** w`).
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject } from '../store.js';
import { imageBase, podDir } from './layout.js';

export type RuntimeKind = 'runc' | 'runsc' | 'kata';

/** Runtime facts of a started pod sandbox, read by containerSandbox(). */
export interface RuntimeView {
  runtime: RuntimeKind;
  handler: string;
  /** Per container: AppArmor label for /proc/1/attr/current and whether writes are denied. */
  apparmor: Record<string, { attr: string; denyWrite: boolean }>;
  /** Per container: the seccomp filter its processes run under (seccomp.ts); absent = unconfined. */
  seccomp?: Record<string, string>;
}

const RUNTIME_TYPES: Record<string, RuntimeKind> = {
  'io.containerd.runc.v2': 'runc',
  'io.containerd.runc.v1': 'runc',
  'io.containerd.runsc.v1': 'runsc',
  'io.containerd.kata.v2': 'kata',
};
const SHIMS: Record<RuntimeKind, string> = { runc: 'containerd-shim-runc-v2', runsc: 'containerd-shim-runsc-v1', kata: 'containerd-shim-kata-v2' };
const SHIM_DIRS = ['usr/local/bin', 'usr/bin', 'usr/local/sbin', 'usr/sbin', 'opt/kata/bin'];

const nodeRoot = (clusterDir: string): string => join(clusterDir, 'node');

/**
 * Runtime handlers in the node's containerd config: name → runtime_type. Reads v2
 * (`plugins."io.containerd.grpc.v1.cri".containerd.runtimes.X`) and v3
 * (`plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.X`) sections. No config file (a
 * standalone fake API server) means kind's defaults: runc and test-handler.
 */
export function containerdHandlers(clusterDir: string): Map<string, string> {
  const file = join(nodeRoot(clusterDir), 'etc/containerd/config.toml');
  if (!existsSync(file)) return new Map([['runc', 'io.containerd.runc.v2'], ['test-handler', 'io.containerd.runc.v2']]);
  const version = /^\s*version\s*=\s*(\d+)/m.exec(readFileSync(file, 'utf8'))?.[1] ?? '1';
  const plugin = version === '3' ? `['"]io\\.containerd\\.cri\\.v1\\.runtime['"]` : `['"]io\\.containerd\\.grpc\\.v1\\.cri['"]`;
  const header = new RegExp(`^\\s*\\[\\s*plugins\\.${plugin}\\.containerd\\.runtimes\\.(['"]?)([\\w.-]+)\\1\\s*\\]\\s*$`);
  const out = new Map<string, string>();
  let current: string | undefined;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (/^\s*\[/.test(line)) {
      current = header.exec(line)?.[2];
      if (current && !out.has(current)) out.set(current, '');
      continue;
    }
    const t = /^\s*runtime_type\s*=\s*["']([^"']+)["']/.exec(line);
    if (current && t) out.set(current, t[1]!);
  }
  return out;
}

/** Is `rel` (a node path) an executable file in the node? */
function nodeHas(clusterDir: string, rel: string): boolean {
  try {
    return statSync(join(nodeRoot(clusterDir), rel)).isFile();
  } catch {
    return false;
  }
}

/** Does the running node see a /dev/kvm character device? (through its holder process's root) */
export function nodeHasKvm(clusterDir: string): boolean {
  try {
    const rec = JSON.parse(readFileSync(join(clusterDir, 'cluster.json'), 'utf8')) as { nodes?: { process?: { pid?: number } }[] };
    const pid = rec.nodes?.[0]?.process?.pid;
    return pid !== undefined && statSync(`/proc/${pid}/root/dev/kvm`).isCharacterDevice();
  } catch {
    return false;
  }
}

/**
 * The pod's runtime, or the error containerd reports when its sandbox cannot be created
 * (kubelet event FailedCreatePodSandBox: "Failed to create pod sandbox: rpc error: code = Unknown desc = …").
 */
export function resolveRuntime(clusterDir: string, pod: KubeObject, runtimeClass: KubeObject | undefined): { runtime: RuntimeKind; handler: string } | { error: string } {
  const name: string | undefined = pod.spec?.runtimeClassName;
  // The kubelet resolves the class to its handler; a class deleted after admission fails like this.
  if (name && !runtimeClass) return { error: `RuntimeClass "${name}" not found` };
  const handler: string = runtimeClass?.handler ?? 'runc';
  const handlers = containerdHandlers(clusterDir);
  const type = handlers.get(handler);
  if (type === undefined) return { error: `rpc error: code = Unknown desc = failed to get sandbox runtime: no runtime for "${handler}" is configured` };
  const runtime = RUNTIME_TYPES[type];
  const sandboxId = (pod.metadata.uid as string).replace(/-/g, '').padEnd(64, '0').slice(0, 64);
  if (!runtime) return { error: `rpc error: code = Unknown desc = failed to start sandbox "${sandboxId}": failed to create containerd task: failed to start shim: failed to resolve runtime path: invalid runtime name ${type}, correct runtime name should be either format like \`io.containerd.runc.v1\` or a full path to the binary: unknown` };
  if (runtime !== 'runc' && !SHIM_DIRS.some((d) => nodeHas(clusterDir, `${d}/${SHIMS[runtime]}`))) {
    return { error: `rpc error: code = Unknown desc = failed to start sandbox "${sandboxId}": failed to create containerd task: failed to start shim: failed to resolve runtime path: runtime "${type}" binary not installed "${SHIMS[runtime]}": file does not exist: unknown` };
  }
  if (runtime === 'kata' && !nodeHasKvm(clusterDir)) {
    return { error: `rpc error: code = Unknown desc = failed to create containerd task: failed to create shim task: Could not access KVM kernel module: No such file or directory: unknown` };
  }
  return { runtime, handler };
}

/** The container's AppArmor profile reference: `localhost/<name>`, `runtime/default` or `unconfined`. */
export function appArmorRef(pod: KubeObject, container: Record<string, any>): string {
  const field = (p: Record<string, any> | undefined): string | undefined =>
    p?.type === 'Localhost' ? `localhost/${p.localhostProfile}` : p?.type === 'Unconfined' ? 'unconfined' : p?.type === 'RuntimeDefault' ? 'runtime/default' : undefined;
  return (
    field(container.securityContext?.appArmorProfile) ??
    field(pod.spec?.securityContext?.appArmorProfile) ??
    pod.metadata.annotations?.[`container.apparmor.security.beta.kubernetes.io/${container.name}`] ??
    'runtime/default'
  );
}

/** Loaded profiles of the node: name → mode, or null when the node has no AppArmor (securityfs). */
export function loadedProfiles(clusterDir: string): Map<string, string> | null {
  const file = join(clusterDir, 'securityfs', 'apparmor', 'profiles');
  if (!existsSync(file)) return null;
  const out = new Map<string, string>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^(.*) \((\w+)\)$/.exec(line);
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}

/** containerd's AppArmor decision for one container: its label, or the CreateContainerError message. */
export function appArmorFor(clusterDir: string, pod: KubeObject, container: Record<string, any>): { attr: string; denyWrite: boolean } | { error: string } {
  const ref = appArmorRef(pod, container);
  const profiles = loadedProfiles(clusterDir);
  if (ref === 'unconfined') return { attr: 'unconfined', denyWrite: false };
  if (!profiles) {
    // containerd's hostSupports() is false (no securityfs): Localhost profiles fail loudly.
    if (ref.startsWith('localhost/')) return { error: 'failed to get container spec opts: failed to generate apparmor spec opts: apparmor is not supported' };
    return { attr: 'unconfined', denyWrite: false };
  }
  if (!ref.startsWith('localhost/')) return { attr: 'cri-containerd.apparmor.d (enforce)', denyWrite: false };
  const name = ref.slice('localhost/'.length);
  const mode = profiles.get(name);
  if (!mode) return { error: `failed to get container spec opts: failed to generate apparmor spec opts: apparmor profile not found ${name}` };
  let source = '';
  try {
    source = readFileSync(join(clusterDir, 'securityfs', 'apparmor', 'policy', 'profiles', name.replace(/\//g, '.'), 'source'), 'utf8');
  } catch {
    /* loaded without source: treat as allowing writes */
  }
  const deniesWrites = /^\s*deny\s+\/\*\*\s+[a-z]*w[a-z]*\s*,/m.test(source);
  return { attr: `${name} (${mode})`, denyWrite: mode === 'enforce' && deniesWrites };
}

const GVISOR_LINES = [
  'Synthesizing system calls...', 'Mounting deweydecimalfs...', 'Digging up root...', 'Constructing home...', 'Segmenting fault lines...',
  'Creating bureaucratic processes...', 'Searching for needles in stacks...', 'Feeding the init monster...', 'Gathering forks...', 'Letting the watchdogs out...',
];

/**
 * The `dmesg` a container's process finds. Under runsc it is gVisor's own kernel log
 * (pkg/sentry/kernel/syslog.go: "Starting gVisor...", ten whimsical lines, "Ready!"); busybox's
 * dmesg prints the raw "<6>" level prefixes. Under runc an unprivileged container may not read the
 * host's kernel log (CAP_SYSLOG): busybox says "klogctl", util-linux "read kernel buffer failed".
 */
function dmesgScript(runtime: RuntimeKind, busybox: boolean): string {
  if (runtime === 'runsc') {
    let t = 0.1;
    const lines = ['Starting gVisor...', ...GVISOR_LINES, 'Ready!'].map((m, i) => {
      if (i > 0) t += 0.27;
      return `${busybox ? '<6>' : ''}[${(i === 0 ? 0 : t).toFixed(6).padStart(11)}] ${m}`;
    });
    return `#!/bin/sh\ncat <<'EOF'\n${lines.join('\n')}\nEOF\n`;
  }
  const msg = busybox ? 'dmesg: klogctl: Operation not permitted' : 'dmesg: read kernel buffer failed: Operation not permitted';
  return `#!/bin/sh\necho '${msg}' >&2\nexit 1\n`;
}

/** Writes the sandbox's runtime files; containerSandbox() picks them up. */
export function writeRuntimeView(clusterDir: string, pod: KubeObject, view: RuntimeView): void {
  const dir = join(podDir(clusterDir, pod.metadata.namespace, pod.metadata.name), 'runtime');
  mkdirSync(dir, { recursive: true });
  const busybox = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].some((c: Record<string, any>) => imageBase(String(c.image ?? '')) === 'busybox');
  writeFileSync(join(dir, 'dmesg'), dmesgScript(view.runtime, busybox), { mode: 0o755 });
  for (const [name, a] of Object.entries(view.apparmor)) writeFileSync(join(dir, `attr-${name}`), `${a.attr}\n`);
  writeFileSync(join(dir, 'view.json'), JSON.stringify(view));
}

/** The runtime view of a pod's sandbox, when the kubelet created one. */
export function readRuntimeView(dir: string): RuntimeView | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'runtime', 'view.json'), 'utf8')) as RuntimeView;
  } catch {
    return undefined;
  }
}
