/**
 * The fakes' processes run from bundles (test/fakes/lib/bundle.mjs): built once, rebuilt when a file
 * they came from changes, and behaving as the source does (a node command's output and exit code).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundled } from './lib/bundle.mjs';
import { BIN_DIR, PROJECT_ROOT } from './lib/paths.mjs';

const run = (file: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    execFile(file, args, { env, timeout: 60_000 }, (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });

describe('fakes run from bundles', function () {
  this.timeout(60_000);
  const home = mkdtempSync(join(tmpdir(), 'cks-bundle-'));
  after(() => rmSync(home, { recursive: true, force: true }));

  it('builds the fake docker CLI with its packages inside, and rebuilds it when a file it came from changes', async () => {
    const entry = join(PROJECT_ROOT, 'test/fakes/lib/docker-main.mjs');
    const first = await bundled(entry, { inlinePackages: true });
    assert.ok(first, 'the bundle was built');
    const inputs = JSON.parse(readFileSync(first.replace(/\.mjs$/, '.inputs.json'), 'utf8')) as string[];
    assert.ok(inputs.includes('test/fakes/lib/docker-cli.mjs') && inputs.includes('test/fakes/lib/bundle.mjs'), inputs.join(' '));
    assert.ok(inputs.some((f) => f.includes('node_modules/yaml/')), 'yaml is inside (no CommonJS lexing at each start)');
    const built = statSync(first).mtimeMs;
    assert.equal(await bundled(entry, { inlinePackages: true }), first);
    assert.equal(statSync(first).mtimeMs, built, 'a current bundle is reused');
    const future = new Date(Date.now() + 5_000);
    utimesSync(join(PROJECT_ROOT, 'test/fakes/lib/docker-objects.mjs'), future, future);
    try {
      await bundled(entry, { inlinePackages: true });
      assert.ok(statSync(first).mtimeMs > built, 'an edited input rebuilds it');
    } finally {
      const now = new Date();
      utimesSync(join(PROJECT_ROOT, 'test/fakes/lib/docker-objects.mjs'), now, now);
    }
  });

  it('the bundled CLIs answer as the source does: output, errors and exit codes', async () => {
    const env = { ...process.env, CKS_FAKE_HOME: home, PATH: `${BIN_DIR}:${process.env.PATH}` };
    for (const [tool, args] of [['kind', ['get', 'clusters']], ['docker', ['ps', '--format', '{{.Names}}']], ['docker', ['exec', 'nope-control-plane', 'true']], ['kind', ['create', 'cluster', '--name', 'Bad_Name']]] as const) {
      const viaBundle = await run(join(BIN_DIR, tool), [...args], env);
      const viaSource = await run(join(BIN_DIR, tool), [...args], { ...env, FAKE_BUNDLE: '0' });
      assert.deepEqual(viaBundle, viaSource, `${tool} ${args.join(' ')}`);
    }
  });
});
