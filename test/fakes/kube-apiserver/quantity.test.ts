import assert from 'node:assert/strict';
import { add, canonical, compare, formatQuantity, parseQuantity } from './quantity.js';

describe('fake kube-apiserver: resource quantities', () => {
  it('parses decimal, binary and exponent forms exactly (in nano-units)', () => {
    assert.equal(parseQuantity('500m')?.nanos, 500_000_000n);
    assert.equal(parseQuantity('0.5')?.nanos, 500_000_000n);
    assert.equal(parseQuantity('.5')?.nanos, 500_000_000n);
    assert.equal(parseQuantity('1')?.nanos, 1_000_000_000n);
    assert.equal(parseQuantity(2)?.nanos, 2_000_000_000n);
    assert.equal(parseQuantity('128Mi')?.nanos, 128n * 1024n * 1024n * 1_000_000_000n);
    assert.equal(parseQuantity('1Gi')?.nanos, parseQuantity('1024Mi')?.nanos);
    assert.equal(parseQuantity('2G')?.nanos, 2_000_000_000n * 1_000_000_000n);
    assert.equal(parseQuantity('1k')?.nanos, parseQuantity('1e3')?.nanos);
    assert.equal(parseQuantity('1E3')?.format, 'DecimalExponent');
    assert.equal(parseQuantity('-1')?.nanos, -1_000_000_000n);
  });

  it('refuses what is not a quantity', () => {
    for (const bad of ['', 'abc', '1.2.3', '1mi', '1KiB', '1 Gi', 'Gi', '1e', '--1', null, undefined, {}]) assert.equal(parseQuantity(bad), undefined, String(bad));
  });

  it('prints the canonical form, as Quantity.String() does', () => {
    const cases: [string, string][] = [
      ['500m', '500m'], ['0.5', '500m'], ['1.5', '1500m'], ['2000m', '2'], ['0.1', '100m'], ['1000', '1k'], ['0', '0'],
      ['128Mi', '128Mi'], ['1024Mi', '1Gi'], ['1.5Gi', '1536Mi'], ['2G', '2G'], ['100M', '100M'], ['1e3', '1e3'], ['134217728', '134217728'],
    ];
    for (const [input, out] of cases) assert.equal(canonical(input), out, input);
  });

  it('adds and compares across forms', () => {
    const sum = add(parseQuantity('500m')!, parseQuantity('1.5')!);
    assert.equal(formatQuantity(sum), '2');
    assert.equal(compare(parseQuantity('1Gi')!, parseQuantity('1G')!), 1);
    assert.equal(compare(parseQuantity('1000m')!, parseQuantity('1')!), 0);
    assert.equal(formatQuantity(add(parseQuantity('0')!, parseQuantity('256Mi')!)), '256Mi');
  });
});
