import { randomUUID } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { jwtVerify, SignJWT } from 'jose';
import { startHttpReceiver } from './http-receiver.js';

// A stand-in for Apple's Messages for Business gateway on loopback, as the MSP REST interface documents
// it: POST /v1/message with the MSP's token (HS256 over the decoded secret, issued by and for the MSP id),
// the `id`, `source-id` and `destination-id` headers, and a gzipped JSON body. And Apple's own posts.

// biome-ignore lint/suspicious/noExplicitAny: JSON documents.
type Json = any;

export const mspId = 'msp-7f3c2a';
export const businessId = 'urn:biz:5b1c7e2e-acme';
export const apiSecret = Buffer.from('a-32-byte-secret-for-apple-tests!').toString('base64');
const key = new Uint8Array(Buffer.from(apiSecret, 'base64'));

export interface AppleGateway {
  /** The base URL to configure as the channel's apiBaseUrl (…/v1). */
  apiBaseUrl: string;
  /** What it took: the headers and the body, unzipped. */
  sent: { headers: Json; body: Json }[];
  close(): Promise<void>;
}

export async function startAppleGateway(): Promise<AppleGateway> {
  const sent: AppleGateway['sent'] = [];
  const receiver = await startHttpReceiver(async (request, response) => {
    try {
      const token = String(request.headers.authorization ?? '').replace(/^Bearer /, '');
      await jwtVerify(token, key, { audience: mspId, issuer: mspId, algorithms: ['HS256'] });
      const body = JSON.parse(gunzipSync(Buffer.from(request.body, 'latin1')).toString('utf8'));
      if (request.url !== '/v1/message' || request.headers.id !== body.id || request.headers['source-id'] !== businessId) {
        response.writeHead(400).end('bad request');
        return;
      }
      sent.push({ headers: request.headers, body });
      response.writeHead(200).end();
    } catch {
      response.writeHead(401).end('unauthorized');
    }
  }, 'latin1');
  return { apiBaseUrl: `${receiver.url}/v1`, sent, close: () => receiver.close() };
}

/** A message as Apple posts it to the MSP: its JWT, its headers, its gzipped JSON. */
export async function postAsApple(webhook: string, body: Json, signingKey: Uint8Array = key) {
  const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setAudience(mspId).setIssuedAt().sign(signingKey);
  const response = await fetch(webhook, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      id: body.id ?? randomUUID(),
      'source-id': body.sourceId,
      'destination-id': body.destinationId,
      'device-agent': 'iPhone OS',
    },
    body: gzipSync(JSON.stringify(body)),
  });
  return { status: response.status, text: await response.text() };
}
