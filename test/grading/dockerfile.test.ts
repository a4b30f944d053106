/** The Dockerfile parser behind `nodeDockerfile` checks reads what BuildKit reads. */
import assert from 'node:assert/strict';
import { parseDockerfile } from '../../server/grading/checks/dockerfile.js';

describe('Dockerfile parsing for nodeDockerfile checks', () => {
  it('splits stages, keeps the last USER and the start form of each, and the final stage', () => {
    const p = parseDockerfile(`ARG BASE=golang:1.23
FROM \${BASE} AS build
USER 1000
ENV A=1 B="two words"
ARG VERSION
RUN ["go", "build"]
FROM scratch
COPY --from=build --chown=1:1 /out /out
ENTRYPOINT /out/app
CMD ["--flag"]`);
    assert.equal(p.stageCount, 2);
    assert.deepEqual(p.stages[0]!.env, { A: '1', B: 'two words' });
    assert.deepEqual(p.stages[0]!.args, { VERSION: '' });
    assert.equal(p.stages[0]!.user, '1000');
    assert.deepEqual(p.stages[0]!.runs, ['go build']);
    assert.equal(p.final!.from, 'scratch');
    assert.equal(p.final!.user, undefined);
    assert.deepEqual(p.final!.copiesFrom, ['build']);
    assert.equal(p.final!.startForm, 'shell', 'ENTRYPOINT decides the start form when there is one');
    assert.equal(p.envArgNames, 'A B VERSION', 'ARG before the first FROM belongs to no stage');
  });

  it('joins continuations, drops comments inside them, honours the escape directive and legacy ENV', () => {
    const p = parseDockerfile('# escape=`\nFROM alpine:3.20\nRUN apk add `\n# a comment in the middle\n    curl\nENV PATH /usr/local/bin\nCMD ["sh"]\n');
    assert.deepEqual(p.final!.runs, ['apk add      curl']);
    assert.deepEqual(p.final!.env, { PATH: '/usr/local/bin' });
    assert.equal(p.final!.startForm, 'exec');
    assert.equal(parseDockerfile('FROM x\n').final!.startForm, 'none');
    assert.equal(parseDockerfile('# just a comment\n').stageCount, 0);
  });
});
