import { type TSchema, Type } from 'typebox';
import { reportedCallStatuses } from '../core/callbacks.js';
import {
  agentSelections,
  channelTypes,
  directions,
  interactionStates,
  mappingChannelTypes,
  messagingMedia,
  presenceStatuses,
  voiceEndpointTypes,
} from '../core/model.js';
import { userRoles } from '../core/users.js';

/**
 * Request schemas. They check JSON types and refuse unknown fields; the meaning of values (formats,
 * references, SLA grammar) is checked by core so each mistake gets its own error code. SLA fields
 * accept a number or a string, so they are left open here and read by core's SLA parser.
 */
const closed = { additionalProperties: false } as const;
const text = (maxLength = 200) => Type.String({ maxLength });
const nullableText = (maxLength = 2000) => Type.Union([Type.String({ maxLength }), Type.Null()]);
const sla = Type.Unknown({ description: 'Minutes: a number or a decimal string such as "0.66" (40 s).' });
const id = Type.String({ maxLength: 100 });

export const tenantCreate = Type.Object(
  {
    name: text(),
    defaultCountry: Type.Optional(Type.Union([Type.String({ maxLength: 2 }), Type.Null()])),
    timeZone: Type.Optional(Type.String({ maxLength: 64 })),
    parentTenantId: Type.Optional(id),
    allowPrivateNetworkRequests: Type.Optional(Type.Boolean()),
  },
  closed,
);
export const tenantUpdate = Type.Object(
  {
    name: Type.Optional(text()),
    defaultCountry: Type.Optional(Type.Union([Type.String({ maxLength: 2 }), Type.Null()])),
    timeZone: Type.Optional(Type.String({ maxLength: 64 })),
    allowPrivateNetworkRequests: Type.Optional(Type.Boolean()),
  },
  closed,
);

export const apiKeyCreate = Type.Object({ name: Type.Optional(text()) }, closed);

const queueRouting = Type.Object(
  {
    selection: Type.Optional(Type.Enum([...agentSelections])),
    proficiencySkill: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
    offerTimeoutSeconds: Type.Optional(Type.Integer({ minimum: 5, maximum: 3600 })),
    awayOnOfferTimeout: Type.Optional(Type.Boolean()),
    wrapUpSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 3600 })),
    maxConnectedMinutes: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 43200,
        description: 'How long an agent may hold connected work before it is ended for them (default 480).',
      }),
    ),
    escalation: Type.Optional(
      Type.Array(
        Type.Object(
          {
            afterSeconds: Type.Integer({ minimum: 0, maximum: 86400 }),
            requirements: Type.Union([Type.String({ minLength: 1, maxLength: 2000 }), Type.Null()]),
          },
          closed,
        ),
        { maxItems: 10 },
      ),
    ),
  },
  { ...closed, description: 'How the queue offers work to agents.' },
);
const queueFields = {
  name: text(),
  devName: Type.String({ maxLength: 80 }),
  description: nullableText(),
  slaMinutes: sla,
  routing: queueRouting,
  chatQueueKey: Type.Union([Type.String({ maxLength: 200 }), Type.Null()]),
};
export const queueCreate = Type.Object(
  {
    name: queueFields.name,
    devName: Type.Optional(queueFields.devName),
    description: Type.Optional(queueFields.description),
    slaMinutes: Type.Optional(sla),
    routing: Type.Optional(queueRouting),
    chatQueueKey: Type.Optional(queueFields.chatQueueKey),
  },
  closed,
);
export const queueUpdate = Type.Partial(Type.Object(queueFields, closed));

export const channelCreate = Type.Object(
  {
    name: text(),
    type: Type.Enum([...channelTypes]),
    medium: Type.Optional(Type.Union([Type.Enum([...messagingMedia]), Type.Null()])),
    defaultQueueId: id,
    defaultEntryPointSlaMinutes: Type.Optional(sla),
    inactivityMinutes: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
    chatProtocol: Type.Optional(Type.Union([Type.Enum(['flex-chat', 'basic']), Type.Null()])),
    inboundRouteByCall: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
  },
  closed,
);
export const channelUpdate = Type.Object(
  {
    name: Type.Optional(text()),
    type: Type.Optional(Type.Enum([...channelTypes])),
    medium: Type.Optional(Type.Union([Type.Enum([...messagingMedia]), Type.Null()])),
    defaultQueueId: Type.Optional(id),
    defaultEntryPointSlaMinutes: Type.Optional(sla),
    inactivityMinutes: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
    chatProtocol: Type.Optional(Type.Union([Type.Enum(['flex-chat', 'basic']), Type.Null()])),
    inboundRouteByCall: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
  },
  closed,
);

const phoneChannelFields = {
  /** Voice only: the flow the telephony API's omniFlow runs for calls to this number. */
  flowId: Type.Optional(Type.Union([id, Type.Null()])),
  /** Voice only: the queue that takes those calls when the flow fails. */
  fallbackQueueId: Type.Optional(Type.Union([id, Type.Null()])),
};
export const entryPointCreate = Type.Object(
  { channelId: id, address: Type.String({ maxLength: 500 }), name: Type.Optional(nullableText(200)), ...phoneChannelFields },
  closed,
);
export const entryPointUpdate = Type.Object(
  {
    channelId: Type.Optional(id),
    address: Type.Optional(Type.String({ maxLength: 500 })),
    name: Type.Optional(nullableText(200)),
    ...phoneChannelFields,
  },
  closed,
);

const exceptionFields = { entryPointId: id, queueId: id, slaMinutes: Type.Optional(sla) };
export const exceptionCreate = Type.Object(exceptionFields, closed);
export const exceptionUpdate = Type.Object({ queueId: Type.Optional(id), slaMinutes: Type.Optional(sla) }, closed);
export const entryPointSettingsUpdate = Type.Object(
  {
    defaultQueueId: Type.Optional(id),
    defaultEntryPointSlaMinutes: Type.Optional(sla),
    exceptions: Type.Optional(Type.Array(Type.Object(exceptionFields, closed), { maxItems: 10000 })),
  },
  closed,
);

const integrationUserId = Type.String({ maxLength: 200 });
const callAssignmentFields = {
  users: Type.Optional(
    Type.Array(
      Type.Object(
        { id: integrationUserId, email: Type.String({ maxLength: 320 }), active: Type.Optional(Type.Boolean()) },
        closed,
      ),
      { maxItems: 5000, description: 'The people of the integrated system (e.g. CRM users) calls can be assigned to.' },
    ),
  ),
  userMappings: Type.Optional(
    Type.Array(
      Type.Object(
        {
          agentId: Type.String({ maxLength: 320, description: 'An agent id, email or employee id; stored as the id.' }),
          integrationUserId,
        },
        closed,
      ),
      { maxItems: 5000, description: 'Agent → integration user; a mapping wins over email equality.' },
    ),
  ),
  assignMissedCallsTo: Type.Optional(
    Type.Union([Type.Enum(['automatic', 'unassigned']), Type.Object({ user: integrationUserId }, closed)]),
  ),
  contactOwners: Type.Optional(Type.Boolean({ description: 'Whether the integrated system can tell a contact’s owner.' })),
  installerUserId: Type.Optional(Type.Union([integrationUserId, Type.Null()])),
  defaultAssigneeId: Type.Optional(Type.Union([integrationUserId, Type.Null()])),
  callExport: Type.Optional(
    Type.Union([
      Type.Object(
        {
          format: Type.Enum(['signed-http', 'hubspot']),
          url: Type.String({ maxLength: 2000, description: 'signed-http: the receiver; hubspot: the API base URL.' }),
          secret: Type.Optional(Type.String({ maxLength: 4096, description: 'signed-http: the signing secret (write-only).' })),
          accessToken: Type.Optional(Type.String({ maxLength: 4096, description: 'hubspot: the access token (write-only).' })),
        },
        closed,
      ),
      Type.Null(),
    ]),
  ),
};
export const integrationCreate = Type.Object(
  { name: text(), type: Type.String({ maxLength: 40 }), ...callAssignmentFields },
  closed,
);
export const integrationUpdate = Type.Object(
  { name: Type.Optional(text()), type: Type.Optional(Type.String({ maxLength: 40 })), ...callAssignmentFields },
  closed,
);

const definition = Type.Unknown({
  description: 'The flow document: see GET /v1/schemas/flow.json and docs/flows.md. Checked in full by the flow validator.',
});
export const flowCreate = Type.Object(
  {
    name: text(),
    devName: Type.Optional(Type.String({ maxLength: 80 })),
    description: Type.Optional(nullableText()),
    reusable: Type.Optional(Type.Boolean()),
    fallbackQueueId: Type.Optional(Type.Union([id, Type.Null()])),
    definition: Type.Optional(definition),
  },
  closed,
);
export const flowUpdate = Type.Object(
  {
    name: Type.Optional(text()),
    devName: Type.Optional(Type.String({ maxLength: 80 })),
    description: Type.Optional(nullableText()),
    reusable: Type.Optional(Type.Boolean()),
    fallbackQueueId: Type.Optional(Type.Union([id, Type.Null()])),
    activeVersionId: Type.Optional(id),
  },
  closed,
);
export const flowVersionCreate = Type.Object(
  { definition, label: Type.Optional(nullableText(200)), activate: Type.Optional(Type.Boolean()) },
  closed,
);
export const flowValidate = Type.Object({ definition }, closed);
export const flowSimulate = Type.Object(
  {
    interaction: Type.Optional(
      Type.Object(
        {
          channelType: Type.Optional(Type.Enum([...channelTypes])),
          medium: Type.Optional(Type.Enum([...messagingMedia])),
          direction: Type.Optional(Type.Enum([...directions])),
          customer: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
          contactPoint: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
          source: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
          attributes: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
        },
        closed,
      ),
    ),
    inputs: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    startAt: Type.Optional(Type.String({ format: 'date-time', description: 'The simulated time of arrival; now by default.' })),
    events: Type.Optional(
      Type.Array(
        Type.Object(
          {
            type: Type.Enum([
              'input',
              'http.response',
              'http.failed',
              'timeout',
              'routing.connected',
              'invite.done',
              'invite.fault',
            ]),
            afterSeconds: Type.Optional(Type.Number({ minimum: 0, maximum: 604800 })),
            sessionId: Type.Optional(Type.String({ maxLength: 100 })),
            faultCode: Type.Optional(Type.Integer({ minimum: 1000, maximum: 9999 })),
            value: Type.Optional(Type.String({ maxLength: 1000 })),
            status: Type.Optional(Type.Integer({ minimum: 100, maximum: 599 })),
            headers: Type.Optional(Type.Record(Type.String(), Type.String())),
            body: Type.Optional(Type.Unknown()),
            reason: Type.Optional(Type.Enum(['timeout', 'refused', 'network'])),
          },
          closed,
        ),
        { maxItems: 200 },
      ),
    ),
  },
  closed,
);
export const flowInput = Type.Object({ value: Type.String({ maxLength: 1000 }) }, closed);
export const voicemailRecording = Type.Object(
  {
    recordingUrl: Type.String({ maxLength: 2000, description: 'Where the voice provider keeps the recording (http or https).' }),
    durationSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 86400 })),
  },
  closed,
);
export const callbackCreate = Type.Object(
  {
    number: Type.Optional(
      Type.String({ maxLength: 40, description: "The number to call; the interaction's customer by default." }),
    ),
    queue: Type.Optional(
      Type.String({ maxLength: 100, description: "Queue devName or id the callback waits in; the interaction's by default." }),
    ),
    at: Type.Optional(
      Type.String({
        maxLength: 40,
        description:
          "When to call: an ISO 8601 time with its offset, or a local time YYYY-MM-DDTHH:MM in the tenant's time zone; at once when absent or past.",
      }),
    ),
    maxAttempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 10, description: 'Calls made at most (3 by default).' })),
    retryMinutes: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 1440,
        description: 'Minutes between an unanswered attempt and the next (15 by default).',
      }),
    ),
  },
  closed,
);
export const outboundCallCreate = Type.Object(
  {
    agentId: Type.Optional(Type.String({ maxLength: 100, description: "The calling agent; an agent token's own by default." })),
    to: Type.Optional(Type.String({ maxLength: 40, description: "The number to call; a callback's number by default." })),
    from: Type.Optional(Type.String({ maxLength: 40, description: "The caller id shown; a callback's line by default." })),
    callbackId: Type.Optional(
      Type.String({ maxLength: 100, description: 'The callback this call serves: the agent must have accepted it.' }),
    ),
  },
  closed,
);
export const callStatusReport = Type.Object(
  { status: Type.Union(reportedCallStatuses.map((status) => Type.Literal(status))) },
  closed,
);
export const signIn = Type.Object({ email: Type.String({ maxLength: 320 }), password: Type.String({ maxLength: 1000 }) }, closed);
export const tokenSignIn = Type.Object({ token: Type.String({ maxLength: 200 }) }, closed);
export const invitationAccept = Type.Object(
  { token: Type.String({ maxLength: 200 }), password: Type.String({ maxLength: 1000 }) },
  closed,
);
export const userCreate = Type.Object(
  {
    email: Type.String({ maxLength: 320 }),
    name: Type.Optional(Type.String({ maxLength: 200 })),
    role: Type.Union(userRoles.map((role) => Type.Literal(role))),
    agentId: Type.Optional(Type.Union([Type.String({ maxLength: 100 }), Type.Null()])),
    password: Type.Optional(
      Type.String({ maxLength: 1000, description: 'Set now; without it, the answer carries an invitation.' }),
    ),
  },
  closed,
);
export const userUpdate = Type.Partial(userCreate);
export const agentCreate = Type.Object(
  {
    name: text(),
    email: Type.String({ maxLength: 320 }),
    employeeId: Type.Optional(Type.Union([Type.String({ maxLength: 100 }), Type.Null()])),
    attributes: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    capacity: Type.Optional(
      Type.Object(
        Object.fromEntries(channelTypes.map((type) => [type, Type.Optional(Type.Integer({ minimum: 0, maximum: 100 }))])),
        closed,
      ),
    ),
    voiceBlocksOtherWork: Type.Optional(Type.Boolean()),
    queueIds: Type.Optional(Type.Array(id, { maxItems: 500 })),
    voiceEndpoint: Type.Optional(
      Type.Union([
        Type.Object(
          {
            type: Type.Union(voiceEndpointTypes.map((type) => Type.Literal(type))),
            address: Type.String({ maxLength: 300 }),
          },
          {
            ...closed,
            description: 'Where a voice provider rings the agent; the Client identity that is the agent id by default.',
          },
        ),
        Type.Null(),
      ]),
    ),
  },
  closed,
);
export const wrapUpCompletion = Type.Optional(
  Type.Object(
    {
      disposition: Type.Optional(
        Type.Union([Type.String({ maxLength: 100, description: 'The outcome, e.g. resolved.' }), Type.Null()]),
      ),
      notes: Type.Optional(Type.Union([Type.String({ maxLength: 4000 }), Type.Null()])),
    },
    closed,
  ),
);
export const agentAction = Type.Optional(
  Type.Object(
    { agentId: Type.Optional(Type.String({ maxLength: 320, description: 'With an API key: the agent acting.' })) },
    closed,
  ),
);
export const presenceUpdate = Type.Object(
  { status: Type.Enum([...presenceStatuses]), reason: Type.Optional(Type.Union([Type.String({ maxLength: 100 }), Type.Null()])) },
  closed,
);
export const agentUpdate = Type.Partial(agentCreate);

export const contactCreate = Type.Object(
  {
    title: Type.Optional(nullableText(100)),
    firstName: Type.Optional(nullableText(200)),
    lastName: Type.Optional(nullableText(200)),
    phoneNumbers: Type.Optional(
      Type.Array(Type.String({ maxLength: 40 }), {
        maxItems: 20,
        description: 'E.164, or national with the tenant default country; the first is the primary number.',
      }),
    ),
    emailAddresses: Type.Optional(
      Type.Array(Type.String({ maxLength: 320 }), { maxItems: 20, description: 'The first is the primary address.' }),
    ),
    favoriteAgentId: Type.Optional(
      Type.Union([
        Type.String({ maxLength: 320, description: 'Agent id, email or employee id; stored as the id.' }),
        Type.Null(),
      ]),
    ),
    ownerIntegrationUserId: Type.Optional(nullableText(200)),
    attributes: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  closed,
);
export const contactUpdate = Type.Partial(contactCreate);
export const contactLookupQuery = Type.Object(
  { address: Type.String({ maxLength: 320, description: 'A phone number or an email address.' }) },
  closed,
);

const mappingFields = {
  name: text(),
  description: nullableText(),
  channelType: Type.Enum([...mappingChannelTypes]),
  interactionField: Type.Enum(['customer', 'contact-point', 'source', 'direction']),
  value: Type.String({ maxLength: 500 }),
  flowId: id,
  version: Type.Union([id, Type.Null()]),
  active: Type.Boolean(),
};
export const mappingCreate = Type.Object(
  {
    name: mappingFields.name,
    description: Type.Optional(mappingFields.description),
    channelType: Type.Optional(mappingFields.channelType),
    interactionField: Type.Optional(mappingFields.interactionField),
    value: Type.Optional(mappingFields.value),
    flowId: mappingFields.flowId,
    version: Type.Optional(mappingFields.version),
    active: Type.Optional(mappingFields.active),
  },
  closed,
);
export const mappingUpdate = Type.Partial(Type.Object(mappingFields, closed));
export const mappingBulk = Type.Object({ ids: Type.Array(id, { minItems: 1, maxItems: 500 }), active: Type.Boolean() }, closed);

export const interactionCreate = Type.Object(
  {
    channelType: Type.Enum([...channelTypes]),
    medium: Type.Optional(Type.Enum([...messagingMedia])),
    direction: Type.Optional(Type.Enum([...directions, 'Inbound', 'Outbound', 'Agent-Initiated'])),
    customer: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
    contactPoint: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
    source: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
    attributes: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
  },
  closed,
);
export const interactionUpdate = Type.Object(
  {
    noReplyNeeded: Type.Optional(Type.Boolean()),
    priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
    attributes: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  closed,
);
export const inboundContactCreate = Type.Object(
  {
    channelType: Type.Optional(Type.Enum([...channelTypes])),
    medium: Type.Optional(Type.Enum([...messagingMedia])),
    contactPoint: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
  },
  closed,
);
export const transferCreate = Type.Object(
  {
    queueId: Type.Optional(id),
    agentId: Type.Optional(
      Type.String({ maxLength: 320, description: 'Agent id, email or employee id: offered to them first.' }),
    ),
    expiresAfterSeconds: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 86400, description: 'How long only that agent is offered it; 60 by default.' }),
    ),
  },
  closed,
);

export const interactionListQuery = Type.Object(
  {
    state: Type.Optional(Type.Enum([...interactionStates])),
    queueId: Type.Optional(id),
    customer: Type.Optional(Type.String({ maxLength: 320, description: 'A phone number or an email address.' })),
    createdFrom: Type.Optional(Type.String({ maxLength: 40, description: 'ISO 8601: created at or after.' })),
    createdBefore: Type.Optional(Type.String({ maxLength: 40, description: 'ISO 8601: created before.' })),
    limit: Type.Optional(Type.String()),
    cursor: Type.Optional(Type.String()),
  },
  closed,
);
const callCenterFields = {
  name: Type.Optional(text(200)),
  /** The `sub` of the provider's tokens (Service Cloud Voice's call center API name). */
  apiName: text(80),
  /** The `iss` of the provider's tokens (Service Cloud Voice's org id). */
  orgId: text(64),
  audience: Type.Optional(text(500)),
  /** PEM X.509 certificates or public keys; several while a key is being rotated. */
  certificates: Type.Array(Type.String({ maxLength: 20000 }), { minItems: 1, maxItems: 10 }),
  /** For each certificate added: a token its private key signs (iss orgId, sub apiName, aud switchboard:<tenant id>). Not stored. */
  proofs: Type.Optional(Type.Array(Type.String({ maxLength: 10000 }), { maxItems: 10 })),
};
export const callCenterCreate = Type.Object(callCenterFields, closed);
export const callCenterUpdate = Type.Partial(callCenterCreate, closed);
const routingMapFields = {
  referenceType: Type.Union([Type.Literal('user'), Type.Literal('queue')]),
  /** An agent (id, email or employee id) or a queue (id or devName) of the tenant. */
  referenceId: text(320),
  externalId: text(500),
  developerName: Type.Optional(text(200)),
  masterLabel: Type.Optional(nullableText(200)),
  quickConnect: Type.Optional(nullableText(500)),
};
export const routingMapCreate = Type.Object(routingMapFields, closed);
export const routingMapUpdate = Type.Partial(routingMapCreate, closed);

/** Files sent with a message, by URL (up to 10). */
const attachments = Type.Array(
  Type.Object(
    {
      url: Type.String({ maxLength: 2000 }),
      contentType: Type.String({ maxLength: 200 }),
      name: Type.Optional(Type.String({ maxLength: 200 })),
    },
    closed,
  ),
  { maxItems: 10 },
);

/** A message to the customer; the messaging service checks the content (text, attachments, template). */
export const messageCreate = Type.Object(
  {
    text: Type.Optional(Type.String({ maxLength: 4096 })),
    attachments: Type.Optional(attachments),
    template: Type.Optional(
      Type.Object(
        {
          name: Type.String({ maxLength: 512 }),
          language: Type.Optional(Type.String({ maxLength: 10 })),
          parameters: Type.Optional(Type.Array(Type.String({ maxLength: 1024 }), { maxItems: 20 })),
        },
        closed,
      ),
    ),
  },
  closed,
);

/** A channel's provider: its type, its settings (checked by the provider's adapter) and its credentials. */
export const channelProviderSet = Type.Object(
  {
    type: Type.String({ maxLength: 40 }),
    settings: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    credentials: Type.Optional(Type.Record(Type.String(), Type.String({ maxLength: 4096 }))),
  },
  closed,
);

const standardResponseFields = {
  name: Type.String({ maxLength: 200 }),
  description: Type.Optional(Type.Union([Type.String({ maxLength: 1000 }), Type.Null()])),
  contentType: Type.Optional(Type.String({ maxLength: 40 })),
  body: Type.Optional(Type.String({ maxLength: 4096 })),
  attachments: Type.Optional(attachments),
  template: Type.Optional(
    Type.Union([
      Type.Object(
        {
          id: Type.String({ maxLength: 600 }),
          language: Type.Optional(Type.String({ maxLength: 10 })),
          parameters: Type.Optional(Type.Array(Type.String({ maxLength: 1024 }), { maxItems: 20 })),
        },
        closed,
      ),
      Type.Null(),
    ]),
  ),
  quickReplies: Type.Optional(Type.Array(Type.String({ maxLength: 200 }), { maxItems: 13 })),
  cards: Type.Optional(
    Type.Array(
      Type.Object(
        {
          title: Type.String({ maxLength: 80 }),
          subtitle: Type.Optional(Type.String({ maxLength: 80 })),
          imageUrl: Type.Optional(Type.String({ maxLength: 2000 })),
          buttons: Type.Optional(
            Type.Array(
              Type.Object(
                { title: Type.String({ maxLength: 20 }), url: Type.Optional(Type.String({ maxLength: 2000 })) },
                closed,
              ),
              {
                maxItems: 3,
              },
            ),
          ),
        },
        closed,
      ),
      { maxItems: 10 },
    ),
  ),
  choices: Type.Optional(Type.Array(Type.String({ maxLength: 200 }), { maxItems: 20 })),
};
/** A standard response; the service checks the content and its field codes. */
export const standardResponseCreate = Type.Object(standardResponseFields, closed);
export const standardResponseUpdate = Type.Partial(Type.Object(standardResponseFields, closed));

/** The logical ESP request of a routing strategy (Genesys' Request3rdServer): the service checks its content. */
export const espRequest = Type.Object(
  {
    AppName: Type.Optional(Type.String({ maxLength: 200 })),
    AppType: Type.Optional(Type.Union([Type.String({ maxLength: 40 }), Type.Integer()])),
    Service: Type.Optional(Type.String({ maxLength: 200 })),
    Method: Type.Optional(Type.String({ maxLength: 200 })),
    Parameters: Type.Optional(Type.Record(Type.String({ maxLength: 200 }), Type.Unknown())),
    UserData: Type.Optional(Type.Record(Type.String({ maxLength: 200 }), Type.Unknown())),
    RequestorInfo: Type.Optional(Type.Record(Type.String({ maxLength: 200 }), Type.Unknown())),
  },
  closed,
);

export const listQuery = Type.Object({ limit: Type.Optional(Type.String()), cursor: Type.Optional(Type.String()) }, closed);
export const exportsQuery = Type.Object(
  {
    limit: Type.Optional(Type.String()),
    cursor: Type.Optional(Type.String()),
    interactionId: Type.Optional(Type.String({ maxLength: 100, description: 'Only this call’s exports.' })),
  },
  closed,
);

export type Schema = TSchema;

export const eventsQuery = Type.Object(
  { after: Type.Optional(Type.String()), limit: Type.Optional(Type.String()), type: Type.Optional(Type.String()) },
  closed,
);
export const statsQuery = Type.Object({ windowMinutes: Type.Optional(Type.String()) }, closed);
export const webhookCreate = Type.Object(
  {
    url: Type.String({ maxLength: 2000 }),
    eventTypes: Type.Optional(Type.Union([Type.Array(Type.String({ maxLength: 100 }), { maxItems: 100 }), Type.Null()])),
    secret: Type.Optional(
      Type.String({ minLength: 16, maxLength: 200, description: 'Your own signing secret; generated when absent.' }),
    ),
    active: Type.Optional(Type.Boolean()),
    maxEventsPerRequest: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1000, description: 'The most events one POST carries (500 by default).' }),
    ),
    afterSeq: Type.Optional(
      Type.Integer({ minimum: 0, description: 'Deliver from after this event; new events only by default.' }),
    ),
  },
  closed,
);
export const webhookUpdate = Type.Object(
  {
    url: Type.Optional(Type.String({ maxLength: 2000 })),
    eventTypes: Type.Optional(Type.Union([Type.Array(Type.String({ maxLength: 100 }), { maxItems: 100 }), Type.Null()])),
    active: Type.Optional(Type.Boolean()),
    maxEventsPerRequest: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1000, description: 'The most events one POST carries (500 by default).' }),
    ),
  },
  closed,
);
