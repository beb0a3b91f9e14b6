/**
 * Makes docs/dashboard.png: a serving demo at 600× for a while, then the dashboard in headless
 * Chromium. `node web/screenshot.ts [seconds] [out.png]` (after `npm run build:web`).
 */
import { spawn } from 'node:child_process';
import { chromium } from 'playwright-core';

const seconds = Number(process.argv[2] ?? 60);
const out = process.argv[3] ?? 'docs/dashboard.png';
const demo = spawn(process.execPath, ['src/cli/main.ts', 'demo', '--serve', '--port', '0', '--speed', '600', '--quiet'], {
  stdio: ['ignore', 'ignore', 'pipe'],
});
const url = await new Promise<string>((resolve, reject) => {
  let err = '';
  demo.stderr.on('data', (d: Buffer) => {
    err += d.toString();
    const m = /API on (http:\/\/[^/\s]+)\/v1/.exec(err);
    if (m !== null) resolve(m[1] as string);
  });
  demo.on('exit', (code) => reject(new Error(`demo exited ${code}: ${err}`)));
});
process.stderr.write(`demo on ${url}; waiting ${seconds} s\n`);
await new Promise((r) => setTimeout(r, seconds * 1000));
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox'] });
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, colorScheme: 'dark' });
  await page.goto(`${url}/`);
  await page.waitForSelector('body[data-ready="1"]');
  await page.waitForTimeout(2500);
  await page.screenshot({ path: out });
  process.stderr.write(`wrote ${out}\n`);
} finally {
  await browser.close();
  demo.kill('SIGTERM');
}
