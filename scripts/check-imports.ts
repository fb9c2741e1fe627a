/**
 * Enforces the dependency direction of DESIGN.md: core imports only core (and pure libraries, no
 * node: built-ins); engine imports core and the store port; store drivers, http and adapters never
 * import each other's internals; only main.ts and cli/ wire concrete pieces. Run by `npm run check`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const src = join(root, 'src');

/** For each area (a path prefix under src/), the areas it may import from. */
const allowed: [string, string[]][] = [
  ['core/', ['core/']],
  ['engine/', ['core/', 'engine/', 'store/store.ts']],
  ['store/store.ts', ['core/']],
  ['store/sql/', ['core/', 'store/store.ts', 'store/sql/']],
  ['store/sqlite/', ['core/', 'store/store.ts', 'store/sql/', 'store/sqlite/']],
  ['store/postgres/', ['core/', 'store/store.ts', 'store/sql/', 'store/postgres/']],
  ['http/', ['core/', 'engine/', 'store/store.ts', 'http/', 'realtime/', 'cluster/forwarding.ts']],
  ['realtime/', ['core/', 'engine/', 'store/store.ts', 'realtime/']],
  ['adapters/', ['core/', 'engine/', 'store/store.ts', 'adapters/']],
  // A node of a cluster: leases, fencing (run inside the SQL store's transactions) and forwarding.
  ['cluster/', ['core/', 'engine/', 'store/store.ts', 'store/sql/', 'cluster/']],
  ['cli/', ['']],
  ['main.ts', ['']],
];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

const importPattern = /(?:^|\s)(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
const problems: string[] = [];
for (const file of files(src)) {
  const area = relative(src, file);
  const rule = allowed.find(([prefix]) => area.startsWith(prefix));
  if (!rule) {
    problems.push(`${area}: not in any area of scripts/check-imports.ts; add it there`);
    continue;
  }
  const text = readFileSync(file, 'utf8');
  for (const match of text.matchAll(importPattern)) {
    const specifier = match[1] ?? match[2] ?? '';
    if (area.startsWith('core/') && specifier.startsWith('node:')) {
      problems.push(`${area}: core must stay pure but imports ${specifier}`);
      continue;
    }
    if (!specifier.startsWith('.')) continue;
    const target = relative(src, resolve(dirname(file), specifier)).replace(/\.js$/, '.ts');
    if (!rule[1].some((prefix) => target.startsWith(prefix))) {
      problems.push(`${area}: may not import ${target} (allowed: ${rule[1].join(', ')})`);
    }
  }
}
if (problems.length > 0) {
  console.error(`Import direction violations:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('import direction: ok');
