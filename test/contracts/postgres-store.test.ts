import { createPostgresStore } from '../../src/store/postgres/postgres-store.js';
import { createScratchDatabase } from '../support/postgres.js';
import { runStoreContract } from './store-contract.js';

const database = await createScratchDatabase('sb_contract');

runStoreContract(
  'postgres',
  'skip' in database
    ? database
    : { open: () => createPostgresStore({ connectionString: database.url, maxConnections: 4 }), destroy: database.drop },
);
