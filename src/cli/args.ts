import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';

/** The user asked for something the command does not take: one line, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface CommandSpec {
  readonly name: string;
  readonly summary: string;
  /** Usage line after `glass <name>`. */
  readonly usage: string;
  readonly options: ParseArgsOptionsConfig;
  /** One line per option, for --help. */
  readonly help: readonly string[];
  readonly positionals: { readonly min: number; readonly max: number };
}

export interface Parsed {
  readonly values: Record<string, string | boolean | undefined>;
  readonly positionals: readonly string[];
}

export function helpText(spec: CommandSpec): string {
  return [`glass ${spec.name} ${spec.usage}`, '', spec.summary, '', ...spec.help.map((h) => `  ${h}`), '  --help   this text', ''].join(
    '\n',
  );
}

/** Parses argv for a command; null when --help was asked for (and printed). */
export function parseCommand(spec: CommandSpec, argv: readonly string[]): Parsed | null {
  let parsed: ReturnType<typeof parseArgs<{ options: ParseArgsOptionsConfig; allowPositionals: true; strict: true }>>;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { ...spec.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    throw new UsageError(`${(e as Error).message.split('\n')[0]} (see glass ${spec.name} --help)`);
  }
  if (parsed.values['help'] === true) {
    process.stdout.write(helpText(spec));
    return null;
  }
  const n = parsed.positionals.length;
  if (n < spec.positionals.min || n > spec.positionals.max) {
    throw new UsageError(`expected: glass ${spec.name} ${spec.usage} (see --help)`);
  }
  return { values: parsed.values as Record<string, string | boolean | undefined>, positionals: parsed.positionals };
}

export function intOption(p: Parsed, name: string, dflt: number, min: number, max: number): number {
  const v = p.values[name];
  if (v === undefined) return dflt;
  const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : Number.NaN;
  if (!(n >= min && n <= max)) throw new UsageError(`--${name} takes a whole number from ${min} to ${max}, got ${String(v)}`);
  return n;
}

export function numOption(p: Parsed, name: string, dflt: number, min: number, max: number): number {
  const v = p.values[name];
  if (v === undefined) return dflt;
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  if (!(n >= min && n <= max)) throw new UsageError(`--${name} takes a number from ${min} to ${max}, got ${String(v)}`);
  return n;
}

export function strOption(p: Parsed, name: string): string | undefined {
  const v = p.values[name];
  return typeof v === 'string' ? v : undefined;
}

export function flag(p: Parsed, name: string): boolean {
  return p.values[name] === true;
}
