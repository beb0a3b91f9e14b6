import type { App, RouteDeps } from '../app.ts';
import { eventTypes } from '../normalize.ts';
import { ErrorBody, EventsPage, EventsQuery } from '../schemas.ts';
import { at } from './coins.ts';

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
