/**
 * image-footprint proven on the fakes: the learner's Dockerfile is read from the node and parsed as
 * BuildKit parses it, so any layout that builds the same way passes, and each shortcut people take
 * fails the task it breaks.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadLabs } from '../../server/clusters/index.js';
import { CheckEngine } from '../../server/grading/index.js';
import type { GradeResult } from '../../server/grading/types.js';
import { createSilentLogger } from '../../server/log/index.js';
import { proveScenario } from '../../server/proving/index.js';
import { ScenarioCatalog, loadCatalog } from '../../server/scenarios/index.js';
import { fakeClusterWorld } from '../helpers/fakeCluster.js';
import { ROOT } from '../helpers/testServer.js';
import { failedTasks as failed, onCluster } from './grades.js';

const catalog = new ScenarioCatalog(loadCatalog(join(ROOT, 'scenarios'), { labsDir: join(ROOT, 'labs') }).scenarios);
const scenario = catalog.require('image-footprint');
const lab = loadLabs(join(ROOT, 'labs')).get('default')!;
const grader = new CheckEngine({ logger: createSilentLogger() });
const DIGEST = 'sha256:d093aa3e30dbadd3efe1310db061a14da60299baff8450a17fe0ccc514a16639';


const GOOD = `FROM golang:1.23.4 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /out/orders .

FROM gcr.io/distroless/static-debian12:nonroot@${DIGEST}
COPY --from=build /out/orders /orders
USER nonroot:nonroot
ENTRYPOINT ["/orders"]`;

describe('scenario image-footprint on the fakes', function () {
  this.timeout(120_000);
  const world = fakeClusterWorld();
  after(() => world.cleanup());

  it('is proven: every task fails after setup, every task passes after the reference solution', async () => {
    const proof = await proveScenario(scenario, lab, 'cks-proof-imgfp', { ...world, grader });
    assert.equal(proof.error, null);
    assert.deepEqual(proof.passedAfterSetup, []);
    assert.deepEqual(proof.failedAfterSolution, []);
  });

  describe('what learners get wrong fails exactly the right task; a right answer written differently passes', () => {
    const cluster = 'cks-imgfp-mistakes';
    const mistakes = onCluster(world, scenario, cluster, { grader });
    before(async () => {
      await world.provider.create(cluster, lab, () => undefined);
      await mistakes.setup();
    });
    async function attempt(dockerfile: string): Promise<GradeResult> {
      const out = await world.provider.nodeExec(cluster, ['bash', '-c', 'cat > /root/orders/Dockerfile'], { input: dockerfile });
      assert.equal(out.exitCode, 0, out.stderr);
      return mistakes.grade();
    }

    it('the right shape passes', async () => assert.deepEqual(failed(await attempt(GOOD)), []));

    it('distroless pinned by tag only fails the final-stage task, and found shows the FROM', async () => {
      const r = await attempt(GOOD.replace(`@${DIGEST}`, ''));
      assert.deepEqual(failed(r), ['minimal-final-stage']);
      const c = r.tasks[0]!.checks.find((x) => x.id === 'final-from-distroless-digest')!;
      assert.match(c.actual, /gcr\.io\/distroless\/static-debian12:nonroot/);
    });

    it('a shell-form CMD on distroless fails the final-stage task (no /bin/sh there)', async () => {
      const r = await attempt(GOOD.replace('ENTRYPOINT ["/orders"]', 'CMD /orders'));
      assert.deepEqual(failed(r), ['minimal-final-stage']);
      assert.equal(r.tasks[0]!.checks.find((x) => x.id === 'final-exec-form')!.status, 'fail');
    });

    it('USER set in the build stage only (the final stage runs as root) fails only the non-root task', async () => {
      const r = await attempt(GOOD.replace('USER nonroot:nonroot\n', '').replace('WORKDIR /src', 'WORKDIR /src\nUSER 1000'));
      assert.deepEqual(failed(r), ['non-root']);
    });

    it('USER 0 fails only the non-root task', async () => {
      assert.deepEqual(failed(await attempt(GOOD.replace('USER nonroot:nonroot', 'USER 0:0'))), ['non-root']);
    });

    it('moving the token from ENV to a build ARG fails only the secrets task', async () => {
      const r = await attempt(GOOD.replace('WORKDIR /src', 'ARG API_TOKEN=tok-5f3e9a1c2b\nWORKDIR /src'));
      assert.deepEqual(failed(r), ['no-secrets']);
      const names = r.tasks.find((t) => t.id === 'no-secrets')!.checks[0]!;
      assert.match(names.actual, /API_TOKEN/);
    });

    it('a single stage FROM distroless that installs curl with RUN fails the final-stage task', async () => {
      const r = await attempt(`FROM gcr.io/distroless/static-debian12:nonroot@${DIGEST}\nRUN apt-get install -y curl\nCOPY orders /orders\nUSER 65532\nENTRYPOINT ["/orders"]`);
      assert.deepEqual(failed(r), ['minimal-final-stage']);
    });

    it('written differently: stage index in COPY --from, numeric user, escape directive, continuations, CMD exec form, a third stage', async () => {
      const r = await attempt(`# escape=\`
FROM golang:1.23.4 AS deps
WORKDIR /src
COPY go.mod ./
FROM deps AS builder
COPY main.go ./
RUN CGO_ENABLED=0 \`
    go build -o /out/orders .
FROM --platform=linux/amd64 gcr.io/distroless/static-debian12@${DIGEST}
COPY --from=1 /out/orders /usr/local/bin/orders
USER 65532:65532
CMD ["/usr/local/bin/orders"]`);
      assert.deepEqual(failed(r), []);
    });
  });
});
