import { createHmac, timingSafeEqual } from 'node:crypto';
import type { CallTurn } from '../../engine/voice/live-calls.js';

/**
 * Twilio's side of things, as pure functions: the request signature (X-Twilio-Signature), form bodies,
 * and TwiML — what a caller hears and does next, made from a turn of the live call.
 */

/** Form parameters of a Twilio request: each name with its values (a name may repeat). */
export type TwilioParams = Map<string, string[]>;

export function readForm(raw: Buffer): TwilioParams {
  const params: TwilioParams = new Map();
  for (const [name, value] of new URLSearchParams(raw.toString('utf8'))) params.set(name, [...(params.get(name) ?? []), value]);
  return params;
}

export function param(params: TwilioParams, name: string): string | null {
  const value = params.get(name)?.[0];
  return value === undefined || value === '' ? null : value;
}

/**
 * X-Twilio-Signature as Twilio documents it: base64 of HMAC-SHA1, keyed with the auth token, over the
 * full URL Twilio requested followed by every POST parameter's name and value, sorted by name (a
 * repeated name's values sorted too).
 */
export function twilioSignature(authToken: string, url: string, params: TwilioParams): string {
  let data = url;
  for (const name of [...params.keys()].sort()) {
    for (const value of [...new Set(params.get(name))].sort()) data += name + value;
  }
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

export function signatureMatches(header: unknown, authToken: string, url: string, params: TwilioParams): boolean {
  if (typeof header !== 'string' || authToken === '') return false;
  const expected = Buffer.from(twilioSignature(authToken, url, params));
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** How a voice channel's calls sound: the voice and language of <Say>, hold music, place-in-line announcements. */
export interface TwilioVoiceSettings {
  voice: string | null;
  language: string | null;
  holdMusicUrl: string | null;
  announcePosition: boolean;
  /** Said while holding; {position} is the caller's place in line. */
  positionPrompt: string;
  /** Seconds between announcements when there is no hold music (with music: once per play). */
  holdSeconds: number;
}

const xmlEscapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
/** Text and attribute values in XML; characters XML 1.0 cannot carry are dropped. */
function xml(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters XML 1.0 forbids.
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '').replace(/[&<>"']/g, (c) => xmlEscapes[c] ?? c);
}

function attributes(values: Record<string, string | number | boolean | null>): string {
  return Object.entries(values)
    .filter(([, value]) => value !== null)
    .map(([name, value]) => ` ${name}="${xml(String(value))}"`)
    .join('');
}

/** A prompt: an audio URL is played, anything else said in the channel's voice and language. */
function speak(prompt: string, voice: TwilioVoiceSettings): string {
  if (/^https?:\/\/\S+$/i.test(prompt.trim())) return `<Play>${xml(prompt.trim())}</Play>`;
  return `<Say${attributes({ voice: voice.voice, language: voice.language })}>${xml(prompt)}</Say>`;
}

/** The URLs of a live call's next requests, each carrying the turn's last event. */
export interface TurnUrls {
  next: string;
  gather: string;
  recording: string;
  dial: string;
  /** An outbound call's customer leg: its answer. */
  answered: string;
}

/** The TwiML of a turn: the prompts, then the instruction. */
export function twimlOf(turn: CallTurn, urls: TurnUrls, voice: TwilioVoiceSettings): string {
  const prompts = turn.prompts.map((prompt) => speak(prompt, voice)).join('');
  const instruction = turn.instruction;
  let body: string;
  switch (instruction.kind) {
    case 'gather': {
      const gather = attributes({
        input: instruction.input === 'speech' ? 'speech' : 'dtmf',
        action: urls.gather,
        method: 'POST',
        timeout: instruction.timeoutSeconds,
        numDigits: instruction.input === 'digits' ? instruction.maxDigits : null,
        language: instruction.input === 'speech' ? voice.language : null,
        actionOnEmptyResult: true,
      });
      // The prompts inside: the caller may answer before they end.
      body = `<Gather${gather}>${prompts}</Gather>`;
      break;
    }
    case 'hold': {
      const place =
        voice.announcePosition && instruction.position !== null
          ? speak(voice.positionPrompt.replaceAll('{position}', String(instruction.position)), voice)
          : '';
      const wait = voice.holdMusicUrl ? `<Play>${xml(voice.holdMusicUrl)}</Play>` : `<Pause length="${voice.holdSeconds}"/>`;
      body = `${prompts}${place}${wait}<Redirect method="POST">${xml(urls.next)}</Redirect>`;
      break;
    }
    case 'pause':
      body = `${prompts}<Pause length="1"/><Redirect method="POST">${xml(urls.next)}</Redirect>`;
      break;
    case 'bridge': {
      const { endpoint } = instruction;
      const noun =
        endpoint.type === 'client'
          ? `<Client>${xml(endpoint.address)}</Client>`
          : endpoint.type === 'sip'
            ? `<Sip>${xml(endpoint.address)}</Sip>`
            : `<Number>${xml(endpoint.address)}</Number>`;
      body = `${prompts}<Dial${attributes({ action: urls.dial, method: 'POST', timeout: 20, callerId: instruction.callerId })}>${noun}</Dial>`;
      break;
    }
    case 'dialCustomer': {
      const number = `<Number${attributes({ statusCallback: urls.answered, statusCallbackEvent: 'answered', statusCallbackMethod: 'POST' })}>${xml(instruction.number)}</Number>`;
      body = `${prompts}<Dial${attributes({ action: urls.dial, method: 'POST', timeout: 30, callerId: instruction.callerId })}>${number}</Dial>`;
      break;
    }
    case 'record':
      body =
        `${prompts}${instruction.prompt ? speak(instruction.prompt, voice) : ''}` +
        `<Record${attributes({ action: urls.recording, method: 'POST', maxLength: instruction.maxSeconds, playBeep: true })}/><Hangup/>`;
      break;
    case 'hangup':
      body = `${prompts}<Hangup/>`;
      break;
  }
  return `<?xml version="1.0" encoding="UTF-8"?><Response>${body}</Response>`;
}

/** TwiML that ends the call (an unknown call, a channel without Twilio). */
export const hangupTwiml = '<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>';
