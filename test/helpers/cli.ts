import { spawn, spawnSync } from 'node:child_process';
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

/**
 * `glass …` without blocking this process (for tests that serve the venue themselves), run as
 * `npx glass` runs it: through bin/glass.js. `env` is added to the child's environment.
 */
export function glassAsync(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  const bin = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'glass.js');
  const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr })));
}
