/** Ranks 1..n with ties given their mean rank. */
export function ranks(xs: readonly number[]): Float64Array {
  const order = xs.map((_, i) => i).sort((a, b) => (xs[a] as number) - (xs[b] as number));
  const r = new Float64Array(xs.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && xs[order[j + 1] as number] === xs[order[i] as number]) j++;
    const mean = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) r[order[k] as number] = mean;
    i = j + 1;
  }
  return r;
}

export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i] as number;
    mb += b[i] as number;
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = (a[i] as number) - ma;
    const db = (b[i] as number) - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : 0;
}

/** Spearman rank correlation. */
export function spearman(a: readonly number[], b: readonly number[]): number {
  return pearson(ranks(a), ranks(b));
}

/** Share of the true top quintile (by `truth`) that is also in the top quintile by `guess`. */
export function topQuintileOverlap(guess: readonly number[], truth: readonly number[]): number {
  const k = Math.max(1, Math.floor(guess.length / 5));
  const top = (xs: readonly number[]) =>
    new Set(
      xs
        .map((_, i) => i)
        .sort((a, b) => (xs[b] as number) - (xs[a] as number) || a - b)
        .slice(0, k),
    );
  const g = top(guess);
  let hit = 0;
  for (const i of top(truth)) if (g.has(i)) hit++;
  return hit / k;
}
