/** Real sandboxed processes standing for containers, for the fake Falco's tests. */
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { containerPid } from '../kubelet/criView.js';
import { SANDBOX_PATH, spawnInSandbox } from '../kubelet/sandbox.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts `sh -c script` in sandboxes under `dir`; `pidOf` waits for a container's first process; `killAll` ends them. */
export function sandboxes(dir: string) {
  const kids: ChildProcess[] = [];
  return {
    start(name: string, script: string): ChildProcess {
      const c = spawnInSandbox({ rootDir: path.join(dir, name, 'root'), scratchDir: path.join(dir, name, 'scratch'), binds: [], workingDir: '/', env: { PATH: SANDBOX_PATH }, argv: ['/bin/sh', '-c', script] });
      kids.push(c);
      return c;
    },
    /** The container's PID 1 (as the host sees it) once it runs. */
    async pidOf(c: ChildProcess): Promise<number> {
      for (let i = 0; i < 50; i++) {
        const pid = containerPid(c.pid);
        if (pid) return pid;
        await sleep(50);
      }
      throw new Error('container process did not start');
    },
    killAll(): void {
      // PID 1 of each sandbox's PID namespace first: its end ends every process in the namespace
      // (killing only the outer `unshare` would leave the container's loop running).
      for (const k of kids) {
        const first = containerPid(k.pid);
        try {
          if (first) process.kill(first, 'SIGKILL');
        } catch {
          // already gone
        }
        k.kill('SIGKILL');
      }
    },
  };
}
