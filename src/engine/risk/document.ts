import { roundPx, roundRatio, roundSz, roundUsd, tidy } from '../../domain/format.ts';
import type { RiskAdvice } from './advice.ts';

/** The advice as a document (`glass risk --json`, `POST /v1/risk`): prices by the venue rule, sizes to szDecimals, USD to the cent, probabilities to 4 decimals. */
export function adviceJson(a: RiskAdvice, whaleBias: number, szd: number | null) {
  const px = (x: number | null) => (x === null ? null : roundPx(x, szd));
  return tidy({
    liquidationPx: px(a.liquidationPx),
    exitPx: px(a.exitPx),
    stopBeyondLiquidation: a.stopBeyondLiquidation,
    warnings: [...a.warnings],
    zonesInPath: a.zonesInPath.map((z) => ({
      ...z,
      lo: px(z.lo),
      hi: px(z.hi),
      peakPx: px(z.peakPx),
      touchProbability: roundRatio(z.touchProbability),
    })),
    whaleBias: a.whaleBias,
    whaleNetUsd: roundUsd(whaleBias),
    suggestions: a.suggestions.map((x) => ({
      ...x,
      value: x.value === null ? null : x.action === 'stop' ? px(x.value) : x.action === 'size' ? roundSz(x.value, szd) : x.value,
    })),
  });
}
