// Node 20 cannot strip TypeScript types itself, and a worker thread does not inherit the tsx hooks
// of the thread that started it: register them here, then load the thread's module (workerData.module,
// a file URL).
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.module);
