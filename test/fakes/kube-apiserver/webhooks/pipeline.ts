/**
 * Runs a write through the admission webhooks where kube-apiserver runs them, although the REST
 * handler (api.ts) is synchronous and a webhook is an HTTPS call: the request is first run as a
 * dry run that stops at the mutating-webhook point (after the built-in mutating plugins) to capture
 * the object admission sees; the mutating webhooks are called; a second dry run puts their result
 * in and stops at the validating-webhook point (after PodSecurity and ValidatingAdmissionPolicy,
 * before ResourceQuota) to capture the final object; the validating webhooks are called; the real
 * pass then applies the mutated object. Errors before a point are the answer, as they would be.
 * Writes of a resource no configuration exists for go straight through.
 */
import YAML from 'yaml';
import type { ApiAnswer, ResourceRequest } from '../api.js';
import type { KubeObject } from '../store.js';
import type { AdmissionAttributes, AdmissionWebhooks } from './dispatcher.js';

class Captured {
  constructor(
    readonly object: KubeObject,
    readonly old: KubeObject | undefined,
  ) {}
}

const replaceWith = (target: KubeObject, source: KubeObject): void => {
  for (const k of Object.keys(target)) delete target[k];
  Object.assign(target, structuredClone(source));
};

/** Whether the create request's body names its object (else the API server generates the name from generateName). */
function bodyHasName(request: ResourceRequest): boolean {
  try {
    const text = request.body.toString('utf8');
    const o = (request.contentType.includes('yaml') ? YAML.parse(text) : JSON.parse(text)) as { metadata?: { name?: unknown } } | null;
    return typeof o?.metadata?.name === 'string' && o.metadata.name !== '';
  } catch {
    return true;
  }
}

/** Who is asking, as AdmissionReview.request.userInfo. */
export interface Requester {
  user: string;
  groups: string[];
}

/** Runs `request` through `run` with the webhooks called at their points (see the module doc). */
export async function withAdmissionWebhooks(
  webhooks: AdmissionWebhooks | undefined,
  who: Requester,
  request: ResourceRequest,
  run: (r: ResourceRequest) => Promise<ApiAnswer>,
): Promise<ApiAnswer> {
  const write = ['POST', 'PUT', 'PATCH'].includes(request.method) && request.subresource === undefined;
  if (!webhooks || !write || !webhooks.any()) return run(request);
  const dry = new URLSearchParams(request.query);
  dry.set('dryRun', 'All');
  const capture = async (r: ResourceRequest): Promise<Captured | ApiAnswer> => {
    try {
      return await run(r);
    } catch (e) {
      if (e instanceof Captured) return e;
      throw e;
    }
  };
  const first = await capture({
    ...request,
    query: dry,
    webhooks: {
      mutate: (obj, old) => {
        throw new Captured(structuredClone(obj), old && structuredClone(old));
      },
    },
  });
  if (!(first instanceof Captured)) return run(request);
  const attrs = (object: KubeObject, old: KubeObject | undefined): AdmissionAttributes => ({
    operation: old ? 'UPDATE' : 'CREATE',
    rt: request.rt,
    namespace: request.rt.namespaced ? String(object.metadata.namespace ?? request.namespace ?? '') : '',
    name: String(object.metadata.name ?? ''),
    subresource: request.subresource ?? '',
    object,
    oldObject: old,
    dryRun: request.query.get('dryRun') === 'All',
    userInfo: { username: who.user, groups: who.groups },
  });
  // Mutating admission runs before the registry generates a name from generateName (validating
  // admission runs after it): mutating webhooks see no name, as on a real API server.
  const generated = !first.old && !bodyHasName(request) ? String(first.object.metadata.name ?? '') : undefined;
  const seen = structuredClone(first.object);
  if (generated !== undefined) delete seen.metadata.name;
  if (!webhooks.matches(attrs(first.object, first.old))) return run(request); // no webhook for this write
  const mutated = await webhooks.mutate(attrs(seen, first.old));
  if (generated !== undefined) mutated.object.metadata = { ...mutated.object.metadata, name: generated };
  const second = await capture({
    ...request,
    query: dry,
    webhooks: {
      mutate: (obj) => replaceWith(obj, mutated.object),
      validate: (obj, old) => {
        throw new Captured(structuredClone(obj), old && structuredClone(old));
      },
    },
  });
  if (!(second instanceof Captured)) return second;
  const warnings = [...mutated.warnings, ...(await webhooks.validate(attrs(second.object, second.old)))];
  const answer = await run({ ...request, webhooks: { mutate: (obj) => replaceWith(obj, mutated.object) } });
  return { ...answer, warnings: [...answer.warnings, ...warnings] };
}
