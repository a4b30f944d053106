/**
 * The kubelet's projected volumes: each source's files written into the volume's directory, which
 * the sandbox binds at the container's mountPath.
 * - `serviceAccountToken`: a bound token the kubelet would get from the TokenRequest API — a
 *   JWT whose payload carries what kube-apiserver v1.34 puts there (pkg/serviceaccount/claims.go):
 *   `aud` (the requested audience, else the API server's own), `exp`, `iat`, `nbf`, `iss`, `jti`,
 *   `sub` system:serviceaccount:<ns>:<name>, and the `kubernetes.io` claims (namespace, node, pod,
 *   serviceaccount, and `warnafter` for the 3607 s marker lifetime, which the API server extends to
 *   a year). The header and payload are real; the signature is NOT: the fake has no signing key,
 *   so nothing may verify these tokens.
 * - `configMap` / `secret`: the listed items, or every key; a missing object that is not optional
 *   fails the mount, as on a real node (FailedMount, the pod stays ContainerCreating).
 * - `downwardAPI`: the fieldRef items the fake knows (metadata, spec.nodeName, spec.serviceAccountName).
 * Files are written with the kubelet's `..data` symlink layout (atomicWriter.ts) and the
 * volume's defaultMode (420 = 0644) or the item's mode.
 */
import { randomUUID } from 'node:crypto';
import { atomicWrite, type PayloadFile } from './atomicWriter.js';
import { findResource } from '../resources.js';
import type { KubeObject, ObjectStore } from '../store.js';

/** kind's kube-apiserver: --service-account-issuer, and with no --api-audiences its audiences. */
export const API_ISSUER = 'https://kubernetes.default.svc.cluster.local';
/** ExpirationExtensionSeconds: what a 3607 s pod-bound token for the API's own audience is stretched to. */
const EXTENDED_SECONDS = 24 * 365 * 60 * 60;
const WARN_ONLY_SECONDS = 3607;

const SERVICEACCOUNTS = findResource('', 'v1', 'serviceaccounts')!;
const CONFIGMAPS = findResource('', 'v1', 'configmaps')!;
const SECRETS = findResource('', 'v1', 'secrets')!;
const NODES = findResource('', 'v1', 'nodes')!;

const b64url = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

/** What the token is bound to. */
export interface TokenBinding {
  pod: KubeObject;
  nodeName: string;
  audience?: string;
  expirationSeconds: number;
}

/**
 * A pod-bound ServiceAccount token as TokenRequest returns it, or the error the kubelet reports.
 * The signature segment is a fake (no key): the token is shaped like the real one, nothing more.
 */
export function boundToken(store: ObjectStore, b: TokenBinding, now = Math.floor(Date.now() / 1000)): { token: string } | { error: string } {
  const ns = String(b.pod.metadata.namespace);
  const saName = String(b.pod.spec?.serviceAccountName || 'default');
  const sa = store.get(SERVICEACCOUNTS, ns, saName);
  if (!sa) return { error: `failed to fetch token: serviceaccounts "${saName}" not found` };
  const node = store.get(NODES, '', b.nodeName);
  const ownAudience = !b.audience;
  const extend = ownAudience && b.expirationSeconds === WARN_ONLY_SECONDS;
  const kube: Record<string, unknown> = {
    namespace: ns,
    ...(node ? { node: { name: node.metadata.name, uid: node.metadata.uid } } : {}),
    pod: { name: b.pod.metadata.name, uid: b.pod.metadata.uid },
    serviceaccount: { name: saName, uid: sa.metadata.uid },
    ...(extend ? { warnafter: now + WARN_ONLY_SECONDS } : {}),
  };
  // Keys in the order Go's encoding/json writes a merged claims map: sorted.
  const payload = {
    aud: [b.audience || API_ISSUER],
    exp: now + (extend ? EXTENDED_SECONDS : b.expirationSeconds),
    iat: now,
    iss: API_ISSUER,
    jti: randomUUID(),
    'kubernetes.io': kube,
    nbf: now,
    sub: `system:serviceaccount:${ns}:${saName}`,
  };
  const header = { alg: 'RS256', kid: 'cks-lab-fake-sa-key' };
  const fakeSignature = Buffer.from('unsigned: the fake API server has no service account signing key').toString('base64url');
  return { token: `${b64url(header)}.${b64url(payload)}.${fakeSignature}` };
}

/** A downward API fieldRef's value, or undefined for a field the fake does not serve. */
function fieldValue(pod: KubeObject, nodeName: string, fieldPath: string): string | undefined {
  const m = /^metadata\.(labels|annotations)(?:\['(.+)'\])?$/.exec(fieldPath);
  if (m) {
    const map = (pod.metadata[m[1]!] ?? {}) as Record<string, string>;
    if (m[2] !== undefined) return map[m[2]] ?? '';
    return Object.keys(map).sort().map((k) => `${k}=${JSON.stringify(map[k])}`).join('\n');
  }
  switch (fieldPath) {
    case 'metadata.name': return String(pod.metadata.name);
    case 'metadata.namespace': return String(pod.metadata.namespace);
    case 'metadata.uid': return String(pod.metadata.uid);
    case 'spec.nodeName': return pod.spec?.nodeName ?? nodeName;
    case 'spec.serviceAccountName': return String(pod.spec?.serviceAccountName ?? '');
    default: return undefined;
  }
}

type Files = PayloadFile[];

/** The files of one keyed source (configMap or secret), or why the mount fails. */
export function keyedFiles(store: ObjectStore, ns: string, kind: 'configmap' | 'secret', src: Record<string, any>): Files | { error: string } {
  const obj = store.get(kind === 'configmap' ? CONFIGMAPS : SECRETS, ns, String(src.name));
  if (!obj) return src.optional === true ? [] : { error: `${kind} "${String(src.name)}" not found` };
  const data = (obj.data ?? {}) as Record<string, string>;
  const value = (k: string): string | Buffer => (kind === 'secret' ? Buffer.from(data[k]!, 'base64') : data[k]!);
  if (!Array.isArray(src.items)) return Object.keys(data).map((k) => ({ path: k, content: value(k) }));
  const out: Files = [];
  for (const item of src.items as Record<string, any>[]) {
    if (!(item.key in data)) {
      if (src.optional === true) continue;
      return { error: kind === 'secret' ? `references non-existent secret key: ${String(item.key)}` : `configmap references non-existent config key: ${String(item.key)}` };
    }
    out.push({ path: String(item.path), content: value(String(item.key)), ...(typeof item.mode === 'number' ? { mode: item.mode } : {}) });
  }
  return out;
}

/**
 * Writes a projected volume's files into `dir`; returns the kubelet's FailedMount message when a
 * source cannot be served (nothing is half-written then).
 */
export function writeProjectedVolume(store: ObjectStore, pod: KubeObject, nodeName: string, volume: Record<string, any>, dir: string): string | undefined {
  const projected = volume.projected as Record<string, any>;
  const ns = String(pod.metadata.namespace);
  const files: Files = [];
  for (const src of (projected.sources ?? []) as Record<string, any>[]) {
    if (src.serviceAccountToken) {
      const t = src.serviceAccountToken as Record<string, any>;
      const got = boundToken(store, { pod, nodeName, audience: t.audience, expirationSeconds: Number(t.expirationSeconds ?? 3600) });
      if ('error' in got) return mountError(volume, got.error);
      files.push({ path: String(t.path), content: got.token });
    } else if (src.configMap || src.secret) {
      const got = keyedFiles(store, ns, src.configMap ? 'configmap' : 'secret', src.configMap ?? src.secret);
      if ('error' in got) return mountError(volume, got.error);
      files.push(...got);
    } else if (src.downwardAPI) {
      for (const item of (src.downwardAPI.items ?? []) as Record<string, any>[]) {
        const value = item.fieldRef ? fieldValue(pod, nodeName, String(item.fieldRef.fieldPath)) : undefined;
        if (value !== undefined) files.push({ path: String(item.path), content: value, ...(typeof item.mode === 'number' ? { mode: item.mode } : {}) });
      }
    }
  }
  atomicWrite(dir, files, typeof projected.defaultMode === 'number' ? projected.defaultMode : 0o644);
  return undefined;
}

/** The kubelet's FailedMount event message. */
export const mountError = (volume: Record<string, any>, why: string): string => `MountVolume.SetUp failed for volume "${String(volume.name)}" : ${why}`;
