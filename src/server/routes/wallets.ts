import { tidy } from '../../domain/format.ts';
import type { App, RouteDeps } from '../app.ts';
import { notFound } from '../errors.ts';
import { AtQuery, ErrorBody, WalletDetail, WalletPath, WalletsPage, WalletsQuery } from '../schemas.ts';
import { at } from './coins.ts';

/** GET /v1/wallets?sort=score&limit= and /v1/wallets/{address}. */
export function walletRoutes(app: App, { view }: RouteDeps): void {
  app.get(
    '/wallets',
    {
      schema: {
        summary: 'Wallets by Nexus Score, highest first',
        description:
          'at=T: the score table as of the last score tick at or before T (every 5 minutes of venue time), the one `glass score` gives on the recording cut there (docs/score.md). The first page pins the time its list is for (without at=: now); its `next` carries it, so every page is read from that one list while ingest moves on: each wallet once, ranks unbroken.',
        querystring: WalletsQuery,
        response: { 200: WalletsPage, 400: ErrorBody, 401: ErrorBody, 429: ErrorBody },
      },
    },
    async (req) => {
      const q = req.query;
      return view.wallets({
        ...at(q.at),
        ...(q.cursor === undefined ? {} : { cursor: q.cursor }),
        ...(q.minTrades === undefined ? {} : { minTrades: q.minTrades }),
        limit: q.limit ?? 50,
      });
    },
  );
  app.get(
    '/wallets/:address',
    {
      schema: {
        summary: 'One wallet: score, components, score history, the trades that moved it, open positions',
        description:
          'time: the time the score is for (at=T: the last score tick at or before T; without: now); history ends with that score at that time. 404 when the wallet has no score then.',
        params: WalletPath,
        querystring: AtQuery,
        response: { 200: WalletDetail, 400: ErrorBody, 401: ErrorBody, 404: ErrorBody, 429: ErrorBody },
      },
    },
    async (req) => {
      const w = await view.wallet(req.params.address, at(req.query.at).at);
      if (w === null) throw notFound(`no scored wallet ${req.params.address}${req.query.at === undefined ? '' : ` at ${req.query.at}`}`);
      // As `glass score --wallet --json` prints it (tidy): the movers' PnL, prices and returns carry float noise.
      return tidy(w);
    },
  );
}
