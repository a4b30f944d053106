/**
 * nodeYaml with `format: json`: a tool's JSON report on the node (a trivy report, an SPDX-JSON SBOM)
 * read with a byte bound and parsed as JSON only, then partially matched like an object — so a
 * table, SPDX tag-value or YAML written in its place fails as "not valid JSON", saying how it starts.
 */
import { strict as assert } from 'node:assert';
import { CheckEngine } from '../../server/grading/engine.js';
import { MAX_JSON_BYTES } from '../../server/grading/checks/nodeYaml.js';
import type { CheckResult } from '../../server/grading/types.js';
import { createSilentLogger } from '../../server/log/index.js';
import type { Check } from '../../server/scenarios/types.js';
import { fakeProbes, ok } from './fakeProbes.js';

const FILE = '/root/report.json';
const check: Check = {
  id: 'report',
  type: 'nodeYaml',
  format: 'json',
  description: 'the report is trivy JSON of redis:6.2.6 naming CVE-2022-37434',
  path: FILE,
  match: {
    SchemaVersion: 2,
    ArtifactName: { $regex: '(^|/)redis:6\\.2\\.6$' },
    Results: { $contains: [{ Vulnerabilities: { $contains: [{ VulnerabilityID: 'CVE-2022-37434' }] } }] },
  },
};
const report = (id: string, name = 'redis:6.2.6') =>
  JSON.stringify({ SchemaVersion: 2, ArtifactName: name, ArtifactType: 'container_image', Results: [{ Target: `${name} (debian 11.3)`, Vulnerabilities: [{ VulnerabilityID: 'CVE-2023-45853' }, { VulnerabilityID: id }] }] }, null, 2);

/** Runs `c` against node files; records the argv each read used. */
async function run(c: Check, content: Record<string, string>, argvs: string[][] = []): Promise<CheckResult> {
  const probes = fakeProbes({
    node: (cmd: string[]) => {
      argvs.push(cmd);
      const path = cmd[cmd.length - 1]!;
      const text = content[path];
      if (text === undefined) return ok('', 1, `head: cannot open '${path}' for reading: No such file or directory`);
      // head -c N returns at most N bytes, as on the node.
      return ok(cmd[0] === 'head' ? Buffer.from(text).subarray(0, Number(cmd[2])).toString() : text);
    },
  });
  return new CheckEngine({ logger: createSilentLogger() }).runCheck(c, probes);
}

describe('nodeYaml checks with format: json', () => {
  it('passes a JSON report that matches, read with a byte bound (head -c), never an unbounded cat', async () => {
    const argvs: string[][] = [];
    const r = await run(check, { [FILE]: report('CVE-2022-37434') }, argvs);
    assert.equal(r.status, 'pass', r.message);
    assert.deepEqual(argvs, [['head', '-c', String(MAX_JSON_BYTES + 1), '--', FILE]]);
  });

  it('fails a report of another image or without the CVE, saying what differs', async () => {
    let r = await run(check, { [FILE]: report('CVE-2022-37434', 'nginx:1.23.3') });
    assert.equal(r.status, 'fail');
    assert.match(r.message, /ArtifactName/);
    assert.match(r.message, /nginx:1\.23\.3/);
    r = await run(check, { [FILE]: report('CVE-2022-1292') });
    assert.equal(r.status, 'fail');
    assert.match(r.message, /Vulnerabilities/);
  });

  it('fails a table, SPDX tag-value or YAML file as not valid JSON, quoting how it starts', async () => {
    for (const text of ['\nReport Summary\n\n┌──────┐\n', 'SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\n', 'SchemaVersion: 2\nArtifactName: redis:6.2.6\n']) {
      const r = await run(check, { [FILE]: text });
      assert.equal(r.status, 'fail', text);
      assert.match(r.actual, /not valid JSON/);
    }
    const r = await run(check, { [FILE]: 'SPDXVersion: SPDX-2.3\n' });
    assert.match(r.actual, /starts with "SPDXVersion: SPDX-2\.3"/);
  });

  it('fails a missing file, and a file above the bound without parsing it', async () => {
    let r = await run(check, {});
    assert.equal(r.status, 'fail');
    assert.match(r.actual, /not found/);
    r = await run(check, { [FILE]: `${' '.repeat(MAX_JSON_BYTES)}{}` });
    assert.equal(r.status, 'fail');
    assert.match(r.actual, /larger than 32 MiB/);
  });

  it('without format, a YAML file with the same fields still passes (nodeYaml reads JSON and YAML alike)', async () => {
    const { format: _format, ...yamlCheck } = check as Check & { format?: string };
    const r = await run(yamlCheck as Check, { [FILE]: 'SchemaVersion: 2\nArtifactName: redis:6.2.6\nResults:\n- Vulnerabilities:\n  - VulnerabilityID: CVE-2022-37434\n' });
    assert.equal(r.status, 'pass', r.message);
  });
});
