import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A node's `node_fills_by_block` directory holds one file per hour, `hourly/{YYYYMMDD}/{H}`
 * (https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/nodes/l1-data-schemas), each
 * line one block (`parseNodeBlockLine` in src/recording/reader.ts). The files in time order:
 * path segments compared as numbers where both are numbers (hour 9 before hour 10), as text
 * otherwise. Gzipped hours (`.gz`) are read as they are.
 */
export function nodeBlockFiles(dir: string): string[] {
  const files: string[] = [];
  for (const rel of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const name = rel.split('/').at(-1) ?? '';
    if (name.startsWith('.')) continue;
    const path = join(dir, rel);
    if (statSync(path).isFile()) files.push(rel);
  }
  return files.sort(compareSegments).map((rel) => join(dir, rel));
}

function compareSegments(a: string, b: string): number {
  const x = a.replace(/\.gz$/, '').split('/');
  const y = b.replace(/\.gz$/, '').split('/');
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const p = x[i] as string;
    const q = y[i] as string;
    if (p === q) continue;
    const numeric = /^\d+$/.test(p) && /^\d+$/.test(q);
    return numeric ? Number(p) - Number(q) : p < q ? -1 : 1;
  }
  return x.length - y.length;
}
