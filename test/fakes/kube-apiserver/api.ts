/**
 * The generic REST storage semantics of the API server for every served resource:
 * get, list, create, update, patch, delete, with the real error Statuses.
 */
import { admitCreate } from './admission.js';
import { admitPodSecurity, namespaceLabelWarnings } from './podSecurity.js';
import { admitPolicies, validatePolicyObject } from './validatingAdmissionPolicy.js';
import { randomBytes } from 'node:crypto';
import YAML from 'yaml';
import { applyDefaults, validate } from './defaults.js';
import { jsonPatch, mergePatch, strategicMerge } from './patch.js';
import { findKind, findResource, groupVersion, type ResourceType } from './resources.js';
import { SHAPES, unknownFields } from './schema.js';
import { admitServiceAccount } from './serviceAccountAdmission.js';
import { admitLimitRanger, defaultLimitRange } from './limitRanger.js';
import { admitResourceQuota } from './resourceQuota.js';
import { defaultServiceNetworking } from './network/services.js';
import { serviceNodePorts } from './kubernetesService.js';
import { selectorFilter } from './selectors.js';
import {
  alreadyExists, badRequest, conflict, forbidden, invalid, methodNotAllowed, notFound, success, unsupportedMediaType,
  StatusError, type KubeStatus, type StatusCause,
} from './status.js';
import type { KubeObject, ObjectStore } from './store.js';
import { seccompAnnotationWarnings } from './seccompValidation.js';
import { requestedReplicas, toScale } from './scale.js';
import { validateCrd } from './crd/registry.js';
import { defaultWebhookConfiguration, validateWebhookConfiguration } from './webhooks/configuration.js';

/** A parsed request against one resource. */
export interface ResourceRequest {
  method: string;
  rt: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
  query: URLSearchParams;
  contentType: string;
  body: Buffer;
  /** ImagePolicyWebhook's decision on a Pod being written (imagePolicy.ts), after mutating admission. */
  imageReview?: (pod: KubeObject) => void;
  /** The admission webhooks' points (webhooks/pipeline.ts): after mutating admission, and after the validating plugins before quota. */
  webhooks?: { mutate?: (obj: KubeObject, old?: KubeObject) => void; validate?: (obj: KubeObject, old?: KubeObject) => void };
}

/** What a handler answers: JSON body, HTTP code and extra headers (Warning). */
export interface ApiAnswer {
  code: number;
  body: unknown;
  warnings: string[];
}

const NAMESPACES = findResource('', 'v1', 'namespaces')!;
const PODS = findResource('', 'v1', 'pods')!;
const SERVICEACCOUNTS = findResource('', 'v1', 'serviceaccounts')!;
const RUNTIME_CLASSES = findResource('node.k8s.io', 'v1', 'runtimeclasses')!;
const STATUS_KINDS = new Set(['Pod', 'Deployment', 'DaemonSet', 'Namespace', 'Service', 'Node', 'Ingress']);

function parseBody(req: ResourceRequest): any {
  const text = req.body.toString('utf8');
  try {
    if (req.contentType.includes('yaml')) return YAML.parse(text);
    return JSON.parse(text);
  } catch (e) {
    throw badRequest(`error decoding request body: ${(e as Error).message}`);
  }
}

/** Drops the fields the kind's schema does not know, or rejects them under fieldValidation=Strict. */
function decode(rt: ResourceType, obj: KubeObject, query: URLSearchParams, warnings: string[]): void {
  const shape = SHAPES[rt.kind];
  if (!shape && !rt.custom) return;
  const mode = query.get('fieldValidation') ?? 'Warn';
  const unknown = rt.custom ? rt.custom.prune(obj) : unknownFields(obj, shape!, true); // custom resources: structural pruning (crd/schema.ts)
  if (unknown.length === 0 || mode === 'Ignore') return;
  const list = unknown.map((p) => `unknown field "${p}"`);
  if (mode === 'Strict') {
    throw badRequest(`${rt.kind} in version "${rt.version}" cannot be handled as a ${rt.kind}: strict decoding error: ${list.join(', ')}`);
  }
  warnings.push(...list);
}

/** Defaulting beyond the built-in kinds': webhook configurations, custom resources' schema defaults. */
function defaultExtras(rt: ResourceType, obj: KubeObject): void {
  defaultWebhookConfiguration(rt.kind, obj);
  rt.custom?.applyDefaults(obj);
}

/** The kind's validation, with CustomResourceDefinitions', webhook configurations' and custom resources' schemas. */
function validateAll(rt: ResourceType, obj: KubeObject): StatusCause[] {
  const causes = [...validate(rt.kind, obj), ...validateWebhookConfiguration(rt.kind, obj), ...(rt.custom?.validate(obj) ?? [])];
  if (rt.kind === 'CustomResourceDefinition' && rt.group === 'apiextensions.k8s.io') causes.push(...validateCrd(obj));
  return causes;
}

/**
 * 422 Invalid for an object of `rt`. A custom resource's message names the qualified kind
 * (`K8sAllowedRepos.constraints.gatekeeper.sh "x" is invalid: …`) while details.kind stays the kind,
 * as apimachinery's NewInvalid does (kubectl prints `The K8sAllowedRepos "x" is invalid`).
 */
function invalidObject(rt: ResourceType, name: string, causes: StatusCause[]): StatusError {
  const err = invalid(rt.kind, rt.group, name, causes);
  if (rt.custom && err.status.message) err.status.message = `${rt.kind}.${rt.group}${err.status.message.slice(rt.kind.length)}`;
  return err;
}

const specOf = (o: KubeObject): string => JSON.stringify(Object.fromEntries(Object.entries(o).filter(([k]) => k !== 'metadata' && k !== 'status')));

/** REST storage for all served resources, over one {@link ObjectStore}. */
export class ResourceApi {
  constructor(private readonly store: ObjectStore) {}

  /** Creates the default namespaces and their `default` ServiceAccounts when missing. */
  bootstrap(): void {
    for (const ns of ['default', 'kube-node-lease', 'kube-public', 'kube-system']) {
      if (!this.store.get(NAMESPACES, '', ns)) this.createObject(NAMESPACES, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    }
  }

  handle(req: ResourceRequest): ApiAnswer {
    const warnings: string[] = [];
    const ok = (code: number, body: unknown): ApiAnswer => ({ code, body, warnings });
    const { rt, method } = req;
    if (req.name === undefined) {
      if (method === 'GET') return ok(200, this.list(req));
      if (method === 'POST') return ok(201, this.create(req, warnings));
      throw methodNotAllowed();
    }
    if (req.subresource === 'scale') return this.scale(req, warnings);
    if (req.subresource !== undefined && req.subresource !== 'status') throw methodNotAllowed();
    switch (method) {
      case 'GET':
        return ok(200, this.mustGet(rt, req.namespace ?? '', req.name));
      case 'PUT':
        return ok(200, this.update(req, parseBody(req), warnings));
      case 'PATCH':
        return this.patch(req, warnings);
      case 'DELETE':
        return ok(200, this.delete(req));
      default:
        throw methodNotAllowed();
    }
  }

  mustGet(rt: ResourceType, ns: string, name: string): KubeObject {
    const o = this.store.get(rt, rt.namespaced ? ns : '', name);
    if (!o) throw notFound(rt.resource, rt.group, name);
    return o;
  }

  list(req: ResourceRequest): Record<string, unknown> {
    const match = selectorFilter(req.query.get('labelSelector'), req.query.get('fieldSelector'));
    const items = this.store
      .list(req.rt, req.namespace)
      .filter(match)
      .map((o) => {
        const { kind: _k, apiVersion: _a, ...rest } = o;
        return rest;
      });
    return { kind: `${req.rt.kind}List`, apiVersion: groupVersion(req.rt), metadata: { resourceVersion: this.store.resourceVersion() }, items };
  }

  private checkNamespace(rt: ResourceType, ns: string | undefined): void {
    if (rt.namespaced && ns !== undefined && !this.store.get(NAMESPACES, '', ns)) throw notFound('namespaces', '', ns);
  }

  private checkTypeAndNamespace(req: ResourceRequest, obj: KubeObject): void {
    const { rt } = req;
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw badRequest('Object \'Kind\' is missing in request body');
    obj.metadata ??= {};
    if (obj.apiVersion !== undefined && obj.apiVersion !== groupVersion(rt)) {
      throw badRequest(`the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${groupVersion(rt)})`);
    }
    if (obj.kind !== undefined && obj.kind !== rt.kind) {
      if (findKind(groupVersion(rt), String(obj.kind))) {
        throw badRequest(`the kind in the data (${String(obj.kind)}) does not match the expected kind (${rt.kind})`);
      }
      // The real decoder: kinds are case-sensitive, so `kind: pod` is not a registered kind.
      throw badRequest(`${String(obj.kind)} in version "${rt.version}" cannot be handled as a ${rt.kind}: no kind "${String(obj.kind)}" is registered for version "${groupVersion(rt)}" in scheme "k8s.io/kubernetes/pkg/api/legacyscheme/scheme.go:30"`);
    }
    obj.apiVersion = groupVersion(rt);
    obj.kind = rt.kind;
    if (rt.namespaced) {
      if (obj.metadata.namespace !== undefined && obj.metadata.namespace !== '' && obj.metadata.namespace !== req.namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      obj.metadata.namespace = req.namespace;
    } else delete obj.metadata.namespace;
  }

  private create(req: ResourceRequest, warnings: string[]): KubeObject {
    const obj = parseBody(req) as KubeObject;
    this.checkTypeAndNamespace(req, obj);
    decode(req.rt, obj, req.query, warnings);
    this.checkNamespace(req.rt, req.namespace);
    if (!obj.metadata.name && obj.metadata.generateName) obj.metadata.name = `${obj.metadata.generateName}${randomBytes(3).toString('hex').slice(0, 5)}`;
    if (!obj.metadata.name) {
      throw invalid(req.rt.kind, req.rt.group, '', [{ reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' }]);
    }
    this.admitRuntimeClass(req.rt, obj);
    if (req.rt.kind === 'LimitRange') defaultLimitRange(obj); // SetDefaults_LimitRangeItem
    const limitRanger = this.store.admissionPlugins.has('LimitRanger') ? admitLimitRanger(this.store, req.rt.kind, obj) : undefined; // limitRanger.ts
    if (limitRanger) throw forbidden(req.rt.resource, req.rt.group, String(obj.metadata.name), limitRanger);
    admitServiceAccount(this.store, req.rt.kind, obj); // the ServiceAccount admission plugin (serviceAccountAdmission.ts)
    admitCreate(this.store.admissionPlugins, req.rt.kind, obj);
    if (req.rt.custom?.statusSubresource) delete obj.status; // the custom resource strategy's PrepareForCreate
    defaultExtras(req.rt, obj);
    req.webhooks?.mutate?.(obj);
    req.imageReview?.(obj);
    this.admitPodSecurity(req.rt, obj, warnings);
    this.admitPolicies(req, obj, warnings);
    req.webhooks?.validate?.(obj);
    const quota = this.store.admissionPlugins.has('ResourceQuota') ? admitResourceQuota(this.store, req.rt, obj) : undefined; // resourceQuota.ts, last as in kube-apiserver
    if (quota) throw forbidden(req.rt.resource, req.rt.group, String(obj.metadata.name), quota);
    warnings.push(...seccompAnnotationWarnings(req.rt.kind, obj));
    if (req.query.get('dryRun') === 'All') {
      applyDefaults(req.rt.kind, obj);
      // A dry run validates like a real create; it only stores nothing.
      const causes = validateAll(req.rt, obj);
      if (causes.length > 0) throw invalidObject(req.rt, String(obj.metadata.name), causes);
      return obj;
    }
    return this.createObject(req.rt, obj);
  }

  /**
   * The RuntimeClass admission plugin (plugin/pkg/admission/runtimeclass): a Pod naming a
   * RuntimeClass that does not exist is rejected at creation.
   */
  private admitRuntimeClass(rt: ResourceType, obj: KubeObject): void {
    const name = rt.kind === 'Pod' ? obj.spec?.runtimeClassName : undefined;
    if (typeof name === 'string' && name !== '' && !this.store.get(RUNTIME_CLASSES, '', name)) {
      throw forbidden(rt.resource, rt.group, String(obj.metadata.name), `pod rejected: RuntimeClass "${name}" not found`);
    }
  }

  /** The PodSecurity admission plugin (podSecurity.ts), when kube-apiserver runs it (on by default). */
  private admitPodSecurity(rt: ResourceType, obj: KubeObject, warnings: string[], current?: KubeObject): void {
    if (!this.store.admissionPlugins.has('PodSecurity')) return;
    if (rt === NAMESPACES) {
      if (current) warnings.push(...namespaceLabelWarnings(obj.metadata.name, obj.metadata.labels ?? {}, current.metadata.labels ?? {}, this.store.list(PODS, obj.metadata.name)));
      return;
    }
    if (!rt.namespaced) return;
    const ns = this.store.get(NAMESPACES, '', String(obj.metadata.namespace));
    const decision = admitPodSecurity(rt.kind, obj, ns?.metadata.labels ?? {}, current);
    if (decision.forbidden) throw forbidden(rt.resource, rt.group, String(obj.metadata.name), decision.forbidden);
    warnings.push(...decision.warnings);
  }

  /**
   * ValidatingAdmissionPolicy (validatingAdmissionPolicy.ts): policies and bindings are checked when
   * written (CEL that does not compile is refused); every other write runs the bindings that select it.
   */
  private admitPolicies(req: ResourceRequest, obj: KubeObject, warnings: string[], current?: KubeObject): void {
    const { rt } = req;
    const causes = validatePolicyObject(rt.kind, obj);
    if (causes.length > 0) throw invalid(rt.kind, rt.group, String(obj.metadata.name), causes);
    if (!this.store.admissionPlugins.has('ValidatingAdmissionPolicy')) return;
    const outcome = admitPolicies(this.store, rt, current ? 'UPDATE' : 'CREATE', obj, current, req.query.get('dryRun') === 'All');
    warnings.push(...outcome.warnings);
    const d = outcome.denial;
    if (!d) return;
    if (d.reason === 'Invalid') throw invalid(rt.kind, rt.group, String(obj.metadata.name), [{ reason: 'FieldValueInvalid', field: '', message: d.message }]);
    throw forbidden(rt.resource, rt.group, String(obj.metadata.name), d.message);
  }

  /** Defaults, validates and stores a new object (also used for bootstrap objects). */
  createObject(rt: ResourceType, obj: KubeObject): KubeObject {
    for (const k of ['uid', 'resourceVersion', 'creationTimestamp', 'deletionTimestamp', 'generation', 'selfLink']) delete obj.metadata[k];
    applyDefaults(rt.kind, obj);
    defaultExtras(rt, obj);
    if (rt.kind === 'Service') defaultServiceNetworking(this.store, obj); // the ClusterIP allocator (network/services.ts)
    const causes = validateAll(rt, obj);
    if (causes.length > 0) throw invalidObject(rt, String(obj.metadata.name), causes);
    const ns = rt.namespaced ? String(obj.metadata.namespace) : '';
    if (this.store.get(rt, ns, obj.metadata.name)) throw alreadyExists(rt.resource, rt.group, obj.metadata.name);
    if (rt.kind === 'Service') serviceNodePorts(this.store, obj);
    if ('spec' in obj && rt.kind !== 'Namespace') obj.metadata.generation = 1;
    const created = this.store.create(rt, obj);
    if (rt === NAMESPACES && !this.store.get(SERVICEACCOUNTS, created.metadata.name, 'default')) {
      this.store.create(SERVICEACCOUNTS, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: created.metadata.name } });
    }
    return created;
  }

  private update(req: ResourceRequest, obj: KubeObject, warnings: string[]): KubeObject {
    const { rt } = req;
    this.checkTypeAndNamespace(req, obj);
    decode(rt, obj, req.query, warnings);
    const current = this.mustGet(rt, req.namespace ?? '', req.name!);
    if (obj.metadata.name !== undefined && obj.metadata.name !== req.name) {
      throw badRequest(`the name of the object (${String(obj.metadata.name)}) does not match the name on the URL (${req.name})`);
    }
    if (obj.metadata.resourceVersion && obj.metadata.resourceVersion !== current.metadata.resourceVersion) {
      throw conflict(rt.resource, rt.group, req.name!, 'the object has been modified; please apply your changes to the latest version and try again');
    }
    let next: KubeObject;
    if (req.subresource === 'status') next = { ...current, status: obj.status };
    else {
      next = { ...obj, metadata: { ...obj.metadata, name: req.name } };
      if ((STATUS_KINDS.has(rt.kind) || rt.custom?.statusSubresource) && current.status !== undefined) next.status = current.status;
      else if (rt.custom?.statusSubresource) delete next.status;
    }
    for (const k of ['uid', 'creationTimestamp', 'generation']) {
      if (current.metadata[k] !== undefined) next.metadata[k] = current.metadata[k];
    }
    if (req.subresource === 'status') next.spec = current.spec;
    else if (rt.kind === 'Pod') {
      next.spec = { ...next.spec, nodeName: next.spec?.nodeName ?? current.spec?.nodeName };
      applyDefaults('Pod', next);
      next.status = current.status;
      if (podSpecCore(next.spec) !== podSpecCore(current.spec)) {
        throw invalid('Pod', '', req.name!, [{ reason: 'FieldValueForbidden', field: 'spec', message: POD_UPDATE_FORBIDDEN }]);
      }
    }
    if (rt.kind === 'LimitRange' && req.subresource !== 'status') defaultLimitRange(next);
    if (rt.kind === 'Service' && req.subresource !== 'status') serviceNodePorts(this.store, next, current);
    if (rt.kind === 'Service' && next.spec && !next.spec.clusterIP && current.spec?.clusterIP) next.spec = { ...next.spec, clusterIP: current.spec.clusterIP, clusterIPs: current.spec.clusterIPs }; // allocated values survive a PUT
    // Secret stringData is write-only on update too: merged into data (kubectl patch -p '{"stringData":…}').
    if (rt.kind === 'Secret' && next.stringData) applyDefaults('Secret', next);
    if (req.subresource !== 'status') defaultExtras(rt, next);
    if (req.subresource !== 'status') req.webhooks?.mutate?.(next, current);
    if (current.metadata.generation !== undefined && specOf(next) !== specOf(current)) next.metadata.generation = Number(current.metadata.generation) + 1;
    const causes = validateAll(rt, next);
    if (causes.length > 0) throw invalidObject(rt, req.name!, causes);
    if (req.subresource !== 'status') req.imageReview?.(next);
    if (req.subresource !== 'status') this.admitPodSecurity(rt, next, warnings, current);
    if (req.subresource !== 'status') this.admitPolicies(req, next, warnings, current);
    req.webhooks?.validate?.(next, current);
    if (req.subresource !== 'status') warnings.push(...seccompAnnotationWarnings(rt.kind, next, current));
    if (req.query.get('dryRun') === 'All') return next;
    return this.store.update(rt, next);
  }

  /** …/scale (autoscaling/v1 Scale, scale.ts): read, or set the parent's spec.replicas through a normal update. */
  private scale(req: ResourceRequest, warnings: string[]): ApiAnswer {
    const { rt } = req;
    const current = this.mustGet(rt, req.namespace ?? '', req.name!);
    if (req.method === 'GET') return { code: 200, body: toScale(current), warnings };
    let asked: unknown;
    if (req.method === 'PUT') asked = parseBody(req);
    else if (req.method === 'PATCH') {
      const ct = req.contentType.split(';')[0]!.trim();
      const patch = parseBody(req);
      const scale = toScale(current);
      if (ct === 'application/merge-patch+json') asked = mergePatch(scale, patch);
      else if (ct === 'application/strategic-merge-patch+json') asked = strategicMerge(scale, patch);
      else if (ct === 'application/json-patch+json') asked = jsonPatch(scale, patch);
      else throw unsupportedMediaType(ct);
    } else throw methodNotAllowed();
    const replicas = requestedReplicas(asked);
    if (typeof replicas !== 'number') throw invalid('Scale', 'autoscaling', req.name!, [replicas]);
    const next = { ...current, spec: { ...current.spec, replicas } };
    const updated = this.update({ ...req, subresource: undefined }, next, warnings);
    return { code: 200, body: toScale(updated), warnings };
  }

  private patch(req: ResourceRequest, warnings: string[]): ApiAnswer {
    const { rt } = req;
    const ct = req.contentType.split(';')[0]!.trim();
    const current = this.store.get(rt, rt.namespaced ? req.namespace ?? '' : '', req.name!);
    const patch = parseBody(req);
    if (!current) {
      if (ct !== 'application/apply-patch+yaml') throw notFound(rt.resource, rt.group, req.name!);
      return { code: 201, body: this.create({ ...req, contentType: 'application/json', body: Buffer.from(JSON.stringify(patch)) }, warnings), warnings };
    }
    let next: KubeObject;
    switch (ct) {
      case 'application/merge-patch+json':
        next = mergePatch(current, patch);
        break;
      case 'application/strategic-merge-patch+json':
      case 'application/apply-patch+yaml':
        next = strategicMerge(current, patch);
        break;
      case 'application/json-patch+json':
        next = jsonPatch(current, patch);
        break;
      default:
        throw unsupportedMediaType(ct);
    }
    if (req.subresource !== 'status') {
      next.metadata = { ...next.metadata, resourceVersion: current.metadata.resourceVersion };
    }
    return { code: 200, body: this.update(req, next, warnings), warnings };
  }

  private delete(req: ResourceRequest): KubeStatus | KubeObject {
    const { rt } = req;
    const ns = rt.namespaced ? req.namespace ?? '' : '';
    const current = this.mustGet(rt, ns, req.name!);
    if (req.query.get('dryRun') === 'All') return current;
    if (rt === NAMESPACES) {
      for (const t of ['pods', 'secrets', 'configmaps', 'serviceaccounts', 'services', 'events', 'resourcequotas', 'limitranges']) {
        const type = findResource('', 'v1', t)!;
        for (const o of this.store.list(type, req.name)) this.store.delete(type, req.name!, o.metadata.name);
      }
      for (const [g, r] of [['apps', 'deployments'], ['apps', 'daemonsets'], ['rbac.authorization.k8s.io', 'roles'], ['rbac.authorization.k8s.io', 'rolebindings'], ['networking.k8s.io', 'networkpolicies']] as const) {
        const type = findResource(g, 'v1', r)!;
        for (const o of this.store.list(type, req.name)) this.store.delete(type, req.name!, o.metadata.name);
      }
    }
    this.store.delete(rt, ns, req.name!);
    const details: KubeStatus['details'] = { name: req.name!, kind: rt.resource, uid: current.metadata.uid };
    if (rt.group) details.group = rt.group;
    return success(details);
  }
}

const POD_UPDATE_FORBIDDEN =
  'Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/** A pod spec without the fields an update may change. */
function podSpecCore(spec: Record<string, any> | undefined): string {
  const s = structuredClone(spec ?? {});
  delete s.activeDeadlineSeconds;
  delete s.tolerations;
  delete s.terminationGracePeriodSeconds;
  for (const c of [...(s.containers ?? []), ...(s.initContainers ?? [])]) delete c.image;
  return JSON.stringify(s, Object.keys(flatKeys(s)).sort());
}

function flatKeys(v: unknown, out: Record<string, true> = {}): Record<string, true> {
  if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (!Array.isArray(v)) out[k] = true;
      flatKeys(x, out);
    }
  }
  return out;
}
