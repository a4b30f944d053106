import { strict as assert } from 'node:assert';
import { evaluateJsonPath, JsonPathError, toJsonPathPlus } from '../../server/grading/jsonpath.js';

const pod = {
  kind: 'Pod',
  metadata: { name: 'writer', annotations: { 'container.apparmor.security.beta.kubernetes.io/writer': 'localhost/k8s-deny-write' } },
  spec: { containers: [{ name: 'writer', image: 'busybox' }, { name: 'helper', image: 'alpine' }] },
  status: {
    phase: 'Running',
    conditions: [
      { type: 'Initialized', status: 'True' },
      { type: 'Ready', status: 'True' },
    ],
    initContainerStatuses: [
      { name: 'prepare', state: { terminated: { exitCode: 0, reason: 'Completed' } } },
      { name: 'other', state: { terminated: { exitCode: 2 } } },
    ],
  },
};

describe('evaluateJsonPath (kubectl syntax)', () => {
  it('reads a simple field', () => {
    assert.deepEqual(evaluateJsonPath('{.status.phase}', pod), ['Running']);
    assert.deepEqual(evaluateJsonPath('.status.phase', pod), ['Running']);
  });

  it('applies filters like kubectl', () => {
    assert.deepEqual(evaluateJsonPath('{.status.initContainerStatuses[?(@.name=="prepare")].state.terminated.exitCode}', pod), [0]);
    assert.deepEqual(evaluateJsonPath(`{.status.conditions[?(@.type=='Ready')].status}`, pod), ['True']);
    assert.deepEqual(evaluateJsonPath('{.status.initContainerStatuses[?(@.state.terminated.exitCode!=0)].name}', pod), ['other']);
  });

  it('returns every value for wildcards, indexes and slices', () => {
    assert.deepEqual(evaluateJsonPath('{.spec.containers[*].name}', pod), ['writer', 'helper']);
    assert.deepEqual(evaluateJsonPath('{.spec.containers[1].image}', pod), ['alpine']);
    assert.deepEqual(evaluateJsonPath('{.spec.containers[-1:].name}', pod), ['helper']);
    assert.deepEqual(evaluateJsonPath('{..image}', pod), ['busybox', 'alpine']);
  });

  it('handles escaped dots and quoted keys', () => {
    const want = ['localhost/k8s-deny-write'];
    assert.deepEqual(evaluateJsonPath('{.metadata.annotations.container\\.apparmor\\.security\\.beta\\.kubernetes\\.io/writer}', pod), want);
    assert.deepEqual(evaluateJsonPath(`{.metadata.annotations['container.apparmor.security.beta.kubernetes.io/writer']}`, pod), want);
  });

  it('returns an empty list when nothing matches', () => {
    assert.deepEqual(evaluateJsonPath('{.status.initContainerStatuses[?(@.name=="nope")].state}', pod), []);
    assert.deepEqual(evaluateJsonPath('{.spec.runtimeClassName}', pod), []);
  });

  it('rejects invalid expressions with a clear error', () => {
    assert.throws(() => evaluateJsonPath('{.status[}', pod), (e: Error) => e instanceof JsonPathError && /unclosed "\["/.test(e.message));
    assert.throws(() => evaluateJsonPath('{.a}{.b}', pod), /only a single \{…\} expression/);
    assert.throws(() => evaluateJsonPath('{range .items[*]}', pod), /range/);
    assert.throws(() => evaluateJsonPath('{}', pod), /empty/);
    assert.throws(() => evaluateJsonPath('{.a..}', pod), /expected a field name/);
    assert.throws(() => evaluateJsonPath('{.status.conditions[?(@.type==)]}', pod), (e: Error) => e instanceof JsonPathError && /invalid JSONPath/.test(e.message));
  });

  it('does not let filters run arbitrary code', () => {
    assert.throws(() => evaluateJsonPath('{.spec.containers[?(process.exit(3))]}', pod), JsonPathError);
  });

  it('converts to jsonpath-plus bracket notation', () => {
    assert.equal(toJsonPathPlus('{.status.initContainerStatuses[?(@.name=="prepare")].state}'), `$['status']['initContainerStatuses'][?(@.name=="prepare")]['state']`);
  });
});
