import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeDueAt, earlierOf, parseSlaMinutes, slaSeconds } from '../../src/core/sla.js';

test('SLA grammar: accepted values and their minutes', () => {
  for (const [input, minutes] of [
    ['5', 5],
    [5, 5],
    ['0.66', 0.66],
    [0.66, 0.66],
    ['1440', 1440],
    ['525600', 525600],
    ['007', 7],
    ['', null],
    [null, null],
    [undefined, null],
  ] as const) {
    assert.deepEqual(parseSlaMinutes(input), { ok: true, minutes }, String(input));
  }
});

test('SLA grammar: each refusal has its own code and names the field', () => {
  for (const [input, code] of [
    ['0', 'SLA_MUST_BE_POSITIVE'],
    ['000.000', 'SLA_MUST_BE_POSITIVE'],
    ['-1', 'SLA_INVALID_CHARACTERS'],
    ['+1', 'SLA_INVALID_CHARACTERS'],
    ['1e-3', 'SLA_INVALID_FORMAT'],
    ['.5', 'SLA_INVALID_FORMAT'],
    ['5.', 'SLA_INVALID_FORMAT'],
    [Number.NaN, 'SLA_INVALID_FORMAT'],
    [Number.POSITIVE_INFINITY, 'SLA_INVALID_FORMAT'],
    ['0.008', 'SLA_TOO_SMALL'],
    ['525600.01', 'SLA_TOO_LARGE'],
  ] as const) {
    const parsed = parseSlaMinutes(input, 'x');
    assert.equal(parsed.ok, false, String(input));
    if (!parsed.ok) assert.deepEqual([parsed.error.code, parsed.error.field], [code, 'x'], String(input));
  }
});

test('due dates round fractional minutes to the nearest second and run in calendar time', () => {
  assert.equal(slaSeconds(0.66), 40);
  assert.equal(slaSeconds(0.0084), 1);
  // 22:00 New York on the night clocks go forward (8 March 2026): five hours later is 04:00 local.
  assert.equal(computeDueAt('2026-03-08T03:00:00.000Z', 300), '2026-03-08T08:00:00.000Z');
  assert.equal(earlierOf(null, '2026-01-01T00:00:00.000Z'), '2026-01-01T00:00:00.000Z');
  assert.equal(earlierOf('2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z'), '2026-01-01T00:00:00.000Z');
});
