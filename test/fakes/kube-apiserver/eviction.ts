/**
 * The Eviction subresource (POST /api/v1/namespaces/<ns>/pods/<name>/eviction, policy/v1 Eviction)
 * as `kubectl drain` uses it: the body's name must be the pod's, the pod must exist, and an
 * admitted eviction deletes the pod (with the eviction's deleteOptions) and answers 201 with a
 * Success Status. Simplified: no PodDisruptionBudgets exist in the fake, so none can refuse (429).
 */
import type { ApiAnswer, ResourceApi, ResourceRequest } from './api.js';
import { badRequest, methodNotAllowed } from './status.js';

/** Answers an eviction request; undefined for any other request. */
export function handleEviction(api: ResourceApi, req: ResourceRequest): ApiAnswer | undefined {
  if (req.rt.resource !== 'pods' || req.rt.group !== '' || req.subresource !== 'eviction') return undefined;
  if (req.method !== 'POST' || req.name === undefined) throw methodNotAllowed();
  let body: Record<string, any>;
  try {
    body = JSON.parse(req.body.toString('utf8') || '{}') as Record<string, any>;
  } catch (e) {
    throw badRequest(`the body of the request was in an unknown format: ${(e as Error).message}`);
  }
  if (body.kind !== undefined && body.kind !== 'Eviction') throw badRequest(`converting (${String(body.apiVersion)}, Kind=${String(body.kind)}) to (policy/v1, Kind=Eviction): unknown conversion`);
  if (!/^policy\/v1(beta1)?$/.test(String(body.apiVersion ?? 'policy/v1'))) throw badRequest(`no kind "Eviction" is registered for version "${String(body.apiVersion)}"`);
  if (body.metadata?.name !== req.name) throw badRequest('name in URL does not match name in Eviction object');
  const pod = api.mustGet(req.rt, req.namespace ?? '', req.name); // 404 pods "x" not found
  const options = body.deleteOptions && typeof body.deleteOptions === 'object' ? body.deleteOptions : {};
  if (options.preconditions?.uid !== undefined && options.preconditions.uid !== pod.metadata.uid) {
    throw badRequest(`Precondition failed: UID in precondition: ${String(options.preconditions.uid)}, UID in object meta: ${String(pod.metadata.uid)}`);
  }
  api.handle({ ...req, method: 'DELETE', body: Buffer.from(JSON.stringify({ kind: 'DeleteOptions', apiVersion: 'v1', ...options })), contentType: 'application/json', subresource: undefined } as unknown as ResourceRequest);
  return { code: 201, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 }, warnings: [] };
}
