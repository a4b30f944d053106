import { strict as assert } from 'node:assert';
import { cpSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { loadScenario, loadCatalog, formatProblem, compileScenarioSchema, DEFAULT_CHECK_TIMEOUT_MS } from '../../server/scenarios/index.js';
import type { ScenarioProblem } from '../../server/scenarios/index.js';
import { copyFixture, replaceOnce, type FixtureCopy } from './helpers.js';

function problemsOf(fx: FixtureCopy): ScenarioProblem[] {
  const r = loadScenario(fx.scenarioDir, { labsDir: fx.labsDir });
  assert.ok(r.problems, 'expected the scenario to be rejected');
  return r.problems;
}

function only(problems: ScenarioProblem[], pred: (p: ScenarioProblem) => boolean): ScenarioProblem {
  const hits = problems.filter(pred);
  assert.equal(hits.length, 1, `expected one matching problem, got:\n${problems.map(formatProblem).join('\n')}`);
  return hits[0]!;
}

describe('scenario loader', () => {
  const schema = compileScenarioSchema();
  let fx: FixtureCopy;
  beforeEach(() => {
    fx = copyFixture();
  });
  afterEach(() => fx.dispose());

  it('loads a valid scenario with instructions, script paths and defaults', () => {
    const r = loadScenario(fx.scenarioDir, { labsDir: fx.labsDir, schema });
    assert.equal(r.problems, undefined, r.problems?.map(formatProblem).join('\n'));
    const s = r.scenario!;
    assert.equal(s.id, 'demo-scenario');
    assert.equal(s.tasks.length, 2);
    assert.match(s.instructions, /Repair the pod/);
    assert.equal(s.setupScript, join(fx.scenarioDir, 'setup.sh'));
    assert.equal(s.solutionScript, join(fx.scenarioDir, 'solution.sh'));
    const checks = s.tasks.flatMap((t) => t.checks);
    assert.deepEqual(checks.map((c) => c.type), ['object', 'jsonpath', 'podExec', 'nodeFile', 'nodeCommand', 'objectAbsent']);
    assert.equal(checks.find((c) => c.id === 'served')?.timeoutMs, 20000, 'explicit timeout kept');
    assert.equal(checks.find((c) => c.id === 'init-exit')?.timeoutMs, DEFAULT_CHECK_TIMEOUT_MS, 'default timeout applied');
  });

  it('names file, line, field and the likely fix for a typo', () => {
    fx.edit((t) => replaceOnce(t, '    weight: 1\n', '    weigth: 1\n'));
    const p = only(problemsOf(fx), () => true);
    assert.equal(p.file, fx.yamlFile);
    assert.equal(p.line, fx.lineOf('weigth'));
    assert.equal(p.field, 'tasks[1].weigth');
    assert.equal(p.message, "unknown field 'weigth' — did you mean 'weight'?");
    assert.match(formatProblem(p), new RegExp(`scenario\\.yaml:${p.line}:\\d+ tasks\\[1\\]\\.weigth: unknown field`));
  });

  it('reports a missing required field on the object that lacks it', () => {
    fx.edit((t) => replaceOnce(t, '    hint: The nginx container serves /usr/share/nginx/html.\n', ''));
    const p = only(problemsOf(fx), () => true);
    assert.equal(p.field, 'tasks[1]');
    assert.match(p.message, /^missing required field 'hint'/);
    assert.equal(p.line, fx.lineOf('id: second-task'));
  });

  it('lists the allowed check types for an unknown type, with a suggestion', () => {
    fx.edit((t) => replaceOnce(t, 'type: nodeCommand', 'type: nodecommand'));
    const p = only(problemsOf(fx), () => true);
    assert.equal(p.field, 'tasks[1].checks[2].type');
    assert.equal(p.line, fx.lineOf('type: nodecommand'));
    assert.match(p.message, /one of: object, objectAbsent, jsonpath, podExec, nodeCommand, nodeFile/);
    assert.match(p.message, /did you mean 'nodeCommand'\?/);
  });

  it('asks for per-type fields once the type is known', () => {
    fx.edit((t) => replaceOnce(t, "        command: [crictl, ps]\n", ''));
    const p = only(problemsOf(fx), () => true);
    assert.equal(p.field, 'tasks[1].checks[2]');
    assert.match(p.message, /missing required field 'command'/);
  });

  it('rejects a plain array in match and says which operators to use', () => {
    fx.edit((t) => replaceOnce(t, '            initContainers:\n              $contains:\n', '            initContainers:\n'));
    const p = only(problemsOf(fx), () => true);
    assert.equal(p.field, 'tasks[0].checks[0].match.spec.initContainers');
    assert.match(p.message, /use \{\$exact: \[\.\.\.\]\}, \{\$contains: \[\.\.\.\]\} or \{\$each: \{\.\.\.\}\}/);
    assert.equal(p.line, fx.lineOf('- name: prepare'));
  });

  it('rejects an unknown match operator and a regex that does not compile', () => {
    fx.edit((t) => replaceOnce(replaceOnce(t, '$absent: true', '$absnet: true'), "(@sha256:[a-f0-9]{64})?$'", "(@sha256:[a-f0-9]{64}?$'"));
    const problems = problemsOf(fx);
    assert.match(only(problems, (p) => p.field === 'tasks[0].checks[0].match.metadata.annotations.$absnet').message, /unknown match operator '\$absnet' — did you mean '\$absent'\?/);
    const re = only(problems, (p) => p.field === 'tasks[0].checks[0].match.spec.initContainers.$contains[0].image.$regex');
    assert.match(re.message, /regular expression does not compile/);
  });

  it('reports duplicate task and check ids', () => {
    fx.edit((t) => replaceOnce(replaceOnce(t, 'id: second-task', 'id: first-task'), 'id: manifest-saved', 'id: served'));
    const problems = problemsOf(fx);
    assert.match(only(problems, (p) => p.field === 'tasks[1].id').message, /duplicate task id 'first-task' \(also tasks\[0\]\.id\)/);
    assert.match(only(problems, (p) => p.field === 'tasks[1].checks[1].id').message, /duplicate check id 'served' \(also tasks\[1\]\.checks\[0\]\.id\)/);
  });

  it('reports a missing README.md and missing scripts', () => {
    unlinkSync(join(fx.scenarioDir, 'README.md'));
    unlinkSync(join(fx.scenarioDir, 'setup.sh'));
    const problems = problemsOf(fx);
    only(problems, (p) => p.file === join(fx.scenarioDir, 'README.md') && /README\.md is missing/.test(p.message));
    only(problems, (p) => p.field === 'setup' && /setup script 'setup\.sh' not found/.test(p.message));
  });

  it('reports an unknown lab and lists the known ones', () => {
    fx.edit((t) => replaceOnce(t, 'lab: default', 'lab: gvisor'));
    const p = only(problemsOf(fx), () => true);
    assert.equal(p.field, 'lab');
    assert.equal(p.line, fx.lineOf('lab: gvisor'));
    assert.match(p.message, /unknown lab 'gvisor' — known labs: default/);
  });

  it('requires the id to equal the folder name', () => {
    fx.edit((t) => replaceOnce(t, 'id: demo-scenario', 'id: other-name'));
    assert.match(only(problemsOf(fx), (p) => p.field === 'id').message, /must equal the folder name 'demo-scenario'/);
  });

  it('rejects a JSONPath that does not parse', () => {
    fx.edit((t) => replaceOnce(t, "'{.status.initContainerStatuses[?(@.name==\"prepare\")].state.terminated.exitCode}'", "'{.status.initContainerStatuses[?(@.name==\"prepare\").state.terminated.exitCode}'"));
    const p = only(problemsOf(fx), () => true);
    assert.equal(p.field, 'tasks[0].checks[1].paths[0]');
    assert.match(p.message, /JSONPath .* is missing '\]'/);
  });

  it('names the line of a YAML syntax error', () => {
    fx.edit((t) => replaceOnce(t, '    title: Content is served\n', '    title: [Content is served\n'));
    const problems = problemsOf(fx);
    assert.ok(problems.length >= 1);
    assert.equal(problems[0]!.file, fx.yamlFile);
    assert.match(problems[0]!.message, /^YAML syntax error/);
    assert.ok(problems[0]!.line! >= fx.lineOf('[Content is served'), `line ${problems[0]!.line}`);
  });

  it('reports a wrong value type with the allowed type', () => {
    fx.edit((t) => replaceOnce(t, 'timeLimitMinutes: 15', 'timeLimitMinutes: fifteen'));
    const p = only(problemsOf(fx), () => true);
    assert.equal(p.field, 'timeLimitMinutes');
    assert.equal(p.message, `'timeLimitMinutes' must be an integer (got string "fifteen")`);
  });

  it('loadCatalog returns the valid scenarios next to the problems of broken ones', () => {
    const broken = copyFixture();
    try {
      broken.edit((t) => replaceOnce(t, 'difficulty: easy', 'difficulty: trivial'));
      // put the broken copy next to the good one under another folder name
      cpSync(broken.scenarioDir, join(fx.scenariosDir, 'broken-one'), { recursive: true });
    } finally {
      broken.dispose();
    }
    const { scenarios, problems } = loadCatalog(fx.scenariosDir, { labsDir: fx.labsDir });
    assert.deepEqual(scenarios.map((s) => s.id), ['demo-scenario']);
    assert.ok(problems.every((p) => p.file.includes('broken-one')));
    assert.ok(problems.some((p) => p.field === 'difficulty' && /one of: easy, medium, hard/.test(p.message)));
    assert.ok(problems.some((p) => p.field === 'id' && /folder name 'broken-one'/.test(p.message)));
  });

  it('loadCatalog reports a folder without scenario.yaml', () => {
    rmSync(fx.yamlFile);
    const { scenarios, problems } = loadCatalog(fx.scenariosDir);
    assert.equal(scenarios.length, 0);
    assert.match(only(problems, () => true).message, /scenario\.yaml is missing/);
  });
});
