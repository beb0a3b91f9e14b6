import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { connectBus } from '../../src/bus/nats/connect.ts';

/** The NATS server the bus tests use (GLASS_TEST_NATS_URL). */
export const NATS = process.env.GLASS_TEST_NATS_URL ?? '127.0.0.1:4222';
const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;

/** A `glass …` child process: its exit code when done, its stderr so far. */
export function run(
  args: readonly string[],
  env: Record<string, string>,
): { child: ChildProcess; done: Promise<number | null>; err: () => string } {
  const child = spawn(process.execPath, [MAIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const done = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  return { child, done, err: () => err };
}

export type Run = ReturnType<typeof run>;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits for processes to exit 0 within one deadline. One still running then (a worker stuck
 * waiting, say) fails the test with its name and the tail of its stderr; the test's `after` kills it.
 */
export async function exitsOk(runs: Record<string, Run>, ms = 240_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'late'>((r) => {
    timer = setTimeout(() => r('late'), ms);
  });
  try {
    for (const [name, x] of Object.entries(runs)) {
      const code = await Promise.race([x.done, deadline]);
      if (code === 'late') {
        const running = Object.entries(runs)
          .filter(([, y]) => y.child.exitCode === null && y.child.signalCode === null)
          .map(([n, y]) => `${n}: …${y.err().slice(-600)}`);
        assert.fail(`still running after ${ms / 1000} s:\n${running.join('\n')}`);
      }
      assert.equal(code, 0, `${name} exited ${code}: ${x.err()}`);
    }
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `f` until it holds; past `ms` an error names what was waited for. */
export async function until(what: string, f: () => Promise<boolean>, ms = 120_000, every = 200): Promise<void> {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(every);
  }
}

/** Why NATS cannot be reached (null: it can). */
export async function natsDown(): Promise<string | null> {
  try {
    const nc = await connectBus(NATS, 'glass-test-probe', 2000);
    await nc.close();
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}
