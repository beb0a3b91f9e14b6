import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';

/** Median of repeated measurements: on a 2-core machine single runs vary by ±10 %. */
export function median(xs: readonly number[]): number {
  const s = xs.toSorted((a, b) => a - b);
  return s.length % 2 === 1 ? (s[s.length >> 1] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
}

/**
 * A distribution-free confidence interval for the median of `xs` (order statistics: the true
 * median lies between the j-th and k-th smallest with probability at least `level`, by the
 * binomial(n, ½) count of values below it); null when n is too small for the level (n < 6 at 95 %).
 */
export function medianCI(xs: readonly number[], level = 0.95): readonly [number, number] | null {
  const s = xs.toSorted((a, b) => a - b);
  const n = s.length;
  // P(X < j) for X ~ binomial(n, ½), j counted from 0: the widest symmetric pair whose tails stay under (1 − level) / 2.
  const pmf: number[] = [];
  let c = 1;
  for (let i = 0; i <= n; i++) {
    pmf.push(c / 2 ** n);
    c = (c * (n - i)) / (i + 1);
  }
  let tail = 0;
  let j = -1;
  while (j + 1 < n && tail + (pmf[j + 1] as number) <= (1 - level) / 2) tail += pmf[++j] as number;
  // j + 1 values may lie below the interval: it runs from the (j + 1)-th smallest to the (j + 1)-th largest (0-based j, n − 1 − j).
  if (j < 0) return null;
  return [s[j] as number, s[n - 1 - j] as number];
}

export { round3 } from '../src/engine/common/round.ts';

/**
 * A bench script's options (`parseArgs`), with `--help` printing how to run it (the script's
 * opening comment, `file` being the script: `import.meta.filename`) and an option it does not
 * take said in one line with that usage, exit 2, instead of a stack trace.
 */
export function benchArgs<T extends ParseArgsConfig>(file: string, config: T): ReturnType<typeof parseArgs<T>> {
  const argv = config.args ?? process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(benchUsage(file));
    process.exit(0);
  }
  try {
    return parseArgs(config);
  } catch (e) {
    return benchUsageError(file, (e as Error).message);
  }
}

/** Ends a bench script on a bad option value: the reason in one line, then its usage (exit 2). */
export function benchUsageError(file: string, message: string): never {
  process.stderr.write(`${basename(file)}: ${message}\n\n${benchUsage(file)}`);
  process.exit(2);
}

/** The script's opening `/** … *\/` comment without its stars: what it measures and how to run it. */
export function benchUsage(file: string): string {
  const m = /^\s*\/\*\*([\s\S]*?)\*\//.exec(readFileSync(file, 'utf8'));
  if (m === null) return `usage: node bench/${basename(file)} [options]\n`;
  const lines = (m[1] as string).split('\n').map((l) => l.replace(/^\s*\* ?/, ''));
  return `${lines.join('\n').trim()}\n`;
}
