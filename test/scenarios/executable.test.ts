import assert from 'node:assert/strict';
import { chmodSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../server/config/index.js';
import { loadScenario } from '../../server/scenarios/index.js';

describe('scenario scripts', () => {
  it('a setup script that is not executable is a problem that says how to fix it', () => {
    const root = packageRoot();
    const dir = mkdtempSync(join(tmpdir(), 'cks-exec-'));
    try {
      const scenario = join(dir, 'init-containers');
      cpSync(join(root, 'scenarios/init-containers'), scenario, { recursive: true });
      chmodSync(join(scenario, 'setup.sh'), 0o644);
      const r = loadScenario(scenario, { labsDir: join(root, 'labs') });
      assert.equal(r.problems?.length, 1);
      assert.match(r.problems?.[0]?.message ?? '', /setup script 'setup.sh' is not executable: run chmod \+x .*setup\.sh/);
      assert.equal(r.problems?.[0]?.field, 'setup');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
