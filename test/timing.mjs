// Per-file wall time of the suite, for finding what to make faster: with CKS_TEST_TIMINGS=<file>
// set, every test file appends { file, ms } (from its first hook to its last) as one JSON line.
// Loaded by mocha (--require) in each worker; does nothing when the variable is unset.
import { appendFileSync } from 'node:fs';
import { relative } from 'node:path';

const out = process.env.CKS_TEST_TIMINGS;
let started = 0;

export const mochaHooks = out
  ? {
      beforeAll() {
        started = Date.now();
      },
      afterAll() {
        const files = new Set((this.test?.parent?.suites ?? []).map((s) => s.file).filter(Boolean));
        for (const f of files) appendFileSync(out, JSON.stringify({ file: relative(process.cwd(), f), ms: Date.now() - started }) + '\n');
      },
    }
  : {};
