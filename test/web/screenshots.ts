/**
 * Takes screenshots of every UI state against the mock server, for a human (or an agent) to look
 * at: `node scripts/build-web.mjs && npx tsx test/web/screenshots.ts [outDir]`.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launchBrowser } from './browser.js';
import { startMockServer } from './mockServer.js';

const out = process.argv[2] ?? 'test-results/screenshots';
mkdirSync(out, { recursive: true });
const server = await startMockServer({ stepMs: 400, failFirstProvision: process.env['MOCK_FAIL'] === '1' });
const { page, close } = await launchBrowser();
try {
  await page.goto(server.url);
  await page.getByTestId('scenario-card').first().waitFor();
  await page.screenshot({ path: join(out, '1-catalog.png'), fullPage: true });
  await page.getByTestId('start-lab').first().click();
  await page.getByTestId('provision-progress').waitFor();
  await page.waitForTimeout(1500);
  await page.screenshot({ path: join(out, '2-provisioning.png') });
  if (process.env['MOCK_FAIL'] === '1') {
    await page.getByTestId('retry-lab').waitFor();
    await page.screenshot({ path: join(out, '2b-failed.png') });
    await page.getByTestId('retry-lab').click();
  }
  await page.locator('[data-testid="terminal"] .xterm').waitFor({ timeout: 20_000 });
  await page.keyboard.type('echo hello-$((6*7)); ls -la /; kubectl version --client\n');
  await page.waitForTimeout(800);
  await page.screenshot({ path: join(out, '3-terminal.png') });
  await page.getByTestId('check-button').click();
  await page.getByTestId('score').waitFor();
  await page.screenshot({ path: join(out, '4-graded.png') });
  await page.getByTestId('show-solution').click();
  await page.getByTestId('solution').waitFor();
  await page.screenshot({ path: join(out, '5-solution.png') });
  await page.setViewportSize({ width: 800, height: 900 });
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(out, '6-narrow.png'), fullPage: true });
} finally {
  await close();
  await server.close();
}
process.stdout.write(`screenshots in ${out}\n`);
