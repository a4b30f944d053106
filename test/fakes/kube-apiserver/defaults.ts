/**
 * Defaulting and the few validations a learner meets first, as the real API server
 * applies them on create and update.
 */
import type { KubeObject } from './store.js';
import type { StatusCause } from './status.js';
import { seccompCauses } from './seccompValidation.js';

function defaultContainer(c: Record<string, any>): void {
  const image = String(c.image ?? '');
  const tag = image.includes('@') ? 'digest' : (image.split('/').pop() ?? '').split(':')[1];
  c.imagePullPolicy ??= tag === undefined || tag === 'latest' ? 'Always' : 'IfNotPresent';
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  c.resources ??= {};
}

/** PodSpec defaults (pods and pod templates). */
export function defaultPodSpec(spec: Record<string, any>): void {
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.securityContext ??= {};
  spec.schedulerName ??= 'default-scheduler';
  spec.enableServiceLinks ??= true;
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) defaultContainer(c);
  for (const v of spec.volumes ?? []) {
    if (v && typeof v === 'object' && Object.keys(v).length === 1) v.emptyDir = {};
  }
}

/** Applies defaults to a new object of `kind` in place. */
export function applyDefaults(kind: string, obj: KubeObject): void {
  switch (kind) {
    case 'Namespace':
      obj.metadata.labels = { ...(obj.metadata.labels ?? {}), 'kubernetes.io/metadata.name': obj.metadata.name };
      obj.spec = { finalizers: ['kubernetes'], ...(obj.spec ?? {}) };
      obj.status = { phase: 'Active' };
      break;
    case 'Pod':
      obj.spec ??= {};
      defaultPodSpec(obj.spec);
      obj.spec.serviceAccountName ??= obj.spec.serviceAccount ?? 'default';
      obj.spec.serviceAccount ??= obj.spec.serviceAccountName;
      obj.spec.priority ??= 0;
      obj.spec.preemptionPolicy ??= 'PreemptLowerPriority';
      obj.spec.tolerations ??= [
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      ];
      obj.status = { phase: 'Pending', qosClass: qosClass(obj.spec) };
      break;
    case 'Deployment':
    case 'DaemonSet':
      obj.spec ??= {};
      if (kind === 'Deployment') {
        obj.spec.replicas ??= 1;
        obj.spec.strategy ??= { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } };
        obj.spec.progressDeadlineSeconds ??= 600;
      } else {
        obj.spec.updateStrategy ??= { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } };
      }
      obj.spec.revisionHistoryLimit ??= 10;
      if (obj.spec.template?.spec) defaultPodSpec(obj.spec.template.spec);
      obj.status ??= {};
      break;
    case 'Secret':
      obj.type ??= 'Opaque';
      if (obj.stringData && typeof obj.stringData === 'object') {
        obj.data = { ...(obj.data ?? {}) };
        for (const [k, v] of Object.entries(obj.stringData)) obj.data[k] = Buffer.from(String(v)).toString('base64');
        delete obj.stringData;
      }
      break;
    case 'NetworkPolicy':
      // SetDefaults_NetworkPolicy: Ingress always, Egress when the policy has egress rules.
      obj.spec ??= {};
      if (!Array.isArray(obj.spec.policyTypes) || obj.spec.policyTypes.length === 0) {
        obj.spec.policyTypes = (obj.spec.egress ?? []).length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
      }
      break;
    case 'Ingress':
      obj.status ??= { loadBalancer: {} };
      break;
    case 'Service':
      obj.spec ??= {};
      obj.spec.type ??= 'ClusterIP';
      obj.spec.sessionAffinity ??= 'None';
      obj.status ??= { loadBalancer: {} };
      break;
    default:
      break;
  }
}

/** Guaranteed / Burstable / BestEffort from the containers' resources. */
export function qosClass(spec: Record<string, any>): string {
  const cs: Record<string, any>[] = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
  const any = cs.some((c) => Object.keys(c.resources?.requests ?? {}).length + Object.keys(c.resources?.limits ?? {}).length > 0);
  if (!any) return 'BestEffort';
  const guaranteed = cs.every((c) => {
    const l = c.resources?.limits ?? {};
    return l.cpu !== undefined && l.memory !== undefined;
  });
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

const DNS1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Field errors for a new or updated object (empty when valid). */
export function validate(kind: string, obj: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const name = String(obj.metadata.name ?? '');
  if (!DNS1123.test(name) || name.length > 253) {
    causes.push({ reason: 'FieldValueInvalid', field: 'metadata.name', message: `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')` });
  }
  if (kind === 'Pod') causes.push(...validatePodSpec(obj.spec ?? {}, 'spec'), ...seccompCauses(obj.spec ?? {}, 'spec'));
  if (kind === 'Deployment') causes.push(...seccompCauses(obj.spec?.template?.spec ?? {}, 'spec.template.spec'), ...restartPolicyCauses(obj.spec?.template?.spec ?? {}, 'spec.template.spec'));
  if (kind === 'RuntimeClass' && !obj.handler) causes.push({ reason: 'FieldValueRequired', field: 'handler', message: 'Required value' });
  if (kind === 'Secret' && obj.type === 'kubernetes.io/tls') {
    // ValidateSecret: a TLS Secret holds both keys (their content is not checked by the API server).
    for (const key of ['tls.crt', 'tls.key']) if (obj.data?.[key] === undefined) causes.push({ reason: 'FieldValueRequired', field: `data[${key}]`, message: 'Required value' });
  }
  if (kind === 'Ingress') {
    ((obj.spec?.rules ?? []) as Record<string, any>[]).forEach((r, i) =>
      ((r.http?.paths ?? []) as Record<string, any>[]).forEach((p, j) => {
        if (!p.pathType) causes.push({ reason: 'FieldValueRequired', field: `spec.rules[${i}].http.paths[${j}].pathType`, message: 'Required value: pathType must be specified' });
      }),
    );
  }
  return causes;
}

function validatePodSpec(spec: Record<string, any>, at: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const containers: Record<string, any>[] = spec.containers ?? [];
  if (containers.length === 0) causes.push({ reason: 'FieldValueRequired', field: `${at}.containers`, message: 'Required value' });
  const volumes = new Set((spec.volumes ?? []).map((v: Record<string, any>) => v.name));
  const check = (list: Record<string, any>[], field: string): void =>
    list.forEach((c, i) => {
      if (!c.name) causes.push({ reason: 'FieldValueRequired', field: `${at}.${field}[${i}].name`, message: 'Required value' });
      if (!c.image) causes.push({ reason: 'FieldValueRequired', field: `${at}.${field}[${i}].image`, message: 'Required value' });
      (c.volumeMounts ?? []).forEach((m: Record<string, any>, j: number) => {
        if (!volumes.has(m.name)) causes.push({ reason: 'FieldValueNotFound', field: `${at}.${field}[${i}].volumeMounts[${j}].name`, message: `Not found: "${m.name}"` });
      });
    });
  check(spec.initContainers ?? [], 'initContainers');
  check(containers, 'containers');
  causes.push(...restartPolicyCauses(spec, at));
  return causes;
}

/** Container restartPolicy (v1.34): only Always, and only on init containers (native sidecars). */
function restartPolicyCauses(spec: Record<string, any>, at: string): StatusCause[] {
  const causes: StatusCause[] = [];
  ((spec.initContainers ?? []) as Record<string, any>[]).forEach((c, i) => {
    if (c?.restartPolicy !== undefined && c.restartPolicy !== 'Always') {
      causes.push({ reason: 'FieldValueNotSupported', field: `${at}.initContainers[${i}].restartPolicy`, message: `Unsupported value: "${String(c.restartPolicy)}": supported values: "Always"` });
    }
  });
  ((spec.containers ?? []) as Record<string, any>[]).forEach((c, i) => {
    if (c?.restartPolicy !== undefined) causes.push({ reason: 'FieldValueForbidden', field: `${at}.containers[${i}].restartPolicy`, message: 'Forbidden: may not be set for non-init containers' });
  });
  return causes;
}
