/**
 * Who a container's processes run as, and the kubelet's runAsNonRoot verification
 * (pkg/kubelet/kuberuntime/security_context_others.go verifyRunAsNonRoot, v1.34):
 * runAsUser/runAsGroup from the container's securityContext over the pod's, else the image's
 * USER. With runAsNonRoot the kubelet refuses to create a container that would run as uid 0, or
 * whose image names its user by name (it cannot tell), with CreateContainerConfigError.
 */
import type { KubeObject } from '../store.js';

export interface ContainerUser {
  uid: number;
  gid: number;
  /** Supplementary groups (pod's fsGroup and supplementalGroups). */
  groups: number[];
}

/**
 * The USER of images that do not run as root (from their Dockerfiles); every other image the
 * fakes run starts as root, as busybox, nginx and most library images do.
 */
const IMAGE_USERS: Record<string, string> = {
  'nginx-unprivileged': '101',
  'nginxinc/nginx-unprivileged': '101',
  'bitnami/nginx': '1001',
  'distroless-nonroot': '65532',
  'istio/pilot': '1337', // pilot/docker/Dockerfile.pilot: USER 1337:1337
};

/** The image's USER as its config says: numeric, a name, or '' (root). */
export function imageUser(image: string): string {
  const base = (image.split('/').pop() ?? image).split('@')[0]!.split(':')[0]!;
  const repo = image.split('@')[0]!.replace(/:[^/:]+$/, '');
  if (/gcr\.io\/distroless\/.+:.*nonroot/.test(image)) return '65532';
  if (/(^|\/)chainguard\//.test(repo) || repo.startsWith('cgr.dev/')) return '65532';
  // Kyverno's images (ko builds on ghcr.io/wolfi-dev/static, USER 65532): its chart runs them with runAsNonRoot.
  if (/^(reg\.kyverno\.io|ghcr\.io)\/kyverno\//.test(repo)) return '65532';
  return IMAGE_USERS[repo.replace(/^docker\.io\//, '').replace(/^library\//, '')] ?? IMAGE_USERS[base] ?? '';
}

function int(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 2 ** 31 - 1 ? v : undefined;
}

/** The effective user of a container, or the kubelet's refusal when runAsNonRoot cannot hold. */
export function containerUser(pod: KubeObject, c: Record<string, any>): ContainerUser | { error: string } {
  const podSc = (pod.spec?.securityContext ?? {}) as Record<string, any>;
  const sc = (c.securityContext ?? {}) as Record<string, any>;
  const runAsUser = int(sc.runAsUser) ?? int(podSc.runAsUser);
  const runAsGroup = int(sc.runAsGroup) ?? int(podSc.runAsGroup);
  const nonRoot = (sc.runAsNonRoot ?? podSc.runAsNonRoot) === true;
  const image = imageUser(String(c.image ?? ''));
  const who = `(pod: "${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})", container: ${c.name})`;
  if (nonRoot) {
    if (runAsUser === 0) return { error: `container's runAsUser breaks non-root policy ${who}` };
    if (runAsUser === undefined) {
      if (image !== '' && !/^\d+$/.test(image.split(':')[0]!)) {
        return { error: `container has runAsNonRoot and image has non-numeric user (${image}), cannot verify user is non-root ${who}` };
      }
      if (image === '' || Number(image.split(':')[0]) === 0) return { error: `container has runAsNonRoot and image will run as root ${who}` };
    }
  }
  const uid = runAsUser ?? (image === '' ? 0 : Number(image.split(':')[0]));
  const gid = runAsGroup ?? (runAsUser !== undefined ? 0 : uid === 0 ? 0 : uid);
  const groups = [gid, int(podSc.fsGroup), ...((podSc.supplementalGroups ?? []) as unknown[]).map(int)].filter((g): g is number => g !== undefined);
  return { uid, gid, groups: [...new Set(groups)] };
}
