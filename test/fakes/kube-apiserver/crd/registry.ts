/**
 * CustomResourceDefinitions (apiextensions.k8s.io/v1) as kube-apiserver's apiextensions server
 * serves them: a stored CRD makes each of its served versions a resource of the API — discovery
 * (`/apis`, `/apis/<group>`, `/apis/<group>/<version>` with its names, short names, categories
 * and the status subresource), REST storage, watch, list — and gets the NamesAccepted and
 * Established conditions and its acceptedNames/storedVersions in status. Custom objects are
 * pruned, defaulted and validated against the served version's structural schema (schema.ts).
 * Deleting a CRD deletes its objects; deleting a namespace deletes the namespaced ones in it.
 *
 * One registry per fake API server (per ObjectStore), so servers in one process never share CRDs.
 * Simplified: versions share one storage without conversion (strategy None only rewrites
 * apiVersion, which this fake does not); no name-conflict detection between CRDs; the CRD's
 * deletion is immediate (no customresourcecleanup finalizer phase).
 */
import { findResource, groupVersion, type ResourceType } from '../resources.js';
import { parseResourcePath, type ResourcePath } from '../router.js';
import type { StatusCause } from '../status.js';
import type { KubeObject, ObjectStore, StoreEvent } from '../store.js';
import { applySchemaDefaults, prune, validateSchema, type Schema } from './schema.js';

export const CRDS = findResource('apiextensions.k8s.io', 'v1', 'customresourcedefinitions')!;
const NAMESPACES = findResource('', 'v1', 'namespaces')!;
const VERBS = ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'];

const now = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

/** The custom resources one fake API server serves, kept in step with its stored CRDs. */
export class CustomResources {
  /** `<group>/<version>/<plural>` → the served type (the same object for as long as it is served: watches compare by identity). */
  private readonly types = new Map<string, ResourceType>();
  private readonly onChange = (ev: StoreEvent): void => this.changed(ev);

  constructor(private readonly store: ObjectStore) {}

  /** Serves the stored CRDs and follows their changes; returns the stop function. */
  start(): () => void {
    for (const crd of this.store.list(CRDS)) this.serve(crd);
    this.store.events.on('change', this.onChange);
    return () => this.store.events.off('change', this.onChange);
  }

  /** The served custom type at group/version/plural. */
  find(group: string, version: string, resource: string): ResourceType | undefined {
    return this.types.get(`${group}/${version}/${resource}`);
  }

  /** Every served custom type of a kind (all versions). */
  byKind(group: string, kind: string): ResourceType[] {
    return [...this.types.values()].filter((t) => t.group === group && t.kind === kind);
  }

  /** A URL path to a custom resource request, or undefined. */
  parsePath(path: string): ResourcePath | undefined {
    return parseResourcePath(path, (g, v, r) => this.find(g, v, r));
  }

  /** The API groups custom resources add, versions in the CRD's order (first served is preferred — simplified from kube-aggregator's priority). */
  groups(): { name: string; versions: string[] }[] {
    const out = new Map<string, string[]>();
    for (const t of this.types.values()) {
      const vs = out.get(t.group) ?? [];
      if (!vs.includes(t.version)) vs.push(t.version);
      out.set(t.group, vs);
    }
    return [...out].map(([name, versions]) => ({ name, versions }));
  }

  /** The APIResourceList of a custom group/version, or undefined. */
  resourceList(group: string, version: string): Record<string, unknown> | undefined {
    const types = [...this.types.values()].filter((t) => t.group === group && t.version === version);
    if (types.length === 0) return undefined;
    const resources: Record<string, unknown>[] = [];
    for (const t of types) {
      const r: Record<string, unknown> = { name: t.resource, singularName: t.singular, namespaced: t.namespaced, kind: t.kind, verbs: VERBS };
      if (t.shortNames?.length) r.shortNames = t.shortNames;
      if (t.categories?.length) r.categories = t.categories;
      resources.push(r);
      if (t.subresources?.includes('status')) resources.push({ name: `${t.resource}/status`, singularName: '', namespaced: t.namespaced, kind: t.kind, verbs: ['get', 'patch', 'update'] });
    }
    return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: groupVersion({ group, version }), resources };
  }

  private changed(ev: StoreEvent): void {
    if (ev.rt === CRDS) {
      if (ev.type === 'DELETED') this.unserve(ev.object);
      else this.serve(ev.object);
    } else if (ev.rt === NAMESPACES && ev.type === 'DELETED') {
      for (const t of this.storageTypes()) {
        if (!t.namespaced) continue;
        for (const o of this.store.list(t, ev.object.metadata.name)) this.store.delete(t, ev.object.metadata.name, o.metadata.name);
      }
    }
  }

  /** One type per group/plural: the storage key the store uses (versions share it). */
  private storageTypes(): ResourceType[] {
    const seen = new Map<string, ResourceType>();
    for (const t of this.types.values()) if (!seen.has(`${t.group}/${t.resource}`)) seen.set(`${t.group}/${t.resource}`, t);
    return [...seen.values()];
  }

  private serve(crd: KubeObject): void {
    const spec = (crd.spec ?? {}) as Record<string, any>;
    const names = (spec.names ?? {}) as Record<string, any>;
    const group = String(spec.group ?? '');
    const plural = String(names.plural ?? '');
    const kind = String(names.kind ?? '');
    const wanted = new Set<string>();
    for (const v of (spec.versions ?? []) as Record<string, any>[]) {
      if (v.served === false) continue;
      const key = `${group}/${String(v.name)}/${plural}`;
      wanted.add(key);
      const schema = v.schema?.openAPIV3Schema as Schema | undefined;
      const statusSub = v.subresources?.status !== undefined && v.subresources?.status !== null;
      const fresh: ResourceType = {
        group, version: String(v.name), resource: plural, singular: String(names.singular ?? kind.toLowerCase()), kind,
        namespaced: spec.scope !== 'Cluster',
        shortNames: ((names.shortNames ?? []) as unknown[]).map(String),
        categories: ((names.categories ?? []) as unknown[]).map(String),
        subresources: statusSub ? ['status'] : [],
        custom: {
          prune: (o) => prune(o, schema),
          applyDefaults: (o) => applySchemaDefaults(o, schema),
          validate: (o) => validateSchema(o, schema),
          statusSubresource: statusSub,
          columns: ((v.additionalPrinterColumns ?? []) as Record<string, any>[]).map((c) => ({ name: String(c.name), type: String(c.type ?? 'string'), jsonPath: String(c.jsonPath ?? ''), ...(c.priority ? { priority: Number(c.priority) } : {}) })),
        },
      };
      const existing = this.types.get(key);
      if (existing) Object.assign(existing, fresh);
      else this.types.set(key, fresh);
    }
    const prefix = `${group}/`;
    for (const [key, t] of this.types) if (key.startsWith(prefix) && t.resource === plural && !wanted.has(key)) this.types.delete(key);
    // After the write that made it has been delivered to every watcher (never a MODIFIED before its ADDED).
    const name = String(crd.metadata.name);
    setImmediate(() => {
      const current = this.store.get(CRDS, '', name);
      if (current) this.markEstablished(current);
    });
  }

  private unserve(crd: KubeObject): void {
    const group = String(crd.spec?.group ?? '');
    const plural = String(crd.spec?.names?.plural ?? '');
    const doomed = [...this.types].filter(([, t]) => t.group === group && t.resource === plural);
    const storage = doomed[0]?.[1];
    if (storage) for (const o of this.store.list(storage)) this.store.delete(storage, storage.namespaced ? String(o.metadata.namespace) : '', o.metadata.name);
    for (const [key] of doomed) this.types.delete(key);
  }

  /** The apiextensions controllers' status: names accepted, established, stored versions. */
  private markEstablished(crd: KubeObject): void {
    const spec = (crd.spec ?? {}) as Record<string, any>;
    const names = { ...((spec.names ?? {}) as Record<string, any>) };
    names.singular ??= String(names.kind ?? '').toLowerCase();
    names.listKind ??= `${String(names.kind ?? '')}List`;
    const storage = ((spec.versions ?? []) as Record<string, any>[]).find((v) => v.storage === true)?.name as string | undefined;
    const status = (crd.status ?? {}) as Record<string, any>;
    const stored = new Set<string>((status.storedVersions ?? []) as string[]);
    if (storage) stored.add(storage);
    const conds = (status.conditions ?? []) as Record<string, any>[];
    const cond = (type: string, reason: string, message: string): Record<string, any> =>
      conds.find((c) => c.type === type && c.status === 'True') ?? { type, status: 'True', lastTransitionTime: now(), reason, message };
    const next = {
      ...status,
      conditions: [cond('NamesAccepted', 'NoConflicts', 'no conflicts found'), cond('Established', 'InitialNamesAccepted', 'the initial names have been accepted')],
      acceptedNames: names,
      storedVersions: [...stored],
    };
    if (JSON.stringify(next) === JSON.stringify(status)) return;
    this.store.update(CRDS, { ...crd, status: next });
  }
}

/** kube-apiserver's validation of a CustomResourceDefinition (the checks authors meet most). */
export function validateCrd(crd: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const spec = (crd.spec ?? {}) as Record<string, any>;
  const names = (spec.names ?? {}) as Record<string, any>;
  const bad = (field: string, message: string, reason = 'FieldValueInvalid'): void => void causes.push({ reason, field, message });
  if (!spec.group) bad('spec.group', 'Required value', 'FieldValueRequired');
  else if (!String(spec.group).includes('.')) bad('spec.group', `Invalid value: ${JSON.stringify(spec.group)}: should be a domain with at least one dot`);
  if (!names.plural) bad('spec.names.plural', 'Required value', 'FieldValueRequired');
  if (!names.kind) bad('spec.names.kind', 'Required value', 'FieldValueRequired');
  if (names.plural && spec.group && crd.metadata.name !== `${String(names.plural)}.${String(spec.group)}`) {
    bad('metadata.name', `Invalid value: ${JSON.stringify(crd.metadata.name)}: must be spec.names.plural+"."+spec.group`);
  }
  if (!['Namespaced', 'Cluster'].includes(String(spec.scope))) bad('spec.scope', `Unsupported value: ${JSON.stringify(spec.scope ?? '')}: supported values: "Cluster", "Namespaced"`, 'FieldValueNotSupported');
  const versions = (spec.versions ?? []) as Record<string, any>[];
  if (versions.length === 0) bad('spec.versions', 'Invalid value: null: must have exactly one version marked as storage version');
  else if (versions.filter((v) => v.storage === true).length !== 1) bad('spec.versions', `Invalid value: ${JSON.stringify(versions)}: must have exactly one version marked as storage version`);
  versions.forEach((v, i) => {
    if (!v.schema?.openAPIV3Schema) bad(`spec.versions[${i}].schema.openAPIV3Schema`, 'Required value: schemas are required', 'FieldValueRequired');
    else if (v.schema.openAPIV3Schema.type !== 'object' && v.schema.openAPIV3Schema['x-kubernetes-preserve-unknown-fields'] !== true) {
      bad(`spec.versions[${i}].schema.openAPIV3Schema.type`, `Unsupported value: ${JSON.stringify(v.schema.openAPIV3Schema.type ?? '')}: supported values: "object"`, 'FieldValueNotSupported');
    }
  });
  return causes;
}
