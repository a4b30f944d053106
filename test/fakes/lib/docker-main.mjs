// The fake `docker` CLI's entry (test/fakes/bin/docker runs it from its bundle): see docker-cli.mjs.
import { runCli } from './cli-util.mjs';
import { dockerMain } from './docker-cli.mjs';

await runCli((argv) => dockerMain(argv), (message) => `${message}\n`);
