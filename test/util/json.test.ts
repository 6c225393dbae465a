import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { jsonDepthExceeds, jsonHead } from '../../src/util/json.js';

/** Nesting depth by recursion: the reference for small values. */
function depthOf(v: unknown): number {
  if (v === null || typeof v !== 'object') return 0;
  const children = Array.isArray(v) ? v : Object.values(v);
  return 1 + Math.max(0, ...children.map(depthOf));
}

describe('walks over untrusted JSON that cannot overflow the stack', () => {
  it('jsonDepthExceeds agrees with the recursive depth, and takes any depth', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.nat({ max: 8 }), (v, max) => {
        expect(jsonDepthExceeds(v, max)).toBe(depthOf(v) > max);
      }),
    );
    let deep: unknown = 'x';
    for (let i = 0; i < 1_000_000; i++) deep = { a: [deep] };
    expect(jsonDepthExceeds(deep)).toBe(true);
    expect(jsonDepthExceeds({ a: [[[1]]] }, 4)).toBe(false);
    expect(jsonDepthExceeds({ a: [[[[1]]]] }, 4)).toBe(true);
  });

  it('jsonHead is JSON.stringify when the text fits, its start when not, at any depth', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5, stringUnit: 'binary' }), fc.nat({ max: 200 }), (v, n) => {
        const whole = JSON.stringify(v);
        expect(jsonHead(v, Infinity)).toBe(whole);
        expect(jsonHead(v, n)).toBe(whole.slice(0, n));
      }),
    );
    let deep: unknown = '\u0000';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(jsonHead(deep, 1024)).toBe('['.repeat(1024));
    expect(jsonHead({ s: 'x'.repeat(10_000_000) }, 10)).toBe('{"s":"xxxx');
  });
});
