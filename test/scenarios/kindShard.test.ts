/** `npm run test:kind` split over runners (test/kind/shard.ts): every scenario and lab image exactly once. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadLabs } from '../../server/clusters/index.js';
import { loadCatalog } from '../../server/scenarios/index.js';
import { ROOT } from '../helpers/testServer.js';
import { kindShard, labInShard, scenarioInShard, shardUnits } from '../kind/shard.js';

const { scenarios } = loadCatalog(join(ROOT, 'scenarios'), { labsDir: join(ROOT, 'labs') });
const labIds = [...loadLabs(join(ROOT, 'labs')).keys()];

describe('test:kind in parts (CKS_KIND_SHARD)', () => {
  it('reads k/n, the whole when unset, and names the variable when it is wrong', () => {
    assert.deepEqual(kindShard({}), { k: 1, n: 1 });
    assert.deepEqual(kindShard({ CKS_KIND_SHARD: '3/4' }), { k: 3, n: 4 });
    for (const bad of ['0/4', '5/4', '2', 'a/b', '1/0']) assert.throws(() => kindShard({ CKS_KIND_SHARD: bad }), /CKS_KIND_SHARD must be k\/n/);
  });

  for (const n of [1, 2, 4, 5]) {
    it(`${n} part(s): every scenario and every lab image in exactly one part, a lab's image with all its scenarios`, () => {
      const parts = Array.from({ length: n }, (_, i) => {
        const shard = { k: i + 1, n };
        const units = shardUnits(scenarios, labIds, shard);
        return { scenarios: scenarios.filter((s) => scenarioInShard(s, units)), labs: labIds.filter((l) => labInShard(l, units, shard)) };
      });
      assert.deepEqual(parts.flatMap((p) => p.scenarios.map((s) => s.id)).sort(), scenarios.map((s) => s.id).sort());
      assert.deepEqual(parts.flatMap((p) => p.labs).sort(), [...labIds].sort());
      for (const p of parts) for (const s of p.scenarios) if (s.lab !== 'default') assert.ok(p.labs.includes(s.lab), `${s.id} runs where ${s.lab}'s image is checked`);
      // About the same number of scenarios in each part (units are dealt largest first).
      const counts = parts.map((p) => p.scenarios.length);
      assert.ok(Math.max(...counts) - Math.min(...counts) <= Math.ceil(scenarios.length / n / 2) + 2, `balanced: ${counts.join(', ')}`);
    });
  }

  it('the scenarios-kind workflow runs the parts as a matrix', () => {
    const wf = readFileSync(join(ROOT, '.github/workflows/scenarios-kind.yml'), 'utf8');
    assert.match(wf, /shard: \['1\/4', '2\/4', '3\/4', '4\/4'\]/);
    assert.match(wf, /CKS_KIND_SHARD: \$\{\{ matrix\.shard \}\}/);
  });
});
