/**
 * A container's environment as the kubelet builds it when it creates the container
 * (pkg/kubelet/kubelet_pods.go makeEnvironmentVariables): `envFrom` sources in order (with their
 * prefix), then `env` entries, a later name overriding an earlier one; `valueFrom.secretKeyRef` /
 * `configMapKeyRef` read the object then, so a later change to it reaches only a new container.
 * A missing object or key that is not optional is the CreateContainerConfigError it reports.
 * The result is stored beside the container (env.json) so `kubectl exec` sees the same values, as a
 * process exec'd into a real container inherits the container's environment.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { findResource } from '../resources.js';
import type { KubeObject, ObjectStore } from '../store.js';

const CONFIGMAPS = findResource('', 'v1', 'configmaps')!;
const SECRETS = findResource('', 'v1', 'secrets')!;

type Kind = 'Secret' | 'ConfigMap';

/** The values of a Secret's or ConfigMap's keys (a Secret's decoded), or undefined when it does not exist. */
function sourceData(store: ObjectStore, ns: string, kind: Kind, name: string): Record<string, string> | undefined {
  const obj = store.get(kind === 'Secret' ? SECRETS : CONFIGMAPS, ns, name);
  if (!obj) return undefined;
  const data = (obj.data ?? {}) as Record<string, string>;
  if (kind === 'ConfigMap') return { ...data };
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(String(v), 'base64').toString('utf8')]));
}

const notFound = (kind: Kind, name: string): string => `${kind.toLowerCase()} "${name}" not found`;

/** The container's environment variables, or the kubelet's CreateContainerConfigError message. */
export function resolveEnv(store: ObjectStore, pod: KubeObject, container: Record<string, any>): { env: Record<string, string> } | { error: string } {
  const ns = String(pod.metadata.namespace);
  const env: Record<string, string> = {};
  for (const from of (container.envFrom ?? []) as Record<string, any>[]) {
    const ref = from.secretRef ?? from.configMapRef;
    if (!ref) continue;
    const kind: Kind = from.secretRef ? 'Secret' : 'ConfigMap';
    const data = sourceData(store, ns, kind, String(ref.name));
    if (!data) {
      if (ref.optional === true) continue;
      return { error: notFound(kind, String(ref.name)) };
    }
    for (const [k, v] of Object.entries(data)) env[`${String(from.prefix ?? '')}${k}`] = v;
  }
  for (const e of (container.env ?? []) as Record<string, any>[]) {
    if (!e?.name) continue;
    if (e.value !== undefined || !e.valueFrom) {
      env[e.name] = String(e.value ?? '');
      continue;
    }
    const ref = e.valueFrom.secretKeyRef ?? e.valueFrom.configMapKeyRef;
    if (!ref) continue; // fieldRef / resourceFieldRef: not simulated
    const kind: Kind = e.valueFrom.secretKeyRef ? 'Secret' : 'ConfigMap';
    const data = sourceData(store, ns, kind, String(ref.name));
    if (!data) {
      if (ref.optional === true) continue;
      return { error: notFound(kind, String(ref.name)) };
    }
    if (!(String(ref.key) in data)) {
      if (ref.optional === true) continue;
      return { error: `couldn't find key ${String(ref.key)} in ${kind} ${ns}/${String(ref.name)}` };
    }
    env[e.name] = data[String(ref.key)]!;
  }
  return { env };
}

/** Where a started container's resolved environment is kept. */
export const envFile = (podDirectory: string, container: string): string => join(podDirectory, 'containers', container, 'env.json');

/** Keeps the environment the container was created with. */
export function writeEnv(podDirectory: string, container: string, env: Record<string, string>): void {
  const file = envFile(podDirectory, container);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(env));
}

/** The environment the container was created with, or undefined before the kubelet created it. */
export function readEnv(podDirectory: string, container: string): Record<string, string> | undefined {
  const file = envFile(podDirectory, container);
  if (!existsSync(file)) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (!parsed || typeof parsed !== 'object') return undefined;
    return Object.fromEntries(Object.entries(parsed as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
  } catch {
    return undefined;
  }
}
