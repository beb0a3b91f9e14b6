import { Compile } from 'typebox/compile';
import type { GlassEventType } from '../../domain/glass-event.ts';
import type { App, RouteDeps } from '../app.ts';
import { requestErrorMessage } from '../messages.ts';
import { normalizeSubscribe, streamSubscription } from '../normalize.ts';
import { ErrorBody, StreamQuery, SubscribeMessage } from '../schemas.ts';
import type { Subscription } from '../stream.ts';

const checkSubscribe = Compile(SubscribeMessage);

/**
 * GET /v1/stream (WebSocket). Connect with `?after=&coins=&types=&heatmap=` to start at once, or
 * send `{"op":"subscribe","coins":[…],"types":[…],"heatmap":[…],"after":ID}`. Messages:
 * `{kind:"event", id, type, coin, time, receivedAt, detectedAt, event}`, `{kind:"heatmap", id,
 * coin, full, buckets, removed, zones, …}` (id: the last event id when it was sent),
 * `{kind:"subscribed"|"live"|"error", id, …}`. A client that falls too far behind is closed with
 * 1008 `slow consumer: resume from id N`; one resuming past the newest event (`after` > N) gets an
 * `error` naming N, then 1008 `bad subscription: after=A is past the newest event N`.
 */
/** What a connection with no subscription in its query is sent first. */
export const HELLO =
  'send {"op":"subscribe","coins":[…],"types":[…],"heatmap":[…],"after":ID} (every field optional) or connect with ?coins=&types=&heatmap=&after=';

export function streamRoutes(app: App, { hub }: RouteDeps): void {
  app.get(
    '/stream',
    {
      websocket: true,
      schema: {
        summary: 'WebSocket (upgrade): Glass events and heatmap deltas, resumable by event id',
        description:
          'Send {"op":"subscribe","coins":[…],"types":[…],"heatmap":[…],"after":ID} or connect with the same as query parameters.',
        querystring: StreamQuery,
        response: { 400: ErrorBody, 401: ErrorBody, 429: ErrorBody },
      },
      // @fastify/websocket hides its routes from the document; this one belongs in it.
      config: { swaggerTransform: ({ schema, url }) => ({ schema: { ...schema, hide: false }, url }) },
    },
    (socket, req) => {
      const c = hub.attach(socket);
      const fail = (message: string) => hub.sendControl(c, { kind: 'error', id: hub.lastId, message });
      const start = (sub: Subscription, after: number | null) => {
        hub.subscribe(c, sub, after).catch((e: unknown) => {
          req.log.error({ err: e }, 'stream subscribe failed');
          socket.close(1011, 'internal error');
        });
      };
      socket.on('message', (data, isBinary) => {
        let msg: unknown;
        try {
          msg = isBinary ? null : normalizeSubscribe(JSON.parse(String(data)));
        } catch {
          msg = null;
        }
        if (!checkSubscribe.Check(msg)) {
          const errors = msg === null ? [] : checkSubscribe.Errors(msg);
          fail(errors.length === 0 ? 'message must be JSON: {"op":"subscribe", …}' : requestErrorMessage(errors, 'subscribe'));
          return;
        }
        start(
          {
            coins: msg.coins === undefined ? null : new Set(msg.coins),
            types: msg.types === undefined ? null : new Set<GlassEventType>(msg.types),
            heatmap: new Set(msg.heatmap ?? []),
          },
          msg.after ?? null,
        );
      });
      const q = req.query;
      if (q.after !== undefined || q.coins !== undefined || q.types !== undefined || q.heatmap !== undefined) {
        let sub: Subscription;
        try {
          sub = streamSubscription(q);
        } catch (e) {
          fail((e as Error).message);
          socket.close(1008, 'bad subscription');
          return;
        }
        start(sub, q.after ?? null);
      } else {
        // A bare connection is told how to subscribe rather than left in silence.
        hub.sendControl(c, { kind: 'hello', id: hub.lastId, message: HELLO });
      }
    },
  );
}
