// The fake `kind` CLI's entry (test/fakes/bin/kind runs it from its bundle): see kind-cli.mjs.
import { runCli } from './cli-util.mjs';
import { kindMain } from './kind-cli.mjs';

await runCli((argv) => kindMain(argv), (message) => `ERROR: ${message}\n`);
