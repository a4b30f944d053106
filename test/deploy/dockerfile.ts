/** Dockerfile → instructions, for the hadolint-style rules of test/deploy (no Docker engine here). */

export interface Instruction {
  op: string;
  args: string;
  line: number;
}

/** Instructions, with line continuations joined and comments dropped (a `# hadolint ignore=` kept as a comment op). */
export function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.trim();
    const start = i + 1;
    if (!line) continue;
    if (line.startsWith('#')) {
      const ignore = /^#\s*hadolint\s+ignore=([\w,]+)/.exec(line);
      if (ignore) out.push({ op: '#IGNORE', args: ignore[1]!, line: start });
      continue;
    }
    while (line.endsWith('\\') && i + 1 < lines.length) {
      line = line.slice(0, -1) + ' ' + lines[++i]!.trim();
    }
    const m = /^(\w+)\s+(.*)$/s.exec(line);
    if (m) out.push({ op: m[1]!.toUpperCase(), args: m[2]!, line: start });
  }
  return out;
}

/** Instructions grouped by build stage (each starts with its FROM). */
export function stagesOf(all: Instruction[]): Instruction[][] {
  return all.reduce<Instruction[][]>((acc, ins) => {
    if (ins.op === 'FROM') acc.push([]);
    acc[acc.length - 1]?.push(ins);
    return acc;
  }, []);
}

/** `ARG NAME=value` of a stage → Map. */
export function argsOf(stage: Instruction[]): Map<string, string> {
  return new Map(stage.filter((i) => i.op === 'ARG' && i.args.includes('=')).map((i) => [i.args.slice(0, i.args.indexOf('=')), i.args.slice(i.args.indexOf('=') + 1)] as [string, string]));
}
