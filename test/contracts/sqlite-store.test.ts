import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { runStoreContract } from './store-contract.js';

const dir = mkdtempSync(join(tmpdir(), 'switchboard-store-'));

runStoreContract('sqlite', {
  open: () => createSqliteStore({ filename: join(dir, 'contract.db') }),
  destroy: async () => rmSync(dir, { recursive: true, force: true }),
});
