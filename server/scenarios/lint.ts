import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse } from 'yaml';
import { nodeNamesForRoles } from '../clusters/nodes.js';
import type { ScenarioProblem } from './types.js';
import type { YamlSource } from './yamlSource.js';
import type { FieldPath } from './fieldPath.js';
import { jsonPathProblem } from './kubectlJsonPath.js';
import { httpUrlProblem } from './httpUrl.js';

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => v !== null && typeof v === 'object' && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export interface LintOptions {
  /** labs/ folder; when given, `lab` must name a folder there holding lab.yaml. */
  labsDir?: string;
}

/**
 * Checks the schema cannot express: the id equals the folder name, task and check ids are
 * unique, the README and scripts exist, the lab exists, JSONPaths parse, regexes compile.
 * Runs on schema-invalid data too (guards every access), so one run reports everything.
 */
export function lintScenario(dir: string, source: YamlSource, opts: LintOptions): ScenarioProblem[] {
  const doc = isRec(source.value) ? source.value : {};
  const out: ScenarioProblem[] = [];
  const folder = basename(dir);
  if (typeof doc.id === 'string' && doc.id !== folder)
    out.push(source.problem(['id'], `id '${doc.id}' must equal the folder name '${folder}' (rename one of them)`));

  if (!isFile(join(dir, 'README.md')))
    out.push({ file: join(dir, 'README.md'), message: 'README.md is missing: it holds the instructions the learner reads' });
  for (const [field, fallback] of [['setup', 'setup.sh'], ['solution', 'solution.sh']] as const) {
    const name = typeof doc[field] === 'string' ? (doc[field] as string) : fallback;
    if (!isFile(join(dir, name))) {
      const msg = `${field} script '${name}' not found in ${dir}`;
      out.push(field in doc ? source.problem([field], msg) : { file: source.file, field, message: msg });
    } else if ((statSync(join(dir, name)).mode & 0o111) === 0) {
      const msg = `${field} script '${name}' is not executable: run chmod +x ${join(dir, name)}`;
      out.push(field in doc ? source.problem([field], msg) : { file: source.file, field, message: msg });
    }
  }
  if (opts.labsDir !== undefined && typeof doc.lab === 'string' && !isFile(join(opts.labsDir, doc.lab, 'lab.yaml'))) {
    const known = knownLabs(opts.labsDir);
    out.push(source.problem(['lab'], `unknown lab '${doc.lab}' — known labs: ${known.length ? known.join(', ') : '(none)'} (in ${opts.labsDir})`));
  }

  const labNodes = opts.labsDir !== undefined && typeof doc.lab === 'string' ? nodesOfLab(opts.labsDir, doc.lab) : undefined;
  const taskIds = new Map<string, number>();
  const checkIds = new Map<string, string>();
  list(doc.tasks).forEach((task, t) => {
    if (!isRec(task)) return;
    if (typeof task.id === 'string') {
      const first = taskIds.get(task.id);
      if (first !== undefined) out.push(source.problem(['tasks', t, 'id'], `duplicate task id '${task.id}' (also tasks[${first}].id)`));
      else taskIds.set(task.id, t);
    }
    list(task.checks).forEach((check, c) => {
      if (!isRec(check)) return;
      const at: FieldPath = ['tasks', t, 'checks', c];
      if (typeof check.id === 'string') {
        const first = checkIds.get(check.id);
        if (first !== undefined) out.push(source.problem([...at, 'id'], `duplicate check id '${check.id}' (also ${first}.id)`));
        else checkIds.set(check.id, `tasks[${t}].checks[${c}]`);
      }
      out.push(...lintCheck(check, at, source));
      if (labNodes) out.push(...nodeProblems(check, at, source, String(doc.lab), labNodes));
    });
  });
  return out;
}

/** A check may only name a node its lab's cluster has. */
function nodeProblems(check: Rec, at: FieldPath, source: YamlSource, lab: string, nodes: string[]): ScenarioProblem[] {
  const out: ScenarioProblem[] = [];
  const named: [unknown, FieldPath][] = [[check.node, [...at, 'node']], [isRec(check.skipUnless) ? check.skipUnless.node : undefined, [...at, 'skipUnless', 'node']]];
  for (const [node, path] of named) {
    if (typeof node === 'string' && !nodes.includes(node))
      out.push(source.problem(path, `node '${node}' is not in lab '${lab}' — its nodes: ${nodes.join(', ')} (labs/${lab}/kind-config.yaml)`));
  }
  return out;
}

/** The nodes of a lab's kind config (short names), or undefined when it cannot be read (reported elsewhere). */
function nodesOfLab(labsDir: string, lab: string): string[] | undefined {
  try {
    const cfg = parse(readFileSync(join(labsDir, lab, 'kind-config.yaml'), 'utf8')) as { nodes?: { role?: unknown }[] } | null;
    const roles = Array.isArray(cfg?.nodes) ? cfg.nodes.map((n) => String(n?.role ?? 'control-plane')) : ['control-plane'];
    return nodeNamesForRoles(roles);
  } catch {
    return undefined;
  }
}

function lintCheck(check: Rec, at: FieldPath, source: YamlSource): ScenarioProblem[] {
  const out: ScenarioProblem[] = [];
  list(check.paths).forEach((p, i) => {
    if (typeof p !== 'string') return;
    const why = jsonPathProblem(p);
    if (why !== undefined) out.push(source.problem([...at, 'paths', i], `JSONPath '${p}' ${why}`));
  });
  const expect = isRec(check.expect) ? check.expect : {};
  for (const key of ['matches', 'stdoutMatches']) out.push(...regexProblem(expect[key], [...at, 'expect', key], source));
  if ('match' in check) out.push(...lintMatch(check.match, [...at, 'match'], source));
  if (check.type === 'nodeHttp') out.push(...lintNodeHttp(check, expect, at, source));
  return out;
}

/** A nodeHttp URL curl may be given; an expectation that is either a refused connection or an HTTP answer. */
function lintNodeHttp(check: Rec, expect: Rec, at: FieldPath, source: YamlSource): ScenarioProblem[] {
  const out: ScenarioProblem[] = [];
  const why = typeof check.url === 'string' ? httpUrlProblem(check.url) : undefined;
  if (why !== undefined) out.push(source.problem([...at, 'url'], `URL '${String(check.url)}' ${why}`));
  const answer = ['status', 'statusOneOf', 'bodyContains', 'bodyNotContains', 'certSubjectContains'].filter((k) => k in expect);
  for (const failure of ['refused', 'handshakeRefused'] as const) {
    if (expect[failure] === true && answer.length > 0) out.push(source.problem([...at, 'expect'], `${failure}: true cannot go with ${answer.join(', ')}: a refused ${failure === 'refused' ? 'connection' : 'handshake'} has no HTTP answer`));
  }
  if (expect.refused === true && expect.handshakeRefused === true) out.push(source.problem([...at, 'expect'], 'refused and handshakeRefused cannot both be expected: a refused connection never reaches the TLS handshake'));
  if (expect.refused !== true && expect.handshakeRefused !== true && !('status' in expect) && !('statusOneOf' in expect)) out.push(source.problem([...at, 'expect'], 'say which answer is expected: status, statusOneOf, refused: true or handshakeRefused: true'));
  const tls = isRec(check.tls) ? check.tls : {};
  if (('cert' in tls) !== ('key' in tls)) out.push(source.problem([...at, 'tls'], 'a client certificate needs both cert and key'));
  if (expect.handshakeRefused === true && typeof check.url === 'string' && !check.url.startsWith('https://')) out.push(source.problem([...at, 'url'], 'handshakeRefused needs an https:// URL'));
  return out;
}

/** Operator maps hold exactly one operator; `$regex` values compile. */
function lintMatch(node: unknown, at: FieldPath, source: YamlSource): ScenarioProblem[] {
  if (Array.isArray(node)) return []; // the schema already says how to write arrays
  if (!isRec(node)) return [];
  const keys = Object.keys(node);
  const ops = keys.filter((k) => k.startsWith('$'));
  const out: ScenarioProblem[] = [];
  if (ops.length > 0 && keys.length > 1)
    out.push(source.problem(at, `an operator map holds exactly one operator, found: ${keys.join(', ')} (nest the operators instead)`));
  for (const k of keys) {
    const v = node[k];
    if (k === '$regex') out.push(...regexProblem(v, [...at, k], source));
    else if (k === '$exact' || k === '$contains') list(v).forEach((item, i) => out.push(...lintMatch(item, [...at, k, i], source)));
    else if (!k.startsWith('$')) out.push(...lintMatch(v, [...at, k], source));
    else if (k === '$each') out.push(...lintMatch(v, [...at, k], source));
  }
  return out;
}

function regexProblem(value: unknown, at: FieldPath, source: YamlSource): ScenarioProblem[] {
  if (typeof value !== 'string') return [];
  try {
    new RegExp(value);
    return [];
  } catch (e) {
    return [source.problem(at, `regular expression does not compile: ${(e as Error).message}`)];
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function knownLabs(labsDir: string): string[] {
  if (!existsSync(labsDir)) return [];
  return readdirSync(labsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && isFile(join(labsDir, d.name, 'lab.yaml')))
    .map((d) => d.name)
    .sort();
}
