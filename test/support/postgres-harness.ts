import { after, before } from 'node:test';
import { createPostgresStore } from '../../src/store/postgres/postgres-store.js';
import type { AgentClient } from './agent-client.js';
import { type Harness, startHarness } from './harness.js';
import { createScratchDatabase } from './postgres.js';

/**
 * A listening harness over PostgreSQL in a scratch database, for one test file: started before its
 * tests, closed (with the agent clients the tests registered) and dropped after them. `skip` is the
 * reason PostgreSQL is not reachable, to pass to the tests.
 */
export async function usePostgresHarness(prefix: string) {
  const database = await createScratchDatabase(prefix);
  const skip = 'skip' in database ? database.skip : false;
  let h: Harness | null = null;
  let url = '';
  const clients: AgentClient[] = [];
  before(async () => {
    if ('skip' in database) return;
    h = await startHarness({ store: await createPostgresStore({ connectionString: database.url, maxConnections: 4 }) });
    url = await h.listen();
  });
  after(async () => {
    if ('skip' in database) return;
    for (const client of clients) await client.close();
    await h?.close();
    await database.drop();
  });
  return {
    skip,
    clients,
    get h(): Harness {
      if (!h) throw new Error('the PostgreSQL harness is not started');
      return h;
    },
    get url(): string {
      return url;
    },
  };
}
