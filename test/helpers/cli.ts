import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli', 'main.ts');

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `glass …` as a user would, in a child process with the same Node. */
export function glass(...args: string[]): CliResult {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A user error: non-zero exit, one line on stderr, no stack trace. */
export function assertOneLineError(r: CliResult): string {
  if (r.code === 0) throw new Error(`expected a failing exit, got 0; stderr: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  if (lines.length !== 1) throw new Error(`expected one stderr line, got:\n${r.stderr}`);
  if (/\n\s+at /.test(r.stderr) || r.stderr.includes('node:internal')) throw new Error(`stack trace printed:\n${r.stderr}`);
  return lines[0] as string;
}
