import type { App, RouteDeps } from '../app.ts';
import { notFound } from '../errors.ts';
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
      const a = await view.risk(req.body, at(req.body.at, 'body/at').at);
      if (a === null) throw notFound(`no price for coin ${req.body.coin}`);
      return a;
    },
  );
}
