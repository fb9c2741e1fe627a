/**
 * What the OpenAPI document says of each operation beyond its request schema: a summary, and the
 * answers it gives — 201 for a create, 204 for a delete, 200 otherwise, and the error shape. Only the
 * document changes: the routes keep serialising as they do (a response schema on a route would make
 * Fastify drop every field it does not list). A test checks the documented success codes against what
 * the server answers (test/e2e/fuzz.test.ts).
 */

// biome-ignore lint/suspicious/noExplicitAny: JSON Schema documents.
type Schema = Record<string, any>;

/** POSTs that act on something rather than create it: they answer 200. */
const actions: Record<string, string> = {
  accept: 'Accept an offered interaction',
  reject: 'Reject an offered interaction (it goes back to its place in the queue)',
  end: 'End a connected interaction (wrap-up follows)',
  complete: 'Complete an interaction in wrap-up',
  requeue: 'Hand a connected interaction back to its queue',
  abandon: 'Record that the customer left before being answered',
  inputs: 'Give the input a waiting flow step asks for',
  validate: 'Validate a flow document without storing it',
  simulate: 'Simulate a flow version without side effects',
  esp: 'Run an ESP request of a routing strategy (ChatService.InviteToChat); a fault is a 200 with Fault',
  message: 'A message from Apple Messages for Business',
};

/** Nouns of collections that do not read well singularised by dropping an s. */
const nouns: Record<string, string> = {
  'api-keys': 'API key',
  versions: 'flow version',
  tokens: 'agent token',
  presence: "agent's presence",
};

/** Reads that are not a list of a collection. */
const reads: Record<string, string> = {
  'entry-point-settings': "The channel's entry-point settings and exceptions",
  stats: "A queue's real-time statistics",
  waiting: "A queue's waiting interactions, in routing order",
  lookup: 'Find the contact of a phone number or email address',
  events: "The tenant's events, in order, after a cursor",
};

function noun(segment: string): string {
  const known = nouns[segment];
  if (known) return known;
  const words = segment.replace(/-/g, ' ');
  return words.endsWith('s') ? words.slice(0, -1) : words;
}

const article = (word: string) => (/^[aeiou]/i.test(word) ? 'an' : 'a');

function summaryOf(method: string, url: string): string {
  const segments = url.split('/').filter(Boolean);
  const last = segments.at(-1) ?? '';
  const isParam = last.startsWith(':') || last.startsWith('{');
  const resource = isParam ? (segments.at(-2) ?? '') : last;
  const action = actions[last];
  if (method === 'POST' && action) return action;
  const name = noun(resource);
  switch (method) {
    case 'GET':
      if (isParam) return `Get ${article(name)} ${name}`;
      return reads[resource] ?? `List ${nouns[resource] ? `${nouns[resource]}s` : resource.replace(/-/g, ' ')}`;
    case 'POST':
      return `Create ${article(name)} ${name}`;
    case 'PUT':
      return isParam ? `Update ${article(name)} ${name}` : `Set the ${name}`;
    case 'PATCH':
      return isParam ? `Change ${article(name)} ${name}` : `Change several ${resource.replace(/-/g, ' ')}`;
    case 'DELETE':
      return `Delete ${article(name)} ${name}`;
    default:
      return `${method} ${url}`;
  }
}

/** The success status an operation answers with. */
export function successStatus(method: string, url: string): number {
  // Providers' webhooks answer 200 to whatever they take, as their providers expect.
  if (url.startsWith('/telephony/') || url.startsWith('/providers/')) return 200;
  const last = url.split('/').filter(Boolean).at(-1) ?? '';
  if (method === 'DELETE') return 204;
  if (method === 'POST' && !actions[last] && !last.startsWith(':')) return 201;
  return 200;
}

const errorBody = {
  type: 'object',
  properties: {
    errors: {
      type: 'array',
      items: {
        type: 'object',
        properties: { code: { type: 'string' }, field: { type: 'string' }, message: { type: 'string' } },
        required: ['code', 'message'],
      },
    },
  },
};

/** @fastify/swagger's transform: the route's schema as the document shows it. */
export function describeOperation({
  schema,
  url,
  route,
}: {
  schema: Schema;
  url: string;
  route: { method: string | string[] };
}): {
  schema: Schema;
  url: string;
} {
  const method = String(Array.isArray(route.method) ? route.method[0] : route.method).toUpperCase();
  const status = successStatus(method, url);
  const described: Schema = { ...schema, summary: schema?.summary ?? summaryOf(method, url) };
  if (!schema?.response) {
    const success =
      status === 204
        ? { description: 'Done; no body.' }
        : {
            description:
              status === 201 ? 'Created: `{"result": …}` with the new object.' : 'OK: `{"result": …}` (lists add `nextCursor`).',
          };
    const errors = url.startsWith('/telephony/')
      ? { description: 'Error, in the vendor\'s shape: `{"errors": ["message"]}`.' }
      : {
          description: 'Error: `{"errors": [{"code", "field", "message"}]}`; codes in docs/errors.md.',
          content: { 'application/json': { schema: errorBody } },
        };
    described.response = {
      [status]: success,
      ...(method === 'POST' && url.endsWith('/interactions')
        ? { 200: { description: 'A retry with the same Idempotency-Key: the first result.' } }
        : {}),
      '4XX': errors,
    };
  }
  return { schema: described, url };
}
