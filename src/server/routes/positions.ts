import type { App, RouteDeps } from '../app.ts';
import { ErrorBody, PositionsPage, PositionsQuery } from '../schemas.ts';
import { at } from './coins.ts';

/** GET /v1/positions?coin=&wallet=&minNotional=&near=zone */
export function positionRoutes(app: App, { view }: RouteDeps): void {
  app.get(
    '/positions',
    {
      schema: {
        summary: 'Open positions with the liquidation price the heatmap files each at, by wallet then coin',
        description:
          'From running engines, every open position; from the store (glass serve, and any at=), the positions of the wallets the Whale Hunter tracks, as last snapshotted.',
        querystring: PositionsQuery,
        response: { 200: PositionsPage, 400: ErrorBody, 401: ErrorBody, 429: ErrorBody },
      },
    },
    async (req) => {
      const q = req.query;
      return view.positions({
        ...at(q.at),
        ...(q.cursor === undefined ? {} : { cursor: q.cursor }),
        ...(q.coin === undefined ? {} : { coin: q.coin }),
        ...(q.wallet === undefined ? {} : { wallet: q.wallet }),
        ...(q.minNotional === undefined ? {} : { minNotionalUsd: q.minNotional }),
        ...(q.near === 'zone' ? { nearZone: true } : {}),
        limit: q.limit ?? 100,
      });
    },
  );
}
