import { GLASS_EVENT_TYPES, type GlassEventType } from '../domain/glass-event.ts';
import { toWallet, type Wallet } from '../domain/ids.ts';
import { DEFAULT_WHALE_POLICY, type WhalePolicyOptions } from '../engine/whales/policy.ts';
import { numOption, type Parsed, strOption, UsageError } from './args.ts';

const LISTED_COINS = 30;

/**
 * `--coin C` names a coin the file has nothing of: one line that says which coins it has (the
 * first 30, sorted, then how many more), so a typo or a wrong file is plain at once.
 */
export function unknownCoin(file: string, coin: string, coins: readonly string[]): UsageError {
  if (coins.length === 0) return new UsageError(`${file}: no coin ${coin}: the file has no position or price of any coin`);
  const same = coins.filter((c) => c.toLowerCase() === coin.toLowerCase());
  if (same.length === 1) return new UsageError(`${file}: no coin ${coin}; did you mean ${same[0]}?`);
  const sorted = [...coins].sort();
  const shown = sorted.slice(0, LISTED_COINS).join(', ');
  const more = sorted.length > LISTED_COINS ? ` and ${sorted.length - LISTED_COINS} more` : '';
  return new UsageError(`${file}: no coin ${coin}; coins in it: ${shown}${more}`);
}

/** `--wallet W` checked once at the boundary: a 0x address of 40 hex digits (any case), canonical lower case. */
export function walletOption(value: string | undefined): Wallet | undefined {
  if (value === undefined) return undefined;
  const w = toWallet(value);
  if (w === null) throw new UsageError(`--wallet takes a 0x address of 40 hex digits, got ${JSON.stringify(value)}`);
  return w;
}

/**
 * `--min-account U` / `--min-position U` over a whale policy: each given option replaces that
 * line of `base`, the others stay as they are.
 */
export function whaleSizeOptions(p: Parsed, base: Partial<WhalePolicyOptions> = {}): Partial<WhalePolicyOptions> {
  const policy = { ...base };
  if (p.values['min-account'] !== undefined) Object.assign(policy, { minAccountUsd: numOption(p, 'min-account', 0, 0, 1e15) });
  if (p.values['min-position'] !== undefined) Object.assign(policy, { minPositionUsd: numOption(p, 'min-position', 0, 0, 1e15) });
  return policy;
}

/**
 * `--coin C` as the venue spells it when the case was left to chance: all lower case is read as
 * upper (btc → BTC, purr/usdc → PURR/USDC); a name with both cases (kPEPE) is taken as written.
 */
export function normalizeCoin(coin: string): string {
  return coin === coin.toLowerCase() ? coin.toUpperCase() : coin;
}

/** An event type as the engines spell it (zone_formed → ZONE_FORMED); one that is none, as written (for its error to quote). */
export function normalizeEventType(t: string): string {
  const up = t.toUpperCase();
  return GLASS_EVENT_TYPES.includes(up as GlassEventType) ? up : t;
}

/**
 * The case of `--coin` and `--type` values normalised once, before any command parses its line
 * (main.ts): every command taking them accepts `--coin btc` and `--type whale_position_opened`.
 * Options after `--` are positionals and left alone.
 */
export function normalizeCaseOptions(argv: readonly string[]): string[] {
  const out = [...argv];
  const fix = (name: string, v: string): string => (name === 'coin' ? normalizeCoin(v) : normalizeEventType(v));
  for (let i = 0; i < out.length; i++) {
    const a = out[i] as string;
    if (a === '--') break;
    const eq = /^--(coin|type)=(.*)$/s.exec(a);
    if (eq !== null) out[i] = `--${eq[1]}=${fix(eq[1] as string, eq[2] as string)}`;
    else if ((a === '--coin' || a === '--type') && i + 1 < out.length && !(out[i + 1] as string).startsWith('--')) {
      out[i + 1] = fix(a.slice(2), out[i + 1] as string);
      i++;
    }
  }
  return out;
}

/** `--type T` checked once at the boundary: one of the event types, any case (undefined: not given). */
export function eventTypeOption(p: Parsed): GlassEventType | undefined {
  const given = strOption(p, 'type');
  const type = given?.toUpperCase();
  if (type !== undefined && !GLASS_EVENT_TYPES.includes(type as GlassEventType)) {
    throw new UsageError(`--type takes one of ${GLASS_EVENT_TYPES.join(', ')}; got ${given}`);
  }
  return type as GlassEventType | undefined;
}

/**
 * The size a wallet must reach for its entries to count (syndicates, entities): the whale policy's
 * floor, `--min-account U` / `--min-position U` over it, or none with `--all-wallets` (which the
 * other two then contradict).
 */
export function walletSizeFloor(p: Parsed): { minAccountUsd: number; minPositionUsd: number } {
  if (p.values['all-wallets'] !== true) {
    return {
      minAccountUsd: numOption(p, 'min-account', DEFAULT_WHALE_POLICY.minAccountUsd, 0, 1e15),
      minPositionUsd: numOption(p, 'min-position', DEFAULT_WHALE_POLICY.minPositionUsd, 0, 1e15),
    };
  }
  if (p.values['min-account'] !== undefined || p.values['min-position'] !== undefined)
    throw new UsageError('--all-wallets counts every wallet: drop --min-account / --min-position, or drop --all-wallets');
  return { minAccountUsd: 0, minPositionUsd: 0 };
}
