import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Real venue responses, vendored into the repository (see test/fixtures/hyperliquid/SOURCES.md)
 * so a clean clone tests against them wherever it is checked out.
 */
export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

export function fixturePath(rel: string): string {
  return join(FIXTURES, rel);
}

export function readFixture(rel: string): unknown {
  return JSON.parse(readFileSync(fixturePath(rel), 'utf8')) as unknown;
}
