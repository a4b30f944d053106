/**
 * Seccomp as the kubelet, containerd and runc apply it, made real: the container's profile is
 * compiled into a classic-BPF program that the sandbox installs with prctl(PR_SET_SECCOMP) right
 * before it executes the container's command (see sandbox.ts), so `/proc/1/status` shows
 * `Seccomp: 2` / `Seccomp_filters: 1` and a denied syscall really fails in the kernel.
 * - Which profile: the container's securityContext.seccompProfile, else the pod's; unset means
 *   Unconfined (the kubelet's default without seccompDefault, as on kind); privileged
 *   containers get none (containerd's GenerateSeccompSpecOpts).
 * - Localhost: `<node>/var/lib/kubelet/seccomp/<localhostProfile>` (the kubelet's seccomp root);
 *   a file that cannot be read or decoded fails container creation with containerd's message
 *   (CreateContainerError); an unknown action, operator or architecture fails at start with runc's.
 * - RuntimeDefault: simplified — instead of containerd's allow-list, the syscalls that list leaves
 *   out for a container with the default capabilities (mount, unshare, keyctl, bpf …) fail with EPERM.
 * x86_64 only (the syscall table); rules are tried in order, the first match decides.
 */
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject } from '../store.js';
import { X86_64_SYSCALLS } from './syscalls.js';

/** A container's seccomp outcome: no filter, a filter (hex of the sock_filter array), or why it cannot run. */
export type SeccompResult = { filter?: string } | { error: string; stage: 'create' | 'start' };

const SECCOMP_ROOT = 'var/lib/kubelet/seccomp';
const MAX_PROFILE_BYTES = 1 << 20;
const BPF_MAXINSNS = 4096;
const EPERM = 1;
const AUDIT_ARCH_X86_64 = 0xc000003e;
const X32_SYSCALL_BIT = 0x40000000;
const RUNC = 'failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: ';

/** The syscalls containerd's default profile does not allow a container with the default capabilities. */
const RUNTIME_DEFAULT_DENIED = [
  'acct', 'add_key', 'bpf', 'clock_adjtime', 'clock_settime', 'create_module', 'delete_module', 'finit_module', 'fsconfig', 'fsmount',
  'fsopen', 'fspick', 'get_kernel_syms', 'get_mempolicy', 'init_module', 'ioperm', 'iopl', 'kcmp', 'kexec_file_load', 'kexec_load',
  'keyctl', 'lookup_dcookie', 'mbind', 'mount', 'mount_setattr', 'move_mount', 'move_pages', 'name_to_handle_at', 'nfsservctl',
  'open_by_handle_at', 'open_tree', 'perf_event_open', 'pivot_root', 'quotactl', 'reboot', 'request_key', 'set_mempolicy',
  'setdomainname', 'sethostname', 'setns', 'settimeofday', 'swapoff', 'swapon', 'syslog', 'umount2', 'unshare', 'uselib',
  'userfaultfd', 'ustat', 'vhangup',
];

/** The profile that applies to a container: its own securityContext's, else the pod's. */
export function seccompProfileOf(pod: KubeObject, container: Record<string, any>): { type?: string; localhostProfile?: string } | undefined {
  return container.securityContext?.seccompProfile ?? pod.spec?.securityContext?.seccompProfile ?? undefined;
}

/** The container's seccomp outcome, reading a Localhost profile from the node root. */
export function seccompFor(nodeRoot: string, pod: KubeObject, container: Record<string, any>, containerId = ''): SeccompResult {
  if (container.securityContext?.privileged === true) return {};
  const sp = seccompProfileOf(pod, container);
  if (!sp || sp.type === 'Unconfined') return {};
  if (sp.type === 'RuntimeDefault') {
    return { filter: compile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: RUNTIME_DEFAULT_DENIED, action: 'SCMP_ACT_ERRNO' }] }) as string };
  }
  if (sp.type !== 'Localhost') return { error: 'seccomp unknown ProfileType', stage: 'create' };
  // The API server only admits descending relative paths; the kubelet joins them to its seccomp root.
  const path = `/${SECCOMP_ROOT}/${String(sp.localhostProfile ?? '')}`.replace(/\/+/g, '/');
  const spec = `failed to generate container "${containerId}" spec: failed to generate spec: `;
  const prefix = `${spec}cannot load seccomp profile "${path}": `;
  let text: string;
  try {
    const file = join(nodeRoot, path);
    // The node's files are the learner's: a symlink may not lead the fake outside the node's root.
    const real = realpathSync(file);
    if (!real.startsWith(`${realpathSync(nodeRoot)}/`)) throw Object.assign(new Error('outside the node'), { code: 'ENOENT' });
    const st = statSync(real);
    if (st.isDirectory()) return { error: `${prefix}read ${path}: is a directory`, stage: 'create' };
    if (st.size > MAX_PROFILE_BYTES) return { error: `${prefix}fake kubelet: profile larger than ${MAX_PROFILE_BYTES} bytes`, stage: 'create' };
    text = readFileSync(real, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { error: `${prefix}open ${path}: ${code === 'EACCES' ? 'permission denied' : 'no such file or directory'}`, stage: 'create' };
  }
  const profile = decode(text);
  if (typeof profile === 'string') return { error: `${spec}decoding seccomp profile failed "${path}": ${profile}`, stage: 'create' };
  const program = compile(profile);
  if (typeof program === 'object') return { error: `${RUNC}${program.error}: unknown`, stage: 'start' };
  return program === '' ? {} : { filter: program };
}

type Json = Record<string, unknown>;

/** Go's encoding/json matches keys case-insensitively. */
function field(obj: Json, key: string): unknown {
  if (key in obj) return obj[key];
  const k = Object.keys(obj).find((x) => x.toLowerCase() === key.toLowerCase());
  return k === undefined ? undefined : obj[k];
}

/** JSON text → the runtime-spec LinuxSeccomp shape, or encoding/json's error text. */
export function decode(text: string): Json | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    // V8 names the offending token or its position; encoding/json names the character.
    const msg = String((e as Error).message);
    const at = /position (\d+)/.exec(msg)?.[1];
    const ch = at !== undefined ? text[Number(at)] : /^Unexpected token '(.)'/.exec(msg)?.[1];
    if (ch === undefined) return 'unexpected end of JSON input';
    return `invalid character '${ch}' looking for beginning of value`;
  }
  const kind = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'object' ? 'object' : typeof v);
  const mismatch = (v: unknown, f: string, type: string): string => `json: cannot unmarshal ${kind(v)} into Go struct field ${f} of type ${type}`;
  if (kind(value) !== 'object') return `json: cannot unmarshal ${kind(value)} into Go value of type specs.LinuxSeccomp`;
  const p = value as Json;
  const str = (v: unknown): boolean => v === undefined || v === null || typeof v === 'string';
  if (!str(field(p, 'defaultAction'))) return mismatch(field(p, 'defaultAction'), 'LinuxSeccomp.defaultAction', 'specs.LinuxSeccompAction');
  const syscalls = field(p, 'syscalls') ?? [];
  if (!Array.isArray(syscalls)) return mismatch(syscalls, 'LinuxSeccomp.syscalls', '[]specs.LinuxSyscall');
  for (const s of syscalls as unknown[]) {
    if (kind(s) !== 'object') return mismatch(s, 'LinuxSeccomp.syscalls', 'specs.LinuxSyscall');
    const names = field(s as Json, 'names') ?? [];
    if (!Array.isArray(names) || names.some((n) => typeof n !== 'string')) return mismatch(names, 'LinuxSeccomp.syscalls.names', 'string');
    if (!str(field(s as Json, 'action'))) return mismatch(field(s as Json, 'action'), 'LinuxSeccomp.syscalls.action', 'specs.LinuxSeccompAction');
    const args = field(s as Json, 'args') ?? [];
    if (!Array.isArray(args)) return mismatch(args, 'LinuxSeccomp.syscalls.args', '[]specs.LinuxSeccompArg');
    for (const a of args as unknown[]) {
      if (kind(a) !== 'object') return mismatch(a, 'LinuxSeccomp.syscalls.args', 'specs.LinuxSeccompArg');
      for (const [k, type] of [['index', 'uint'], ['value', 'uint64'], ['valueTwo', 'uint64']] as const) {
        const v = field(a as Json, k);
        if (v !== undefined && v !== null && !(typeof v === 'number' && Number.isInteger(v) && v >= 0)) return mismatch(v, `LinuxSeccomp.syscalls.args.${k}`, type);
      }
    }
  }
  return p;
}

/** runc's action names → SECCOMP_RET_* (ERRNO and TRACE carry errnoRet, EPERM by default). */
function actionCode(action: unknown, errnoRet: unknown): number | undefined {
  const errno = (typeof errnoRet === 'number' ? errnoRet : EPERM) & 0xffff;
  switch (action) {
    case 'SCMP_ACT_KILL':
    case 'SCMP_ACT_KILL_THREAD':
      return 0;
    case 'SCMP_ACT_KILL_PROCESS':
      return 0x80000000;
    case 'SCMP_ACT_TRAP':
      return 0x00030000;
    case 'SCMP_ACT_ERRNO':
      return 0x00050000 | errno;
    case 'SCMP_ACT_TRACE':
      return 0x7ff00000 | errno;
    case 'SCMP_ACT_LOG':
      return 0x7ffc0000;
    case 'SCMP_ACT_ALLOW':
      return 0x7fff0000;
    default:
      return undefined;
  }
}

const ARCHES = new Set(['SCMP_ARCH_X86', 'SCMP_ARCH_X86_64', 'SCMP_ARCH_X32', 'SCMP_ARCH_ARM', 'SCMP_ARCH_AARCH64', 'SCMP_ARCH_MIPS', 'SCMP_ARCH_MIPS64', 'SCMP_ARCH_MIPS64N32', 'SCMP_ARCH_MIPSEL', 'SCMP_ARCH_MIPSEL64', 'SCMP_ARCH_MIPSEL64N32', 'SCMP_ARCH_PPC', 'SCMP_ARCH_PPC64', 'SCMP_ARCH_PPC64LE', 'SCMP_ARCH_S390', 'SCMP_ARCH_S390X', 'SCMP_ARCH_PARISC', 'SCMP_ARCH_PARISC64', 'SCMP_ARCH_RISCV64', 'SCMP_ARCH_LOONGARCH64', 'SCMP_ARCH_M68K', 'SCMP_ARCH_SH', 'SCMP_ARCH_SHEB']);
const OPS = new Set(['SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_MASKED_EQ']);

/** One BPF instruction; `jt`/`jf` may name a label resolved when the block is laid out. */
interface Insn {
  code: number;
  jt: number | 'fail';
  jf: number | 'fail';
  k: number;
}
const LD_ABS = 0x20; // BPF_LD|BPF_W|BPF_ABS
const JEQ = 0x15;
const JGT = 0x25;
const JGE = 0x35;
const AND = 0x54; // BPF_ALU|BPF_AND|BPF_K
const RET = 0x06;
const ld = (k: number): Insn => ({ code: LD_ABS, jt: 0, jf: 0, k });
const jmp = (code: number, k: number, jt: Insn['jt'], jf: Insn['jf']): Insn => ({ code, jt, jf, k });

/** Instructions proving one 64-bit argument condition; a false condition jumps to 'fail'. */
function condition(index: number, op: string, value: number, valueTwo: number): Insn[] {
  const lo = 16 + 8 * index;
  const hi = lo + 4;
  const split = (v: number): [number, number] => [Math.floor(v / 2 ** 32) >>> 0, v >>> 0];
  const [vh, vl] = split(value);
  switch (op) {
    case 'SCMP_CMP_EQ':
      return [ld(hi), jmp(JEQ, vh, 0, 'fail'), ld(lo), jmp(JEQ, vl, 0, 'fail')];
    case 'SCMP_CMP_NE':
      return [ld(hi), jmp(JEQ, vh, 0, 2), ld(lo), jmp(JEQ, vl, 'fail', 0)];
    case 'SCMP_CMP_MASKED_EQ': {
      const [dh, dl] = split(valueTwo);
      return [ld(hi), { code: AND, jt: 0, jf: 0, k: vh }, jmp(JEQ, dh, 0, 'fail'), ld(lo), { code: AND, jt: 0, jf: 0, k: vl }, jmp(JEQ, dl, 0, 'fail')];
    }
    case 'SCMP_CMP_GT':
    case 'SCMP_CMP_GE':
      return [ld(hi), jmp(JGT, vh, 3, 0), jmp(JEQ, vh, 0, 'fail'), ld(lo), jmp(op === 'SCMP_CMP_GT' ? JGT : JGE, vl, 0, 'fail')];
    default: // LT, LE
      return [ld(hi), jmp(JGE, vh, 0, 3), jmp(JEQ, vh, 0, 'fail'), ld(lo), jmp(op === 'SCMP_CMP_LT' ? JGE : JGT, vl, 'fail', 0)];
  }
}

/**
 * A decoded profile → the hex of its sock_filter array ('' when runc would install none: no
 * default action and no syscalls), or runc's error.
 */
export function compile(profile: Json): string | { error: string } {
  const syscalls = (field(profile, 'syscalls') ?? []) as Json[];
  const defaultAction = field(profile, 'defaultAction');
  if ((defaultAction === undefined || defaultAction === null || defaultAction === '') && syscalls.length === 0) return '';
  for (const arch of (field(profile, 'architectures') ?? []) as unknown[]) {
    if (!ARCHES.has(String(arch))) return { error: `string ${String(arch)} is not a valid arch for seccomp` };
  }
  const dflt = actionCode(defaultAction, field(profile, 'defaultErrnoRet'));
  if (dflt === undefined) return { error: `string ${String(defaultAction ?? '')} is not a valid action for seccomp` };
  const insns: Insn[] = [ld(4), jmp(JEQ, AUDIT_ARCH_X86_64, 1, 0), { code: RET, jt: 0, jf: 0, k: dflt }];
  for (const s of syscalls) {
    const action = field(s, 'action');
    if (action === 'SCMP_ACT_NOTIFY') return { error: 'fake kubelet: SCMP_ACT_NOTIFY (a seccomp agent) is not simulated' };
    const code = actionCode(action, field(s, 'errnoRet'));
    if (code === undefined) return { error: `string ${String(action ?? '')} is not a valid action for seccomp` };
    const conds: Insn[] = [];
    for (const a of (field(s, 'args') ?? []) as Json[]) {
      const op = String(field(a, 'op') ?? '');
      if (!OPS.has(op)) return { error: `string ${op} is not a valid operator for seccomp` };
      const index = Number(field(a, 'index') ?? 0);
      if (index > 5) return { error: `fake kubelet: syscall argument index ${index} out of range` };
      conds.push(...condition(index, op, Number(field(a, 'value') ?? 0), Number(field(a, 'valueTwo') ?? 0)));
    }
    for (const name of (field(s, 'names') ?? []) as string[]) {
      const nr = X86_64_SYSCALLS.get(name);
      if (nr === undefined) continue; // runc skips syscalls libseccomp does not know
      const block: Insn[] = [ld(0), jmp(JEQ, nr, 0, 'fail'), ...conds, { code: RET, jt: 0, jf: 0, k: code }];
      if (block.length > 256) return { error: 'fake kubelet: too many argument conditions in one syscall rule' };
      block.forEach((ins, i) => {
        for (const f of ['jt', 'jf'] as const) if (ins[f] === 'fail') ins[f] = block.length - i - 1;
      });
      insns.push(...block);
      if (insns.length > BPF_MAXINSNS) return { error: 'unable to init seccomp: error loading seccomp filter into kernel: loading seccomp filter: argument list too long' };
    }
  }
  // x32 system calls on the x86_64 audit arch are not this filter's; everything else takes the default.
  insns.splice(3, 0, ld(0), jmp(JGE, X32_SYSCALL_BIT, 0, 1), { code: RET, jt: 0, jf: 0, k: dflt });
  insns.push({ code: RET, jt: 0, jf: 0, k: dflt });
  const buf = Buffer.alloc(insns.length * 8);
  insns.forEach((ins, i) => {
    buf.writeUInt16LE(ins.code, i * 8);
    buf.writeUInt8(ins.jt as number, i * 8 + 2);
    buf.writeUInt8(ins.jf as number, i * 8 + 3);
    buf.writeUInt32LE(ins.k >>> 0, i * 8 + 4);
  });
  return buf.toString('hex');
}
