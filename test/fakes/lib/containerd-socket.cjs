'use strict';
// Leaves a real unix socket at argv[2], owned by root:root with mode 0660, as containerd's gRPC
// listener does (kind's containerd has no [grpc] uid/gid: both 0). Run by node-init.sh in a fresh
// fake node. The fake runtime is served over HTTP elsewhere, so nothing keeps listening: what
// matters is the socket file, whose owner and mode decide, through the kernel's own permission
// check on connect(2), who may reach the runtime (the fake crictl connects to it first).
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');

const sock = process.argv[2];
if (!sock) {
  process.stderr.write('usage: containerd-socket.cjs SOCKET\n');
  process.exit(2);
}
fs.mkdirSync(path.dirname(sock), { recursive: true, mode: 0o711 });
fs.rmSync(sock, { force: true });
const server = net.createServer();
server.on('error', (e) => {
  process.stderr.write(`containerd-socket: ${e.message}\n`);
  process.exit(1);
});
// A unix socket path holds at most 107 bytes (sun_path) and a fake node's root can be deeper than
// that (long cluster names, workers under nodes/<name>/): bind by the relative name from its folder.
process.chdir(path.dirname(sock));
const name = path.basename(sock);
server.listen(name, () => {
  fs.chownSync(name, 0, 0);
  fs.chmodSync(name, 0o660);
  // Exit without close(): the socket file stays, as a real listener's does while it runs.
  process.exit(0);
});
