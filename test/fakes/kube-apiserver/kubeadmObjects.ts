/**
 * What `kubeadm init` leaves in the API of a kind cluster that kubeadm's later commands read: the
 * kube-system/kubeadm-config ConfigMap (the ClusterConfiguration from /kind/kubeadm.conf, with its
 * kubernetesVersion), kubelet-config, the kube-proxy DaemonSet (addon), and the RBAC rules that let
 * nodes read both ConfigMaps (`kubeadm upgrade node` on a worker reads them with the kubelet's
 * credentials). Created once, when missing; `kubeadm upgrade apply` updates them through the API.
 * Simplified: no DaemonSet controller runs, so kube-proxy has no pods here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResourceApi } from './api.js';
import { findResource } from './resources.js';
import type { ObjectStore } from './store.js';
import type { KubeObject } from './store.js';

const NODE_GROUPS = ['system:bootstrappers:kubeadm:default-node-token', 'system:nodes'];

/** The ClusterConfiguration document of kind's /kind/kubeadm.conf (kubernetesVersion as given), or null. */
function clusterConfiguration(nodeRoot: string): string | null {
  let text: string;
  try {
    text = readFileSync(join(nodeRoot, 'kind/kubeadm.conf'), 'utf8');
  } catch {
    return null;
  }
  const doc = text.split(/^---$/m).find((d) => /^kind:\s*ClusterConfiguration\s*$/m.test(d));
  return doc ? `${doc.trim()}\n` : null;
}

function role(name: string, configMap: string): KubeObject[] {
  return [
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name, namespace: 'kube-system' }, rules: [{ apiGroups: [''], resources: ['configmaps'], resourceNames: [configMap], verbs: ['get'] }] },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name, namespace: 'kube-system' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name }, subjects: NODE_GROUPS.map((g) => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: g })) },
  ] as unknown as KubeObject[];
}

/** Creates kubeadm's objects for the control plane whose files are under `nodeRoot`, when missing. */
export function seedKubeadmObjects(api: ResourceApi, store: ObjectStore, nodeRoot: string): void {
  const config = clusterConfiguration(nodeRoot);
  if (config === null) return;
  const version = /^kubernetesVersion:\s*(\S+)/m.exec(config)?.[1] ?? 'v1.34.0';
  const configMaps = findResource('', 'v1', 'configmaps')!;
  const objects: [ReturnType<typeof findResource>, KubeObject][] = [
    [configMaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kubeadm-config', namespace: 'kube-system' }, data: { ClusterConfiguration: config } } as unknown as KubeObject],
    [configMaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kubelet-config', namespace: 'kube-system' }, data: { kubelet: 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: systemd\n' } } as unknown as KubeObject],
    ...role('kubeadm:nodes-kubeadm-config', 'kubeadm-config').map((o) => [findResource('rbac.authorization.k8s.io', 'v1', o.kind === 'Role' ? 'roles' : 'rolebindings'), o] as [ReturnType<typeof findResource>, KubeObject]),
    ...role('kubeadm:kubelet-config', 'kubelet-config').map((o) => [findResource('rbac.authorization.k8s.io', 'v1', o.kind === 'Role' ? 'roles' : 'rolebindings'), o] as [ReturnType<typeof findResource>, KubeObject]),
    [findResource('apps', 'v1', 'daemonsets'), kubeProxy(version)],
  ];
  for (const [rt, obj] of objects) {
    if (!rt || store.get(rt, 'kube-system', obj.metadata.name)) continue;
    // RBAC names with a colon (kubeadm:…) are valid in Kubernetes; store them as bootstrapPolicy does.
    if (rt.group === 'rbac.authorization.k8s.io') store.create(rt, obj);
    else api.createObject(rt, obj);
  }
}

function kubeProxy(version: string): KubeObject {
  const labels = { 'k8s-app': 'kube-proxy' };
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'kube-proxy', namespace: 'kube-system', labels },
    spec: {
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [{ name: 'kube-proxy', image: `registry.k8s.io/kube-proxy:${version}`, command: ['/usr/local/bin/kube-proxy', '--config=/var/lib/kube-proxy/config.conf', '--hostname-override=$(NODE_NAME)'], securityContext: { privileged: true } }],
          hostNetwork: true,
          priorityClassName: 'system-node-critical',
          serviceAccountName: 'kube-proxy',
          tolerations: [{ operator: 'Exists' }],
        },
      },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
    },
  } as unknown as KubeObject;
}
