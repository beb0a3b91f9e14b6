/** Where commands write: stdout for results (JSON when asked), stderr for progress and notes. */
export function printJson(v: unknown): void {
  process.stdout.write(`${JSON.stringify(v, null, 2)}\n`);
}

export function printNdjson(v: unknown): void {
  process.stdout.write(`${JSON.stringify(v)}\n`);
}

export function note(line: string): void {
  process.stderr.write(`${line}\n`);
}

export function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
