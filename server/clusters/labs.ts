import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AppError } from '../errors.js';
import { didYouMean, parseYamlSource, type ScenarioProblem, type YamlSource } from '../scenarios/index.js';
import { existsSync, statSync } from 'node:fs';
import { HOST_CAPABILITIES, type HostCapability, type Lab } from './types.js';
import { nodeNamesForRoles } from './nodes.js';

/** A problem in labs/<id>/ (same shape as a scenario problem: file, line, field, message). */
export type LabProblem = ScenarioProblem;

const REQUIRED_KEYS = ['id', 'description', 'nodeImage'] as const;
const LAB_KEYS = [...REQUIRED_KEYS, 'build', 'bootstrap', 'requires', 'maxClustersPerHost', 'hostLimitReason'] as const;
const LAB_ID = /^[a-z0-9][a-z0-9-]{0,40}$/;

/**
 * Load every labs/<id>/ (lab.yaml + kind-config.yaml) and throw AppError('invalid_scenario')
 * listing every problem when any lab is broken: a server must not start with a lab that would
 * create unpinned or mismatched clusters.
 */
export function loadLabs(labsDir: string): Map<string, Lab> {
  const { labs, problems } = inspectLabs(labsDir);
  if (problems.length > 0) {
    const lines = problems.map((p) => `${p.file}${p.line ? `:${p.line}` : ''}${p.field ? ` ${p.field}` : ''}: ${p.message}`);
    throw new AppError('invalid_scenario', `Broken lab definitions:\n${lines.join('\n')}`);
  }
  return labs;
}

/** Like loadLabs, but problems are data (for `cks-lab validate`). Valid labs are still returned. */
export function inspectLabs(labsDir: string): { labs: Map<string, Lab>; problems: LabProblem[] } {
  const root = resolve(labsDir);
  const labs = new Map<string, Lab>();
  const problems: LabProblem[] = [];
  let names: string[];
  try {
    names = readdirSync(root, { withFileTypes: true })
      .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
      .map((d) => d.name)
      .sort();
  } catch {
    return { labs, problems: [{ file: root, message: `labs folder ${root} cannot be read` }] };
  }
  for (const name of names) {
    const result = loadLab(join(root, name));
    if ('lab' in result) labs.set(result.lab.id, result.lab);
    else problems.push(...result.problems);
  }
  return { labs, problems };
}

/** Load one labs/<id>/ folder. */
export function loadLab(dir: string): { lab: Lab } | { problems: LabProblem[] } {
  const abs = resolve(dir);
  const folder = abs.split(/[\\/]/).pop() ?? '';
  const labFile = join(abs, 'lab.yaml');
  const kindFile = join(abs, 'kind-config.yaml');
  const lab = readYaml(labFile);
  if ('problems' in lab) return lab;
  const problems: LabProblem[] = [];
  const doc = asRecord(lab.source.value);
  if (!doc) return { problems: [lab.source.problem([], 'lab.yaml must be a map with id, description and nodeImage')] };

  for (const key of Object.keys(doc)) {
    if (!(LAB_KEYS as readonly string[]).includes(key))
      problems.push(lab.source.problem([key], `unknown field '${key}'${didYouMean(key, LAB_KEYS) || ` — allowed: ${LAB_KEYS.join(', ')}`}`, { key: true }));
  }
  for (const key of REQUIRED_KEYS) {
    if (typeof doc[key] !== 'string' || doc[key] === '')
      problems.push(lab.source.problem(key in doc ? [key] : [], `${key in doc ? 'field' : 'missing required field'} '${key}' must be a non-empty string`));
  }
  const id = doc.id;
  if (typeof id === 'string' && !LAB_ID.test(id))
    problems.push(lab.source.problem(['id'], `id must be lowercase letters, digits and '-' (got "${id}")`));
  else if (typeof id === 'string' && id !== folder)
    problems.push(lab.source.problem(['id'], `id '${id}' must equal the folder name '${folder}'`));
  const nodeImage = typeof doc.nodeImage === 'string' ? doc.nodeImage : undefined;
  const pinning = nodeImage === undefined ? undefined : imagePinProblem(nodeImage);
  if (pinning) problems.push(lab.source.problem(['nodeImage'], pinning));

  const kind = readYaml(kindFile);
  if ('problems' in kind) problems.push(...kind.problems);
  else if (nodeImage !== undefined) problems.push(...kindConfigProblems(kind.source, nodeImage));

  const extras = { ...labExtras(abs, doc, lab.source, problems), ...hostLimit(doc, lab.source, problems) };
  if (problems.length > 0 || 'problems' in kind) return { problems };
  return { lab: { id: String(id), kindConfig: kindFile, nodeImage: String(nodeImage), description: String(doc.description), nodes: labNodes(kind.source), ...extras } };
}

/**
 * Why an image reference is not pinned, or undefined. A digest (`@sha256:` + 64 hex) pins it;
 * an explicit tag other than `latest` is accepted too.
 */
export function imagePinProblem(image: string): string | undefined {
  const [name = '', digest] = image.split('@');
  if (digest !== undefined) {
    return /^sha256:[a-f0-9]{64}$/.test(digest) ? undefined : `image "${image}" has a malformed digest (want @sha256: and 64 hex digits)`;
  }
  const colon = name.lastIndexOf(':');
  const tag = colon > name.lastIndexOf('/') ? name.slice(colon + 1) : '';
  if (tag === '' || tag === 'latest')
    return `image "${image}" is not pinned: give an explicit tag and preferably a digest, e.g. kindest/node:v1.32.2@sha256:<digest>`;
  return undefined;
}

function kindConfigProblems(source: YamlSource, nodeImage: string): LabProblem[] {
  const cfg = asRecord(source.value);
  if (!cfg) return [source.problem([], 'kind-config.yaml must be a kind Cluster config map')];
  const out: LabProblem[] = [];
  if (cfg.kind !== 'Cluster') out.push(source.problem(['kind'], `kind must be "Cluster" (got ${JSON.stringify(cfg.kind)})`));
  if (typeof cfg.apiVersion !== 'string' || !cfg.apiVersion.startsWith('kind.x-k8s.io/'))
    out.push(source.problem(['apiVersion'], `apiVersion must be kind.x-k8s.io/v1alpha4 (got ${JSON.stringify(cfg.apiVersion)})`));
  const nodes = Array.isArray(cfg.nodes) ? cfg.nodes : [];
  if (nodes.length === 0)
    out.push(source.problem(['nodes'], `list the nodes with their image: nodes: [{role: control-plane, image: ${nodeImage}}] so the node image is pinned`));
  nodes.forEach((node, i) => {
    const image = asRecord(node)?.image;
    if (image !== nodeImage)
      out.push(source.problem(['nodes', i, image === undefined ? 'role' : 'image'], `node image must equal lab.yaml nodeImage "${nodeImage}" (got ${JSON.stringify(image)})`));
  });
  const roles = nodes.map((n) => asRecord(n)?.role);
  if (nodes.length > 0 && roles.filter((r) => r === 'control-plane').length !== 1)
    out.push(source.problem(['nodes'], 'exactly one node must have role: control-plane (CKS Lab does not run HA control planes)'));
  roles.forEach((role, i) => {
    if (role !== 'control-plane' && role !== 'worker') out.push(source.problem(['nodes', i, 'role'], `role must be control-plane or worker (got ${JSON.stringify(role)})`));
  });
  if (roles[0] !== undefined && roles[0] !== 'control-plane') out.push(source.problem(['nodes', 0, 'role'], 'list the control-plane node first'));
  if (nodes.length > 5) out.push(source.problem(['nodes'], `at most 5 nodes per lab cluster (got ${nodes.length}): every node is a container with a kubelet`));
  return out;
}

/** The nodes' short names (`control-plane`, `worker`, `worker2` …) from a checked kind config. */
function labNodes(source: YamlSource): string[] {
  const nodes = asRecord(source.value)?.nodes;
  return nodeNamesForRoles((Array.isArray(nodes) ? nodes : []).map((n) => String(asRecord(n)?.role)));
}

function readYaml(file: string): { source: YamlSource } | { problems: LabProblem[] } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { problems: [{ file, message: `${file.split(/[\\/]/).pop() ?? file} is missing` }] };
  }
  const source = parseYamlSource(file, text);
  return source.syntaxProblems.length > 0 ? { problems: source.syntaxProblems } : { source };
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** `maxClustersPerHost` (a whole number ≥ 1) and the `hostLimitReason` learners are told while they wait for it. */
function hostLimit(doc: Record<string, unknown>, source: YamlSource, problems: LabProblem[]): Pick<Lab, 'maxClustersPerHost' | 'hostLimitReason'> {
  const out: Pick<Lab, 'maxClustersPerHost' | 'hostLimitReason'> = {};
  const max = doc.maxClustersPerHost;
  if (max !== undefined) {
    if (typeof max !== 'number' || !Number.isInteger(max) || max < 1) problems.push(source.problem(['maxClustersPerHost'], `maxClustersPerHost must be a whole number of at least 1 (got ${JSON.stringify(max)})`));
    else out.maxClustersPerHost = max;
  }
  const reason = doc.hostLimitReason;
  if (reason !== undefined) {
    if (typeof reason !== 'string' || reason.trim() === '') problems.push(source.problem(['hostLimitReason'], 'hostLimitReason must be a non-empty sentence for the learner'));
    else if (max === undefined) problems.push(source.problem(['hostLimitReason'], 'hostLimitReason explains maxClustersPerHost: set maxClustersPerHost too'));
    else out.hostLimitReason = reason.trim();
  }
  return out;
}

/** The optional fields: `build` (folder with a Dockerfile), `bootstrap` (script), `requires` (host capabilities). */
function labExtras(dir: string, doc: Record<string, unknown>, source: YamlSource, problems: LabProblem[]): Pick<Lab, 'buildContext' | 'bootstrapScript' | 'requires'> {
  const out: Pick<Lab, 'buildContext' | 'bootstrapScript' | 'requires'> = { requires: [] };
  if (doc.build !== undefined) {
    const ctx = typeof doc.build === 'string' ? join(dir, doc.build) : '';
    if (!ctx || !existsSync(join(ctx, 'Dockerfile'))) problems.push(source.problem(['build'], `build must name a folder of this lab holding a Dockerfile (got ${JSON.stringify(doc.build)})`));
    else out.buildContext = ctx;
  }
  if (doc.bootstrap !== undefined) {
    const file = typeof doc.bootstrap === 'string' ? join(dir, doc.bootstrap) : '';
    if (!file || !existsSync(file) || !statSync(file).isFile()) problems.push(source.problem(['bootstrap'], `bootstrap must name a script file of this lab (got ${JSON.stringify(doc.bootstrap)})`));
    else out.bootstrapScript = file;
  }
  if (doc.requires !== undefined) {
    const list = Array.isArray(doc.requires) ? doc.requires : [];
    const bad = list.filter((c) => !HOST_CAPABILITIES.includes(c as HostCapability));
    if (!Array.isArray(doc.requires) || bad.length > 0) problems.push(source.problem(['requires'], `requires is a list of host capabilities from: ${HOST_CAPABILITIES.join(', ')}`));
    else out.requires = list as HostCapability[];
  }
  return out;
}
