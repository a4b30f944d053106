/** etcdValue: the raw bytes etcd stores under a key (encryption at rest shows as a prefix). */
import type { EtcdValueCheck } from '../../scenarios/types.js';
import type { CheckResult, ClusterProbes } from '../types.js';

/** Printable start of a raw value: enough to show a prefix, never the whole secret. */
function preview(value: Buffer): string {
  const head = value.subarray(0, 40).toString('latin1').replace(/[^\x20-\x7e]/g, '.');
  return `${JSON.stringify(head)}${value.length > 40 ? '…' : ''} (${value.length} bytes)`;
}

export async function runEtcdValueCheck(check: EtcdValueCheck, probes: ClusterProbes): Promise<Omit<CheckResult, 'id'>> {
  const raw = await probes.etcdGet(check.key);
  const value = raw === null ? null : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const { expect } = check;
  const fail = (expected: string, actual: string): Omit<CheckResult, 'id'> => ({ status: 'fail', message: `${check.description}: ${actual}`, expected, actual });
  if (value === null) {
    if (expect.exists === false) return { status: 'pass', message: check.description, expected: `no key ${check.key}`, actual: 'absent' };
    return fail(`etcd key ${check.key} exists`, `etcd has no key ${check.key}`);
  }
  if (expect.exists === false) return fail(`no key ${check.key}`, `etcd has ${check.key}: ${preview(value)}`);
  if (expect.prefixOneOf && !expect.prefixOneOf.some((p) => value.subarray(0, Buffer.byteLength(p)).equals(Buffer.from(p)))) {
    const plain = value.subarray(0, 4).equals(Buffer.from('k8s\0')) || value[0] === 0x7b;
    return fail(
      `value starting with ${expect.prefixOneOf.join(' or ')}`,
      `${plain ? 'stored in plain text (not encrypted): ' : ''}${preview(value)}`,
    );
  }
  const leaked = (expect.notContains ?? []).find((s) => value.includes(Buffer.from(s)));
  if (leaked !== undefined) return fail(`value without "${leaked}"`, `the raw value contains "${leaked}": ${preview(value)}`);
  return { status: 'pass', message: check.description, expected: expect.prefixOneOf ? `prefix ${expect.prefixOneOf.join(' or ')}` : `key ${check.key} exists`, actual: preview(value) };
}
