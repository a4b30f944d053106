import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScenario, formatProblem } from '../../server/scenarios/index.js';
import { inspectLabs } from '../../server/clusters/labs.js';
import { REPO_ROOT } from './helpers.js';

/** The fenced ```yaml blocks of a Markdown file, in order. */
function yamlBlocks(markdownFile: string): string[] {
  return [...readFileSync(markdownFile, 'utf8').matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
}

describe('the authors’ READMEs', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'cks-readme-'));
  });
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  it('scenarios/README.md’s complete example is a valid scenario', () => {
    const [example] = yamlBlocks(join(REPO_ROOT, 'scenarios', 'README.md')).filter((b) => b.includes('\ntasks:'));
    assert.ok(example, 'README has a complete example');
    assert.match(example, /^# yaml-language-server: \$schema=\.\.\/schema\.json\n/);
    const dir = join(tmp, 'init-containers');
    mkdirSync(dir);
    writeFileSync(join(dir, 'scenario.yaml'), example);
    for (const f of ['README.md', 'setup.sh', 'solution.sh']) writeFileSync(join(dir, f), '#\n', { mode: 0o755 });
    const r = loadScenario(dir, { labsDir: join(REPO_ROOT, 'labs') });
    assert.deepEqual(r.problems?.map(formatProblem) ?? [], []);
    assert.deepEqual(r.scenario?.tasks.flatMap((t) => t.checks.map((c) => c.type)), ['object', 'jsonpath', 'podExec', 'nodeFile', 'objectAbsent']);
  });

  it('labs/README.md’s complete example is a valid lab', () => {
    const [labYaml, kindYaml] = yamlBlocks(join(REPO_ROOT, 'labs', 'README.md'));
    assert.ok(labYaml && kindYaml);
    mkdirSync(join(tmp, 'default'));
    writeFileSync(join(tmp, 'default', 'lab.yaml'), labYaml);
    writeFileSync(join(tmp, 'default', 'kind-config.yaml'), kindYaml);
    const { labs, problems } = inspectLabs(tmp);
    assert.deepEqual(problems, []);
    assert.deepEqual([...labs.keys()], ['default']);
  });
});
