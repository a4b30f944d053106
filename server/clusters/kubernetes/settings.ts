/**
 * The `kubernetes` provider's settings from the environment (CKS_PROVIDER=kubernetes):
 * CKS_K8S_NAMESPACE (default: the platform pod's own namespace), CKS_K8S_LAB_POD_IMAGE (required,
 * pinned by digest), CKS_K8S_NODE_SELECTOR, CKS_K8S_TOLERATIONS, CKS_K8S_POOL_CAPABILITIES,
 * CKS_K8S_IMAGE_REGISTRY, CKS_K8S_REGISTRY_MIRROR, CKS_K8S_KUBECONFIG (outside a cluster), memory/CPU per kind node.
 */
import { existsSync, readFileSync } from 'node:fs';
import { AppError } from '../../errors.js';
import { NAME_PATTERN } from '../../process/index.js';
import { parseNodeSelector, parseTolerations, type LabPodSettings } from './labPod.js';
import { HOST_CAPABILITIES } from '../types.js';

/** Where a pod finds its own namespace (the ServiceAccount volume). */
export const IN_CLUSTER_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

export interface KubernetesProviderConfig {
  settings: LabPodSettings;
  /** The operator's kubeconfig when the platform runs outside the cluster; else in-cluster credentials. */
  kubeconfig?: string;
}

/** What CKS_K8S_POOL_CAPABILITIES may declare: every host capability but rootful (lab pods are privileged). */
const CAPABILITIES: readonly string[] = HOST_CAPABILITIES.filter((c) => c !== 'rootful');
const IMAGE = /^[a-z0-9][a-z0-9._\-/:]{0,200}(@sha256:[0-9a-f]{64})?$/;

export function kubernetesSettings(env: NodeJS.ProcessEnv, clusterMemoryMiB: number, namespaceFile = IN_CLUSTER_NAMESPACE_FILE): KubernetesProviderConfig {
  const namespace = env.CKS_K8S_NAMESPACE || (existsSync(namespaceFile) ? readFileSync(namespaceFile, 'utf8').trim() : '');
  if (!namespace) throw new AppError('bad_request', 'CKS_K8S_NAMESPACE must name the namespace lab pods run in (inside a cluster it defaults to the platform pod\'s own namespace).', { field: 'namespace' });
  if (!NAME_PATTERN.test(namespace)) throw new AppError('bad_request', `CKS_K8S_NAMESPACE must be a lowercase DNS label of at most 41 characters (got "${namespace.slice(0, 60)}")`, { field: 'namespace' });
  const image = env.CKS_K8S_LAB_POD_IMAGE ?? '';
  if (!IMAGE.test(image)) {
    throw new AppError('bad_request', 'CKS_K8S_LAB_POD_IMAGE must name the lab pod image (Docker-in-Docker with kind, built from deploy/kubernetes/lab-pod/, pushed to your registry, pinned by digest: registry.example.com/cks-lab/lab-pod@sha256:…).', { field: 'labPodImage' });
  }
  const capabilities = (env.CKS_K8S_POOL_CAPABILITIES ?? '').split(',').map((c) => c.trim()).filter(Boolean);
  const unknown = capabilities.filter((c) => !CAPABILITIES.includes(c));
  if (unknown.length) throw new AppError('bad_request', `CKS_K8S_POOL_CAPABILITIES knows ${CAPABILITIES.join(', ')} (got "${unknown.join(', ')}")`, { field: 'poolCapabilities' });
  const cpu = Number(env.CKS_K8S_NODE_CPU_MILLIS ?? 500);
  if (!Number.isInteger(cpu) || cpu < 100) throw new AppError('bad_request', `CKS_K8S_NODE_CPU_MILLIS must be a whole number of millicores, at least 100 (got "${env.CKS_K8S_NODE_CPU_MILLIS}")`, { field: 'nodeCpuMillis' });
  const mirror = env.CKS_K8S_REGISTRY_MIRROR?.trim();
  if (mirror && !/^https?:\/\/[a-z0-9][a-z0-9.\-]{0,200}(:\d{1,5})?\/?$/.test(mirror)) {
    throw new AppError('bad_request', `CKS_K8S_REGISTRY_MIRROR must be a mirror's URL, like https://mirror.example.com:5000 (got "${mirror.slice(0, 80)}")`, { field: 'registryMirror' });
  }
  const registry = env.CKS_K8S_IMAGE_REGISTRY?.trim();
  if (registry && !/^[a-z0-9][a-z0-9.\-:/]{0,200}$/.test(registry)) throw new AppError('bad_request', `CKS_K8S_IMAGE_REGISTRY must be a registry host with an optional path (got "${registry.slice(0, 80)}")`, { field: 'imageRegistry' });
  return {
    settings: {
      namespace,
      image,
      nodeMemoryMiB: clusterMemoryMiB,
      nodeCpuMillis: cpu,
      nodeSelector: parseNodeSelector(env.CKS_K8S_NODE_SELECTOR),
      tolerations: parseTolerations(env.CKS_K8S_TOLERATIONS),
      poolCapabilities: capabilities,
      ...(registry ? { imageRegistry: registry } : {}),
      ...(mirror ? { registryMirror: mirror } : {}),
      ...(env.CKS_K8S_POD_WORK_DIR ? { workDir: env.CKS_K8S_POD_WORK_DIR } : {}),
    },
    ...(env.CKS_K8S_KUBECONFIG ? { kubeconfig: env.CKS_K8S_KUBECONFIG } : {}),
  };
}
