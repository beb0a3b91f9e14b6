import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { COMPONENTS } from '../../src/engine/score/universe.ts';
import { componentsAt, componentsText, SCORE_WIDTH } from '../../src/store/score-rows.ts';

test('componentsText writes what JSON.stringify writes of the components object (NaN, ±Infinity, -0, any double)', () => {
  const num = fc.oneof(fc.double(), fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0, 1e21, 5e-324));
  fc.assert(
    fc.property(fc.array(num, { minLength: SCORE_WIDTH, maxLength: SCORE_WIDTH }), fc.nat({ max: 3 }), (values, pad) => {
      const nums = new Float64Array(pad + SCORE_WIDTH);
      nums.set(values, pad);
      const text = componentsText(nums, pad);
      assert.equal(text, JSON.stringify(componentsAt(nums, pad)));
      assert.deepEqual(Object.keys(JSON.parse(text)), [...COMPONENTS]);
    }),
    { numRuns: 2000 },
  );
});
