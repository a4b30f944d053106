/**
 * Child process: wetty 3.2.0's own server (its exported `start`, what its CLI runs) on loopback,
 * running the same local bash as ours. As root on localhost without --force-ssh wetty spawns
 * `/usr/bin/env -S <command>` in a pty named xterm-256color. Usage: wettyServer.js <port>.
 */
import { start } from 'wetty';
import { BENCH_SHELL } from './localShellProvider.js';

const port = Number(process.argv[2] ?? 3000);
const io = await start(
  { user: '', host: 'localhost', auth: 'password', port: 22, knownHosts: '/dev/null', allowRemoteHosts: false, allowRemoteCommand: false, config: undefined },
  { base: '/', port, host: '127.0.0.1', title: 'WeTTY', allowIframe: false, socket: false },
  BENCH_SHELL.join(' '),
  false,
);
process.stdout.write('BENCH_READY ' + JSON.stringify({ url: `http://127.0.0.1:${port}`, pid: process.pid }) + '\n');
const stop = (): void => {
  void io.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
