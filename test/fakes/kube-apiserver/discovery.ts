/**
 * Discovery documents (`/version`, `/api`, `/apis`, `/apis/<group>`) and the OpenAPI v3
 * index kubectl reads to learn that the server validates fields itself (fieldValidation).
 */
import { createHash } from 'node:crypto';
import { RESOURCE_TYPES, apiGroups, groupVersion, type ResourceType } from './resources.js';

/** Kubernetes version of the lab's kindest/node image (kube-apiserver's, until an upgrade changes its image). */
export const KUBE_VERSION = 'v1.34.0';

/** Build facts of the releases the fakes run (kube-apiserver --version of each image). */
const BUILDS: Record<string, { gitCommit: string; buildDate: string; goVersion: string }> = {
  'v1.34.0': { gitCommit: 'f28b4c9efbca5c5c0af716d9f2d5702667ee8a45', buildDate: '2025-08-27T10:15:59Z', goVersion: 'go1.24.6' },
  'v1.35.0': { gitCommit: '66452049f3d692768c39c797b21b793dce80314e', buildDate: '2025-12-17T12:32:06Z', goVersion: 'go1.25.5' },
};

/** `/version` of a kube-apiserver running `gitVersion` (the tag of its image). */
export function versionInfo(gitVersion = KUBE_VERSION): Record<string, string> {
  const [major = '1', minor = '34'] = gitVersion.replace(/^v/, '').split('.');
  const build = BUILDS[gitVersion] ?? BUILDS[KUBE_VERSION]!;
  return { major, minor, emulationMajor: major, emulationMinor: minor, minCompatibilityMajor: major, minCompatibilityMinor: String(Number(minor) - 1), gitVersion, gitTreeState: 'clean', ...build, compiler: 'gc', platform: 'linux/amd64' };
}

/** The Kubernetes version of a kube-apiserver image reference (its tag), or the node image's. */
export function versionOfImage(image: string | undefined): string {
  const tag = /:(v\d+\.\d+\.\d+)(?:@|$)/.exec(image ?? '')?.[1];
  return tag ?? KUBE_VERSION;
}

export function coreVersions(): Record<string, unknown> {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '172.18.0.2:6443' }] };
}

function group(name: string, version: string): Record<string, unknown> {
  const gv = { groupVersion: `${name}/${version}`, version };
  return { name, versions: [gv], preferredVersion: gv };
}

export function groupList(): Record<string, unknown> {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: apiGroups().map((g) => group(g.name, g.version)) };
}

export function apiGroup(name: string): Record<string, unknown> | undefined {
  const g = apiGroups().find((x) => x.name === name);
  return g ? { kind: 'APIGroup', apiVersion: 'v1', ...group(g.name, g.version) } : undefined;
}

/** `api/v1`, `apis/apps/v1`: the OpenAPI v3 index keys. */
function openapiKeys(): string[] {
  return ['api/v1', ...apiGroups().map((g) => `apis/${g.name}/${g.version}`)];
}

const QUERY_PARAMS = ['dryRun', 'fieldManager', 'fieldValidation', 'force', 'pretty'];

function itemPath(t: ResourceType): string {
  const prefix = t.group === '' ? '/api/v1' : `/apis/${t.group}/${t.version}`;
  return t.namespaced ? `${prefix}/namespaces/{namespace}/${t.resource}/{name}` : `${prefix}/${t.resource}/{name}`;
}

/** The OpenAPI v3 document for one `api/v1` / `apis/<g>/<v>` key, or undefined. */
export function openapiDocument(key: string): Record<string, unknown> | undefined {
  if (!openapiKeys().includes(key)) return undefined;
  const paths: Record<string, unknown> = {};
  for (const t of RESOURCE_TYPES) {
    if (`${t.group === '' ? 'api' : 'apis'}/${groupVersion(t)}` !== key) continue;
    const gvk = { group: t.group, version: t.version, kind: t.kind };
    const op = (verb: string): Record<string, unknown> => ({
      operationId: `${verb}${t.kind}`,
      'x-kubernetes-action': verb,
      'x-kubernetes-group-version-kind': gvk,
      parameters: QUERY_PARAMS.map((name) => ({ name, in: 'query', schema: { type: 'string', uniqueItems: true } })),
      responses: { '200': { description: 'OK' } },
    });
    paths[itemPath(t)] = { get: op('get'), put: op('put'), patch: op('patch'), delete: op('delete') };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: KUBE_VERSION }, paths, components: { schemas: {} } };
}

/** `/openapi/v3`: where each group-version's document lives. */
export function openapiIndex(): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const key of openapiKeys()) {
    const hash = createHash('sha512').update(JSON.stringify(openapiDocument(key))).digest('hex').slice(0, 128).toUpperCase();
    paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${hash}` };
  }
  return { paths };
}

function protoField(field: number, payload: Buffer): Buffer {
  // Wire type 2 (length-delimited); lengths here stay below 128 bytes.
  return Buffer.concat([Buffer.from([(field << 3) | 2, payload.length]), payload]);
}

/**
 * `/openapi/v2` as protobuf (gnostic openapi_v2.Document): swagger 2.0, info, no paths.
 * kubectl falls back to it for kinds the v3 documents do not describe (a misspelled
 * `kind: pod`): finding no schema it skips client-side validation, so the real error
 * comes from discovery (`no matches for kind "pod" in version "v1"`).
 */
export function openapiV2Protobuf(): Buffer {
  const info = Buffer.concat([protoField(1, Buffer.from('Kubernetes')), protoField(2, Buffer.from(KUBE_VERSION))]);
  return Buffer.concat([protoField(1, Buffer.from('2.0')), protoField(2, info), protoField(8, Buffer.alloc(0))]);
}
