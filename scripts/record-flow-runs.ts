/**
 * Re-records the expected output of the flow-run fixtures in test/fixtures/flow-runs. Run it only
 * when a change of interpreter behaviour is intended, and review the diff: in-flight runs will
 * behave the new way after an upgrade.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureDir, loadFixtures, replay } from '../test/support/flow-replay.js';

for (const { file, fixture } of loadFixtures()) {
  const recorded = replay(fixture);
  writeFileSync(join(fixtureDir, file), `${JSON.stringify({ ...fixture, recorded }, null, 2)}\n`);
  console.log(`recorded ${file}`);
}
