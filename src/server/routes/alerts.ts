import { Type } from 'typebox';
import { parseRules, RuleError } from '../../alerts/parse.ts';
import type { Rule } from '../../alerts/schema.ts';
import type { Outbox } from '../../store/outbox.ts';
import type { App } from '../app.ts';
import { Patterned } from '../schemas.ts';

const RuleOut = Type.Object({ id: Type.String(), updatedAt: Type.Number(), rule: Type.Unknown() });
const ErrorOut = Type.Object({ statusCode: Type.Integer(), error: Type.String(), message: Type.String() });
const IdParams = Type.Object({
  id: Patterned('^[A-Za-z0-9_.:-]+$', 'must be an alert rule id: letters, digits and _.:- (e.g. btc-zones)', {
    minLength: 1,
    maxLength: 64,
  }),
});
const DeadOut = Type.Object({
  alerts: Type.Array(
    Type.Object({
      key: Type.String(),
      alertId: Type.String(),
      destination: Type.String(),
      attempts: Type.Integer(),
      createdAt: Type.Number(),
      deadAt: Type.Number(),
      error: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
  counts: Type.Object({ pending: Type.Integer(), delivered: Type.Integer(), dead: Type.Integer() }),
});

/** A rule as the API shows it: secrets and tokens never leave the server. */
function redact(rule: Rule): Rule {
  if (rule.destinations === undefined) return rule;
  return {
    ...rule,
    destinations: rule.destinations.map((d) => {
      if (d.kind === 'webhook') return { ...d, secret: '***' };
      if (d.kind === 'telegram') return { ...d, token: `${d.token.split(':')[0]}:***` };
      // A Discord webhook URL ends with its token.
      return { ...d, url: d.url.replace(/(\/webhooks\/[^/]+\/)[^/?]+/, '$1***') };
    }),
  };
}

/**
 * /v1/alerts: the alert rules (docs/alerts.md) stored in the store — list, read, put (create or
 * replace; validated as a rule file is, 400 naming the field), delete — and the outbox's
 * dead-letter list. Writes need an API key, even in open mode.
 */
export function alertRoutes(app: App, outbox: Outbox): void {
  app.get(
    '/alerts',
    { schema: { summary: 'Alert rules (secrets redacted)', response: { 200: Type.Object({ rules: Type.Array(RuleOut) }) } } },
    async () => ({
      rules: (await outbox.rules()).map((r) => ({ id: r.id, updatedAt: r.updatedAt, rule: redact(JSON.parse(r.json) as Rule) })),
    }),
  );
  app.get(
    '/alerts/dead',
    {
      schema: {
        summary: 'The dead-letter list: alerts not delivered (TTL ended, attempts used up, refused), newest first',
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }),
        response: { 200: DeadOut },
      },
    },
    async (req) => ({
      alerts: (await outbox.list('dead', req.query.limit ?? 100)).map((r) => ({
        key: r.key,
        alertId: r.alertId,
        destination: r.destination,
        attempts: r.attempts,
        createdAt: r.createdAt,
        deadAt: r.nextAt,
        error: r.lastError,
      })),
      counts: await outbox.counts(),
    }),
  );
  app.get(
    '/alerts/:id',
    { schema: { summary: 'One alert rule', params: IdParams, response: { 200: RuleOut, 404: ErrorOut } } },
    async (req, reply) => {
      const r = (await outbox.rules()).find((x) => x.id === req.params.id);
      if (r === undefined) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no alert rule ${req.params.id}` });
      return { id: r.id, updatedAt: r.updatedAt, rule: redact(JSON.parse(r.json) as Rule) };
    },
  );
  app.put(
    '/alerts/:id',
    {
      schema: {
        summary: 'Create or replace an alert rule (the body is one rule; its id, if given, must be the path’s)',
        params: IdParams,
        body: Type.Unknown(),
        response: { 200: RuleOut, 201: RuleOut, 400: ErrorOut, 403: ErrorOut },
      },
    },
    async (req, reply) => {
      if (req.apiKey === null) {
        return reply.code(403).send({ statusCode: 403, error: 'Forbidden', message: 'changing alert rules needs an API key' });
      }
      const body = req.body;
      if (body === null || typeof body !== 'object' || Array.isArray(body)) {
        return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: 'body: must be one rule (a JSON object)' });
      }
      const given = (body as { id?: unknown }).id;
      if (given !== undefined && given !== req.params.id) {
        return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: `body: id must be ${req.params.id} (the path’s)` });
      }
      let rule: Rule;
      try {
        [rule] = parseRules(JSON.stringify({ ...body, id: req.params.id }), 'body') as [Rule];
      } catch (e) {
        if (e instanceof RuleError) return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: e.message });
        throw e;
      }
      const at = Date.now();
      const created = await outbox.putRule(rule.id, JSON.stringify(rule), at);
      return reply.code(created ? 201 : 200).send({ id: rule.id, updatedAt: at, rule: redact(rule) });
    },
  );
  app.delete(
    '/alerts/:id',
    { schema: { summary: 'Delete an alert rule', params: IdParams, response: { 204: Type.Null(), 403: ErrorOut, 404: ErrorOut } } },
    async (req, reply) => {
      if (req.apiKey === null) {
        return reply.code(403).send({ statusCode: 403, error: 'Forbidden', message: 'changing alert rules needs an API key' });
      }
      if (!(await outbox.deleteRule(req.params.id))) {
        return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no alert rule ${req.params.id}` });
      }
      return reply.code(204).send(null);
    },
  );
}
