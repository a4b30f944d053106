/**
 * Kubernetes resource quantities (k8s.io/apimachinery/pkg/api/resource): parse `500m`, `1.5`,
 * `128Mi`, `2G`, `1e3` exactly (as a count of nano-units, a bigint), add and compare them, and
 * print them as Quantity.String() does — the canonical form the API server writes into
 * messages (`limited: requests.cpu=2`, `maximum cpu usage per Container is 500m`).
 */

/** A parsed quantity: its exact value in nano-units and the format it prints in. */
export interface Quantity {
  nanos: bigint;
  format: 'DecimalSI' | 'BinarySI' | 'DecimalExponent';
}

const NANO = 1_000_000_000n;
const BINARY: Record<string, bigint> = { Ki: 1n << 10n, Mi: 1n << 20n, Gi: 1n << 30n, Ti: 1n << 40n, Pi: 1n << 50n, Ei: 1n << 60n };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)|[eE]([+-]?\d+))?$/;

/** Parses a quantity; undefined when the text is not one ("quantities must match the regular expression …"). */
export function parseQuantity(text: unknown): Quantity | undefined {
  const s = typeof text === 'number' ? String(text) : text;
  if (typeof s !== 'string' || s.length > 64) return undefined;
  const m = QUANTITY.exec(s.trim());
  if (!m) return undefined;
  const [, sign, number, suffix, exponent] = m as unknown as [string, string, string, string | undefined, string | undefined];
  const [whole = '0', frac = ''] = number.split('.');
  // The number scaled by 10^9, kept exact; digits below a nano-unit round up as the API server's do.
  const digits = BigInt((whole || '0') + frac.padEnd(9, '0').slice(0, 9));
  const roundUp = /[1-9]/.test(frac.slice(9)) ? 1n : 0n;
  let nanos = digits + roundUp;
  let format: Quantity['format'] = 'DecimalSI';
  if (suffix && suffix in BINARY) {
    nanos *= BINARY[suffix]!;
    format = 'BinarySI';
  } else {
    let exp = suffix !== undefined ? DECIMAL[suffix]! : 0;
    if (exponent !== undefined) {
      exp = Number(exponent);
      format = 'DecimalExponent';
      if (Math.abs(exp) > 30) return undefined;
    }
    if (exp >= 0) nanos *= 10n ** BigInt(exp);
    else {
      const div = 10n ** BigInt(-exp);
      nanos = (nanos + div - 1n) / div;
    }
  }
  return { nanos: sign === '-' ? -nanos : nanos, format };
}

export const zero = (format: Quantity['format'] = 'DecimalSI'): Quantity => ({ nanos: 0n, format });

/** a + b, printed in a's format (Quantity.Add keeps the receiver's) unless a is a zero placeholder. */
export function add(a: Quantity, b: Quantity): Quantity {
  return { nanos: a.nanos + b.nanos, format: a.nanos === 0n ? b.format : a.format };
}

export const compare = (a: Quantity, b: Quantity): number => (a.nanos < b.nanos ? -1 : a.nanos > b.nanos ? 1 : 0);

/** Quantity.String(): the canonical form (`1`, `500m`, `128Mi`, `2G`, `1500m`). */
export function formatQuantity(q: Quantity): string {
  const neg = q.nanos < 0n;
  const abs = neg ? -q.nanos : q.nanos;
  const sign = neg ? '-' : '';
  if (abs === 0n) return '0';
  if (q.format === 'BinarySI' && abs % NANO === 0n) {
    const units = abs / NANO;
    for (const [suffix, factor] of Object.entries(BINARY).reverse()) {
      if (units % factor === 0n) return `${sign}${units / factor}${suffix}`;
    }
    if (units < 1024n) return `${sign}${units}`;
  }
  // Decimal SI: the largest power of 1000 that leaves a whole mantissa.
  const entries = Object.entries(DECIMAL).sort((x, y) => y[1] - x[1]);
  for (const [suffix, exp] of entries) {
    const factor = 10n ** BigInt(exp + 9);
    if (abs % factor === 0n) {
      if (q.format === 'DecimalExponent' && exp !== 0) return `${sign}${abs / factor}e${exp}`;
      return `${sign}${abs / factor}${suffix}`;
    }
  }
  return `${sign}${abs}n`;
}

/** Normalises a quantity text to its canonical form (unparseable text comes back unchanged). */
export function canonical(text: unknown): string {
  const q = parseQuantity(text);
  return q ? formatQuantity(q) : String(text);
}
