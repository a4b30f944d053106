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
