/**
 * Known field names per kind, enough for strict decoding (fieldValidation=Strict)
 * to reject unknown fields with the real wording, and for Warn/Ignore to drop them.
 * `ANY` marks a subtree this fake does not check.
 */
export type Shape = { any: true } | { fields: Record<string, Shape> } | { list: Shape } | { map: Shape };

const ANY: Shape = { any: true };
const obj = (fields: Record<string, Shape>): Shape => ({ fields });
const listOf = (s: Shape): Shape => ({ list: s });
const mapOf = (s: Shape): Shape => ({ map: s });
const names = (...ns: string[]): Record<string, Shape> => Object.fromEntries(ns.map((n) => [n, ANY]));

const objectMeta = obj({
  ...names('name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'ownerReferences', 'finalizers', 'managedFields'),
  labels: mapOf(ANY),
  annotations: mapOf(ANY),
});

const volumeMount = obj(names('name', 'readOnly', 'recursiveReadOnly', 'mountPath', 'subPath', 'mountPropagation', 'subPathExpr'));

const container = obj({
  ...names('name', 'image', 'command', 'args', 'workingDir', 'ports', 'envFrom', 'env', 'resources', 'resizePolicy', 'restartPolicy', 'volumeDevices', 'livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle', 'terminationMessagePath', 'terminationMessagePolicy', 'imagePullPolicy', 'securityContext', 'stdin', 'stdinOnce', 'tty'),
  volumeMounts: listOf(volumeMount),
});

const volume = obj(
  names('name', 'hostPath', 'emptyDir', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'secret', 'nfs', 'iscsi', 'glusterfs', 'persistentVolumeClaim', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'downwardAPI', 'fc', 'azureFile', 'configMap', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'projected', 'portworxVolume', 'scaleIO', 'storageos', 'csi', 'ephemeral', 'image'),
);

const podSpec = obj({
  ...names('restartPolicy', 'terminationGracePeriodSeconds', 'activeDeadlineSeconds', 'dnsPolicy', 'nodeSelector', 'serviceAccountName', 'serviceAccount', 'automountServiceAccountToken', 'nodeName', 'hostNetwork', 'hostPID', 'hostIPC', 'shareProcessNamespace', 'securityContext', 'imagePullSecrets', 'hostname', 'subdomain', 'affinity', 'schedulerName', 'tolerations', 'hostAliases', 'priorityClassName', 'priority', 'dnsConfig', 'readinessGates', 'runtimeClassName', 'enableServiceLinks', 'preemptionPolicy', 'overhead', 'topologySpreadConstraints', 'setHostnameAsFQDN', 'os', 'hostUsers', 'schedulingGates', 'resourceClaims', 'resources'),
  volumes: listOf(volume),
  initContainers: listOf(container),
  containers: listOf(container),
  ephemeralContainers: listOf(container),
});

const podTemplate = obj({ metadata: objectMeta, spec: podSpec });
const base = { apiVersion: ANY, kind: ANY, metadata: objectMeta };

export const SHAPES: Record<string, Shape> = {
  Pod: obj({ ...base, spec: podSpec, status: ANY }),
  Deployment: obj({ ...base, spec: obj({ ...names('replicas', 'selector', 'strategy', 'minReadySeconds', 'revisionHistoryLimit', 'paused', 'progressDeadlineSeconds'), template: podTemplate }), status: ANY }),
  DaemonSet: obj({ ...base, spec: obj({ ...names('selector', 'updateStrategy', 'minReadySeconds', 'revisionHistoryLimit'), template: podTemplate }), status: ANY }),
  Namespace: obj({ ...base, spec: obj(names('finalizers')), status: ANY }),
  Secret: obj({ ...base, ...names('immutable', 'data', 'stringData', 'type') }),
  ConfigMap: obj({ ...base, ...names('immutable', 'data', 'binaryData') }),
  ServiceAccount: obj({ ...base, ...names('secrets', 'imagePullSecrets', 'automountServiceAccountToken') }),
  Service: obj({ ...base, spec: ANY, status: ANY }),
  Node: obj({ ...base, spec: ANY, status: ANY }),
  Event: obj({ ...base, ...names('involvedObject', 'reason', 'message', 'source', 'firstTimestamp', 'lastTimestamp', 'count', 'type', 'eventTime', 'series', 'action', 'related', 'reportingComponent', 'reportingInstance') }),
  RuntimeClass: obj({ ...base, ...names('handler', 'overhead', 'scheduling') }),
  Role: obj({ ...base, ...names('rules') }),
  ClusterRole: obj({ ...base, ...names('rules', 'aggregationRule') }),
  RoleBinding: obj({ ...base, ...names('subjects', 'roleRef') }),
  ClusterRoleBinding: obj({ ...base, ...names('subjects', 'roleRef') }),
  NetworkPolicy: obj({ ...base, spec: obj(names('podSelector', 'ingress', 'egress', 'policyTypes')) }),
  Ingress: obj({ ...base, spec: obj(names('ingressClassName', 'defaultBackend', 'tls', 'rules')), status: ANY }),
  IngressClass: obj({ ...base, spec: obj(names('controller', 'parameters')) }),
};

/**
 * Paths of fields the shape does not know (`spec.initContainers[0].volumes`), in document order.
 * With `prune`, the unknown fields are removed from `value` as the real decoder drops them.
 */
export function unknownFields(value: unknown, shape: Shape, prune: boolean, path = ''): string[] {
  if ('any' in shape || value === null || typeof value !== 'object') return [];
  const out: string[] = [];
  if ('list' in shape) {
    if (!Array.isArray(value)) return [];
    value.forEach((v, i) => out.push(...unknownFields(v, shape.list, prune, `${path}[${i}]`)));
    return out;
  }
  if (Array.isArray(value)) return [];
  const rec = value as Record<string, unknown>;
  for (const key of Object.keys(rec)) {
    const childPath = path === '' ? key : `${path}.${key}`;
    const child = 'map' in shape ? shape.map : shape.fields[key];
    if (child === undefined) {
      out.push(childPath);
      if (prune) delete rec[key];
      continue;
    }
    out.push(...unknownFields(rec[key], child, prune, childPath));
  }
  return out;
}
