import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The CLI's entry point, for tests that run `glass` as a child process. */
export const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli', 'main.ts');

/** A running `glass` child whose stderr is collected and can be waited on. */
export interface GlassChild {
  readonly proc: ChildProcess;
  stderr(): string;
  /** Resolves once stderr matches; rejects if the process exits first. */
  waitFor(re: RegExp): Promise<void>;
  readonly exit: Promise<number | null>;
}

/** `node src/cli/main.ts …args` with stdout ignored and stderr collected. */
export function glassChild(args: readonly string[]): GlassChild {
  const proc = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const waiting: { re: RegExp; res: () => void }[] = [];
  proc.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
    for (const w of waiting.splice(0)) {
      if (w.re.test(err)) w.res();
      else waiting.push(w);
    }
  });
  const exit = new Promise<number | null>((res) => proc.on('exit', (code) => res(code)));
  return {
    proc,
    stderr: () => err,
    waitFor: (re) =>
      new Promise<void>((res, rej) => {
        if (re.test(err)) return res();
        waiting.push({ re, res });
        void exit.then(() => rej(new Error(`exited before ${re}: ${err}`)));
      }),
    exit,
  };
}
