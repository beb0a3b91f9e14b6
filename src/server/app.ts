import { createReadStream, existsSync, statSync } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import websocket from '@fastify/websocket';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import type { DestinationStream } from 'pino';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import type { Outbox } from '../store/outbox.ts';
import type { ApiKeyRecord, Store } from '../store/types.ts';
import { KeyRing, missingKeyMessage, OPEN_RATE, redactUrl, STREAM_PROTOCOL, secretOf } from './auth.ts';
import { excerpt, mediaTypeMessage } from './errors.ts';
import { requestErrorMessage } from './messages.ts';
import { ServiceMetrics } from './metrics.ts';
import { normalizeParams } from './normalize.ts';
import { alertRoutes } from './routes/alerts.ts';
import { coinRoutes } from './routes/coins.ts';
import { eventRoutes } from './routes/events.ts';
import { healthRoutes } from './routes/health.ts';
import { type Endpoint, indexRoutes } from './routes/index.ts';
import { ledgerRoutes } from './routes/ledger.ts';
import { positionRoutes } from './routes/positions.ts';
import { riskRoutes } from './routes/risk.ts';
import { streamRoutes } from './routes/stream.ts';
import { syndicateRoutes } from './routes/syndicates.ts';
import { walletRoutes } from './routes/wallets.ts';
import { StreamHub, type StreamOptions, viewSource } from './stream.ts';
import type { GlassView } from './view.ts';

/** The dashboard's build (`npm run build:web`, run by `npm ci`). */
export const DASHBOARD_DIR = fileURLToPath(new URL('../../web/dist/', import.meta.url));

/** Whether the dashboard is built, so a serving command can point to it. */
export function dashboardBuilt(dir: string = DASHBOARD_DIR): boolean {
  return existsSync(join(dir, 'index.html'));
}

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export interface RouteDeps {
  readonly view: GlassView;
  readonly hub: StreamHub;
  readonly metrics: ServiceMetrics;
  readonly started: number;
  /** The store (API keys; the ledger's stored grades for /v1/ledger over a store or at=). */
  readonly store?: Store;
}

export interface ServerOptions {
  readonly view: GlassView;
  /** Holds the API keys (and their usage). */
  readonly store: Store;
  /** Open read-only mode: no key needed (a key that is sent must still be valid). */
  readonly open: boolean;
  /** Origins allowed by CORS (`*`: any); none by default. */
  readonly cors?: readonly string[];
  /** Largest request body accepted (bytes); larger → 413. */
  readonly bodyLimit?: number;
  readonly logLevel?: string;
  /** Where the JSON log lines go (default stdout). */
  readonly logStream?: DestinationStream;
  readonly metrics?: ServiceMetrics;
  /** The stream's fan-out; one is made (fed by nobody) when absent. */
  readonly hub?: StreamHub;
  readonly stream?: Partial<StreamOptions>;
  /** Requests per minute per client address in open mode. */
  readonly openRate?: number;
  /** The dashboard's built files, served at / without a key (default web/dist when built; null: none). */
  readonly staticDir?: string | null;
  /** The alerts tables (rules, outbox): /v1/alerts is served when given. */
  readonly alerts?: Outbox;
}

/** Default request body limit: a posted position is a few hundred bytes. */
export const DEFAULT_BODY_LIMIT = 16 * 1024;

declare module 'fastify' {
  interface FastifyRequest {
    apiKey: ApiKeyRecord | null;
  }
}

/** Header paths never written to the log, whatever the level. */
const REDACT = [
  'req.headers["x-api-key"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers["x-api-key"]',
  'headers.authorization',
  'req.headers["sec-websocket-protocol"]',
  'headers["sec-websocket-protocol"]',
];

/**
 * The /v1 HTTP and WebSocket API. Schemas (schemas.ts) validate every request, check every
 * response before it leaves (a response that breaks its schema is a 500, never a silent
 * mismatch), and generate /v1/openapi.json. fastify with TypeBox: the schema is the validator,
 * the static type and the document at once, and fastify is the fastest mainstream Node server.
 */
export async function buildServer(opts: ServerOptions): Promise<App> {
  const metrics = opts.metrics ?? new ServiceMetrics();
  const bodyLimit = opts.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const app: App = Fastify({
    bodyLimit,
    logger:
      opts.logLevel === 'silent'
        ? false
        : {
            level: opts.logLevel ?? 'info',
            redact: { paths: REDACT, censor: '[redacted]' },
            // What a request line says: never its headers, nor a key sent in the URL (the key's id is bound once it is known).
            serializers: {
              req: (r: { method: string; url: string; ip?: string; headers?: Record<string, unknown> }) => ({
                method: r.method,
                url: redactUrl(r.url),
                remoteAddress: r.ip,
                userAgent: r.headers?.['user-agent'],
              }),
            },
            ...(opts.logStream === undefined ? {} : { stream: opts.logStream }),
          },
    // Query strings of repeated keys and deep objects are not part of this API.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: MAX_PARAM_LENGTH },
    // verbose: a schema error carries its schema and value, so its 400 can say what the field takes (messages.ts).
    ajv: { customOptions: { coerceTypes: true, removeAdditional: false, allErrors: false, verbose: true } },
    schemaErrorFormatter: (errors, dataVar) => new Error(requestErrorMessage(errors, dataVar)),
    // What the router refuses before any route runs (a path that is not valid %-encoding, a path
    // parameter past maxParamLength): the API's 400 naming the parameter, never fastify's own body
    // (its `code`, the whole URL echoed back).
    frameworkErrors: (err, req, generic) => {
      const reply = generic as unknown as FastifyReply;
      if (err.code === 'FST_ERR_BAD_URL' || err.code === 'FST_ERR_MAX_PARAM_LENGTH') {
        const message = pathMessage(app, req.method, req.url, err.code === 'FST_ERR_BAD_URL' ? 'encoding' : 'length');
        return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message });
      }
      req.log.error({ err }, 'request failed');
      return reply.code(500).send({ statusCode: 500, error: 'Internal Server Error', message: 'internal error' });
    },
  }).withTypeProvider<TypeBoxTypeProvider>();
  // Every body this API takes is a JSON object: text/plain (fastify reads it as a string by
  // default) is a 415 naming application/json, as any other type is, not `body must be object`.
  app.removeContentTypeParser('text/plain');

  // Every response is checked against its route's schema, then serialised.
  app.setSerializerCompiler(({ schema }) => {
    const check = Compile(schema as TSchema);
    return (data: unknown) => {
      if (!check.Check(data)) {
        const first = check.Errors(data)[0];
        throw new Error(`response does not match its schema at ${first?.instancePath ?? '?'}: ${first?.message ?? ''}`);
      }
      return JSON.stringify(data);
    };
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.validation !== undefined ? 400 : (err.statusCode ?? 500);
    if (status >= 500) {
      // The cause goes to the log; the client learns only that it failed.
      req.log.error({ err }, 'request failed');
      return reply.code(500).send({ statusCode: 500, error: 'Internal Server Error', message: 'internal error' });
    }
    if (status === 429) reply.header('retry-after', reply.getHeader('retry-after') ?? '60');
    const message =
      err.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? `request body is over the limit of ${bodyLimit} bytes`
        : err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
          ? mediaTypeMessage(req.headers['content-type'])
          : err.message;
    return reply.code(status).send({ statusCode: status, error: STATUS_CODES[status] ?? 'Error', message });
  });
  const staticDir = opts.staticDir === undefined ? DASHBOARD_DIR : opts.staticDir;
  app.setNotFoundHandler((req, reply) => {
    if (staticDir !== null && serveStatic(staticDir, req.method, req.url, reply)) return;
    reply
      .code(404)
      .send({ statusCode: 404, error: 'Not Found', message: `no route ${req.method} ${excerpt(req.url.split('?')[0] ?? '', 200)}` });
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Glass API',
        version: '1',
        description:
          'Liquidation heatmaps, Nexus Scores, syndicates and Glass events; every read takes at= (point in time). Coins and event types are read in any case, as the CLI reads them (btc: BTC; zone_formed: ZONE_FORMED); a 400 names the field and what it takes.',
      },
      components: {
        securitySchemes: {
          apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
          bearer: { type: 'http', scheme: 'bearer' },
        },
      },
      security: [{ apiKey: [] }, { bearer: [] }],
    },
  });
  if (opts.cors !== undefined && opts.cors.length > 0) {
    await app.register(cors, { origin: opts.cors.includes('*') ? true : [...opts.cors], methods: ['GET', 'POST'] });
  }

  // Registered before the access hook: its own onRequest hook marks upgrade requests, so a refused
  // upgrade (401) has its socket destroyed after the answer instead of held open.
  // A browser offering its key as a subprotocol gets `glass.v1` back (never the key entry).
  // On close each stream client gets 1001 and the id to resume from (the plugin's own close
  // sends no code at all: a client could not tell a shutdown from a lost connection).
  await app.register(websocket, {
    options: { maxPayload: 64 * 1024, handleProtocols: (offered) => (offered.has(STREAM_PROTOCOL) ? STREAM_PROTOCOL : false) },
    preClose(done) {
      hub.closeAll();
      const wss = this.websocketServer;
      for (const c of wss.clients) c.close(1001, 'server shutting down');
      wss.close(() => done());
    },
  });

  // Access: a sent key must be valid; without one only the open mode lets a request through.
  const keys = new KeyRing(opts.store);
  app.decorateRequest('apiKey', null);
  app.addHook('onRequest', async (req, reply) => {
    const path = req.url.split('?')[0];
    if (path === '/v1' || path === '/v1/' || path === '/v1/health' || path === '/v1/openapi.json' || !path?.startsWith('/v1')) return;
    const secret = secretOf(req.headers);
    if (secret === null) {
      if (opts.open) return;
      return reply.code(401).send({ statusCode: 401, error: 'Unauthorized', message: missingKeyMessage(req.url, req.headers) });
    }
    const key = await keys.resolve(secret);
    if (key === null) return reply.code(401).send({ statusCode: 401, error: 'Unauthorized', message: 'invalid or revoked API key' });
    req.apiKey = key;
    req.log = req.log.child({ key: key.id });
    reply.log = req.log;
    keys.count(key.id);
  });
  await app.register(rateLimit, {
    global: true,
    hook: 'preHandler',
    timeWindow: 60_000,
    max: async (req) => req.apiKey?.rateLimit ?? opts.openRate ?? OPEN_RATE,
    keyGenerator: (req) => (req.apiKey === null ? `ip:${req.ip}` : `key:${req.apiKey.id}`),
    allowList: (req) => req.url.startsWith('/v1/health'),
    errorResponseBuilder: (_req, ctx) => ({
      statusCode: 429,
      error: 'Too Many Requests',
      message: `rate limit: ${ctx.max} requests a minute; retry in ${Math.ceil(ctx.ttl / 1000)} s`,
    }),
  });
  // Coins and event types in any case, as the CLI takes them: normalised once, before validation (normalize.ts).
  app.addHook('preValidation', async (req) => {
    normalizeParams(req.query);
    normalizeParams(req.params);
  });
  app.addHook('onResponse', async (req, reply) => {
    metrics.request(req.routeOptions.url ?? 'unmatched', reply.statusCode);
  });
  const flushUsage = setInterval(() => {
    keys.flush().catch((e: unknown) => app.log.warn({ err: e }, 'could not record key usage'));
  }, 10_000);
  flushUsage.unref();
  app.addHook('onClose', async () => {
    clearInterval(flushUsage);
    await keys.flush();
  });

  const hub = opts.hub ?? new StreamHub(viewSource(opts.view), opts.stream, metrics);
  const deps: RouteDeps = { view: opts.view, hub, metrics, started: Date.now(), store: opts.store };
  // The /v1 routes as registered, for GET /v1's endpoint list (HEAD twins and duplicates left out).
  const endpoints: Endpoint[] = [];
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const path = route.url.length > 3 && route.url.endsWith('/') ? route.url.slice(0, -1) : route.url;
    if (!path.startsWith('/v1')) return;
    const summary = (route.schema as { summary?: unknown } | undefined)?.summary;
    for (const method of methods) {
      if (method === 'HEAD' || endpoints.some((e) => e.method === method && e.path === path)) continue;
      endpoints.push({ method, path, ...(typeof summary === 'string' ? { summary } : {}) });
    }
    endpoints.sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
  });
  await app.register(
    async (v1) => {
      const r = v1 as unknown as App;
      indexRoutes(r, endpoints);
      coinRoutes(r, deps);
      positionRoutes(r, deps);
      walletRoutes(r, deps);
      eventRoutes(r, deps);
      syndicateRoutes(r, deps);
      riskRoutes(r, deps);
      healthRoutes(r, deps);
      streamRoutes(r, deps);
      ledgerRoutes(r, deps);
      if (opts.alerts !== undefined) alertRoutes(r, opts.alerts);
      r.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
    },
    { prefix: '/v1' },
  );
  return app;
}

/** The longest path parameter the router takes (a coin is at most 32 characters, an address 42). */
const MAX_PARAM_LENGTH = 200;

/** Stands in for a refused path segment while the router is asked which parameter it is. */
const PROBE = 'glass-param-probe';

const decodes = (s: string): boolean => {
  try {
    decodeURIComponent(s);
    return true;
  } catch {
    return false;
  }
};

/**
 * The words of a 400 for a path the router refused before any route ran: the parameter whose
 * segment is at fault (found by asking the router which route the path is with that segment
 * replaced, so every parametric route is covered), or the path itself when the segment is in none
 * (an unknown route). At most a bounded piece of what was sent is echoed.
 */
function pathMessage(app: App, method: string, url: string, fault: 'encoding' | 'length'): string {
  const path = url.split('?')[0] ?? '';
  const segments = path.split('/');
  const bad = (s: string) => (fault === 'length' ? s.length > MAX_PARAM_LENGTH : !decodes(s));
  const i = segments.findIndex(bad);
  const segment = segments[i] ?? '';
  const what =
    fault === 'length'
      ? `is ${segment.length} characters long; a path parameter takes at most ${MAX_PARAM_LENGTH}`
      : `is not valid percent-encoding (UTF-8 bytes as %XX): ${excerpt(segment)}`;
  if (i >= 0) {
    // Every refused segment replaced (the router would refuse the probe again otherwise), the first by the probe.
    const probe = segments.map((s, j) => (j === i ? PROBE : bad(s) ? 'x' : s)).join('/');
    const params = (app.findRoute({ method, url: probe })?.params ?? {}) as Record<string, unknown>;
    const name = Object.keys(params).find((k) => params[k] === PROBE);
    if (name !== undefined) return `params/${name} ${what}`;
  }
  return fault === 'length'
    ? `path ${excerpt(path)} has a segment ${segment.length} characters long; a path parameter takes at most ${MAX_PARAM_LENGTH}`
    : `path is not valid percent-encoding (UTF-8 bytes as %XX): ${excerpt(path)}`;
}

const STATIC_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
};

/**
 * A GET outside /v1 for a file of the dashboard's build (web/dist): streamed with node:fs, `/` as
 * index.html; hashed assets cached for good. False: no such file (the caller answers 404).
 */
function serveStatic(
  dir: string,
  method: string,
  url: string,
  reply: { header(k: string, v: string): unknown; code(n: number): unknown; send(b: unknown): unknown },
): boolean {
  if (method !== 'GET' && method !== 'HEAD') return false;
  let path: string;
  try {
    path = decodeURIComponent(url.split('?')[0] ?? '/');
  } catch {
    return false;
  }
  if (path.startsWith('/v1') || path.includes('\0')) return false;
  const rel = normalize(path === '/' ? '/index.html' : path);
  if (rel.includes('..')) return false;
  const file = join(dir, rel);
  const type = STATIC_TYPES[extname(file)];
  if (type === undefined) return false;
  try {
    if (!statSync(file).isFile()) return false;
  } catch {
    return false;
  }
  reply.header('content-type', type);
  reply.header('cache-control', rel.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
  reply.code(200);
  reply.send(method === 'HEAD' ? '' : createReadStream(file));
  return true;
}
