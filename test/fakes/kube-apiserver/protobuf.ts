/**
 * Decodes Kubernetes protobuf request bodies (`application/vnd.kubernetes.protobuf`):
 * the `k8s\0` magic, a runtime.Unknown envelope and the typed message inside, turned into
 * the same JSON the API would have received. kubectl's typed clients (`create namespace`,
 * `create secret`, `run`, …) send these. The field tables in protoSchema.json were
 * generated from the descriptors compiled into kubectl v1.33.
 */
import { readFileSync } from 'node:fs';
import { badRequest } from './status.js';

/** [jsonName, number, protoType, repeated, messageType|0, nonNullable] */
type FieldDef = [string, number, number, number, string | 0, number];
type Schema = Record<string, { fields: FieldDef[]; map?: boolean }>;

/** Go structs embedded with `json:",inline"`: their fields belong to the parent in JSON. */
const INLINE = new Set(['volumeSource', 'ephemeralContainerCommon', 'localObjectReference', 'handler', 'probeHandler', 'persistentVolumeSource', 'ingressRuleValue']);
const PROTO_PACKAGES: Record<string, string> = { '': 'core', apps: 'apps', 'authorization.k8s.io': 'authorization', 'rbac.authorization.k8s.io': 'rbac', 'networking.k8s.io': 'networking', 'node.k8s.io': 'node', 'certificates.k8s.io': 'certificates', 'authentication.k8s.io': 'authentication' };

/** Loads the generated field tables (once per decoder). */
export function loadProtoSchema(): Schema {
  return JSON.parse(readFileSync(new URL('./protoSchema.json', import.meta.url), 'utf8')) as Schema;
}

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  done(): boolean {
    return this.pos >= this.buf.length;
  }
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.buf[this.pos++];
      if (b === undefined) throw badRequest('protobuf: truncated varint');
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return result;
      shift += 7n;
    }
  }
  bytes(): Buffer {
    const len = Number(this.varint());
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else throw badRequest(`protobuf: unsupported wire type ${wire}`);
  }
}

const isZero = (v: unknown): boolean =>
  v === '' || v === 0 || v === false || (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0);

function scalar(type: number, wire: number, r: Reader): unknown {
  switch (type) {
    case 8:
      return r.varint() !== 0n;
    case 9:
      return r.bytes().toString('utf8');
    case 12:
      return r.bytes().toString('base64');
    case 1: {
      const v = r.buf.readDoubleLE(r.pos);
      r.pos += 8;
      return v;
    }
    case 2: {
      const v = r.buf.readFloatLE(r.pos);
      r.pos += 4;
      return v;
    }
    default: {
      if (wire !== 0) {
        r.skip(wire);
        return undefined;
      }
      return Number(BigInt.asIntN(64, r.varint()));
    }
  }
}

function special(typeName: string, msg: Record<string, any>): unknown {
  switch (typeName) {
    case 'meta.Time':
    case 'meta.MicroTime': {
      const ms = Number(msg.seconds ?? 0) * 1000 + Math.floor(Number(msg.nanos ?? 0) / 1e6);
      const iso = new Date(ms).toISOString();
      return typeName === 'meta.Time' ? iso.replace(/\.\d+Z$/, 'Z') : iso.replace(/Z$/, '000Z');
    }
    case 'resource.Quantity':
      return msg.string ?? '0';
    case 'intstr.IntOrString':
      return Number(msg.type ?? 0) === 1 ? (msg.strVal ?? '') : (msg.intVal ?? 0);
    case 'meta.FieldsV1':
      return msg.Raw ? JSON.parse(Buffer.from(String(msg.Raw), 'base64').toString('utf8')) : {};
    default:
      return undefined;
  }
}

/** Decodes one message of `typeName` into its JSON form. */
export function decodeMessage(schema: Schema, typeName: string, buf: Buffer): Record<string, any> {
  const def = schema[typeName];
  if (!def) throw badRequest(`protobuf: no schema for ${typeName}`);
  const out: Record<string, any> = {};
  const r = new Reader(buf);
  while (!r.done()) {
    const key = r.varint();
    const num = Number(key >> 3n);
    const wire = Number(key & 7n);
    const f = def.fields.find((x) => x[1] === num);
    if (!f) {
      r.skip(wire);
      continue;
    }
    const [name, , type, repeated, msgType, nonNullable] = f;
    let value: unknown;
    if (type === 11 && msgType) {
      const sub = schema[msgType];
      const decoded = decodeMessage(schema, msgType, r.bytes());
      if (sub?.map) {
        out[name] ??= {};
        const valueType = sub.fields.find((x) => x[0] === 'value')?.[2];
        out[name][String(decoded.key ?? '')] = decoded.value ?? (valueType === 11 ? {} : '');
        continue;
      }
      value = special(msgType, decoded) ?? decoded;
    } else if (repeated && wire === 2 && type !== 9 && type !== 12) {
      const packed = new Reader(r.bytes());
      const arr: unknown[] = (out[name] ??= []);
      while (!packed.done()) arr.push(scalar(type, 0, packed));
      continue;
    } else value = scalar(type, wire, r);
    if (value === undefined) continue;
    if (repeated) (out[name] ??= []).push(value);
    else if (INLINE.has(name) && typeof value === 'object' && value !== null) Object.assign(out, value);
    else if (!(nonNullable && isZero(value))) out[name] = value;
  }
  return out;
}

/** `k8s\0` + runtime.Unknown → `{apiVersion, kind, ...object}`. */
export function decodeKubeProtobuf(schema: Schema, body: Buffer): Record<string, any> {
  if (body.length < 4 || body.subarray(0, 4).toString('latin1') !== 'k8s\0') throw badRequest('protobuf: missing k8s magic prefix');
  const r = new Reader(body.subarray(4));
  let apiVersion = '', kind = '';
  let raw: Buffer = Buffer.alloc(0);
  while (!r.done()) {
    const key = r.varint();
    const num = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (num === 1 && wire === 2) {
      const tm = new Reader(r.bytes());
      while (!tm.done()) {
        const k = Number(tm.varint());
        if (k >> 3 === 1) apiVersion = tm.bytes().toString('utf8');
        else if (k >> 3 === 2) kind = tm.bytes().toString('utf8');
        else tm.skip(k & 7);
      }
    } else if (num === 2 && wire === 2) raw = r.bytes();
    else r.skip(wire);
  }
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const pkg = PROTO_PACKAGES[group ?? ''];
  if (!pkg) throw badRequest(`protobuf: unsupported group ${String(group)}`);
  return { apiVersion, kind, ...decodeMessage(schema, `${pkg}.${version}.${kind}`, raw) };
}
