/** The validator on `nodeHttp` and `nodeReady` checks: schema fields, the URL curl may get, a coherent expectation. */
import { strict as assert } from 'node:assert';
import { formatProblem, loadScenario } from '../../server/scenarios/index.js';
import type { ScenarioProblem } from '../../server/scenarios/index.js';
import { copyFixture, replaceOnce, type FixtureCopy } from './helpers.js';

const NODE_COMMAND = `        type: nodeCommand
        description: the container runtime runs nginx
        command: [crictl, ps]
        expect: { exitCode: 0, stdoutMatches: 'nginx' }
`;

describe('scenario validator: nodeHttp and nodeReady checks', () => {
  let fx: FixtureCopy;
  beforeEach(() => {
    fx = copyFixture();
  });
  afterEach(() => fx.dispose());
  const withCheck = (yaml: string): ScenarioProblem[] | undefined => {
    fx.edit((t) => replaceOnce(t, NODE_COMMAND, yaml));
    return loadScenario(fx.scenarioDir, { labsDir: fx.labsDir }).problems;
  };
  const messages = (ps: ScenarioProblem[] | undefined): string => (ps ?? []).map(formatProblem).join('\n');

  it('accepts a probe with a status, an auth ServiceAccount and a refused port; and nodeReady', () => {
    assert.equal(withCheck(`        type: nodeHttp
        description: anonymous gets 401
        url: https://127.0.0.1:10250/pods
        insecure: true
        auth: { serviceAccount: { namespace: default, name: probe } }
        expect: { status: 401, bodyContains: [Unauthorized], certSubjectContains: 'CN=' }
`), undefined);
  });

  it('accepts refused: true and nodeReady with waitSeconds', () => {
    assert.equal(withCheck(`        type: nodeHttp
        description: nothing on 10255
        url: http://127.0.0.1:10255/pods
        expect: { refused: true }
      - id: ready
        type: nodeReady
        description: the node is Ready
        waitSeconds: 30
        timeoutMs: 45000
`), undefined);
  });

  it('refuses a URL that is not http(s), carries credentials or spaces', () => {
    assert.match(messages(withCheck(`        type: nodeHttp
        description: x
        url: file:///etc/shadow
        expect: { status: 200 }
`)), /url/);
    fx.dispose();
    fx = copyFixture();
    assert.match(messages(withCheck(`        type: nodeHttp
        description: x
        url: https://admin:secret@127.0.0.1/
        expect: { status: 200 }
`)), /url/);
  });

  it('refuses refused: true next to an HTTP answer, and an expectation without a status', () => {
    assert.match(messages(withCheck(`        type: nodeHttp
        description: x
        url: http://127.0.0.1:10255/pods
        expect: { refused: true, status: 200 }
`)), /refused: true cannot go with status/);
    fx.dispose();
    fx = copyFixture();
    assert.match(messages(withCheck(`        type: nodeHttp
        description: x
        url: http://127.0.0.1:10255/pods
        expect: { bodyContains: [ok] }
`)), /say which answer is expected: status, statusOneOf, (or )?refused: true/);
  });

  it('accepts TLS client settings with handshakeRefused and waitSeconds; refuses it next to an answer, on http://, and a cert without its key', () => {
    assert.equal(withCheck(`        type: nodeHttp
        description: etcd refuses a client without a certificate
        url: https://127.0.0.1:2379/health
        tls: { cacert: /etc/kubernetes/pki/etcd/ca.crt, maxVersion: '1.3' }
        waitSeconds: 30
        timeoutMs: 45000
        expect: { handshakeRefused: true }
`), undefined);
    const problems = (yaml: string): string => {
      fx.dispose();
      fx = copyFixture();
      return messages(withCheck(yaml));
    };
    assert.match(problems(`        type: nodeHttp
        description: x
        url: https://127.0.0.1:2379/health
        expect: { handshakeRefused: true, status: 200 }
`), /handshakeRefused: true cannot go with status/);
    assert.match(problems(`        type: nodeHttp
        description: x
        url: http://127.0.0.1:2379/health
        expect: { handshakeRefused: true }
`), /handshakeRefused needs an https:\/\/ URL/);
    assert.match(problems(`        type: nodeHttp
        description: x
        url: https://127.0.0.1:2379/health
        tls: { cert: /etc/kubernetes/pki/apiserver-etcd-client.crt }
        expect: { status: 200 }
`), /a client certificate needs both cert and key/);
    assert.match(problems(`        type: nodeHttp
        description: x
        url: https://127.0.0.1:2379/health
        tls: { maxVersion: '1.1' }
        expect: { status: 200 }
`), /maxVersion/);
  });
});
