/**
 * NaCl secretbox (XSalsa20-Poly1305), as golang.org/x/crypto/nacl/secretbox seals: output is the
 * 16-byte Poly1305 tag followed by the ciphertext. node:crypto has neither Salsa20 nor a bare
 * Poly1305, so both are written out here (Salsa20/20 per Bernstein's spec, Poly1305 with BigInt).
 * Only the fake's kube-apiserver uses it, for the `secretbox` encryption provider.
 */

const SIGMA = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574];

function rounds(x: Uint32Array): void {
  const R = (v: number, n: number): number => ((v << n) | (v >>> (32 - n))) >>> 0;
  const qr = (a: number, b: number, c: number, d: number): void => {
    x[b]! ^= R((x[a]! + x[d]!) >>> 0, 7);
    x[c]! ^= R((x[b]! + x[a]!) >>> 0, 9);
    x[d]! ^= R((x[c]! + x[b]!) >>> 0, 13);
    x[a]! ^= R((x[d]! + x[c]!) >>> 0, 18);
  };
  for (let i = 0; i < 10; i++) {
    qr(0, 4, 8, 12);
    qr(5, 9, 13, 1);
    qr(10, 14, 2, 6);
    qr(15, 3, 7, 11);
    qr(0, 1, 2, 3);
    qr(5, 6, 7, 4);
    qr(10, 11, 8, 9);
    qr(15, 12, 13, 14);
  }
}

function initState(key: Buffer, input: Buffer): Uint32Array {
  const s = new Uint32Array(16);
  s[0] = SIGMA[0]!;
  s[5] = SIGMA[1]!;
  s[10] = SIGMA[2]!;
  s[15] = SIGMA[3]!;
  for (let i = 0; i < 4; i++) {
    s[1 + i] = key.readUInt32LE(4 * i);
    s[11 + i] = key.readUInt32LE(16 + 4 * i);
    s[6 + i] = input.readUInt32LE(4 * i);
  }
  return s;
}

/** HSalsa20: derives XSalsa20's subkey from the key and the first 16 nonce bytes. */
function hsalsa20(key: Buffer, nonce16: Buffer): Buffer {
  const x = initState(key, nonce16);
  rounds(x);
  const out = Buffer.alloc(32);
  [0, 5, 10, 15, 6, 7, 8, 9].forEach((w, i) => out.writeUInt32LE(x[w]!, 4 * i));
  return out;
}

/** `length` bytes of the Salsa20 key stream for an 8-byte nonce, block counter from 0. */
function salsa20Stream(key: Buffer, nonce8: Buffer, length: number): Buffer {
  const out = Buffer.alloc(Math.ceil(length / 64) * 64);
  const input = Buffer.alloc(16);
  nonce8.copy(input, 0);
  for (let block = 0; block * 64 < length; block++) {
    input.writeBigUInt64LE(BigInt(block), 8);
    const s = initState(key, input);
    const x = Uint32Array.from(s);
    rounds(x);
    for (let i = 0; i < 16; i++) out.writeUInt32LE((x[i]! + s[i]!) >>> 0, block * 64 + 4 * i);
  }
  return out.subarray(0, length);
}

function le(buf: Buffer): bigint {
  let n = 0n;
  for (let i = buf.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(buf[i]!);
  return n;
}

function poly1305(msg: Buffer, key: Buffer): Buffer {
  const p = (1n << 130n) - 5n;
  const r = le(key.subarray(0, 16)) & 0x0ffffffc0ffffffc0ffffffc0fffffffn;
  const s = le(key.subarray(16, 32));
  let acc = 0n;
  for (let i = 0; i < msg.length; i += 16) {
    const chunk = msg.subarray(i, i + 16);
    acc = ((acc + le(chunk) + (1n << BigInt(8 * chunk.length))) * r) % p;
  }
  acc = (acc + s) & ((1n << 128n) - 1n);
  const out = Buffer.alloc(16);
  for (let i = 0; i < 16; i++) out[i] = Number((acc >> BigInt(8 * i)) & 0xffn);
  return out;
}

function xsalsaStream(key: Buffer, nonce: Buffer, length: number): Buffer {
  return salsa20Stream(hsalsa20(key, nonce.subarray(0, 16)), nonce.subarray(16, 24), length);
}

/** secretbox.Seal(nil, msg, nonce, key): tag ‖ ciphertext. */
export function secretboxSeal(msg: Buffer, nonce: Buffer, key: Buffer): Buffer {
  const stream = xsalsaStream(key, nonce, 32 + msg.length);
  const c = Buffer.alloc(msg.length);
  for (let i = 0; i < msg.length; i++) c[i] = msg[i]! ^ stream[32 + i]!;
  return Buffer.concat([poly1305(c, stream.subarray(0, 32)), c]);
}

/** secretbox.Open: the message, or null when the tag does not verify. */
export function secretboxOpen(box: Buffer, nonce: Buffer, key: Buffer): Buffer | null {
  if (box.length < 16) return null;
  const c = box.subarray(16);
  const stream = xsalsaStream(key, nonce, 32 + c.length);
  if (!poly1305(c, stream.subarray(0, 32)).equals(box.subarray(0, 16))) return null;
  const m = Buffer.alloc(c.length);
  for (let i = 0; i < c.length; i++) m[i] = c[i]! ^ stream[32 + i]!;
  return m;
}
