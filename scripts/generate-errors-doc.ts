/**
 * Rewrites the table of docs/errors.md from the error catalog (src/core/errors.ts), keeping the text
 * around it. Run after adding a code: `node --import tsx scripts/generate-errors-doc.ts`; the docs test
 * (test/docs/errors-doc.test.ts) fails until the two agree.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { errorCatalog } from '../src/core/errors.js';

const path = new URL('../docs/errors.md', import.meta.url);
const text = readFileSync(path, 'utf8');
const header = '| code | HTTP status | meaning |';
const start = text.indexOf(header);
if (start < 0) throw new Error(`docs/errors.md has no table starting with "${header}"`);
const after = text.slice(start).split('\n');
let end = 2;
while (end < after.length && after[end]?.startsWith('|')) end++;
const rows = Object.entries(errorCatalog).map(
  ([code, { status, description }]) => `| \`${code}\` | ${status} | ${description} |`,
);
writeFileSync(path, `${text.slice(0, start)}${[header, '|---|---|---|', ...rows].join('\n')}\n${after.slice(end).join('\n')}`);
