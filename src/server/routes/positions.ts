import type { App, RouteDeps } from '../app.ts';
import { ErrorBody, PositionsPage, PositionsQuery } from '../schemas.ts';
import { at } from './coins.ts';

/** GET /v1/positions?coin=&wallet=&minNotional=&near=zone */
export function positionRoutes(app: App, { view }: RouteDeps): void {
  app.get(
    '/positions',
    {
      schema: {
        summary: 'Open positions with the liquidation price the heatmap files each at, by wallet then coin; `scope` says which',
        description:
          'What the list covers depends on where the answer comes from, and `scope` in every page says which: `all` from running engines (glass demo, live or replay with --serve, without at=), every open position; `tracked` from the store (glass serve, and any at=), the positions of the wallets the Whale Hunter tracks, as last snapshotted.',
        querystring: PositionsQuery,
        response: { 200: PositionsPage, 400: ErrorBody, 401: ErrorBody, 429: ErrorBody },
      },
    },
    async (req) => {
      const q = req.query;
      const when = at(q.at);
      // Asked in the same turn as positions(), which decides at its start where it answers from.
      const scope = view.positionScope(when.at);
      const page = await view.positions({
        ...when,
        ...(q.cursor === undefined ? {} : { cursor: q.cursor }),
        ...(q.coin === undefined ? {} : { coin: q.coin }),
        ...(q.wallet === undefined ? {} : { wallet: q.wallet }),
        ...(q.minNotional === undefined ? {} : { minNotionalUsd: q.minNotional }),
        ...(q.near === 'zone' ? { nearZone: true } : {}),
        limit: q.limit ?? 100,
      });
      return { ...page, scope };
    },
  );
}
