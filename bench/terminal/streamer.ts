/**
 * Child process: another learner's tab streaming output (a browser tab is its own process).
 * Usage: streamer.js <ours|wetty> <url> <file>. Prints "streaming" once output flows; runs until killed.
 */
import { clientFor, type Product } from './clients.js';

const [product, url, file] = process.argv.slice(2) as [Product, string, string];
const client = clientFor(product, url);
await client.ready();
client.type(`while :; do cat ${file}; done\r`);
const timer = setInterval(() => {
  if (client.parsed > 1_000_000) {
    process.stdout.write('streaming\n');
    clearInterval(timer);
  }
}, 10);
process.on('SIGTERM', () => {
  client.close();
  process.exit(0);
});
