/**
 * Maps a URL path to a resource request: `/api/v1/namespaces/ns/pods/web/exec`,
 * `/apis/apps/v1/deployments`, `/api/v1/nodes/x`.
 */
import { findResource, type ResourceType } from './resources.js';

export interface ResourcePath {
  rt: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
}

/** Undefined when the path is not a served resource path; `lookup` finds the types (custom resources: crd/registry.ts). */
export function parseResourcePath(pathname: string, lookup: (group: string, version: string, resource: string) => ResourceType | undefined = findResource): ResourcePath | undefined {
  const parts = pathname.split('/').filter((p) => p !== '').map(decodeURIComponent);
  let group: string, version: string, rest: string[];
  if (parts[0] === 'api' && parts.length >= 3) {
    group = '';
    version = parts[1]!;
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1]!;
    version = parts[2]!;
    rest = parts.slice(3);
  } else return undefined;
  let namespace: string | undefined;
  // `namespaces/<ns>/<resource>…` unless it is the namespace object itself (`namespaces/<ns>[/status]`).
  if (rest[0] === 'namespaces' && rest.length >= 3 && !['status', 'finalize'].includes(rest[2]!)) {
    namespace = rest[1]!;
    rest = rest.slice(2);
  }
  const rt = lookup(group, version, rest[0]!);
  if (!rt || rest.length > 3) return undefined;
  if (namespace !== undefined && !rt.namespaced) return undefined;
  const out: ResourcePath = { rt };
  if (namespace !== undefined) out.namespace = namespace;
  if (rest[1] !== undefined) out.name = rest[1];
  if (rest[2] !== undefined) {
    if (!(rt.subresources ?? []).includes(rest[2])) return undefined;
    out.subresource = rest[2];
  }
  return out;
}
