import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type FlowContext,
  type FlowEffect,
  type FlowEvent,
  type FlowProgram,
  type FlowRun,
  newRun,
  stepFlow,
} from '../../src/core/flow/flow-interpreter.js';
import type { FlowDocument } from '../../src/core/flow/flow-schema.js';

/**
 * A recorded flow run: the program, the context, the events at their times, and what the
 * interpreter produced for each. Replaying it must produce exactly the same.
 */
export interface FlowRunFixture {
  description: string;
  timeZone: string;
  interaction: Record<string, unknown>;
  program: { main: FlowDocument; subflows?: Record<string, FlowDocument> };
  events: { at: string; event: FlowEvent }[];
  recorded?: { results: { ignored: boolean; effects: FlowEffect[] }[]; finalRun: FlowRun };
}

export const fixtureDir = new URL('../fixtures/flow-runs/', import.meta.url).pathname;

export function loadFixtures(): { file: string; fixture: FlowRunFixture }[] {
  return readdirSync(fixtureDir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((file) => ({ file, fixture: JSON.parse(readFileSync(join(fixtureDir, file), 'utf8')) as FlowRunFixture }));
}

/** Runs a fixture's events through the interpreter and returns what it produced. */
export function replay(fixture: FlowRunFixture): NonNullable<FlowRunFixture['recorded']> {
  const flows: FlowProgram['flows'] = {
    main: { flowId: 'main', versionId: 'v-main', devName: 'Main', document: fixture.program.main },
  };
  for (const [devName, document] of Object.entries(fixture.program.subflows ?? {})) {
    flows[devName] = { flowId: devName, versionId: `v-${devName}`, devName, document };
  }
  const program: FlowProgram = { flows };
  let run: FlowRun = newRun();
  const results: { ignored: boolean; effects: FlowEffect[] }[] = [];
  for (const { at, event } of fixture.events) {
    const context: FlowContext = {
      now: at,
      timeZone: fixture.timeZone,
      idPrefix: 'i1',
      interaction: fixture.interaction,
      contact: {},
    };
    const result = stepFlow(program, run, event, context);
    run = result.run;
    results.push({ ignored: result.ignored, effects: result.effects });
  }
  return { results, finalRun: run };
}
