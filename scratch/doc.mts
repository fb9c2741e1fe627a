import { createSqliteStore } from '/work/main/src/store/sqlite/sqlite-store.ts';
import { startHarness } from '/work/main/test/support/harness.ts';
