'use strict';
// The program a fake kind node's systemctl runs for kubelet.service (copied to
// /usr/local/lib/cks-fake/units/kubelet.service by kubelet-files.mjs, __KUBELET_ENDPOINT__ replaced):
// argv [verb] (start, stop, restart, reload, is-active, status). The simulated kubelet lives in the
// fake API server process (test/fakes/kube-apiserver/kubelet/kubeletServer.ts); this asks it, for
// this node (/etc/hostname), and passes its stdout, stderr and exit code through as systemctl's.
// CommonJS on purpose: the node has no package.json saying "type": "module".
const fs = require('node:fs');
const http = require('node:http');

const ENDPOINT = '__KUBELET_ENDPOINT__';
const verb = process.argv[2] ?? '';
let node = '';
try {
  node = fs.readFileSync('/etc/hostname', 'utf8').trim();
} catch {
  node = '';
}
const url = `${ENDPOINT}?node=${encodeURIComponent(node)}&verb=${encodeURIComponent(verb)}`;
const req = http.request(url, { method: 'POST', timeout: 60_000 }, (res) => {
  const chunks = [];
  res.on('data', (c) => chunks.push(c));
  res.on('end', () => {
    let answer;
    try {
      answer = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      answer = { exitCode: 1, stdout: '', stderr: 'Failed to connect to bus: No such file or directory\n' };
    }
    process.stdout.write(String(answer.stdout ?? ''));
    process.stderr.write(String(answer.stderr ?? ''));
    process.exitCode = Number.isInteger(answer.exitCode) ? answer.exitCode : 1;
  });
});
req.on('error', () => {
  // The machine behind the node is gone: systemd itself would not answer.
  process.stderr.write('System has not been booted with systemd as init system (PID 1). Can\'t operate.\nFailed to connect to bus: Host is down\n');
  process.exitCode = 1;
});
req.end();
