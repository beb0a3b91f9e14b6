import { tidy } from '../../domain/format.ts';
import type { App, RouteDeps } from '../app.ts';
import { ErrorBody, SyndicatesPage, SyndicatesQuery } from '../schemas.ts';
import { at } from './coins.ts';

/** GET /v1/syndicates */
export function syndicateRoutes(app: App, { view }: RouteDeps): void {
  app.get(
    '/syndicates',
    {
      schema: {
        summary: 'Syndicate episodes (members, notional, mean score) from their events, newest activity first',
        querystring: SyndicatesQuery,
        response: { 200: SyndicatesPage, 400: ErrorBody, 401: ErrorBody, 429: ErrorBody },
      },
    },
    async (req) => {
      const q = req.query;
      const page = await view.syndicates({
        ...at(q.at),
        ...(q.cursor === undefined ? {} : { cursor: q.cursor }),
        ...(q.coin === undefined ? {} : { coin: q.coin }),
        limit: q.limit ?? 50,
      });
      // At the documented precision (format.ts's tidy): an outcome's returns are ratios of marks, with float noise.
      return tidy(page);
    },
  );
}
