/**
 * The ServiceAccount admission plugin as kube-apiserver v1.34 runs it on Pod creation
 * (plugin/pkg/admission/serviceaccount/admission.go), also on a server-side dry-run:
 * - an empty `spec.serviceAccountName` becomes `default` (the deprecated `spec.serviceAccount`
 *   fills it first, as the v1 → internal conversion does);
 * - a ServiceAccount that does not exist rejects the Pod (403, "error looking up service account …");
 * - unless automount is off — the Pod's `automountServiceAccountToken` wins when set, then the
 *   ServiceAccount's, default on — every init container and container that mounts nothing at
 *   /var/run/secrets/kubernetes.io/serviceaccount gets the projected volume `kube-api-access-<5>`
 *   there, read-only (token with expirationSeconds 3607, ca.crt from the `kube-root-ca.crt`
 *   ConfigMap, the namespace from the downward API);
 * - a Pod without imagePullSecrets gets the ServiceAccount's.
 * Mirror pods (static pods) are left alone.
 */
import { randomInt } from 'node:crypto';
import { findResource } from './resources.js';
import { forbidden } from './status.js';
import type { KubeObject, ObjectStore } from './store.js';

/** Where the automounted token lives in every container (DefaultAPITokenMountPath). */
export const DEFAULT_TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
/** The injected token's lifetime (WarnOnlyBoundTokenExpirationSeconds: one hour and 7 s, a marker the API server recognises). */
export const WARN_ONLY_EXPIRATION_SECONDS = 3607;
/** Prefix of the injected volume's name (ServiceAccountVolumeName + "-"). */
export const TOKEN_VOLUME_PREFIX = 'kube-api-access-';

const SERVICEACCOUNTS = findResource('', 'v1', 'serviceaccounts')!;
const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';
// names.SimpleNameGenerator: 5 characters from k8s.io/apimachinery/pkg/util/rand's alphabet (no vowels, no 0/1/3).
const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

const randomSuffix = (): string => Array.from({ length: 5 }, () => ALPHANUMS[randomInt(ALPHANUMS.length)]).join('');

/** The projected volume source the plugin injects (TokenVolumeSource, with its explicit defaultMode). */
export function tokenVolumeSource(): Record<string, unknown> {
  return {
    defaultMode: 420,
    sources: [
      { serviceAccountToken: { expirationSeconds: WARN_ONLY_EXPIRATION_SECONDS, path: 'token' } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
    ],
  };
}

/** shouldAutomount: the Pod's preference wins, then the ServiceAccount's, default true. */
export function shouldAutomount(pod: KubeObject, sa: KubeObject): boolean {
  if (typeof pod.spec?.automountServiceAccountToken === 'boolean') return pod.spec.automountServiceAccountToken;
  if (typeof sa.automountServiceAccountToken === 'boolean') return sa.automountServiceAccountToken;
  return true;
}

/** Admits a new object when kube-apiserver runs the plugin (on by default); only Pods are touched. Throws the plugin's Forbidden status. */
export function admitServiceAccount(store: ObjectStore, kind: string, pod: KubeObject): void {
  if (kind !== 'Pod' || !store.admissionPlugins.has('ServiceAccount')) return;
  if (pod.metadata.annotations?.[MIRROR_ANNOTATION] !== undefined) return;
  pod.spec ??= {};
  const spec = pod.spec as Record<string, any>;
  if (!spec.serviceAccountName) spec.serviceAccountName = spec.serviceAccount || 'default';
  const ns = String(pod.metadata.namespace);
  const sa = store.get(SERVICEACCOUNTS, ns, spec.serviceAccountName);
  if (!sa) {
    throw forbidden('pods', '', String(pod.metadata.name), `error looking up service account ${ns}/${spec.serviceAccountName}: serviceaccount "${spec.serviceAccountName}" not found`);
  }
  if (shouldAutomount(pod, sa)) mountToken(spec);
  if (!Array.isArray(spec.imagePullSecrets) || spec.imagePullSecrets.length === 0) {
    const fromSa = (sa.imagePullSecrets ?? []) as { name?: string }[];
    if (fromSa.length > 0) spec.imagePullSecrets = fromSa.map((s) => ({ name: s.name }));
  }
}

/** mountServiceAccountToken with bound token volumes (GA since v1.22). */
function mountToken(spec: Record<string, any>): void {
  const volumes: Record<string, any>[] = Array.isArray(spec.volumes) ? spec.volumes : [];
  const existing = volumes.find((v) => typeof v?.name === 'string' && v.name.startsWith(TOKEN_VOLUME_PREFIX));
  const name: string = existing?.name ?? `${TOKEN_VOLUME_PREFIX}${randomSuffix()}`;
  let needsVolume = false;
  for (const key of ['initContainers', 'containers']) {
    for (const c of (spec[key] ?? []) as Record<string, any>[]) {
      const mounts: Record<string, any>[] = Array.isArray(c.volumeMounts) ? c.volumeMounts : [];
      // Existing mounts at the default mount path prevent mounting of the API token.
      if (mounts.some((m) => m?.mountPath === DEFAULT_TOKEN_MOUNT_PATH)) continue;
      c.volumeMounts = [...mounts, { name, readOnly: true, mountPath: DEFAULT_TOKEN_MOUNT_PATH }];
      needsVolume = true;
    }
  }
  if (!existing && needsVolume) spec.volumes = [...volumes, { name, projected: tokenVolumeSource() }];
}
