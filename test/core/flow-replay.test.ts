import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadFixtures, replay } from '../support/flow-replay.js';

// Recorded runs replayed through the interpreter. A change that alters what an in-flight run does
// fails here; if the change is intended, re-record with `node --import tsx scripts/record-flow-runs.ts`
// and review the diff.

const fixtures = loadFixtures();

test('there are recorded runs to replay', () => {
  assert.ok(fixtures.length >= 3);
  for (const { file, fixture } of fixtures) assert.ok(fixture.recorded, `${file} has not been recorded`);
});

for (const { file, fixture } of fixtures) {
  test(`replay ${file}: ${fixture.description}`, () => {
    const replayed = replay(fixture);
    assert.deepEqual(replayed.results, fixture.recorded?.results);
    assert.deepEqual(replayed.finalRun, fixture.recorded?.finalRun);
  });
}
