import { type Static, Type } from 'typebox';
import { Compile } from 'typebox/compile';
import { GLASS_EVENT_TYPES, type GlassEventType } from '../domain/glass-event.ts';

/**
 * The rule file's format (docs/alerts.md), one schema for the check and the type. A file holds one
 * rule, an array of rules, or `{ "rules": [...] }`. Unknown fields are errors: a misspelt filter
 * must not silently match everything.
 */

const Name = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.:-]+$' });
const Url = Type.String({ minLength: 8, maxLength: 2000 });
const Usd = Type.Number({ minimum: 0, maximum: 1e15 });
/** One of the Glass event types (GLASS_EVENT_TYPES). */
const EventType = Type.Unsafe<GlassEventType>(Type.String({ enum: [...GLASS_EVENT_TYPES] }));
const Clock = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' });

export const WebhookDestination = Type.Object(
  {
    kind: Type.Literal('webhook'),
    name: Type.Optional(Name),
    url: Url,
    /** HMAC-SHA256 key of the signature header. */
    secret: Type.String({ minLength: 16, maxLength: 512 }),
  },
  { additionalProperties: false },
);

export const TelegramDestination = Type.Object(
  {
    kind: Type.Literal('telegram'),
    name: Type.Optional(Name),
    /** The bot's token (from @BotFather). */
    token: Type.String({ minLength: 5, maxLength: 200, pattern: '^[A-Za-z0-9:_-]+$' }),
    chatId: Type.Union([Type.String({ minLength: 1, maxLength: 100 }), Type.Integer()]),
    /** The Bot API's base (default https://api.telegram.org). */
    baseUrl: Type.Optional(Url),
  },
  { additionalProperties: false },
);

export const DiscordDestination = Type.Object(
  {
    kind: Type.Literal('discord'),
    name: Type.Optional(Name),
    /** The channel's webhook URL (https://discord.com/api/webhooks/ID/TOKEN). */
    url: Url,
  },
  { additionalProperties: false },
);

export const Destination = Type.Union([WebhookDestination, TelegramDestination, DiscordDestination]);
export type Destination = Static<typeof Destination>;

export const When = Type.Object(
  {
    types: Type.Optional(Type.Array(EventType, { minItems: 1 })),
    coins: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 32 }), { minItems: 1 })),
    side: Type.Optional(Type.Union([Type.Literal('long'), Type.Literal('short')])),
    minNotionalUsd: Type.Optional(Usd),
    maxNotionalUsd: Type.Optional(Usd),
    minWallets: Type.Optional(Type.Integer({ minimum: 0 })),
    minScore: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
    maxScore: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
    minProbability: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    maxProbability: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    maxDistancePct: Type.Optional(Type.Number({ minimum: 0, maximum: 1000 })),
    /** The ledger's lift of the event type (hit rate / baseline); no lift yet: no match. */
    minLift: Type.Optional(Type.Number({ minimum: 0, maximum: 1000 })),
  },
  { additionalProperties: false },
);

export const Rule = Type.Object(
  {
    id: Name,
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    when: Type.Optional(When),
    /** Alert on a type the ledger has muted (default false; the alert says it is muted). */
    includeMuted: Type.Optional(Type.Boolean()),
    /** After an alert, no new alert of this rule on the same coin, and no update in the same thread, for this long (s, default 600). */
    cooldownSec: Type.Optional(Type.Number({ minimum: 0, maximum: 30 * 86400 })),
    /** An episode (thread) ends after this long without an event of it (s, default 14,400). */
    episodeSec: Type.Optional(Type.Number({ minimum: 1, maximum: 30 * 86400 })),
    /** An alert not delivered within this long of its venue time is dropped (s, default 300). */
    ttlSec: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 86400 })),
    /** No alert between from and to (local time of timeZone, default UTC; from > to spans midnight). */
    quietHours: Type.Optional(
      Type.Object(
        { from: Clock, to: Clock, timeZone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })) },
        { additionalProperties: false },
      ),
    ),
    /** Dashboard base URL: messages link to `${link}?coin=COIN`. */
    link: Type.Optional(Url),
    destinations: Type.Optional(Type.Array(Destination, { maxItems: 20 })),
  },
  { additionalProperties: false },
);
export type Rule = Static<typeof Rule>;

export const RuleFile = Type.Union([Rule, Type.Array(Rule), Type.Object({ rules: Type.Array(Rule) }, { additionalProperties: false })]);

export const checkRule = Compile(Rule);
