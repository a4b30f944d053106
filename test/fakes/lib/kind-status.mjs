// kind's status printer (pkg/internal/cli/status.go): " • X  ..." when a phase starts and
// " ✓ X" / " ✗ X" when it ends; with a terminal on stderr, a spinner line and coloured marks.
export function createStatus(stream, { quiet = false } = {}) {
  const tty = Boolean(stream.isTTY);
  let current = '';
  const write = (s) => {
    if (!quiet) stream.write(s);
  };
  return {
    start(status) {
      this.end(true);
      current = status;
      write(tty ? `\r ⠈⠁ ${status} ` : ` • ${status}  ...\n`);
    },
    end(success) {
      if (!current) return;
      const mark = success ? (tty ? '\x1b[32m✓\x1b[0m' : '✓') : tty ? '\x1b[31m✗\x1b[0m' : '✗';
      write(`${tty ? '\r\x1b[2K' : ''} ${mark} ${current}\n`);
      current = '';
    },
    log(line) {
      write(`${line}\n`);
    },
  };
}
