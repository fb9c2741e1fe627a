import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { errorCatalog } from '../../src/core/errors.js';

test('docs/errors.md lists exactly the codes of the catalog, with their statuses', () => {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  const documented = new Map<string, number>();
  for (const match of doc.matchAll(/^\| `([A-Z0-9_]+)` \| (\d{3}) \|/gm)) documented.set(match[1] ?? '', Number(match[2]));
  const catalog = new Map(Object.entries(errorCatalog).map(([code, entry]) => [code, entry.status as number]));
  assert.deepEqual([...documented.entries()].sort(), [...catalog.entries()].sort());
});
