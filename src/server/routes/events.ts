import { GLASS_EVENT_TYPES, type GlassEventType } from '../../domain/glass-event.ts';
import type { App, RouteDeps } from '../app.ts';
import { badRequest } from '../errors.ts';
import { ErrorBody, EventsPage, EventsQuery } from '../schemas.ts';
import { at } from './coins.ts';

const KNOWN = new Set<string>(GLASS_EVENT_TYPES);

/** `type=A,B` → the types, each checked (400 naming the unknown one). */
export function eventTypes(v: string | undefined, field: string): GlassEventType[] | undefined {
  if (v === undefined) return undefined;
  const out = v.split(',');
  for (const t of out) if (!KNOWN.has(t)) throw badRequest(field, `has an unknown event type ${t}`);
  return out as GlassEventType[];
}

/** GET /v1/events?type=&coin=&since=&cursor=&limit= */
export function eventRoutes(app: App, { view }: RouteDeps): void {
  app.get(
    '/events',
    {
      schema: {
        summary: 'The event log, oldest first; `next` continues past the last id',
        querystring: EventsQuery,
        response: { 200: EventsPage, 400: ErrorBody, 401: ErrorBody, 429: ErrorBody },
      },
    },
    async (req) => {
      const q = req.query;
      const types = eventTypes(q.type, 'querystring/type');
      const since = at(q.since, 'querystring/since').at;
      return view.events({
        ...at(q.at),
        ...(q.cursor === undefined ? {} : { cursor: q.cursor }),
        ...(types === undefined ? {} : { types }),
        ...(q.coin === undefined ? {} : { coin: q.coin }),
        ...(since === undefined ? {} : { since }),
        limit: q.limit ?? 100,
      });
    },
  );
}
