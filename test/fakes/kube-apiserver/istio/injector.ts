/**
 * The sidecar istiod 1.30 injects into a Pod (manifests/charts/istio-control/istio-discovery/files/
 * injection-template.yaml, default values, native sidecars on, as on Kubernetes ≥ 1.33): the
 * istio-init init container (`pilot-agent istio-iptables …`, NET_ADMIN/NET_RAW as root), then
 * istio-proxy as a native sidecar (an init container with restartPolicy Always, `pilot-agent proxy
 * sidecar …`, uid 1337), their volumes, and the labels and annotations the template sets. The
 * answer is a JSONPatch against the object the webhook received.
 * Shortened: the proxy's env is the part that names the pod (the real template sets ~25 more), no
 * startupProbe/lifecycle, no resources; per-pod annotations (proxyImage, interceptionMode, port
 * includes/excludes, nativeSidecar=false) are not read.
 */
import type { KubeObject } from '../store.js';

type Obj = Record<string, any>;

export interface InjectOptions {
  /** docker.io/istio/proxyv2:<version> */
  proxyImage: string;
  revision: string;
}

const fieldEnv = (name: string, fieldPath: string): Obj => ({ name, valueFrom: { fieldRef: { fieldPath } } });

/** Why the injector leaves a pod alone (its own policy, before the template), or undefined. */
export function skipReason(pod: Obj): string | undefined {
  const a = (pod.metadata?.annotations ?? {}) as Record<string, string>;
  const l = (pod.metadata?.labels ?? {}) as Record<string, string>;
  if (a['sidecar.istio.io/status']) return 'already injected';
  if (pod.spec?.hostNetwork === true) return 'hostNetwork';
  const inject = l['sidecar.istio.io/inject'] ?? a['sidecar.istio.io/inject'];
  if (inject !== undefined && ['false', 'n', 'no', 'off'].includes(inject.toLowerCase())) return 'disabled by sidecar.istio.io/inject';
  return undefined;
}

/** The JSONPatch that injects the sidecar into `pod`. */
export function injectionPatch(pod: Obj, opts: InjectOptions): Obj[] {
  const meta = (pod.metadata ?? {}) as Obj;
  const labels = { ...((meta.labels ?? {}) as Record<string, string>) };
  const annotations = { ...((meta.annotations ?? {}) as Record<string, string>) };
  const apps = ((pod.spec?.containers ?? []) as Obj[]).filter((c) => c.name !== 'istio-proxy');
  const generate = String(meta.generateName ?? '');
  // DeploymentMeta.Name: the workload behind a ReplicaSet's pod (generateName minus the hash).
  const workload = generate.replace(/-[a-z0-9]{5,10}-$/, '').replace(/-$/, '') || String(meta.name ?? '');
  labels['security.istio.io/tlsMode'] ??= 'istio';
  labels['service.istio.io/canonical-name'] ??= (labels['app.kubernetes.io/name'] ?? labels.app ?? workload).slice(0, 63).replace(/-+$/, '');
  labels['service.istio.io/canonical-revision'] ??= labels['app.kubernetes.io/version'] ?? labels.version ?? 'latest';
  annotations['istio.io/rev'] = opts.revision;
  if (apps[0]) {
    annotations['kubectl.kubernetes.io/default-logs-container'] ??= String(apps[0].name);
    annotations['kubectl.kubernetes.io/default-container'] ??= String(apps[0].name);
  }
  annotations['prometheus.io/path'] ??= '/stats/prometheus';
  annotations['prometheus.io/port'] ??= '15020';
  annotations['prometheus.io/scrape'] ??= 'true';
  const volumes: Obj[] = [
    { name: 'workload-socket', emptyDir: {} },
    { name: 'credential-socket', emptyDir: {} },
    { name: 'workload-certs', emptyDir: {} },
    { name: 'istio-envoy', emptyDir: { medium: 'Memory' } },
    { name: 'istio-data', emptyDir: {} },
    { name: 'istio-podinfo', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }, { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } }] } },
    { name: 'istio-token', projected: { sources: [{ serviceAccountToken: { audience: 'istio-ca', expirationSeconds: 43200, path: 'istio-token' } }] } },
    { name: 'istiod-ca-cert', configMap: { name: 'istio-ca-root-cert' } },
  ];
  annotations['sidecar.istio.io/status'] = JSON.stringify({
    initContainers: ['istio-init', 'istio-proxy'],
    containers: null,
    volumes: volumes.map((v) => v.name),
    imagePullSecrets: null,
    revision: opts.revision,
  });
  const init: Obj = {
    name: 'istio-init',
    image: opts.proxyImage,
    args: ['istio-iptables', '-p', '15001', '-z', '15006', '-u', '1337', '-m', 'REDIRECT', '-i', '*', '-x', '', '-b', '*', '-d', '15090,15021,15020', '--log_output_level=default:info'],
    securityContext: {
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] },
      readOnlyRootFilesystem: false,
      runAsGroup: 0,
      runAsNonRoot: false,
      runAsUser: 0,
    },
  };
  const proxy: Obj = {
    name: 'istio-proxy',
    image: opts.proxyImage,
    restartPolicy: 'Always',
    ports: [{ containerPort: 15090, protocol: 'TCP', name: 'http-envoy-prom' }],
    args: ['proxy', 'sidecar', '--domain', '$(POD_NAMESPACE).svc.cluster.local', '--proxyLogLevel=warning', '--proxyComponentLogLevel=misc:error', '--log_output_level=default:info'],
    env: [
      { name: 'PILOT_CERT_PROVIDER', value: 'istiod' },
      { name: 'CA_ADDR', value: 'istiod.istio-system.svc:15012' },
      fieldEnv('POD_NAME', 'metadata.name'),
      fieldEnv('POD_NAMESPACE', 'metadata.namespace'),
      fieldEnv('INSTANCE_IP', 'status.podIP'),
      fieldEnv('SERVICE_ACCOUNT', 'spec.serviceAccountName'),
      fieldEnv('HOST_IP', 'status.hostIP'),
      { name: 'ISTIO_META_WORKLOAD_NAME', value: workload },
      { name: 'ISTIO_META_MESH_ID', value: 'cluster.local' },
      { name: 'TRUST_DOMAIN', value: 'cluster.local' },
    ],
    readinessProbe: { httpGet: { path: '/healthz/ready', port: 15021 }, initialDelaySeconds: 0, periodSeconds: 15, timeoutSeconds: 3, failureThreshold: 4 },
    securityContext: {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsGroup: 1337,
      runAsNonRoot: true,
      runAsUser: 1337,
    },
    volumeMounts: [
      { name: 'workload-socket', mountPath: '/var/run/secrets/workload-spiffe-uds' },
      { name: 'credential-socket', mountPath: '/var/run/secrets/credential-uds' },
      { name: 'workload-certs', mountPath: '/var/run/secrets/workload-spiffe-credentials' },
      { name: 'istiod-ca-cert', mountPath: '/var/run/secrets/istio' },
      { name: 'istio-data', mountPath: '/var/lib/istio/data' },
      { name: 'istio-envoy', mountPath: '/etc/istio/proxy' },
      { name: 'istio-token', mountPath: '/var/run/secrets/tokens' },
      { name: 'istio-podinfo', mountPath: '/etc/istio/pod' },
    ],
  };
  const inits = [init, proxy, ...((pod.spec?.initContainers ?? []) as Obj[]).filter((c) => c.name !== 'istio-init' && c.name !== 'istio-proxy')];
  return [
    { op: 'add', path: '/metadata/labels', value: labels },
    { op: 'add', path: '/metadata/annotations', value: annotations },
    { op: 'add', path: '/spec/initContainers', value: inits },
    { op: 'add', path: '/spec/volumes', value: [...((pod.spec?.volumes ?? []) as Obj[]), ...volumes] },
  ];
}

/** The pod's Envoy sidecar is up: an istio-proxy container (native or classic) in state running. */
export function hasRunningSidecar(pod: KubeObject): boolean {
  const statuses = [...((pod.status?.initContainerStatuses ?? []) as Obj[]), ...((pod.status?.containerStatuses ?? []) as Obj[])];
  return statuses.some((s) => s.name === 'istio-proxy' && s.state?.running !== undefined && /(^|\/)istio\/proxyv2(:|@|$)/.test(String(s.image ?? '')));
}
