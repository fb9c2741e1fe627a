/** The baseline of the end-to-end benchmark: a bare Fastify server answering JSON POSTs, on the same machine. */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.post('/hello', async () => ({ hello: 'world' }));
const address = await app.listen({ port: 0, host: '127.0.0.1' });
console.log(`listening on ${address}`);
