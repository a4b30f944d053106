#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm run build` (run by `npm install` via prepare).
import('../dist/server/cli/main.js').then((m) => m.main(process.argv.slice(2))).then(
  (code) => { process.exitCode = code; },
  (err) => { console.error(`cks-lab: ${err instanceof Error ? err.message : String(err)}`); process.exitCode = 2; },
);
