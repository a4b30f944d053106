import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../server/errors.js';
import { imagePinProblem, inspectLabs, loadLabs } from '../../server/clusters/labs.js';
import { fakeClusterWorld } from '../helpers/fakeCluster.js';
import { REPO_ROOT, copyFixture, replaceOnce, type FixtureCopy } from './helpers.js';

const DIGEST = 'sha256:f226345927d7e348497136874b6d207e0b32cc52154ad8323129352923a3142f';

describe('labs loader', () => {
  let fx: FixtureCopy;
  let labFile: string;
  let kindFile: string;
  const editFile = (file: string, from: string, to: string): void => writeFileSync(file, replaceOnce(readFileSync(file, 'utf8'), from, to));
  beforeEach(() => {
    fx = copyFixture();
    labFile = join(fx.labsDir, 'default', 'lab.yaml');
    kindFile = join(fx.labsDir, 'default', 'kind-config.yaml');
  });
  afterEach(() => fx.dispose());

  it('loads a lab with its pinned node image and kind config path', () => {
    const labs = loadLabs(fx.labsDir);
    assert.deepEqual([...labs.keys()], ['default']);
    const lab = labs.get('default')!;
    assert.equal(lab.nodeImage, `kindest/node:v1.32.2@${DIGEST}`);
    assert.equal(lab.kindConfig, kindFile);
    assert.equal(lab.description, 'One control-plane node.');
  });

  it('refuses a kind config whose node image differs from lab.yaml', () => {
    editFile(kindFile, `image: kindest/node:v1.32.2@${DIGEST}`, 'image: kindest/node:v1.31.0');
    const { labs, problems } = inspectLabs(fx.labsDir);
    assert.equal(labs.size, 0);
    assert.equal(problems.length, 1);
    assert.equal(problems[0]!.file, kindFile);
    assert.equal(problems[0]!.field, 'nodes[0].image');
    assert.equal(problems[0]!.line, 5);
    assert.match(problems[0]!.message, /must equal lab\.yaml nodeImage/);
    assert.throws(() => loadLabs(fx.labsDir), (e: unknown) => e instanceof AppError && /kind-config\.yaml:5 nodes\[0\]\.image/.test(e.message));
  });

  it('refuses an unpinned node image', () => {
    editFile(labFile, `nodeImage: kindest/node:v1.32.2@${DIGEST}`, 'nodeImage: kindest/node');
    editFile(kindFile, `image: kindest/node:v1.32.2@${DIGEST}`, 'image: kindest/node');
    const { problems } = inspectLabs(fx.labsDir);
    assert.equal(problems.length, 1);
    assert.equal(problems[0]!.field, 'nodeImage');
    assert.match(problems[0]!.message, /is not pinned/);
  });

  it('reports a kind config without nodes, a typo in lab.yaml and a missing file', () => {
    writeFileSync(kindFile, 'kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\n');
    editFile(labFile, 'description:', 'descripton:');
    const problems = inspectLabs(fx.labsDir).problems.map((p) => p.message);
    assert.ok(problems.some((m) => /unknown field 'descripton' — did you mean 'description'\?/.test(m)), problems.join('\n'));
    assert.ok(problems.some((m) => /list the nodes with their image/.test(m)), problems.join('\n'));
    unlinkSync(kindFile);
    assert.ok(inspectLabs(fx.labsDir).problems.some((p) => p.file === kindFile && /missing/.test(p.message)));
  });

  it('reads a per-host cluster limit with its reason, and reports a bad one by field', () => {
    writeFileSync(labFile, `${readFileSync(labFile, 'utf8')}maxClustersPerHost: 1\nhostLimitReason: Profiles are host-global.\n`);
    const lab = loadLabs(fx.labsDir).get('default')!;
    assert.equal(lab.maxClustersPerHost, 1);
    assert.equal(lab.hostLimitReason, 'Profiles are host-global.');
    editFile(labFile, 'maxClustersPerHost: 1', 'maxClustersPerHost: 0');
    assert.deepEqual(inspectLabs(fx.labsDir).problems.map((p) => [p.field, p.message]), [['maxClustersPerHost', 'maxClustersPerHost must be a whole number of at least 1 (got 0)']]);
    editFile(labFile, 'maxClustersPerHost: 0\n', '');
    assert.deepEqual(inspectLabs(fx.labsDir).problems.map((p) => p.field), ['hostLimitReason']);
  });

  it('the apparmor lab runs one cluster per host and tells a waiting learner why', () => {
    const lab = loadLabs(join(REPO_ROOT, 'labs')).get('apparmor')!;
    assert.equal(lab.maxClustersPerHost, 1);
    assert.equal(lab.hostLimitReason, 'AppArmor profiles are host-global, so this host runs one AppArmor lab at a time.');
  });

  it('judges image pinning', () => {
    assert.equal(imagePinProblem(`kindest/node:v1.32.2@${DIGEST}`), undefined);
    assert.equal(imagePinProblem(`kindest/node@${DIGEST}`), undefined);
    assert.equal(imagePinProblem('kindest/node:v1.32.2'), undefined);
    assert.match(imagePinProblem('kindest/node:latest')!, /not pinned/);
    assert.match(imagePinProblem('localhost:5000/node')!, /not pinned/);
    assert.match(imagePinProblem('kindest/node@sha256:abc')!, /malformed digest/);
  });
});

/** kindest/node for kind v0.30.0 (its release notes), the base of every lab's node image. */
const KIND_NODE = 'kindest/node:v1.34.0@sha256:7416a61b42b1662ca6ca89f02028ac133a309a2a30ba309614e8ec94d976dc5a';

describe('the labs’ node images', () => {
  const labs = loadLabs(join(REPO_ROOT, 'labs'));
  const dockerfile = (lab: { buildContext?: string }) => readFileSync(join(lab.buildContext!, 'Dockerfile'), 'utf8');

  it('every lab builds its node image FROM the digest-pinned kindest/node', () => {
    for (const lab of labs.values()) {
      assert.ok(lab.buildContext, `lab ${lab.id} builds an image (kindest/node alone has no editor)`);
      assert.match(dockerfile(lab), new RegExp(`^FROM ${KIND_NODE.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`, 'm'), lab.id);
      assert.doesNotMatch(lab.nodeImage, /^kindest\/node/, `${lab.id}: nodeImage names the built image`);
    }
  });

  it('every lab’s node has vim and nano, and EDITOR, VISUAL and KUBE_EDITOR set for login shells', () => {
    const profiles = new Set<string>();
    for (const lab of labs.values()) {
      const text = dockerfile(lab);
      assert.match(text, /apt-get install [^\n]*\bvim\b[^\n]*\bnano\b|apt-get install [^\n]*\bnano\b[^\n]*\bvim\b/, `${lab.id} installs vim and nano`);
      assert.match(text, /^COPY cks-lab-editor\.sh \/etc\/profile\.d\/cks-lab-editor\.sh$/m, `${lab.id} sets the editor for login shells`);
      const profile = readFileSync(join(lab.buildContext!, 'cks-lab-editor.sh'), 'utf8');
      for (const v of ['EDITOR', 'VISUAL', 'KUBE_EDITOR']) assert.match(profile, new RegExp(`^export ${v}=vim$`, 'm'), `${lab.id}: ${v}`);
      profiles.add(profile + readFileSync(join(lab.buildContext!, 'vimrc.local'), 'utf8'));
    }
    assert.equal(profiles.size, 1, 'every lab sets up the editors the same way');
  });

  it('the learner’s login shell on a default-lab node has EDITOR and KUBE_EDITOR (fake kind and docker build the image)', async function () {
    this.timeout(60_000);
    const world = fakeClusterWorld();
    try {
      await world.provider.create('cks-editor', labs.get('default')!, () => undefined);
      const [cmd, ...args] = world.provider.nodeShellArgv('cks-editor').filter((a) => a !== '-it');
      assert.equal(cmd, 'docker');
      const out = execFileSync(cmd!, [...args, '-c', 'echo "$EDITOR $VISUAL $KUBE_EDITOR"; cat /etc/vim/vimrc.local'], { env: world.env, encoding: 'utf8' });
      assert.match(out, /^vim vim vim$/m);
      assert.match(out, /set expandtab tabstop=2 shiftwidth=2/);
    } finally {
      await world.cleanup();
    }
  });
});

