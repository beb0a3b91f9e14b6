import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';
import { out } from './output.ts';

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

/**
 * `--top -3` as `--top=-3`: node's parser takes a value that starts with a dash for a mistyped
 * option ("argument is ambiguous"), so a negative number after an option that takes a value is
 * joined to it here and reaches the option's own range check, which names the range.
 */
function joinNegatives(spec: CommandSpec, argv: readonly string[]): string[] {
  const takesValue = (arg: string): boolean => {
    if (arg.startsWith('--')) return !arg.includes('=') && spec.options[arg.slice(2)]?.type === 'string';
    if (/^-[A-Za-z]$/.test(arg)) return Object.values(spec.options).some((o) => o.short === arg.slice(1) && o.type === 'string');
    return false;
  };
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const next = argv[i + 1];
    if (a === '--') {
      args.push(...argv.slice(i));
      break;
    }
    if (next !== undefined && takesValue(a) && /^-(\d|\.\d|Infinity)/.test(next)) {
      args.push(`${a}=${next}`);
      i++;
    } else args.push(a);
  }
  return args;
}

/** node's parseArgs messages, said the way the rest of the CLI speaks. */
function argsMessage(e: unknown): string {
  const err = e as { code?: string; message?: string };
  const text = String(err.message ?? e).split('\n')[0] as string;
  const opt = /'(-[^' ]+)/.exec(text)?.[1];
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${opt ?? text}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return / does not take an argument/.test(text) ? `${opt} takes no value` : `${opt} needs a value`;
    default:
      return text;
  }
}

/** Parses argv for a command; null when --help was asked for (and printed). */
export function parseCommand(spec: CommandSpec, argv: readonly string[]): Parsed | null {
  let parsed: ReturnType<typeof parseArgs<{ options: ParseArgsOptionsConfig; allowPositionals: true; strict: true }>>;
  try {
    parsed = parseArgs({
      args: joinNegatives(spec, argv),
      options: { ...spec.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    throw new UsageError(`${argsMessage(e)} (see glass ${spec.name} --help)`);
  }
  if (parsed.values['help'] === true) {
    out.write(helpText(spec));
    return null;
  }
  const n = parsed.positionals.length;
  if (n < spec.positionals.min || n > spec.positionals.max) {
    throw new UsageError(`usage: glass ${spec.name} ${spec.usage} (see --help)`);
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
