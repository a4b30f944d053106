/**
 * A real bash in a pty for the mock server, its output mirrored into @xterm/headless so that a
 * re-attaching client gets a replay of screen + scrollback (as the real terminal module does).
 */
import headless from '@xterm/headless';
import { SerializeAddon } from '@xterm/addon-serialize';
import { spawn } from 'node-pty';

export interface MockShell {
  write(data: string): void;
  resize(size: { cols: number; rows: number }): void;
  replay(): string;
  /** Ends bash and resolves once it has exited (or after 2 s), so its home can be removed. */
  dispose(): Promise<void>;
}

/** Starts `bash --noprofile --norc -i` in `cwd`; `onOutput` gets every chunk. */
export function startShell(cwd: string, onOutput: (data: string) => void): MockShell {
  const cols = 100;
  const rows = 30;
  const pty = spawn('bash', ['--noprofile', '--norc', '-i'], {
    name: 'xterm-256color',
    cols,
    rows,
    cwd,
    // HISTFILE empty: bash writes no history into the home the server removes on close.
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: cwd, HISTFILE: '', TERM: 'xterm-256color', PS1: 'root@cks-control-plane:~# ', LANG: 'C.UTF-8' },
  });
  const mirror = new headless.Terminal({ cols, rows, scrollback: 1000, allowProposedApi: true });
  const serializer = new SerializeAddon();
  mirror.loadAddon(serializer as unknown as headless.ITerminalAddon);
  let alive = true;
  let markExited: () => void = () => {};
  const exited = new Promise<void>((resolve) => (markExited = resolve));
  pty.onData((data) => {
    mirror.write(data);
    onOutput(data);
  });
  pty.onExit(() => {
    alive = false;
    markExited();
  });
  return {
    write: (data) => alive && pty.write(data),
    resize({ cols: c, rows: r }) {
      if (!alive || !Number.isInteger(c) || !Number.isInteger(r) || c < 10 || r < 4 || c > 500 || r > 200) return;
      pty.resize(c, r);
      mirror.resize(c, r);
    },
    replay: () => serializer.serialize(),
    async dispose() {
      const wasAlive = alive;
      if (alive) pty.kill();
      alive = false;
      mirror.dispose();
      if (wasAlive) await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
    },
  };
}
