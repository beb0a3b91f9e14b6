import { Type } from 'typebox';
import { Compile } from 'typebox/compile';
import { InputError } from '../recording/errors.ts';
import { DiscordDestination, type Rule, Rule as RuleSchema, TelegramDestination, WebhookDestination } from './schema.ts';

/** A rule file that does not follow docs/alerts.md; the message names the field (`rules[0].when.minScore`). */
export class RuleError extends InputError {
  readonly field: string;
  constructor(source: string, field: string, message: string) {
    super(`${source}: ${field === '' ? 'the file' : field} ${message}`);
    this.name = 'RuleError';
    this.field = field;
  }
}

// The rule without its destinations, which are checked one by one by kind: a union's errors
// would name every branch.
const { destinations: _d, ...ruleProps } = RuleSchema.properties;
const checkBare = Compile(Type.Object(ruleProps, { additionalProperties: false }));
const checkDest = {
  webhook: Compile(WebhookDestination),
  telegram: Compile(TelegramDestination),
  discord: Compile(DiscordDestination),
} as const;

interface CheckLike {
  Check(v: unknown): boolean;
  Errors(v: unknown): { instancePath: string; keyword: string; message: string; params: unknown }[];
}

/** `/when/minScore` under `rules[0]` → `rules[0].when.minScore`. */
function fieldOf(prefix: string, pointer: string): string {
  const parts = pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let s = prefix;
  for (const p of parts) s += /^\d+$/.test(p) ? `[${p}]` : s === '' ? p : `.${p}`;
  return s;
}

function check(c: CheckLike, v: unknown, source: string, prefix: string): void {
  if (c.Check(v)) return;
  // The deepest error is the most specific; `additionalProperties` names the stray key.
  const errors = c.Errors(v).filter((e) => e.keyword !== 'boolean');
  errors.sort((a, b) => b.instancePath.length - a.instancePath.length);
  const e = errors[0];
  if (e === undefined) throw new RuleError(source, prefix, 'is not a valid rule');
  if (e.keyword === 'additionalProperties') {
    const extra = (e.params as { additionalProperties?: string[] }).additionalProperties?.[0] ?? '?';
    throw new RuleError(source, fieldOf(prefix, `${e.instancePath}/${extra}`), 'is not a known field');
  }
  if (e.keyword === 'required') {
    const missing = (e.params as { requiredProperties?: string[] }).requiredProperties?.[0] ?? '?';
    throw new RuleError(source, fieldOf(prefix, `${e.instancePath}/${missing}`), 'is required');
  }
  throw new RuleError(source, fieldOf(prefix, e.instancePath), e.message);
}

function checkUrl(v: string, source: string, field: string): void {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new RuleError(source, field, `is not a URL: ${v.slice(0, 80)}`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new RuleError(source, field, 'must be an http(s) URL');
}

function validateRule(v: unknown, source: string, prefix: string): Rule {
  const obj = v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  if (obj === null) throw new RuleError(source, prefix, 'must be an object (a rule)');
  const { destinations, ...bare } = obj;
  check(checkBare, bare, source, prefix);
  const p = (f: string) => (prefix === '' ? f : `${prefix}.${f}`);
  if (destinations !== undefined) {
    if (!Array.isArray(destinations)) throw new RuleError(source, p('destinations'), 'must be an array');
    if (destinations.length > 20) throw new RuleError(source, p('destinations'), 'must have at most 20 items');
    destinations.forEach((d: unknown, i) => {
      const at = `${p('destinations')}[${i}]`;
      const kind = d !== null && typeof d === 'object' ? (d as { kind?: unknown }).kind : undefined;
      if (kind !== 'webhook' && kind !== 'telegram' && kind !== 'discord') {
        throw new RuleError(source, `${at}.kind`, 'must be one of webhook, telegram, discord');
      }
      check(checkDest[kind], d, source, at);
      const dd = d as { url?: string; baseUrl?: string };
      if (dd.url !== undefined) checkUrl(dd.url, source, `${at}.url`);
      if (dd.baseUrl !== undefined) checkUrl(dd.baseUrl, source, `${at}.baseUrl`);
    });
  }
  const rule = obj as Rule;
  const w = rule.when;
  if (w?.minNotionalUsd !== undefined && w.maxNotionalUsd !== undefined && w.minNotionalUsd > w.maxNotionalUsd) {
    throw new RuleError(source, p('when.maxNotionalUsd'), 'must be at least when.minNotionalUsd');
  }
  if (w?.minProbability !== undefined && w.maxProbability !== undefined && w.minProbability > w.maxProbability) {
    throw new RuleError(source, p('when.maxProbability'), 'must be at least when.minProbability');
  }
  if (w?.minScore !== undefined && w.maxScore !== undefined && w.minScore > w.maxScore) {
    throw new RuleError(source, p('when.maxScore'), 'must be at least when.minScore');
  }
  const tz = rule.quietHours?.timeZone;
  if (tz !== undefined) {
    try {
      new Intl.DateTimeFormat('en-GB', { timeZone: tz });
    } catch {
      throw new RuleError(source, p('quietHours.timeZone'), `is not a time zone: ${tz}`);
    }
  }
  if (rule.link !== undefined) checkUrl(rule.link, source, p('link'));
  return rule;
}

/**
 * Rules from a file's JSON text: one rule, an array of rules, or `{ "rules": [...] }`. Throws a
 * RuleError naming the first bad field; ids must be unique.
 */
export function parseRules(text: string, source = 'rules'): Rule[] {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new RuleError(source, '', `is not JSON: ${(e as Error).message}`);
  }
  let rules: Rule[];
  if (Array.isArray(v)) rules = v.map((r, i) => validateRule(r, source, `[${i}]`));
  else if (v !== null && typeof v === 'object' && 'rules' in v && !('id' in v)) {
    const list = (v as { rules: unknown }).rules;
    const extra = Object.keys(v).find((k) => k !== 'rules');
    if (extra !== undefined) throw new RuleError(source, extra, 'is not a known field');
    if (!Array.isArray(list)) throw new RuleError(source, 'rules', 'must be an array');
    rules = list.map((r, i) => validateRule(r, source, `rules[${i}]`));
  } else rules = [validateRule(v, source, '')];
  if (rules.length === 0) throw new RuleError(source, 'rules', 'must hold at least one rule');
  const seen = new Set<string>();
  for (const [i, r] of rules.entries()) {
    if (seen.has(r.id)) throw new RuleError(source, rules.length === 1 ? 'id' : `rules[${i}].id`, `repeats the id ${r.id}`);
    seen.add(r.id);
  }
  return rules;
}
