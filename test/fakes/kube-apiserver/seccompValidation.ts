/**
 * The API server's validation of seccompProfile fields (validateSeccompProfileField and
 * validateLocalDescendingPath in pkg/apis/core/validation): a known type, localhostProfile set
 * exactly when the type is Localhost, and then a relative path without `..`.
 */
import type { StatusCause } from './status.js';

const TYPES = ['Localhost', 'RuntimeDefault', 'Unconfined'];

function profileCauses(sp: unknown, at: string): StatusCause[] {
  if (sp === undefined || sp === null || typeof sp !== 'object') return [];
  const p = sp as { type?: unknown; localhostProfile?: unknown };
  const causes: StatusCause[] = [];
  const type = typeof p.type === 'string' ? p.type : '';
  if (type === '') causes.push({ reason: 'FieldValueRequired', field: `${at}.type`, message: 'Required value: type is required when seccompProfile is set' });
  else if (!TYPES.includes(type)) causes.push({ reason: 'FieldValueNotSupported', field: `${at}.type`, message: `Unsupported value: "${type}": supported values: "${TYPES.join('", "')}"` });
  const lp = p.localhostProfile;
  if (type === 'Localhost') {
    if (lp === undefined || lp === null) causes.push({ reason: 'FieldValueRequired', field: `${at}.localhostProfile`, message: 'Required value: must be set when seccomp type is Localhost' });
    else {
      const path = String(lp);
      if (path.startsWith('/')) causes.push({ reason: 'FieldValueInvalid', field: `${at}.localhostProfile`, message: `Invalid value: "${path}": must be a relative path` });
      if (path.split('/').includes('..')) causes.push({ reason: 'FieldValueInvalid', field: `${at}.localhostProfile`, message: `Invalid value: "${path}": must not contain '..'` });
    }
  } else if (lp !== undefined && lp !== null) {
    causes.push({ reason: 'FieldValueInvalid', field: `${at}.localhostProfile`, message: `Invalid value: ${JSON.stringify(sp)}: can only be set when seccomp type is Localhost` });
  }
  return causes;
}

/** Field errors of the pod's and every container's seccompProfile; `at` is the pod spec's path. */
export function seccompCauses(spec: Record<string, any>, at: string): StatusCause[] {
  const causes = profileCauses(spec.securityContext?.seccompProfile, `${at}.securityContext.seccompProfile`);
  for (const key of ['initContainers', 'containers', 'ephemeralContainers']) {
    ((spec[key] ?? []) as Record<string, any>[]).forEach((c, i) => causes.push(...profileCauses(c?.securityContext?.seccompProfile, `${at}.${key}[${i}].securityContext.seccompProfile`)));
  }
  return causes;
}

/** Where a kind keeps its pod template: [path of the template's metadata, the pod spec]. */
function podTemplate(kind: string, obj: Record<string, any>): [string, Record<string, any> | undefined, Record<string, any> | undefined] | undefined {
  if (kind === 'Pod') return ['metadata', obj.metadata, obj.spec];
  if (['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job', 'ReplicationController', 'PodTemplate'].includes(kind)) {
    const t = kind === 'PodTemplate' ? obj.template : obj.spec?.template;
    return [kind === 'PodTemplate' ? 'template.metadata' : 'spec.template.metadata', t?.metadata, t?.spec];
  }
  if (kind === 'CronJob') return ['spec.jobTemplate.spec.template.metadata', obj.spec?.jobTemplate?.spec?.template?.metadata, obj.spec?.jobTemplate?.spec?.template?.spec];
  return undefined;
}

/**
 * The API server's warnings for the seccomp annotations (pkg/api/pod/warnings.go): since v1.27 they
 * do nothing, and a pod or container that sets one without the field is told so. On update only
 * warnings the old object did not already earn are given, as GetWarningsForPod does.
 */
export function seccompAnnotationWarnings(kind: string, obj: Record<string, any>, old?: Record<string, any>): string[] {
  const list = (o: Record<string, any> | undefined): string[] => {
    const t = o ? podTemplate(kind, o) : undefined;
    if (!t) return [];
    const [at, meta, spec] = t;
    const annotations: Record<string, unknown> = meta?.annotations ?? {};
    const out: string[] = [];
    const warn = (key: string): number => out.push(`${at}.annotations[${key}]: non-functional in v1.27+; use the "seccompProfile" field instead`);
    if (!spec?.securityContext?.seccompProfile && 'seccomp.security.alpha.kubernetes.io/pod' in annotations) warn('seccomp.security.alpha.kubernetes.io/pod');
    for (const key of ['initContainers', 'containers', 'ephemeralContainers']) {
      for (const c of (spec?.[key] ?? []) as Record<string, any>[]) {
        const k = `container.seccomp.security.alpha.kubernetes.io/${String(c?.name)}`;
        if (!c?.securityContext?.seccompProfile && k in annotations) warn(k);
      }
    }
    return out;
  };
  const before = new Set(list(old));
  return list(obj).filter((w) => !before.has(w));
}
