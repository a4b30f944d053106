/**
 * Kubernetes `kind: Status` objects, worded like the real API server
 * (k8s.io/apimachinery/pkg/api/errors).
 */
export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface KubeStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, unknown>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: { name?: string; group?: string; kind?: string; uid?: string; causes?: StatusCause[] };
  code: number;
}

/** An error that the HTTP layer turns into a Status response. */
export class StatusError extends Error {
  readonly status: KubeStatus;
  constructor(status: KubeStatus) {
    super(status.message ?? status.reason ?? 'error');
    this.status = status;
  }
}

/** What a resource is called in messages: `pods`, `deployments.apps`. */
export function qualifiedResource(resource: string, group: string): string {
  return group === '' ? resource : `${resource}.${group}`;
}

function failure(code: number, reason: string, message: string, details?: KubeStatus['details']): StatusError {
  const status: KubeStatus = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
  if (details) status.details = details;
  return new StatusError(status);
}

export function notFound(resource: string, group: string, name: string): StatusError {
  const details: KubeStatus['details'] = { name, kind: resource };
  if (group) details.group = group;
  return failure(404, 'NotFound', `${qualifiedResource(resource, group)} "${name}" not found`, details);
}

export function alreadyExists(resource: string, group: string, name: string): StatusError {
  const details: KubeStatus['details'] = { name, kind: resource };
  if (group) details.group = group;
  return failure(409, 'AlreadyExists', `${qualifiedResource(resource, group)} "${name}" already exists`, details);
}

export function conflict(resource: string, group: string, name: string, why: string): StatusError {
  const details: KubeStatus['details'] = { name, kind: resource };
  if (group) details.group = group;
  return failure(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedResource(resource, group)} "${name}": ${why}`,
    details,
  );
}

export function badRequest(message: string): StatusError {
  return failure(400, 'BadRequest', message);
}

/** 422 Invalid: `Pod "x" is invalid: spec.containers: Required value`. */
export function invalid(kind: string, group: string, name: string, causes: StatusCause[]): StatusError {
  const text = causes.map((c) => `${c.field}: ${c.message}`).join(', ');
  const details: KubeStatus['details'] = { name, kind, causes };
  if (group) details.group = group;
  const list = causes.length > 1 ? `[${text}]` : text;
  return failure(422, 'Invalid', `${kind} "${name}" is invalid: ${list}`, details);
}

/** 403 Forbidden from an admission plugin: `pods "x" is forbidden: <why>`. */
export function forbidden(resource: string, group: string, name: string, why: string): StatusError {
  const details: KubeStatus['details'] = { name, kind: resource };
  if (group) details.group = group;
  return failure(403, 'Forbidden', `${qualifiedResource(resource, group)} "${name}" is forbidden: ${why}`, details);
}

export function methodNotAllowed(): StatusError {
  return failure(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
}

export function unauthorized(): StatusError {
  return failure(401, 'Unauthorized', 'Unauthorized');
}

export function pathNotFound(): StatusError {
  return failure(404, 'NotFound', 'the server could not find the requested resource');
}

export function unsupportedMediaType(contentType: string): StatusError {
  return failure(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json (got ${contentType})`);
}

export function internal(message: string): StatusError {
  return failure(500, 'InternalError', `Internal error occurred: ${message}`);
}

/** `{"kind":"Status",...,"status":"Success"}` answered by DELETE. */
export function success(details?: KubeStatus['details']): KubeStatus {
  const s: KubeStatus = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 200 };
  if (details) s.details = details;
  return s;
}
