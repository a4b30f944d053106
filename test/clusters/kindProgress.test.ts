import assert from 'node:assert/strict';
import { KindStatusParser, explainKindFailure, parseKindStatusLine } from '../../server/clusters/index.js';
import type { KindStatusEvent } from '../../server/clusters/index.js';

describe('kind progress parsing', () => {
  it('reads the start, done and failed marks kind prints without a TTY', () => {
    assert.deepEqual(parseKindStatusLine(' • Ensuring node image (kindest/node:v1.34.0) 🖼  ...'), {
      phase: 'Ensuring node image',
      state: 'started',
      text: 'Ensuring node image (kindest/node:v1.34.0)',
    });
    assert.equal(parseKindStatusLine(' ✓ Preparing nodes 📦 ')?.state, 'done');
    assert.equal(parseKindStatusLine(' ✗ Starting control-plane 🕹️')?.state, 'failed');
    assert.equal(parseKindStatusLine(' \x1b[32m✓\x1b[0m Installing CNI 🔌')?.phase, 'Installing CNI');
    assert.equal(parseKindStatusLine('Creating cluster "x" ...'), null);
    assert.equal(parseKindStatusLine(' • Something kind never prints'), null);
  });

  it('shows learners the phase text without kind’s emoji (they render as empty boxes)', () => {
    // What kind v0.30 prints, emoji with variation selectors included.
    const lines = [
      ' ✓ Ensuring node image (kindest/node:v1.34.0) 🖼',
      ' ✓ Preparing nodes 📦 📦 📦 ',
      ' ✓ Writing configuration 📜',
      ' ✓ Starting control-plane 🕹️',
      ' ✓ Installing CNI 🔌',
      ' \x1b[32m✓\x1b[0m Installing StorageClass 💾',
    ];
    const texts = lines.map((l) => parseKindStatusLine(l)?.text);
    assert.deepEqual(texts, [
      'Ensuring node image (kindest/node:v1.34.0)',
      'Preparing nodes',
      'Writing configuration',
      'Starting control-plane',
      'Installing CNI',
      'Installing StorageClass',
    ]);
    for (const t of texts) assert.doesNotMatch(t ?? '', /[\p{Extended_Pictographic}\u{FE0F}\u{200D}]/u);
    // The phase is matched exactly, not as any text that starts like one.
    assert.equal(parseKindStatusLine(' • Preparing nodesX  ...'), null);
    assert.equal(parseKindStatusLine(' • Installing CNI plugins 🔌  ...')?.phase, 'Installing CNI');
  });

  it('splits chunked stderr into lines and collects ERROR lines', () => {
    const events: KindStatusEvent[] = [];
    const p = new KindStatusParser((e) => events.push(e));
    const out = 'Creating cluster "a" ...\n • Ensuring node image (kindest/node:v1.34.0) 🖼  ...\n ✓ Ensuring node image (kindest/node:v1.34.0) 🖼\n • Prepar';
    p.push(out.slice(0, 40));
    p.push(out.slice(40));
    p.push('ing nodes 📦  ...\n ✗ Preparing nodes 📦\nERROR: failed to create cluster: boom\n');
    p.end();
    assert.deepEqual(
      events.map((e) => `${e.phase}:${e.state}`),
      ['Ensuring node image:started', 'Ensuring node image:done', 'Preparing nodes:started', 'Preparing nodes:failed'],
    );
    assert.deepEqual(p.errorLines(), ['failed to create cluster: boom']);
  });

  it('explains a Docker daemon that is not running in words a learner can act on', () => {
    const why = explainKindFailure(
      'ERROR: failed to create cluster: failed to ensure docker network: command "docker network ls" failed with error: exit status 1\nCommand Output: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n',
    );
    assert.equal(why.code, 'docker_unavailable');
    assert.match(why.message, /Docker is not running/);
    assert.match(why.message, /Retry/);
  });

  it('passes kind’s own error through otherwise', () => {
    const why = explainKindFailure(' ✗ Starting control-plane 🕹️\nERROR: failed to create cluster: failed to init node with kubeadm\n');
    assert.equal(why.code, 'cluster_failed');
    assert.match(why.message, /failed to init node with kubeadm/);
  });
});
