import { Type } from 'typebox';
import type { App, RouteDeps } from '../app.ts';
import { type HttpError, notFound } from '../errors.ts';
import { AtQuery, CoinPath, CoinsPage, CoinsQuery, ErrorBody, Heatmap, HeatmapQuery, Zone } from '../schemas.ts';
import { parseTime } from '../time.ts';
import type { GlassView } from '../view.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 404: ErrorBody, 429: ErrorBody };

/** GET /v1/coins, /v1/heatmap/{coin}, /v1/zones/{coin}. */
export function coinRoutes(app: App, { view }: RouteDeps): void {
  app.get(
    '/coins',
    {
      schema: {
        summary: 'Coins with a map: mark, bucket width, zones, total liquidation notional',
        querystring: CoinsQuery,
        response: { 200: CoinsPage, ...errors },
      },
    },
    async (req) =>
      view.coins({
        ...at(req.query.at),
        ...(req.query.cursor === undefined ? {} : { cursor: req.query.cursor }),
        limit: req.query.limit ?? 100,
      }),
  );
  app.get(
    '/heatmap/:coin',
    {
      schema: {
        summary: 'A coin’s liquidation map (as `glass heatmap --json`), with ?history= rows of the price × time grid',
        params: CoinPath,
        querystring: HeatmapQuery,
        response: { 200: Heatmap, ...errors },
      },
    },
    async (req) => {
      const m = await view.heatmap(req.params.coin, {
        ...at(req.query.at),
        ...(req.query.history === undefined ? {} : { history: req.query.history }),
      });
      if (m === null) throw await noMap(view, req.params.coin, req.query.at);
      return m;
    },
  );
  app.get(
    '/zones/:coin',
    {
      schema: {
        summary: 'A coin’s current liquidation zones with their touch probability',
        params: CoinPath,
        querystring: AtQuery,
        response: {
          200: Type.Object({ coin: Type.String(), time: Type.Number(), markPx: Type.Number(), zones: Type.Array(Zone) }),
          ...errors,
        },
      },
    },
    async (req) => {
      const z = await view.zones(req.params.coin, parseTime('querystring/at', req.query.at));
      if (z === null) throw await noMap(view, req.params.coin, req.query.at);
      return { coin: req.params.coin, ...z };
    },
  );
}

/**
 * 404 for a coin with no map (then): a coin that has one under another case (kpepe for kPEPE, which
 * normalising all lower case to upper cannot reach) is named.
 */
async function noMap(view: GlassView, coin: string, when: string | undefined): Promise<HttpError> {
  const known = await view.coins({ ...at(when), limit: 10_000 });
  const same = known.items.find((c) => c.coin !== coin && c.coin.toLowerCase() === coin.toLowerCase());
  return notFound(
    `no map for coin ${coin}${when === undefined ? '' : ` at ${when}`}${same === undefined ? '' : `; did you mean ${same.coin}?`}`,
  );
}

/** `{at}` when the query gives one, parsed (400 naming the field when it is no time). */
export function at(v: string | undefined, field = 'querystring/at'): { at?: number } {
  const t = parseTime(field, v);
  return t === undefined ? {} : { at: t };
}
