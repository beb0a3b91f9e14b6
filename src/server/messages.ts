import { GLASS_EVENT_TYPES } from '../domain/glass-event.ts';
import { HttpError } from './errors.ts';
import { eventTypes } from './normalize.ts';
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

/** A schema error with Ajv's `verbose` extras: the value that failed. */
type RequestSchemaError = SchemaError & { readonly data?: unknown };

const isEventTypes = (v: unknown): boolean =>
  Array.isArray(v) && v.length === GLASS_EVENT_TYPES.length && GLASS_EVENT_TYPES.every((t) => v.includes(t));

/**
 * The words of a 400 for a request that breaks its schema: schemaErrorMessage's (messages.ts), and
 * for what that leaves in the validator's own words, the API's: `body/entry is required` (not
 * `body must have required property 'entry'`), `must not be empty`, `must be at most 32
 * characters`, a query parameter given twice said so (it arrives as an array: `must be integer`
 * otherwise), a missing body named, and an event type a field does not know said as /v1/events
 * says it (normalize.ts eventTypes), whichever route it is.
 */
export function requestErrorMessage(errors: readonly RequestSchemaError[], dataVar: string): string {
  const first = errors[0];
  if (first === undefined) return schemaErrorMessage(errors, dataVar);
  const path = first.instancePath ?? '';
  const field = `${dataVar}${path}`;
  const limit = Number(first.params?.['limit']);
  if (dataVar === 'querystring' && /^\/[^/]+$/.test(path) && Array.isArray(first.data)) return `${field} is given more than once`;
  switch (first.keyword) {
    case 'required': {
      // Ajv names the property (missingProperty), TypeBox lists them (requiredProperties: the stream's subscribe message).
      const missing = first.params?.['missingProperty'] ?? (first.params?.['requiredProperties'] as unknown[] | undefined)?.[0];
      if (typeof missing === 'string') return `${field}/${missing} is required`;
      break;
    }
    case 'minLength':
      return limit === 1 ? `${field} must not be empty` : `${field} must be at least ${limit} characters`;
    case 'maxLength':
      return `${field} must be at most ${limit} characters`;
    case 'type':
      if (dataVar === 'body' && path === '' && 'data' in first && (first.data === undefined || first.data === null)) {
        return 'body is required: a JSON object, Content-Type: application/json';
      }
      break;
    case 'enum':
      if (typeof first.data === 'string' && first.data !== '' && isEventTypes(first.params?.['allowedValues'])) {
        try {
          eventTypes(first.data, field);
        } catch (e) {
          if (e instanceof HttpError) return e.message;
          throw e;
        }
        return `${field} takes one event type, not a list`;
      }
      break;
  }
  return schemaErrorMessage(errors, dataVar);
}
