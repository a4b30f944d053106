/**
 * What custom resources add to discovery (`/apis`, `/apis/<group>`, `/apis/<group>/<version>`),
 * to the OpenAPI v3 index (so kubectl sends fieldValidation for them, as it does for a real CRD)
 * and to server-side printing (additionalPrinterColumns after NAME, AGE last when not declared, as
 * the apiextensions server's table convertor does).
 */
import { createHash } from 'node:crypto';
import { age } from '../table.js';
import type { ResourceType } from '../resources.js';
import type { KubeObject } from '../store.js';
import type { CustomResources } from './registry.js';

const QUERY_PARAMS = ['dryRun', 'fieldManager', 'fieldValidation', 'force', 'pretty'];

function groupEntry(name: string, versions: string[]): Record<string, unknown> {
  const gvs = versions.map((version) => ({ groupVersion: `${name}/${version}`, version }));
  return { name, versions: gvs, preferredVersion: gvs[0] };
}

function openapiDoc(types: ResourceType[]): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const t of types) {
    const gvk = { group: t.group, version: t.version, kind: t.kind };
    const op = (verb: string): Record<string, unknown> => ({
      operationId: `${verb}${t.kind}`,
      'x-kubernetes-action': verb,
      'x-kubernetes-group-version-kind': gvk,
      parameters: QUERY_PARAMS.map((name) => ({ name, in: 'query', schema: { type: 'string', uniqueItems: true } })),
      responses: { '200': { description: 'OK' } },
    });
    const prefix = `/apis/${t.group}/${t.version}`;
    const item = t.namespaced ? `${prefix}/namespaces/{namespace}/${t.resource}/{name}` : `${prefix}/${t.resource}/{name}`;
    paths[item] = { get: op('get'), put: op('put'), patch: op('patch'), delete: op('delete') };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes CRD Swagger', version: 'v0.1.0' }, paths, components: { schemas: {} } };
}

function customTypes(crds: CustomResources, group: string, version: string): ResourceType[] {
  return crds.groups().some((g) => g.name === group && g.versions.includes(version))
    ? (crds.resourceList(group, version)!.resources as Record<string, any>[]).filter((r) => !String(r.name).includes('/')).map((r) => crds.find(group, version, String(r.name))!)
    : [];
}

/** The discovery or OpenAPI document for `path` with the custom resources added (or theirs alone). */
export function mergeCustomGroups(crds: CustomResources, path: string, doc: unknown): unknown {
  const groups = crds.groups();
  if (path === '/apis' && doc) {
    const d = doc as { groups: Record<string, unknown>[] };
    return { ...d, groups: [...d.groups, ...groups.map((g) => groupEntry(g.name, g.versions))] };
  }
  if (path === '/openapi/v3' && doc) {
    const d = doc as { paths: Record<string, unknown> };
    const extra: Record<string, unknown> = {};
    for (const g of groups) {
      for (const v of g.versions) {
        const hash = createHash('sha512').update(JSON.stringify(openapiDoc(customTypes(crds, g.name, v)))).digest('hex').slice(0, 128).toUpperCase();
        extra[`apis/${g.name}/${v}`] = { serverRelativeURL: `/openapi/v3/apis/${g.name}/${v}?hash=${hash}` };
      }
    }
    return { paths: { ...d.paths, ...extra } };
  }
  if (doc !== undefined) return doc;
  let m = /^\/apis\/([^/]+)$/.exec(path);
  if (m) {
    const g = groups.find((x) => x.name === m![1]);
    return g ? { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(g.name, g.versions) } : undefined;
  }
  m = /^\/apis\/([^/]+)\/([^/]+)$/.exec(path);
  if (m) return crds.resourceList(m[1]!, m[2]!);
  m = /^\/openapi\/v3\/apis\/([^/]+)\/([^/]+)$/.exec(path);
  if (m) {
    const types = customTypes(crds, m[1]!, m[2]!);
    return types.length > 0 ? openapiDoc(types) : undefined;
  }
  return undefined;
}

/** A simple JSONPath (`.status.totalViolations`, `.spec.x[0].y`) as printer columns use it. */
function jsonPath(o: unknown, path: string): unknown {
  let cur: unknown = o;
  for (const part of path.replace(/^\{?\./, '').replace(/\}$/, '').split(/\.|\[(\d+)\]/).filter((p) => p !== undefined && p !== '')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** A meta.k8s.io/v1 Table with the CRD's additionalPrinterColumns. */
export function customTable(columns: { name: string; type: string; jsonPath: string; priority?: number }[], objects: KubeObject[], resourceVersion: string): Record<string, unknown> {
  const cols = [{ name: 'Name', type: 'string', format: 'name', cell: (o: KubeObject) => o.metadata.name as unknown }];
  for (const c of columns) {
    cols.push({ name: c.name, type: c.type, format: '', cell: (o: KubeObject) => {
      const v = jsonPath(o, c.jsonPath);
      if (v === undefined || v === null) return null;
      if (c.type === 'date') return age(String(v));
      return typeof v === 'object' ? JSON.stringify(v) : v;
    } });
  }
  if (!columns.some((c) => c.jsonPath === '.metadata.creationTimestamp')) cols.push({ name: 'Age', type: 'date', format: '', cell: (o: KubeObject) => age(o.metadata.creationTimestamp) });
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: cols.map((c) => ({ name: c.name, type: c.type, format: c.format, description: '', priority: 0 })),
    rows: objects.map((o) => ({ cells: cols.map((c) => c.cell(o)), object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata } })),
  };
}
