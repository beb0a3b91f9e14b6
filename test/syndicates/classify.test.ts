import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classify, DEFAULT_CLASSIFY, PriceTape } from '../../src/engine/syndicates/classify.ts';

const T = 1_700_000_000_000;

/** Two hours of a random walk at σ = 0.07 % a minute (ETH-like), sampled every second, then `tail` seconds of path. */
function tape(tail: (s: number) => number): { tape: PriceTape; end: number } {
  const t = new PriceTape();
  let x = 0;
  let seed = 7;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const perSecond = 0.0007 / Math.sqrt(60);
  const n = 7200;
  for (let s = 0; s < n; s++) {
    // Sum of two uniforms: a rough normal step is enough for a tape.
    x += perSecond * Math.sqrt(6) * (rnd() + rnd() - 1);
    t.add(T + s * 1000, 2000 * Math.exp(x));
  }
  for (let s = 1; s <= 120; s++) t.add(T + (n + s) * 1000, 2000 * Math.exp(x + tail(s)));
  return { tape: t, end: T + (n + 120) * 1000 };
}

test('class: a quiet tape before the entries leads; a fall of several σ before longs is a reaction (a dip bought), so is a rise before them (chased)', () => {
  const quiet = tape(() => 0);
  assert.equal(classify(quiet.tape, 'long', quiet.end - 10_000, quiet.end, DEFAULT_CLASSIFY).class, 'lead');
  // ETH 2,040 → 1,997 in 53 s: about 2 %.
  const dip = tape((s) => (s <= 53 ? Math.log(1997 / 2040) * (s / 53) : Math.log(1997 / 2040)));
  const v = classify(dip.tape, 'long', dip.end - 60_000, dip.end, DEFAULT_CLASSIFY);
  assert.equal(v.class, 'reaction');
  assert.ok((v.moveSigmas ?? 0) > 10, `${v.moveSigmas} σ`);
  // The same fall before shorts is a move with them, before their first entry: chasing, a reaction too.
  assert.equal(classify(dip.tape, 'short', dip.end - 60_000, dip.end, DEFAULT_CLASSIFY).class, 'reaction');
});

test('class: a rise after longs began is their own buying, not what they reacted to; no σ yet is unclear', () => {
  // Flat until second 60, then +2 % over the last minute: the longs entered at second 60.
  const pump = tape((s) => (s <= 60 ? 0 : 0.02 * ((s - 60) / 60)));
  assert.equal(classify(pump.tape, 'long', pump.end - 60_000, pump.end, DEFAULT_CLASSIFY).class, 'lead');
  const fresh = new PriceTape();
  fresh.add(T, 100);
  fresh.add(T + 1000, 90);
  assert.deepEqual(classify(fresh, 'long', T + 1000, T + 1000, DEFAULT_CLASSIFY), { class: 'unclear', moveSigmas: null });
});
