/**
 * kube-apiserver's admission plugins as its flags choose them (--enable-admission-plugins,
 * --disable-admission-plugins), and the ones this fake carries out. v1.34's plugin names: an
 * unknown name makes kube-apiserver exit at start ("command failed" … "plugin "X" is unknown").
 * Carried out: AlwaysPullImages (every container of a new Pod gets imagePullPolicy Always — also on
 * a server-side dry-run, which runs the whole admission chain). RuntimeClass and ServiceAccount
 * live in their own modules.
 */
import type { KubeObject } from './store.js';

/** Every admission plugin kube-apiserver v1.34 knows (kube-apiserver --help, "--enable-admission-plugins"). */
export const KNOWN_PLUGINS = new Set([
  'AlwaysAdmit', 'AlwaysDeny', 'AlwaysPullImages', 'CertificateApproval', 'CertificateSigning', 'CertificateSubjectRestriction',
  'ClusterTrustBundleAttest', 'DefaultIngressClass', 'DefaultStorageClass', 'DefaultTolerationSeconds', 'DenyServiceExternalIPs',
  'EventRateLimit', 'ExtendedResourceToleration', 'ImagePolicyWebhook', 'LimitPodHardAntiAffinityTopology', 'LimitRanger',
  'MutatingAdmissionPolicy', 'MutatingAdmissionWebhook', 'NamespaceAutoProvision', 'NamespaceExists', 'NamespaceLifecycle',
  'NodeRestriction', 'OwnerReferencesPermissionEnforcement', 'PersistentVolumeClaimResize', 'PodNodeSelector', 'PodSecurity',
  'PodTolerationRestriction', 'PodTopologyLabels', 'Priority', 'ResourceQuota', 'RuntimeClass', 'ServiceAccount',
  'StorageObjectInUseProtection', 'TaintNodesByCondition', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionWebhook',
]);

/** On unless disabled (kube-apiserver's default-enabled set). */
export const DEFAULT_ENABLED = [
  'NamespaceLifecycle', 'LimitRanger', 'ServiceAccount', 'TaintNodesByCondition', 'PodSecurity', 'Priority', 'DefaultTolerationSeconds',
  'DefaultStorageClass', 'StorageObjectInUseProtection', 'PersistentVolumeClaimResize', 'RuntimeClass', 'CertificateApproval',
  'CertificateSigning', 'ClusterTrustBundleAttest', 'CertificateSubjectRestriction', 'DefaultIngressClass', 'MutatingAdmissionPolicy',
  'MutatingAdmissionWebhook', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionWebhook', 'ResourceQuota',
];

/** The plugins a kube-apiserver started with `args` runs, or the error it exits with. */
export function admissionFromFlags(args: string[]): { plugins: Set<string> } | { error: string } {
  const lists: Record<'enable' | 'disable', string[]> = { enable: [], disable: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const m = /^--(enable|disable)-admission-plugins(?:=(.*))?$/.exec(arg);
    if (!m) continue;
    const value = m[2] ?? args[++i] ?? '';
    lists[m[1] as 'enable' | 'disable'].push(...value.split(',').map((p) => p.trim()).filter(Boolean));
  }
  for (const kind of ['enable', 'disable'] as const) {
    const unknown = lists[kind].find((p) => !KNOWN_PLUGINS.has(p));
    if (unknown) return { error: `${kind}-admission-plugins plugin "${unknown}" is unknown` };
  }
  const plugins = new Set([...DEFAULT_ENABLED, ...lists.enable]);
  for (const p of lists.disable) plugins.delete(p);
  return { plugins };
}

/** kube-apiserver's plugins when no manifest says otherwise (kubeadm's: NodeRestriction on top of the defaults). */
export const KUBEADM_PLUGINS: ReadonlySet<string> = new Set([...DEFAULT_ENABLED, 'NodeRestriction']);

/** Mutating admission of a new object, in the plugins' order (only what this fake carries out). */
export function admitCreate(plugins: ReadonlySet<string>, kind: string, obj: KubeObject): void {
  if (kind === 'Pod' && plugins.has('AlwaysPullImages')) {
    for (const key of ['initContainers', 'containers', 'ephemeralContainers']) {
      for (const c of (obj.spec?.[key] as Record<string, unknown>[] | undefined) ?? []) c.imagePullPolicy = 'Always';
    }
  }
}
