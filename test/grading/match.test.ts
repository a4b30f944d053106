import { strict as assert } from 'node:assert';
import { matchObject, matches, summarizeMismatches } from '../../server/grading/match.js';

const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'init-lab', annotations: { 'container.apparmor.security.beta.kubernetes.io/writer': 'localhost/k8s-deny-write' } },
  spec: {
    runtimeClassName: 'gvisor',
    initContainers: [{ name: 'prepare', image: 'busybox:1.36', volumeMounts: [{ name: 'content', mountPath: '/work' }] }],
    containers: [
      { name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 80 }], resources: { limits: { cpu: '500m' } } },
      { name: 'sidecar', image: 'busybox:1.36' },
    ],
    volumes: [{ name: 'content', emptyDir: {} }, { name: 'cfg', configMap: { name: 'x' } }],
    hostNetwork: false,
  },
};

describe('matchObject', () => {
  it('accepts a partial map and ignores extra actual keys', () => {
    assert.deepEqual(matchObject({ kind: 'Pod', spec: { runtimeClassName: 'gvisor' } }, pod), []);
  });

  it('reports a differing scalar with its path, expected and actual', () => {
    const [m, ...rest] = matchObject({ spec: { runtimeClassName: 'kata' } }, pod);
    assert.equal(rest.length, 0);
    assert.equal(m?.path, 'spec.runtimeClassName');
    assert.equal(m?.message, 'spec.runtimeClassName: expected "kata", found "gvisor"');
  });

  it('reports a missing key as found missing', () => {
    const [m] = matchObject({ spec: { volumes: { $contains: [{ name: 'cfg', emptyDir: {} }] } } }, pod);
    assert.equal(m?.message, 'spec.volumes[name=cfg].emptyDir: expected present, found missing');
  });

  it('compares numbers with numbers only, and quantities as strings', () => {
    const want = (port: unknown) => ({ spec: { containers: { $contains: [{ name: 'nginx', ports: { $exact: [{ containerPort: port }] } }] } } });
    assert.ok(matches(want(80), pod));
    const [m] = matchObject(want('80'), pod);
    assert.equal(m?.path, 'spec.containers[name=nginx].ports[0].containerPort');
    assert.match(m!.message, /expected "80", found 80 \(a number, not a string\)/);
    assert.ok(matches({ spec: { containers: { $contains: [{ resources: { limits: { cpu: '500m' } } }] } } }, pod));
    assert.ok(!matches({ spec: { containers: { $contains: [{ resources: { limits: { cpu: '0.5' } } }] } } }, pod));
  });

  it('compares booleans exactly', () => {
    assert.ok(matches({ spec: { hostNetwork: false } }, pod));
    assert.equal(matchObject({ spec: { hostNetwork: true } }, pod)[0]?.message, 'spec.hostNetwork: expected true, found false');
  });

  describe('$exact', () => {
    it('needs the same length and matches element by element', () => {
      assert.ok(matches({ spec: { containers: { $exact: [{ name: 'nginx' }, { name: 'sidecar' }] } } }, pod));
      const [m] = matchObject({ spec: { containers: { $exact: [{ name: 'nginx' }] } } }, pod);
      assert.equal(m?.message, 'spec.containers: expected 1 element, found 2');
    });

    it('is order sensitive and names items in paths', () => {
      const ms = matchObject({ spec: { containers: { $exact: [{ image: 'busybox:1.36' }, { image: 'nginx:1.27' }] } } }, pod);
      assert.deepEqual(
        ms.map((m) => m.path),
        ['spec.containers[name=nginx].image', 'spec.containers[name=sidecar].image'],
      );
    });

    it('treats a plain array as $exact', () => {
      assert.ok(matches({ spec: { initContainers: [{ name: 'prepare' }] } }, pod));
      assert.equal(matchObject({ spec: { initContainers: [] } }, pod)[0]?.message, 'spec.initContainers: expected 0 elements, found 1');
    });
  });

  describe('$contains', () => {
    it('finds each expected element in any order', () => {
      assert.ok(matches({ spec: { volumes: { $contains: [{ name: 'cfg' }, { name: 'content', emptyDir: {} }] } } }, pod));
    });

    it('needs distinct actual elements for distinct expectations', () => {
      const want = { spec: { containers: { $contains: [{ image: 'busybox:1.36' }, { image: 'busybox:1.36' }] } } };
      assert.ok(!matches(want, pod));
      const two = { spec: { containers: { $contains: [{ image: { $regex: '^(nginx|busybox)' } }, { name: 'nginx' }] } } };
      // the regex element must take sidecar so that {name: nginx} can take nginx
      assert.ok(matches(two, pod));
    });

    it('says which named element is missing', () => {
      const [m] = matchObject({ spec: { initContainers: { $contains: [{ name: 'setup' }] } } }, pod);
      assert.equal(m?.message, 'spec.initContainers[name=setup]: expected present, found missing');
    });

    it('points into the same-named element when it differs', () => {
      const [m] = matchObject({ spec: { initContainers: { $contains: [{ name: 'prepare', image: 'busybox:1.37' }] } } }, pod);
      assert.equal(m?.path, 'spec.initContainers[name=prepare].image');
      assert.equal(m?.expected, '"busybox:1.37"');
      assert.equal(m?.actual, '"busybox:1.36"');
    });

    it('describes an unnamed element that matches nothing', () => {
      const [m] = matchObject({ spec: { containers: { $contains: [{ image: 'redis' }] } } }, pod);
      assert.equal(m?.path, 'spec.containers');
      assert.match(m!.message, /expected an element matching \{"image":"redis"\}, found none of 2/);
    });
  });

  describe('$each', () => {
    it('requires every element to match', () => {
      assert.ok(matches({ spec: { volumes: { $each: { name: { $regex: '^c' } } } } }, pod));
      const [m] = matchObject({ spec: { containers: { $each: { image: { $regex: '^busybox' } } } } }, pod);
      assert.equal(m?.path, 'spec.containers[name=nginx].image');
    });

    it('requires at least one element', () => {
      const [m] = matchObject({ spec: { list: { $each: { a: 1 } } } }, { spec: { list: [] } });
      assert.equal(m?.message, 'spec.list: expected at least one element, found an empty list');
      assert.equal(matchObject({ spec: { list: { $each: { a: 1 } } } }, { spec: {} })[0]?.message, 'spec.list: expected present, found missing');
    });
  });

  describe('$absent', () => {
    it('passes when the key is missing and fails when it is there', () => {
      assert.ok(matches({ spec: { hostPID: { $absent: true } } }, pod));
      const [m] = matchObject({ spec: { runtimeClassName: { $absent: true } } }, pod);
      assert.equal(m?.message, 'spec.runtimeClassName: expected absent, found "gvisor"');
    });

    it('with false requires presence, any value', () => {
      assert.ok(matches({ spec: { hostNetwork: { $absent: false } } }, pod));
      assert.ok(!matches({ spec: { hostPID: { $absent: false } } }, pod));
    });
  });

  it('$regex and $oneOf match scalars', () => {
    assert.ok(matches({ spec: { initContainers: { $contains: [{ image: { $regex: '^busybox:[0-9.]+$' } }] } } }, pod));
    assert.ok(matches({ spec: { runtimeClassName: { $oneOf: ['gvisor', 'kata'] } } }, pod));
    const [m] = matchObject({ spec: { runtimeClassName: { $oneOf: ['kata', 'runc'] } } }, pod);
    assert.equal(m?.message, 'spec.runtimeClassName: expected one of "kata", "runc", found "gvisor"');
    assert.equal(matchObject({ spec: { runtimeClassName: { $regex: '(' } } }, pod)[0]?.actual, 'invalid $regex /(/');
  });

  it('quotes keys with dots in paths', () => {
    const [m] = matchObject({ metadata: { annotations: { 'container.apparmor.security.beta.kubernetes.io/writer': 'runtime/default' } } }, pod);
    assert.equal(m?.path, 'metadata.annotations["container.apparmor.security.beta.kubernetes.io/writer"]');
  });

  it('reports an unknown operator as an authoring error', () => {
    const [m] = matchObject({ spec: { containers: { $some: [] } } }, pod);
    assert.match(m!.actual, /unknown operator \$some/);
  });

  it('summarizes the first difference and counts the rest', () => {
    const ms = matchObject({ kind: 'Deployment', spec: { runtimeClassName: 'kata', hostNetwork: true } }, pod);
    assert.equal(summarizeMismatches(ms), 'kind: expected "Deployment", found "Pod" (and 2 more differences)');
  });
});
