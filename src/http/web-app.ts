import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** Where the web UI's build lands (web/dist): made by `npm install`, or at the first start. */
export const webDist = fileURLToPath(new URL('../../web/dist', import.meta.url));

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.mp3': 'audio/mpeg',
};

/** The pages may load only what this server serves, and talk only to it. */
const policy = [
  "default-src 'self'",
  "connect-src 'self' ws: wss:",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

/** Builds the web UI when its build is missing (a checkout run without `npm install`'s build). */
export async function ensureWebBuilt(log: (line: string) => void): Promise<void> {
  if (existsSync(join(webDist, 'index.html'))) return;
  log('Building the web UI (web/) into web/dist…');
  const { build } = await import('vite');
  await build({ configFile: fileURLToPath(new URL('../../web/vite.config.ts', import.meta.url)), logLevel: 'warn' });
}

/**
 * Serves the web UI under /app/: its files (the hashed assets cached for good, the page never), and the
 * page for any other path under /app/ (the app routes itself). The root leads there.
 */
export function registerWebApp(app: FastifyInstance): void {
  async function send(reply: FastifyReply, file: string, immutable: boolean) {
    const body = await readFile(file);
    return reply
      .type(types[extname(file)] ?? 'application/octet-stream')
      .header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
      .header('content-security-policy', policy)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'same-origin')
      .send(body);
  }

  app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/app/'));
  app.get('/app', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/app/'));
  app.get('/app/*', { schema: { hide: true } }, async (request, reply) => {
    const index = join(webDist, 'index.html');
    if (!existsSync(index)) {
      return reply.code(503).send({ errors: [{ code: 'NOT_READY', message: 'The web UI is not built: run npm install.' }] });
    }
    const wanted = (request.params as { '*': string })['*'] ?? '';
    const file = normalize(join(webDist, wanted));
    const inside = file.startsWith(webDist + sep);
    const found = inside && (await stat(file).catch(() => null))?.isFile();
    if (found) return send(reply, file, wanted.startsWith('assets/'));
    // An asset that is not there is missing; any other path is a page of the app.
    if (wanted.startsWith('assets/')) {
      return reply.code(404).send({ errors: [{ code: 'ROUTE_NOT_FOUND', message: `No file /app/${wanted}.` }] });
    }
    return send(reply, index, false);
  });
}
