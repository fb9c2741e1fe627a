// Node 20 cannot strip TypeScript types itself, and a worker thread does not inherit the tsx hooks
// of the thread that started it: register them here, then load the store thread.
import { register } from 'tsx/esm/api';

register();
await import('./store-thread.ts');
