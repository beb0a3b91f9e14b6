import type { App, RouteDeps } from '../app.ts';
import { notFound } from '../errors.ts';
import { normalizeCoin } from '../normalize.ts';
import { ErrorBody, RiskAdvice, RiskRequest } from '../schemas.ts';
import { at } from './coins.ts';

/** POST /v1/risk: `glass risk` for a posted position. */
export function riskRoutes(app: App, { view }: RouteDeps): void {
  app.post(
    '/risk',
    {
      schema: {
        summary: 'Risk advice for a position: zones in its path, whale lean, stop, size, leverage, timing',
        body: RiskRequest,
        response: { 200: RiskAdvice, 400: ErrorBody, 401: ErrorBody, 404: ErrorBody, 413: ErrorBody, 429: ErrorBody },
      },
    },
    async (req) => {
      // The posted coin in any case, as the query strings and paths take it (app.ts normalises those).
      const body = { ...req.body, coin: normalizeCoin(req.body.coin) };
      const a = await view.risk(body, at(body.at, 'body/at').at);
      if (a === null) throw notFound(`no price for coin ${body.coin}`);
      return a;
    },
  );
}
