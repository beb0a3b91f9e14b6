import type { AssetMeta, MarginTier, MetaEvent } from '../../domain/market-event.ts';
import { asObj, DecodeError, decField, isObj, mapArr, numField, type Obj, optBoolField, optNumField } from '../decode.ts';
import { coinField } from './wire.ts';

/** `marginTables` is `[[id, {description, marginTiers: [{lowerBound, maxLeverage}]}], …]`. */
function decodeMarginTables(o: Obj): Map<number, MarginTier[]> {
  const out = new Map<number, MarginTier[]>();
  const raw = o['marginTables'];
  if (raw === undefined) return out;
  const tables = mapArr(o, 'marginTables', (entry) => {
    if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[0] !== 'number' || !isObj(entry[1])) {
      throw DecodeError.of('', '[id, {marginTiers}]', entry);
    }
    const tiers = mapArr(entry[1], 'marginTiers', (t) => {
      const tier = asObj(t, '');
      return { lowerBound: decField(tier, 'lowerBound'), maxLeverage: numField(tier, 'maxLeverage') };
    });
    tiers.sort((a, b) => a.lowerBound - b.lowerBound);
    return [entry[0], tiers] as const;
  });
  for (const [id, tiers] of tables) out.set(id, tiers);
  return out;
}

/** meta response (also metaAndAssetCtxs[0]): the perp universe with leverage limits. */
export function decodeMeta(o: Obj, time: number, localTs: number): MetaEvent {
  const tables = decodeMarginTables(o);
  const assets = mapArr(o, 'universe', (u): AssetMeta => {
    const a = asObj(u, '');
    const maxLeverage = numField(a, 'maxLeverage');
    const tableId = optNumField(a, 'marginTableId');
    const tiers = tableId === null ? undefined : tables.get(tableId);
    return {
      coin: coinField(a, 'name'),
      szDecimals: numField(a, 'szDecimals'),
      maxLeverage,
      marginTiers: tiers ?? [{ lowerBound: 0, maxLeverage }],
      isDelisted: optBoolField(a, 'isDelisted', false),
    };
  });
  return { type: 'meta', venue: 'hyperliquid', assets, time, localTs };
}
