/**
 * The container engine kind runs its nodes on, and the isolation it really gives a learner who is
 * root inside a node. kind nodes are privileged containers: on a rootful engine, root in a node is
 * root on the host in a few commands (devices, kernel modules, the host's cgroups), not only
 * through a kernel bug. A rootless engine (rootless Docker, rootless Podman) maps node root to an
 * unprivileged host user, so the same commands only reach what that user owns.
 */

/** `docker` (default) or `podman` (kind's `KIND_EXPERIMENTAL_PROVIDER=podman`). */
export type EngineName = 'docker' | 'podman';

export type IsolationLevel = 'rootful' | 'userns-remap' | 'rootless' | 'unknown';

export interface EngineIsolation {
  engine: EngineName;
  level: IsolationLevel;
  rootless: boolean;
  /** "1", "2", or "unknown" when the engine did not say. */
  cgroupVersion: string;
  /** One sentence for operators: what root in a node can reach on this host. */
  summary: string;
  /** The host kernel enforces AppArmor, as the engine reports it. */
  apparmor: boolean;
  /** Docker's SecurityOptions as reported (empty for Podman). */
  securityOptions: string[];
}

const SUMMARY: Record<IsolationLevel, string> = {
  rootful:
    'kind nodes run as privileged containers of a rootful engine: a learner who is root in their node can become root on this host (devices, kernel modules, cgroups). Run CKS Lab on a dedicated VM, or use rootless Docker or rootless Podman.',
  'userns-remap':
    'the engine remaps container root to an unprivileged host user (userns-remap), but kind nodes are privileged containers, which Docker runs without the remap: treat node root as host root. Use rootless Docker or rootless Podman for real separation.',
  rootless:
    'the engine is rootless: root in a node is an unprivileged user on this host, so a learner who escapes their node gets that user, not root. Labs that load kernel state (AppArmor profiles, gVisor) cannot run here.',
  unknown: 'the engine did not say how it isolates containers: treat root in a node as root on this host.',
};

/** The Go template for `docker info` that reads both facts in one call. */
export const DOCKER_INFO_FORMAT = '{{json .SecurityOptions}} {{.CgroupVersion}}';
/** The Go template for `podman info`. */
export const PODMAN_INFO_FORMAT = '{{.Host.Security.Rootless}} {{.Host.CgroupsVersion}} {{.Host.Security.AppArmorEnabled}}';

/** Parse `docker info --format DOCKER_INFO_FORMAT` (SecurityOptions JSON, then the cgroup version). */
export function parseDockerIsolation(stdout: string): EngineIsolation {
  const text = stdout.trim();
  const split = text.lastIndexOf(' ');
  let options: string[] = [];
  try {
    const parsed: unknown = JSON.parse(split > 0 ? text.slice(0, split) : text);
    if (Array.isArray(parsed)) options = parsed.filter((o): o is string => typeof o === 'string');
  } catch {
    options = [];
  }
  const cgroup = split > 0 ? text.slice(split + 1) : '';
  const names = new Set(options.map((o) => /(?:^|,)name=([a-z]+)/.exec(o)?.[1]).filter(Boolean));
  const level: IsolationLevel = names.has('rootless') ? 'rootless' : names.has('userns') ? 'userns-remap' : options.length > 0 ? 'rootful' : 'unknown';
  return isolation('docker', level, cgroupVersion(cgroup), { apparmor: names.has('apparmor'), securityOptions: options });
}

/** Parse `podman info --format PODMAN_INFO_FORMAT` ("true v2 false"). */
export function parsePodmanIsolation(stdout: string): EngineIsolation {
  const [rootless, cgroup, apparmor] = stdout.trim().split(/\s+/);
  const level: IsolationLevel = rootless === 'true' ? 'rootless' : rootless === 'false' ? 'rootful' : 'unknown';
  return isolation('podman', level, cgroupVersion(cgroup ?? ''), { apparmor: apparmor === 'true', securityOptions: [] });
}

function cgroupVersion(raw: string): string {
  const v = raw.replace(/^v/, '');
  return v === '1' || v === '2' ? v : 'unknown';
}

function isolation(engine: EngineName, level: IsolationLevel, cgroup: string, security: Pick<EngineIsolation, 'apparmor' | 'securityOptions'>): EngineIsolation {
  return { engine, level, rootless: level === 'rootless', cgroupVersion: cgroup, summary: SUMMARY[level], ...security };
}

/** The engine named by settings: CKS_ENGINE, else kind's own KIND_EXPERIMENTAL_PROVIDER. */
export function engineFromEnv(env: Readonly<Record<string, string | undefined>>): EngineName {
  const v = (env.CKS_ENGINE ?? env.KIND_EXPERIMENTAL_PROVIDER ?? 'docker').trim().toLowerCase();
  return v === 'podman' ? 'podman' : 'docker';
}

/** The environment kind and the engine CLI run with: kind is told to use Podman when that is the engine. */
export function engineEnv(env: Readonly<Record<string, string | undefined>>): Readonly<Record<string, string | undefined>> {
  return engineFromEnv(env) === 'podman' ? { ...env, KIND_EXPERIMENTAL_PROVIDER: 'podman' } : env;
}
