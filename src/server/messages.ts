import { patternMessage } from './schemas.ts';

/** A schema error as Ajv (requests) and TypeBox (the stream's subscribe message) report it. */
export interface SchemaError {
  readonly keyword: string;
  readonly instancePath?: string;
  readonly params?: Record<string, unknown>;
  readonly message?: string;
  /** With Ajv's `verbose`: the schema holding the failed keyword. */
  readonly parentSchema?: unknown;
}

const described = (s: unknown): string | undefined => {
  const d = (s as { description?: unknown } | null)?.description;
  return typeof d === 'string' ? d : undefined;
};

/**
 * One line naming the field and what it takes, for the first thing wrong with a request part
 * (`dataVar`: querystring, params, body, subscribe): a union of literals lists its values
 * (`querystring/near must be zone`, `body/side must be one of: long, short`) instead of a
 * "must be equal to constant" per branch; a pattern says in words what it takes (schemas.ts
 * Patterned) instead of quoting its regex; an unknown property is named with the ones there are.
 */
export function schemaErrorMessage(errors: readonly SchemaError[], dataVar: string): string {
  const first = errors[0];
  if (first === undefined) return `${dataVar} is not valid`;
  const path = first.instancePath ?? '';
  const field = `${dataVar}${path}`;
  const here = errors.filter((e) => (e.instancePath ?? '') === path);
  const allowed: unknown[] = [];
  let literals = true;
  for (const e of here) {
    if (e.keyword === 'const') allowed.push(e.params?.['allowedValue']);
    else if (e.keyword === 'enum') allowed.push(...((e.params?.['allowedValues'] as unknown[] | undefined) ?? []));
    else if (e.keyword !== 'anyOf') literals = false;
  }
  if (literals && allowed.length > 0) {
    const values = [...new Set(allowed.map(String))];
    return `${field} must be ${values.length === 1 ? values[0] : `one of: ${values.join(', ')}`}`;
  }
  if (first.keyword === 'pattern') {
    const words = patternMessage(String(first.params?.['pattern']));
    const description = described(first.parentSchema);
    return `${field} ${words ?? (description === undefined ? 'is not in the form this field takes' : `must be ${description}`)}`;
  }
  if (first.keyword === 'additionalProperties') {
    const extra = first.params?.['additionalProperty'];
    const props = (first.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties;
    const takes = props === undefined ? '' : `; ${field} takes ${Object.keys(props).join(', ')}`;
    return typeof extra === 'string'
      ? `${field}/${extra} is not a field of ${field}${takes}`
      : `${field} has a field it does not take${takes}`;
  }
  return `${field} ${first.message ?? 'is not valid'}`;
}
