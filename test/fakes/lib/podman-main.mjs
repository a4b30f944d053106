// The fake `podman` CLI's entry (test/fakes/bin/podman): the fake docker CLI (same exec/ps/inspect) answering `info` like Podman.
import { runCli } from './cli-util.mjs';
import { dockerMain } from './docker-cli.mjs';

await runCli((argv) => dockerMain(argv, { ...process.env, FAKE_ENGINE_CLI: 'podman' }), (message) => `${message}\n`);
