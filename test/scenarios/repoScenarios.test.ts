import { strict as assert } from 'node:assert';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadCatalog, formatProblem } from '../../server/scenarios/index.js';
import { inspectLabs } from '../../server/clusters/labs.js';
import { REPO_ROOT } from './helpers.js';

describe('the repository’s own scenarios and labs', () => {
  const scenariosDir = join(REPO_ROOT, 'scenarios');
  const labsDir = join(REPO_ROOT, 'labs');

  it('every scenario folder under scenarios/ loads without problems', () => {
    const { scenarios, problems } = loadCatalog(scenariosDir, { labsDir });
    assert.deepEqual(problems.map(formatProblem), []);
    const folders = readdirSync(scenariosDir, { withFileTypes: true }).filter((d) => d.isDirectory() && !d.name.startsWith('.'));
    assert.equal(scenarios.length, folders.length, 'every folder became a scenario');
  });

  it('every lab under labs/ loads without problems', function () {
    if (!existsSync(labsDir)) this.skip();
    const { problems } = inspectLabs(labsDir);
    assert.deepEqual(problems.map(formatProblem), []);
  });
});
