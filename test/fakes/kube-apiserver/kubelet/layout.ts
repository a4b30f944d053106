/**
 * Where a pod's sandbox lives on disk and how its containers see their volumes.
 * Pure functions of the pod spec, so exec and the kubelet agree.
 */
import { join } from 'node:path';
import type { KubeObject } from '../store.js';
import { existsSync } from 'node:fs';
import { SANDBOX_PATH, type Bind, type SandboxSpec } from './sandbox.js';
import { readRuntimeView } from './runtime.js';
import { netToolsBind } from '../network/tools.js';
import { containerUser } from './identity.js';
import { containerPrivileges } from './capabilities.js';
import { readEnv } from './env.js';

/** `<clusterDir>/pods/<ns>_<name>`. */
/** Where the running sandboxes of a cluster are written down (see sandbox.ts: `kind delete` ends them). */
export function sandboxLedgerDir(clusterDir: string): string {
  return join(clusterDir, 'sandboxes');
}

export function podDir(clusterDir: string, ns: string, name: string): string {
  return join(clusterDir, 'pods', `${ns}_${name}`);
}

/** Host directory backing a pod volume. */
export function volumeHostPath(dir: string, volume: Record<string, any>): string {
  if (volume.hostPath?.path) return String(volume.hostPath.path);
  return join(dir, 'volumes', String(volume.name));
}

/**
 * Secret, configMap, downwardAPI and projected volumes: the kubelet mounts them read-only whatever
 * the volumeMount says (since v1.10, ReadOnlyAPIDataVolumes), so a write fails with EROFS.
 */
export function isApiDataVolume(volume: Record<string, any>): boolean {
  return Boolean(volume.secret || volume.configMap || volume.downwardAPI || volume.projected);
}

/** All containers of the spec (init first). */
export function allContainers(pod: KubeObject): Record<string, any>[] {
  return [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
}

/** The sandbox for one of the pod's containers running `argv`. */
export function containerSandbox(clusterDir: string, pod: KubeObject, container: Record<string, any>, argv: string[]): SandboxSpec {
  const dir = podDir(clusterDir, pod.metadata.namespace, pod.metadata.name);
  const volumes: Record<string, any>[] = pod.spec?.volumes ?? [];
  const binds: Bind[] = [];
  for (const m of container.volumeMounts ?? []) {
    const v = volumes.find((x) => x.name === m.name);
    if (!v) continue;
    binds.push({ hostPath: volumeHostPath(dir, v), containerPath: String(m.mountPath), readOnly: m.readOnly === true || isApiDataVolume(v) });
  }
  const env: Record<string, string> = { PATH: SANDBOX_PATH, HOSTNAME: pod.metadata.name, HOME: '/root' };
  const resolved = readEnv(dir, String(container.name)); // what the kubelet created the container with (env.ts)
  if (resolved) Object.assign(env, resolved);
  else for (const e of container.env ?? []) if (e?.name && e.value !== undefined) env[e.name] = String(e.value);
  // What the runtime (runc, runsc, Kata) and AppArmor make the container see (see runtime.ts).
  const view = readRuntimeView(dir);
  let readOnly = false;
  if (view) {
    if (existsSync('/usr/bin/dmesg')) binds.push({ hostPath: join(dir, 'runtime', 'dmesg'), containerPath: '/usr/bin/dmesg', readOnly: true });
    const aa = view.apparmor[String(container.name)];
    if (aa) binds.push({ hostPath: join(dir, 'runtime', `attr-${String(container.name)}`), containerPath: '/proc/1/attr/current', readOnly: true });
    readOnly = aa?.denyWrite === true;
  }
  const seccomp = view?.seccomp?.[String(container.name)];
  const user = containerUser(pod, container);
  const privileges = containerPrivileges(container);
  binds.push(...netToolsBind(dir, container));
  return {
    ledgerDir: sandboxLedgerDir(clusterDir),
    rootDir: join(dir, 'containers', String(container.name), 'rootfs'),
    scratchDir: join(dir, 'containers', String(container.name), 'scratch'),
    binds,
    workingDir: container.workingDir ?? '/',
    env,
    argv,
    ...(readOnly ? { readOnly } : {}),
    // readOnlyRootFilesystem: the runtime mounts the image's root read-only; volumes keep their mode.
    ...(!readOnly && container.securityContext?.readOnlyRootFilesystem === true ? { readOnlyRoot: true } : {}),
    ...(seccomp ? { seccomp } : {}),
    ...('uid' in user ? { user } : {}),
    ...(privileges.boundingSet !== undefined ? { boundingSet: privileges.boundingSet } : {}),
    ...(privileges.noNewPrivs ? { noNewPrivs: true } : {}),
    ...(pod.spec?.hostPID === true ? { hostPID: true } : {}),
    ...(view?.runtime === 'kata' ? { argv0: 'containerd-shim-kata-v2' } : {}),
  };
}

// kyverno, background-controller: Kyverno's controllers (args only), simulated in-process by kyverno/controller.ts.
// pilot: Istio's istiod (`pilot-discovery discovery`, args only), simulated in-process by istio/controller.ts.
const SERVER_IMAGES = ['nginx', 'httpd', 'redis', 'pause', 'postgres', 'mysql', 'traefik', 'memcached', 'coredns', 'kyverno', 'background-controller', 'pilot'];

/**
 * Images whose own binary a fake component simulates in-process while the pod runs (image base →
 * the binary's paths): such a container runs without a process, as a server image does.
 * gatekeeper: Gatekeeper's /manager (gatekeeper/controller.ts).
 */
const SIMULATED_BINARIES: Record<string, string[]> = { gatekeeper: ['/manager'] };

/**
 * Images whose entrypoint takes a subcommand as its first arg (image base → subcommand → what runs):
 * `undefined` runs without a process (simulated in-process), an argv runs instead.
 * proxyv2 (Istio, istio/controller.ts): `pilot-agent proxy sidecar …` is the Envoy sidecar the fake
 * mesh simulates; `pilot-agent istio-iptables …` (istio-init) programs the pod's redirection rules,
 * which the fake pod network models instead, and exits 0.
 */
const SIMULATED_SUBCOMMANDS: Record<string, Record<string, string[] | undefined>> = { proxyv2: { proxy: undefined, 'istio-iptables': ['true'] } };

/** Image name without registry, path or tag: `docker.io/library/nginx:1.27` → `nginx`. */
export function imageBase(image: string): string {
  const last = image.split('/').pop() ?? image;
  return last.split('@')[0]!.split(':')[0]!;
}

/**
 * What a container runs: `undefined` for a long-running server image with no command
 * (treated as running without a process), else the argv (image default `sh`).
 */
export function containerArgv(container: Record<string, any>): string[] | undefined {
  const command: string[] | undefined = container.command;
  const args: string[] | undefined = container.args;
  if (command && command.length > 0) {
    if (SIMULATED_BINARIES[imageBase(String(container.image ?? ''))]?.includes(String(command[0]))) return undefined;
    return [...command, ...(args ?? [])].map(String);
  }
  if (SERVER_IMAGES.some((s) => imageBase(String(container.image ?? '')).startsWith(s))) return undefined;
  const sub = SIMULATED_SUBCOMMANDS[imageBase(String(container.image ?? ''))];
  if (sub && args && args.length > 0 && Object.hasOwn(sub, String(args[0]))) return sub[String(args[0])];
  return (args && args.length > 0 ? args : ['sh']).map(String);
}

/** `docker.io/library/nginx:latest` as the kubelet reports `image`. */
export function normalizedImage(image: string): string {
  let ref = image;
  if (!/[:@]/.test(ref.split('/').pop() ?? '')) ref += ':latest';
  const parts = ref.split('/');
  if (parts.length === 1) return `docker.io/library/${ref}`;
  if (!parts[0]!.includes('.') && !parts[0]!.includes(':') && parts[0] !== 'localhost') return `docker.io/${ref}`;
  return ref;
}
