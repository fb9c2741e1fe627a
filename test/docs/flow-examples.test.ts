import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { createTenant, type Harness, make, startHarness } from '../support/harness.js';

// Every whole flow document in docs/flows.md uploads as written.

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.close());

test('the flow documents of docs/flows.md upload as written', async () => {
  const text = readFileSync(new URL('../../docs/flows.md', import.meta.url), 'utf8');
  const documents = [...text.matchAll(/```json\n([\s\S]*?)```/g)]
    .map((match) => JSON.parse(match[1] as string))
    .filter((document) => typeof document.start === 'string' && Array.isArray(document.steps));
  assert.ok(documents.length >= 2, `${documents.length} flow documents`);
  const t = await createTenant(h, { timeZone: 'UTC' });
  await make(h, `${t.base}/queues`, { name: 'Support', devName: 'Support' });
  for (const definition of documents) {
    const response = await h.call('POST', `${t.base}/flows`, { body: { name: `Example ${definition.start}`, definition } });
    assert.equal(response.status, 201, `${JSON.stringify(definition).slice(0, 120)}: ${JSON.stringify(response.body)}`);
  }
});
