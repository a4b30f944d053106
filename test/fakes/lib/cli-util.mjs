// Small helpers shared by the fake CLIs: cobra-style flag parsing, Go durations, exit with a message.

/** Thrown to end a command with `message` on stderr and `code`. */
export class CliExit extends Error {
  constructor(code, message = '') {
    super(message);
    this.code = code;
  }
}

/**
 * Parse cobra/pflag-style flags. `spec` maps long names to { type: 'string'|'bool'|'int', short, repeat }.
 * With stopAtFirstArg, everything from the first positional on is an argument (docker exec).
 * Returns { flags, args, set } (set: names given explicitly). Unknown flags throw CliExit like cobra.
 */
export function parseFlags(argv, spec, { stopAtFirstArg = false } = {}) {
  const flags = {};
  const set = new Set();
  const args = [];
  const shorts = Object.fromEntries(Object.entries(spec).filter(([, s]) => s.short).map(([n, s]) => [s.short, n]));
  const assign = (name, value) => {
    const s = spec[name];
    set.add(name);
    if (s.repeat) (flags[name] ??= []).push(value);
    else flags[name] = value;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      const s = spec[name];
      if (!s) throw new CliExit(1, `unknown flag: --${name}`);
      if (s.type === 'bool') assign(name, eq >= 0 ? a.slice(eq + 1) !== 'false' : true);
      else if (eq >= 0) assign(name, a.slice(eq + 1));
      else if (i + 1 < argv.length) assign(name, argv[++i]);
      else throw new CliExit(1, `flag needs an argument: --${name}`);
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const name = shorts[a[j]];
        if (!name) throw new CliExit(1, `unknown shorthand flag: '${a[j]}' in ${a}`);
        if (spec[name].type === 'bool') {
          assign(name, true);
          continue;
        }
        const rest = a.slice(j + 1).replace(/^=/, '');
        if (rest) assign(name, rest);
        else if (i + 1 < argv.length) assign(name, argv[++i]);
        else throw new CliExit(1, `flag needs an argument: '${a[j]}' in ${a}`);
        break;
      }
      continue;
    }
    if (stopAtFirstArg) {
      args.push(...argv.slice(i));
      break;
    }
    args.push(a);
  }
  return { flags, args, set };
}

const UNIT_MS = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go time.ParseDuration, in milliseconds; throws with Go's message. */
export function parseGoDuration(text) {
  if (text === '0') return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let pos = 0;
  let m;
  const body = text.replace(/^[+-]/, '');
  while ((m = re.exec(body))) {
    total += Number(m[1]) * UNIT_MS[m[2]];
    pos = re.lastIndex;
  }
  if (pos !== body.length || body.length === 0) {
    const missing = /^\d+(\.\d*)?$/.test(body);
    throw new Error(`time: ${missing ? 'missing unit in' : 'invalid'} duration "${text}"`);
  }
  return text.startsWith('-') ? -total : total;
}

/** Go time.Duration.String() for a whole number of milliseconds. */
export function formatGoDuration(ms) {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const totalS = ms / 1000;
  const h = Math.floor(totalS / 3600);
  const m = Math.floor((totalS % 3600) / 60);
  const s = +(totalS % 60).toFixed(3);
  if (h) return `${h}h${m}m${s}s`;
  if (m) return `${m}m${s}s`;
  return `${s}s`;
}

/** Run `main(argv)`; map CliExit / errors to kind-/docker-style stderr and exit code. */
export async function runCli(main, formatError) {
  try {
    const code = await main(process.argv.slice(2));
    process.exitCode = code ?? 0;
  } catch (e) {
    if (e instanceof CliExit) {
      if (e.message) process.stderr.write(formatError(e.message));
      process.exitCode = e.code;
    } else {
      process.stderr.write(formatError(e?.stack ?? String(e)));
      process.exitCode = 1;
    }
  }
}
