import { createHmac } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { type HttpReceiver, type Received, startHttpReceiver } from './http-receiver.js';

// A stand-in for Meta's Graph API on loopback, implementing what Switchboard calls as Meta documents it:
// WhatsApp Cloud API's POST /{version}/{phone-number-id}/messages (answering {"messaging_product",
// "contacts","messages":[{"id":"wamid…"}]}) and Messenger's POST /{version}/me/messages (answering
// {"recipient_id","message_id"}), both with a bearer token, or Graph's {"error":{…}}. Tests script its
// next answers (a 429 with Retry-After, a 5xx, a 400 refusal) and sign webhooks as Meta does.

export interface ScriptedAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Take the request and never answer it (a send in flight when the sender dies). */
  hold?: boolean;
}

export interface GraphStandIn {
  /** The base URL to configure as the channel's apiBaseUrl (…/v21.0). */
  apiBaseUrl: string;
  /** The sends it accepted, in order: the phone number id (`me` for Messenger) and the JSON body. */
  sent: { phoneNumberId: string; body: Record<string, unknown> }[];
  received: Received[];
  /** Answers for the next sends, in order, before it takes them again. */
  script: ScriptedAnswer[];
  close(): Promise<void>;
}

export async function startGraphStandIn(accessToken: string): Promise<GraphStandIn> {
  const sent: GraphStandIn['sent'] = [];
  const script: ScriptedAnswer[] = [];
  let sequence = 0;
  const reply = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    response.writeHead(status, { 'content-type': 'application/json', ...headers });
    response.end(JSON.stringify(body));
  };
  const receiver: HttpReceiver = await startHttpReceiver((request, response) => {
    const match = /^\/v21\.0\/(\d+|me)\/messages$/.exec(request.url);
    if (request.method !== 'POST' || !match) {
      return reply(response, 404, { error: { message: 'Unknown path', type: 'GraphMethodException', code: 100 } });
    }
    if (request.headers.authorization !== `Bearer ${accessToken}`) {
      return reply(response, 401, { error: { message: 'Invalid OAuth access token.', type: 'OAuthException', code: 190 } });
    }
    const scripted = script.shift();
    if (scripted?.hold) return;
    if (scripted) return reply(response, scripted.status, scripted.body, scripted.headers);
    const body = JSON.parse(request.body) as Record<string, unknown>;
    if (match[1] === 'me') {
      const recipient = (body.recipient as { id?: unknown } | undefined)?.id;
      if (typeof recipient !== 'string' || !['RESPONSE', 'UPDATE', 'MESSAGE_TAG'].includes(String(body.messaging_type))) {
        return reply(response, 400, { error: { message: 'Invalid parameter', type: 'OAuthException', code: 100 } });
      }
      sent.push({ phoneNumberId: 'me', body });
      return reply(response, 200, { recipient_id: recipient, message_id: `m_STANDIN${++sequence}` });
    }
    if (body.messaging_product !== 'whatsapp' || typeof body.to !== 'string') {
      return reply(response, 400, { error: { message: 'Invalid parameter', type: 'OAuthException', code: 100 } });
    }
    sent.push({ phoneNumberId: match[1] as string, body });
    reply(response, 200, {
      messaging_product: 'whatsapp',
      contacts: [{ input: body.to, wa_id: body.to }],
      messages: [{ id: `wamid.STANDIN${++sequence}` }],
    });
  });
  return {
    apiBaseUrl: `${receiver.url}/v21.0`,
    sent,
    received: receiver.received,
    script,
    close: () => receiver.close(),
  };
}

/** A webhook notification as Meta posts it, for one business number. */
export function notification(phoneNumberId: string, value: Record<string, unknown>): Record<string, unknown> {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '18005550100', phone_number_id: phoneNumberId },
              ...value,
            },
          },
        ],
      },
    ],
  };
}

/** A customer's text message, as a notification's value carries it. */
export function textMessage(from: string, id: string, text: string, at: string, name = 'Kerry Fisher'): Record<string, unknown> {
  const timestamp = String(Math.floor(Date.parse(at) / 1000));
  return {
    contacts: [{ profile: { name }, wa_id: from }],
    messages: [{ from, id, timestamp, type: 'text', text: { body: text } }],
  };
}

/** Posts a notification to Switchboard signed as Meta signs it (X-Hub-Signature-256). */
export async function postSigned(url: string, appSecret: string, payload: unknown, signature?: string) {
  const body = JSON.stringify(payload);
  const signed = signature ?? `sha256=${createHmac('sha256', appSecret).update(body).digest('hex')}`;
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': signed },
    body,
  });
  return { status: response.status, text: await response.text() };
}
