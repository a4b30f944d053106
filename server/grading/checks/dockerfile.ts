/**
 * `nodeDockerfile` checks: a Dockerfile the learner wrote, parsed the way BuildKit reads it
 * (parser directives, line continuations with the escape character, comments, JSON (exec) and
 * shell forms, `FROM [--platform=…] image [AS name]`, ARG before the first FROM) and partially
 * matched like an object. The parsed shape, per stage and for the final stage (the image that
 * ships):
 *   { stageCount, envArgNames, stages: [Stage], final: Stage }
 *   Stage = { name?, from, user?, entrypoint?, entrypointForm?, cmd?, cmdForm?, startForm, runs: [text],
 *             copiesFrom: [stage], env: {K: V}, args: {K: V}, instructions: [NAME] }
 * `startForm` is how the container starts: ENTRYPOINT's form when there is one, else CMD's.
 * `user` is the last USER of the stage (absent: root), `*Form` is `exec` or `shell`, and
 * `envArgNames` lists every ENV and ARG name of every stage, space-separated (empty when none), so a
 * negative pattern can say "no secret-looking variable anywhere".
 */
import type { NodeDockerfileCheck } from '../../scenarios/types.js';
import { matchObject, summarizeMismatches } from '../match.js';
import { describeShape } from '../matchFormat.js';
import type { CheckResult, CheckRunner } from '../types.js';
import { readNodeFile } from './nodeYaml.js';

export interface DockerfileStage {
  name?: string;
  from: string;
  user?: string;
  entrypoint?: string;
  entrypointForm?: 'exec' | 'shell';
  cmd?: string;
  cmdForm?: 'exec' | 'shell';
  /** How the container starts: ENTRYPOINT's form when there is one, else CMD's; `none` without either. */
  startForm: 'exec' | 'shell' | 'none';
  runs: string[];
  copiesFrom: string[];
  env: Record<string, string>;
  args: Record<string, string>;
  instructions: string[];
}

export interface ParsedDockerfile {
  stageCount: number;
  envArgNames: string;
  stages: DockerfileStage[];
  final: DockerfileStage | null;
}

/** Logical instructions: directives read, comments dropped, continuations joined. */
function logicalLines(text: string): string[] {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  let escape = '\\';
  let i = 0;
  // Parser directives: `# escape=`` at the very top, before any other line.
  for (; i < lines.length; i++) {
    const m = /^#\s*([a-z]+)\s*=\s*(\S+)\s*$/i.exec(lines[i]!);
    if (!m) break;
    if (m[1]!.toLowerCase() === 'escape' && (m[2] === '`' || m[2] === '\\')) escape = m[2]!;
  }
  const out: string[] = [];
  let current = '';
  for (; i < lines.length; i++) {
    const raw = lines[i]!;
    if (/^\s*#/.test(raw)) continue;
    const trimmed = raw.replace(/\s+$/, '');
    if (trimmed.endsWith(escape)) {
      current += `${trimmed.slice(0, -1)} `;
      continue;
    }
    current += trimmed;
    if (current.trim() !== '') out.push(current.trim());
    current = '';
  }
  if (current.trim() !== '') out.push(current.trim());
  return out;
}

/** `["a", "b"]` → ['a','b'] for the exec form; null for the shell form. */
function execForm(args: string): string[] | null {
  if (!args.startsWith('[')) return null;
  try {
    const v = JSON.parse(args) as unknown;
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : null;
  } catch {
    return null;
  }
}

/** `K=V K2="v 2"` or the legacy `K V` form of ENV / ARG. */
function keyValues(args: string, legacy: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  if (legacy && !/^[^\s=]+=/.test(args)) {
    const [k, ...rest] = args.split(/\s+/);
    if (k) out[k] = rest.join(' ');
    return out;
  }
  for (const m of args.matchAll(/([^\s=]+)(?:=("(?:[^"\\]|\\.)*"|'[^']*'|\S*))?/g)) {
    out[m[1]!] = (m[2] ?? '').replace(/^"(.*)"$/s, '$1').replace(/^'(.*)'$/s, '$1');
  }
  return out;
}

export function parseDockerfile(text: string): ParsedDockerfile {
  const stages: DockerfileStage[] = [];
  for (const line of logicalLines(text)) {
    const m = /^(\S+)\s*(.*)$/s.exec(line);
    if (!m) continue;
    const instruction = m[1]!.toUpperCase();
    const args = m[2]!.trim();
    if (instruction === 'FROM') {
      const words = args.split(/\s+/).filter((w) => !w.startsWith('--'));
      const as = words.findIndex((w) => w.toLowerCase() === 'as');
      stages.push({ from: words[0] ?? '', ...(as > 0 && words[as + 1] ? { name: words[as + 1]! } : {}), startForm: 'none', runs: [], copiesFrom: [], env: {}, args: {}, instructions: ['FROM'] });
      continue;
    }
    const stage = stages[stages.length - 1];
    if (!stage) continue; // ARG before the first FROM belongs to no stage
    stage.instructions.push(instruction);
    const exec = execForm(args);
    switch (instruction) {
      case 'USER':
        stage.user = args;
        break;
      case 'ENTRYPOINT':
        stage.entrypoint = exec ? exec.join(' ') : args;
        stage.entrypointForm = exec ? 'exec' : 'shell';
        break;
      case 'CMD':
        stage.cmd = exec ? exec.join(' ') : args;
        stage.cmdForm = exec ? 'exec' : 'shell';
        break;
      case 'RUN':
        stage.runs.push(exec ? exec.join(' ') : args.replace(/^(--\S+\s+)+/, ''));
        break;
      case 'COPY': {
        const from = /--from=(\S+)/.exec(args);
        if (from) stage.copiesFrom.push(from[1]!);
        break;
      }
      case 'ENV':
        Object.assign(stage.env, keyValues(args, true));
        break;
      case 'ARG':
        Object.assign(stage.args, keyValues(args, false));
        break;
      default:
        break;
    }
  }
  for (const st of stages) st.startForm = st.entrypointForm ?? st.cmdForm ?? 'none';
  const names = stages.flatMap((s) => [...Object.keys(s.env), ...Object.keys(s.args)]);
  return { stageCount: stages.length, envArgNames: names.join(' '), stages, final: stages[stages.length - 1] ?? null };
}

/** The Dockerfile exists and its parsed shape partially matches `check.match`. */
export const runNodeDockerfileCheck: CheckRunner<NodeDockerfileCheck> = async (check, probes) => {
  const { path } = check;
  const expected = `${path} with ${describeShape(check.match)}`;
  const fail = (actual: string, exp = expected): Omit<CheckResult, 'id'> => ({ status: 'fail', message: `${check.description}: ${actual}`, expected: exp, actual });
  const text = await readNodeFile(probes, path, check.node);
  if (text === null) return fail(`${path} not found`);
  if (text.length > 256 * 1024) return fail(`${path} is ${text.length} bytes, more than a Dockerfile should be (256 KiB)`);
  const parsed = parseDockerfile(text);
  if (parsed.stageCount === 0) return fail(`${path} has no FROM instruction`);
  const mismatches = matchObject(check.match, parsed);
  const [first] = mismatches;
  if (!first) return { status: 'pass', message: check.description, expected, actual: `${path} matches` };
  const where = first.path === '' ? path : first.path;
  return fail(`${path}: ${summarizeMismatches(mismatches)}`, `${where}: ${first.expected}`);
};
