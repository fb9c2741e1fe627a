import { type Static, type TObject, type TOptional, type TSchema, type TString, Type } from 'typebox';

/**
 * The flow language as JSON Schema (published at GET /v1/schemas/flow.json). A flow is `start` plus a
 * list of steps; each step has an `id`, a `type`, its parameters and `exits` naming the steps that
 * follow. Expressions are CEL; `template` strings may embed `{{ expression }}`.
 */

const stepId = Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_-]{0,63}$', description: 'Unique within the flow.' });
const variableName = '^[A-Za-z_][A-Za-z0-9_]{0,63}$';
const expression = (description: string) => Type.String({ minLength: 1, maxLength: 2000, description: `CEL: ${description}` });
const template = (description: string) =>
  Type.String({ maxLength: 4000, description: `Template: text with {{ CEL }} parts. ${description}` });
const Optional = Type.Optional;
const templates = (description: string) =>
  Type.Record(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]{0,63}$' }), template(description), { maxProperties: 100 });
const expressions = (description: string) =>
  Type.Record(Type.String({ pattern: variableName }), expression(description), { maxProperties: 100 });
const time = Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$|^24:00$', description: 'HH:MM, 24-hour' });
const date = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' });

function exits<const K extends string[]>(...names: K): TObject<Record<K[number], TOptional<TString>>> {
  return Type.Object(Object.fromEntries(names.map((name) => [name, Type.Optional(stepId)])), {
    additionalProperties: false,
    description: 'Named exits, each the id of the step that follows. An exit left out ends the run there.',
  }) as unknown as TObject<Record<K[number], TOptional<TString>>>;
}

function step<T extends string, P extends Record<string, TSchema>, E extends TSchema>(
  type: T,
  description: string,
  parameters: P,
  exitSchema: E,
) {
  return Type.Object(
    {
      id: stepId,
      type: Type.Literal(type),
      description: Type.Optional(Type.String({ maxLength: 500 })),
      ...parameters,
      exits: Type.Optional(exitSchema),
    },
    { additionalProperties: false, description },
  );
}

const period = Type.Object({ open: time, close: time }, { additionalProperties: false });

/** Each step type's schema, by type. */
export const stepSchemas = {
  setVariables: step(
    'setVariables',
    'Sets variables (vars.<name>) to the values of CEL expressions, in order.',
    { variables: expressions('the value to store') },
    exits('next', 'error'),
  ),
  branch: step(
    'branch',
    'Goes to the first case whose condition is true, else to the else exit.',
    {
      cases: Type.Array(Type.Object({ when: expression('a bool'), next: stepId }, { additionalProperties: false }), {
        minItems: 1,
        maxItems: 50,
      }),
    },
    exits('else', 'error'),
  ),
  businessHours: step(
    'businessHours',
    'Open or closed now, by a weekly schedule and holidays in the time zone (the tenant one by default).',
    {
      timeZone: Type.Optional(Type.String({ maxLength: 64 })),
      weekly: Type.Object(
        Object.fromEntries(
          ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((day) => [
            day,
            Type.Optional(Type.Array(period, { maxItems: 10 })),
          ]),
        ),
        { additionalProperties: false },
      ),
      holidays: Type.Optional(Type.Array(date, { maxItems: 366 })),
    },
    exits('open', 'closed', 'error'),
  ),
  httpRequest: step(
    'httpRequest',
    'Calls an HTTP endpoint; a JSON answer is read into variables. Loopback and private addresses are refused unless the tenant allows them.',
    {
      method: Type.Enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
      url: template('An http or https URL.'),
      headers: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Za-z0-9-]{1,64}$' }), template('A header value.'))),
      body: Type.Optional(template('The request body, sent as is.')),
      json: Type.Optional(Type.Unknown({ description: 'A JSON body; its strings are templates.' })),
      timeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 10000, default: 5000 })),
      responseVariables: Type.Optional(expressions('read from `response` (status, headers, body)')),
    },
    exits('next', 'timeout', 'error'),
  ),
  inviteToChat: step(
    'inviteToChat',
    "Invites the caller to continue on a messaging channel (Genesys' InviteToChat): a new conversation, a standard response sent to it. The session id goes in vars.<variable>; a fault (code and text) in vars.<variable>Fault.",
    {
      channel: Optional(template('The messaging channel, by name (_umsChannel); may be left out when the tenant has one.')),
      clientId: template('The customer on the channel (_umsClientId): WhatsApp, their number.'),
      businessId: template('The business number or id (_umsBusinessId): an entry point of the channel.'),
      standardResponse: Optional(template('The standard response to send, by name or id (StandardResponseId).')),
      chatQueueKey: Optional(template('The queue, by chat queue key (ChatQueueKey).')),
      terminateSession: Optional(
        Type.Boolean({ description: 'End the session once the message is queued (TerminateSessionFlag).' }),
      ),
      contact: Optional(templates('Contact values for the field codes')),
      agent: Optional(templates('Agent values for the field codes')),
      customProperties: Optional(templates('CustomProperties values for the field codes')),
      userData: Optional(
        templates(
          "UserData: the new interaction's attributes (PhoneNumber, GCTI_Chat_SubmitAsOutbound, LastCalledAgent_EmployeeID…)",
        ),
      ),
      variable: Optional(
        Type.String({ pattern: variableName, description: 'vars.<variable> gets the session id; the step id by default.' }),
      ),
      timeoutSeconds: Optional(Type.Integer({ minimum: 1, maximum: 60, default: 15 })),
    },
    exits('next', 'fault', 'timeout', 'error'),
  ),
  collectInput: step(
    'collectInput',
    'Prompts and waits for input: DTMF digits on voice, a reply on messaging. Retries on timeout or invalid input.',
    {
      prompt: template('What to say or send.'),
      inputType: Type.Enum(['digits', 'text']),
      minDigits: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })),
      maxDigits: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })),
      validWhen: Type.Optional(expression('a bool over `input`; false means no match')),
      timeoutSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600, default: 10 })),
      retries: Type.Optional(Type.Integer({ minimum: 0, maximum: 5, default: 2 })),
      retryPrompt: Type.Optional(template('Said before each retry instead of the prompt.')),
      variable: Type.Optional(
        Type.String({ pattern: variableName, description: 'vars.<variable> gets the input; the step id by default.' }),
      ),
    },
    exits('next', 'noMatch', 'timeout', 'error'),
  ),
  sendMessage: step(
    'sendMessage',
    'Sends a message to the customer.',
    { text: template('The message.') },
    exits('next', 'error'),
  ),
  playPrompt: step(
    'playPrompt',
    'Plays (speaks) a prompt on a call.',
    { text: template('What to say.') },
    exits('next', 'error'),
  ),
  routeToQueue: step(
    'routeToQueue',
    'Puts the interaction in a queue for the router; without `queue`, where its entry point sends it (seed 002 rules).',
    {
      queue: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Queue devName or id.' })),
      priority: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 1000 }), expression('an int from 0 to 1000')])),
      requirements: Type.Optional(expression('a bool over `agent` (its attributes): who may take the work')),
      preferredAgent: Type.Optional(
        Type.Object(
          {
            agent: template('Agent id, email or employee id.'),
            expiresAfterSeconds: Type.Integer({ minimum: 1, maximum: 86400 }),
          },
          { additionalProperties: false },
        ),
      ),
      maxWaitSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 604800, description: 'Then the timeout exit.' })),
    },
    exits('timeout', 'error'),
  ),
  routeToAgent: step(
    'routeToAgent',
    'Offers the interaction to one agent for a while, then takes the timeout exit.',
    {
      agent: template('Agent id, email or employee id.'),
      expiresAfterSeconds: Type.Integer({ minimum: 1, maximum: 86400 }),
    },
    exits('timeout', 'error'),
  ),
  voicemail: step(
    'voicemail',
    'Records a voicemail and notifies the email of the step; ends the run. Once the voice provider reports the recording, the voicemail is work for the agents of the queue.',
    {
      prompt: Type.Optional(template('Said before the tone.')),
      notificationEmail: Type.String({ maxLength: 320 }),
      queue: Type.Optional(
        Type.String({
          minLength: 1,
          maxLength: 100,
          description: 'Queue devName or id whose agents get the voicemail; the call’s queue by default.',
        }),
      ),
      maxSeconds: Type.Optional(Type.Integer({ minimum: 5, maximum: 600, default: 120 })),
    },
    exits('error'),
  ),
  callback: step(
    'callback',
    'Ends the call with a callback to a number (the customer by default): routable work in a queue, at once or at a time; an attempt nobody answers is retried.',
    {
      number: Type.Optional(template('The number to call back.')),
      queue: Type.Optional(
        Type.String({
          minLength: 1,
          maxLength: 100,
          description: 'Queue devName or id for the callback; the call’s by default.',
        }),
      ),
      at: Type.Optional(
        template(
          'When to call back: an ISO 8601 time with its offset, or a local time YYYY-MM-DDTHH:MM in the tenant’s time zone; at once when empty or past.',
        ),
      ),
      maxAttempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 10, default: 3, description: 'Calls made at most.' })),
      retryMinutes: Type.Optional(
        Type.Integer({
          minimum: 1,
          maximum: 1440,
          default: 15,
          description: 'Minutes between an unanswered attempt and the next.',
        }),
      ),
    },
    exits('error'),
  ),
  subflow: step(
    'subflow',
    'Runs a reusable flow (its active version when the run started) and comes back; its outputs land in vars.<outputVariable>.',
    {
      flow: Type.String({ minLength: 1, maxLength: 100, description: 'The devName of a reusable flow.' }),
      inputs: Type.Optional(expressions('an input of the subflow')),
      outputVariable: Type.Optional(Type.String({ pattern: variableName })),
    },
    exits('next', 'error'),
  ),
  end: step(
    'end',
    'Ends the run (or returns from a subflow with outputs).',
    { outputs: Type.Optional(expressions('an output')) },
    exits(),
  ),
};

export type StepType = keyof typeof stepSchemas;
export const stepTypes = Object.keys(stepSchemas) as StepType[];

/** The document's outer shape; steps are checked one by one against their type's schema. */
export const flowDocumentSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    start: stepId,
    steps: Type.Array(Type.Object({ id: Type.Unknown(), type: Type.Unknown() }), { minItems: 1, maxItems: 500 }),
  },
  { additionalProperties: false },
);

/** The published schema: the outer shape with every step type spelled out. */
export const flowJsonSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: '/v1/schemas/flow.json',
  title: 'Switchboard flow',
  ...Type.Object(
    {
      $schema: Type.Optional(Type.String()),
      description: Type.Optional(Type.String({ maxLength: 2000 })),
      start: stepId,
      steps: Type.Array(Type.Union(Object.values(stepSchemas)), { minItems: 1, maxItems: 500 }),
    },
    { additionalProperties: false },
  ),
};

export type StepOf<T extends StepType> = Static<(typeof stepSchemas)[T]>;
export type FlowStep = { [T in StepType]: StepOf<T> }[StepType];

export interface FlowDocument {
  description?: string;
  start: string;
  steps: FlowStep[];
}
