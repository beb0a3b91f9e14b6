/**
 * Float noise in printed numbers: more than 10 significant digits (`39959.074799999995`), or a
 * run of six or more 9s, or 0s after a significant digit, just before the last digit or two of the
 * decimals (`1.0000001`, `0.99999997`). Only numbers with a decimal point: integers (times, counts)
 * are exact.
 */
export function noisyNumbers(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?<![\w.])-?\d+\.\d+(?:e[-+]?\d+)?/g)) {
    const mantissa = m[0].replace(/^-/, '').replace(/e.*$/, '');
    const [int = '', frac = ''] = mantissa.split('.');
    const sig = (int + frac).replace(/^0+/, '').length;
    const zeros = /0{6,}[1-9]\d?$/.test(frac) && (/[1-9]/.test(int) || /[1-9]\d*0{6,}[1-9]\d?$/.test(frac));
    if (sig > 10 || /9{6,}\d{1,2}$/.test(frac) || zeros) out.push(m[0]);
  }
  return out;
}
