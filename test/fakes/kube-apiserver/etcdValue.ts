/**
 * What the fake's "etcd" holds for an object: its key (`/registry/<resource>/<ns>/<name>`, as
 * k8s.io/apiserver's storage registry names them) and its plain value. Secrets are encoded as the
 * real apiserver stores them — the `k8s\0` magic, a runtime.Unknown envelope and the core/v1
 * Secret protobuf, so `data` values appear as raw bytes — other objects as JSON (the fake keeps
 * no protobuf encoder for them; real etcd would hold protobuf too).
 */
import type { ResourceType } from './resources.js';
import type { KubeObject } from './store.js';

/** Resources whose registry path differs from their plural name. */
const REGISTRY_PATHS: Record<string, string> = { '/services': 'services/specs', '/nodes': 'minions' };

export function etcdKey(rt: Pick<ResourceType, 'group' | 'resource'>, ns: string, name: string): string {
  const base = REGISTRY_PATHS[`${rt.group}/${rt.resource}`] ?? rt.resource;
  return ns ? `/registry/${base}/${ns}/${name}` : `/registry/${base}/${name}`;
}

/** The plain bytes stored for `obj` (before any encryption). */
export function plainValue(rt: ResourceType, obj: KubeObject): Buffer {
  const stored = structuredClone(obj);
  delete stored.metadata.resourceVersion; // etcd's mod_revision is the resourceVersion; never stored
  if (rt.group === '' && rt.resource === 'secrets') return secretProtobuf(stored);
  return Buffer.from(JSON.stringify(stored) + '\n');
}

class Writer {
  private readonly parts: Buffer[] = [];
  tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }
  varint(n: number | bigint): void {
    let v = BigInt(n);
    const out: number[] = [];
    do {
      let b = Number(v & 0x7fn);
      v >>= 7n;
      if (v > 0n) b |= 0x80;
      out.push(b);
    } while (v > 0n);
    this.parts.push(Buffer.from(out));
  }
  bytes(field: number, b: Buffer): void {
    this.tag(field, 2);
    this.varint(b.length);
    this.parts.push(b);
  }
  string(field: number, s: string): void {
    this.bytes(field, Buffer.from(s));
  }
  message(field: number, w: Writer): void {
    this.bytes(field, w.done());
  }
  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

function mapEntries(w: Writer, field: number, map: Record<string, unknown> | undefined, value: (v: unknown) => Buffer): void {
  for (const k of Object.keys(map ?? {}).sort()) {
    const e = new Writer();
    e.string(1, k);
    e.bytes(2, value(map![k]));
    w.message(field, e);
  }
}

function objectMeta(m: Record<string, any>): Writer {
  const w = new Writer();
  w.string(1, String(m.name ?? ''));
  w.string(2, String(m.generateName ?? ''));
  w.string(3, String(m.namespace ?? ''));
  w.string(4, '');
  w.string(5, String(m.uid ?? ''));
  w.string(6, '');
  w.tag(7, 0);
  w.varint(0);
  const t = new Writer();
  t.tag(1, 0);
  t.varint(Math.floor(Date.parse(String(m.creationTimestamp ?? '1970-01-01T00:00:00Z')) / 1000));
  t.tag(2, 0);
  t.varint(0);
  w.message(8, t);
  mapEntries(w, 11, m.labels, (v) => Buffer.from(String(v)));
  mapEntries(w, 12, m.annotations, (v) => Buffer.from(String(v)));
  return w;
}

/** `k8s\0` + runtime.Unknown{typeMeta{v1, Secret}, raw: core.v1.Secret, contentEncoding "", contentType ""}. */
function secretProtobuf(obj: KubeObject): Buffer {
  const secret = new Writer();
  secret.message(1, objectMeta(obj.metadata));
  mapEntries(secret, 2, obj.data, (v) => Buffer.from(String(v), 'base64'));
  secret.string(3, String(obj.type ?? 'Opaque'));
  if (typeof obj.immutable === 'boolean') {
    secret.tag(5, 0);
    secret.varint(obj.immutable ? 1 : 0);
  }
  const typeMeta = new Writer();
  typeMeta.string(1, 'v1');
  typeMeta.string(2, 'Secret');
  const unknown = new Writer();
  unknown.message(1, typeMeta);
  unknown.bytes(2, secret.done());
  unknown.string(3, '');
  unknown.string(4, '');
  return Buffer.concat([Buffer.from('k8s\0', 'latin1'), unknown.done()]);
}
