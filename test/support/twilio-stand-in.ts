import { XMLParser } from 'fast-xml-parser';
import twilio from 'twilio';
import { type HttpReceiver, type Received, sendJson, startHttpReceiver } from './http-receiver.js';

// biome-ignore lint/suspicious/noExplicitAny: JSON and TwiML documents.
type Json = any;

export const accountSid = `AC${'0123456789abcdef'.repeat(2)}`;

/**
 * Twilio on loopback, both ways. Its REST API — as much as Switchboard uses: Messages.json (send an SMS)
 * and Calls/{CallSid}.json (redirect a live call), behind the account's Basic auth, in Twilio's shapes
 * (a 401 with code 20003 for bad credentials). And Twilio's side of the webhooks: `webhook` POSTs a form
 * to Switchboard signed with the official `twilio` helper library, at the public URL Switchboard is
 * configured with (the requests go to loopback, the signature names the public URL, as behind a proxy).
 */
export interface TwilioStandIn {
  url: string;
  receiver: HttpReceiver;
  /** SMS sent through Messages.json, as their form fields, with the SID given back. */
  messages: Record<string, string | string[]>[];
  /** Live-call redirects through Calls/{CallSid}.json. */
  callUpdates: { callSid: string; form: Record<string, string> }[];
  /** Calls created through Calls.json, with the SID given back. */
  calls: Record<string, string>[];
  /** A status to answer the next REST requests with instead (e.g. 503 to make the client retry). */
  failWith: number | null;
  close(): Promise<void>;
}

function formOf(request: Received): Record<string, string | string[]> {
  const form: Record<string, string | string[]> = {};
  for (const [name, value] of new URLSearchParams(request.body)) {
    const seen = form[name];
    form[name] = seen === undefined ? value : [seen, value].flat();
  }
  return form;
}

export async function startTwilioStandIn(authToken: string): Promise<TwilioStandIn> {
  // One object: the handler reads what the test sets on it (failWith).
  const standIn = { messages: [], callUpdates: [], calls: [], failWith: null } as unknown as TwilioStandIn;
  const root = `/2010-04-01/Accounts/${accountSid}`;
  const receiver = await startHttpReceiver((request, response) => {
    const expected = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
    if (request.headers.authorization !== expected) {
      sendJson(response, 401, {
        code: 20003,
        message: 'Authenticate',
        more_info: 'https://www.twilio.com/docs/errors/20003',
        status: 401,
      });
      return;
    }
    if (standIn.failWith !== null) {
      sendJson(response, standIn.failWith, { code: 20500, message: 'Internal Server Error', status: standIn.failWith });
      return;
    }
    const form = formOf(request);
    if (request.method === 'POST' && request.url === `${root}/Messages.json`) {
      if (!form.To || !form.From || (!form.Body && !form.MediaUrl)) {
        sendJson(response, 400, { code: 21602, message: 'Message body is required.', status: 400 });
        return;
      }
      const sid = `SM${String(standIn.messages.length + 1).padStart(32, '0')}`;
      standIn.messages.push({ ...form, sid });
      sendJson(response, 201, {
        sid,
        account_sid: accountSid,
        to: form.To,
        from: form.From,
        body: form.Body ?? '',
        status: 'queued',
      });
      return;
    }
    if (request.method === 'POST' && request.url === `${root}/Calls.json`) {
      if (!form.To || !form.From || (!form.Url && !form.Twiml)) {
        sendJson(response, 400, { code: 21205, message: 'Url parameter is required.', status: 400 });
        return;
      }
      const sid = `CA${String(standIn.calls.length + 1).padStart(32, 'c')}`;
      standIn.calls.push({ ...(form as Record<string, string>), sid });
      sendJson(response, 201, { sid, account_sid: accountSid, to: form.To, from: form.From, status: 'queued' });
      return;
    }
    const call = new RegExp(`^${root}/Calls/(CA[0-9a-fc]{32})\\.json$`).exec(request.url);
    if (request.method === 'POST' && call?.[1]) {
      standIn.callUpdates.push({ callSid: call[1], form: form as Record<string, string> });
      sendJson(response, 200, { sid: call[1], account_sid: accountSid, status: 'in-progress' });
      return;
    }
    sendJson(response, 404, { code: 20404, message: 'The requested resource was not found', status: 404 });
  });
  return Object.assign(standIn, { url: receiver.url, receiver, close: () => receiver.close() });
}

const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  preserveOrder: true,
  parseTagValue: false,
  parseAttributeValue: false,
});

/** One TwiML verb: its name, attributes, text and nested verbs. */
export interface Verb {
  verb: string;
  attributes: Record<string, string>;
  text: string;
  children: Verb[];
}

function verbsOf(nodes: Json[]): Verb[] {
  return nodes
    .filter((node) => !('#text' in node))
    .map((node) => {
      const verb = Object.keys(node).find((key) => key !== ':@') as string;
      const inner = node[verb] as Json[];
      const text = inner
        .filter((n) => '#text' in n)
        .map((n) => String(n['#text']))
        .join('');
      return { verb, attributes: (node[':@'] ?? {}) as Record<string, string>, text, children: verbsOf(inner) };
    });
}

/** The verbs of a TwiML document's <Response>. */
export function parseTwiml(text: string): Verb[] {
  const document = xml.parse(text) as Json[];
  const response = document.find((node) => 'Response' in node);
  if (!response) throw new Error(`not TwiML: ${text}`);
  return verbsOf(response.Response);
}

/**
 * Twilio's side of a number's webhooks: POSTs the form to a URL under the public base, signed over that
 * public URL with the official library, delivered to the server on loopback.
 */
export function twilioWebhooks(options: { publicBaseUrl: string; serverUrl: string; authToken: string }) {
  return async (urlOrPath: string, params: Record<string, string>, sign: { authToken?: string; signature?: string } = {}) => {
    const publicUrl = urlOrPath.startsWith('http') ? urlOrPath : `${options.publicBaseUrl}${urlOrPath}`;
    assertPublic(publicUrl, options.publicBaseUrl);
    const signature = sign.signature ?? twilio.getExpectedTwilioSignature(sign.authToken ?? options.authToken, publicUrl, params);
    const response = await fetch(`${options.serverUrl}${publicUrl.slice(options.publicBaseUrl.length)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
      body: new URLSearchParams(params).toString(),
    });
    const text = await response.text();
    return { status: response.status, text, contentType: response.headers.get('content-type') ?? '' };
  };
}

function assertPublic(url: string, base: string): void {
  if (!url.startsWith(base)) throw new Error(`${url} is not under the public base URL ${base}`);
}
