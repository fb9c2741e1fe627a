import type { FieldSpec } from './record-form.js';

// biome-ignore lint/suspicious/noExplicitAny: configuration objects are JSON.
export type Item = Record<string, any>;

/** A configuration resource the console edits: its API path, columns, form, and what may change. */
export interface ResourceSpec {
  path: string;
  title: string;
  columns: { label: string; value: (item: Item) => string }[];
  /** The form's fields; the whole record can also be edited as JSON. */
  fields: FieldSpec[];
  /** A new one, as a starting point. */
  template: Item;
  /** The fields an edit sends (the API's update body); null when it cannot be edited, only made and deleted. */
  editable: string[] | null;
  update: 'PUT' | 'PATCH';
  /** The field that names an item in its URL (`id` unless said). */
  key?: string;
  /** How the list is read, when it is not `GET <path>`. */
  list?: (url: string) => string;
  pick?: (body: Item) => Item[];
  /** What the API shows once on creation (a token, a signing secret, an invitation link), to show to the person. */
  shownOnce?: (created: Item) => string | null;
  /** Resources that live under one item (a call center's routing maps). */
  children?: { label: string; spec: ResourceSpec }[];
}

const yes = (value: unknown) => (value ? 'yes' : 'no');
const channelTypes = ['voice', 'sms', 'email', 'messaging', 'work-item'] as const;
const minutes = (path: string, label: string, hint?: string): FieldSpec => ({ path, label, kind: 'number', hint });

const queueFields: FieldSpec[] = [
  { path: 'name', label: 'Name', kind: 'text', required: true },
  {
    path: 'devName',
    label: 'Developer name',
    kind: 'text',
    hint: 'The name flows and integrations use; from the name by default.',
  },
  { path: 'description', label: 'Description', kind: 'textarea', nullable: true },
  minutes('slaMinutes', 'Service level (minutes)'),
  {
    path: 'routing/selection',
    label: 'Agent selection',
    kind: 'select',
    options: ['longest-idle', 'most-proficient', 'round-robin'],
    required: true,
  },
  {
    path: 'routing/proficiencySkill',
    label: 'Proficiency skill',
    kind: 'text',
    nullable: true,
    hint: 'For most-proficient: the skill that ranks agents.',
  },
  { path: 'routing/offerTimeoutSeconds', label: 'Offer time-out (seconds)', kind: 'number' },
  { path: 'routing/awayOnOfferTimeout', label: 'An agent who lets an offer expire becomes away', kind: 'checkbox' },
  { path: 'routing/wrapUpSeconds', label: 'Wrap-up (seconds)', kind: 'number' },
  minutes('routing/maxConnectedMinutes', 'Longest connected work (minutes)'),
  {
    path: 'routing/escalation',
    label: 'Escalation steps',
    kind: 'rows',
    blank: { afterSeconds: 60, requirements: null },
    of: [
      { path: 'afterSeconds', label: 'After (seconds)', kind: 'number', required: true },
      {
        path: 'requirements',
        label: 'Agents required',
        kind: 'text',
        nullable: true,
        hint: 'A CEL condition on the agent, e.g. agent.attributes.skills.spanish >= 4; empty: anyone in the queue.',
      },
    ],
    hint: 'The step whose time has come applies; requirements relax as the work waits.',
  },
];

const routingMaps: ResourceSpec = {
  path: 'routing-maps',
  title: 'Routing maps',
  columns: [
    { label: 'Reference', value: (m) => `${m.referenceType} ${m.referenceId}` },
    { label: 'External id', value: (m) => m.externalId },
  ],
  fields: [
    { path: 'referenceType', label: 'Reference type', kind: 'select', options: ['user', 'queue'], required: true },
    {
      path: 'referenceId',
      label: 'Agent or queue',
      kind: 'text',
      required: true,
      hint: 'Agent id, email or employee id; queue id or developer name.',
    },
    {
      path: 'externalId',
      label: 'External id',
      kind: 'text',
      required: true,
      hint: "The provider's id (Salesforce user or queue id).",
    },
    { path: 'developerName', label: 'Developer name', kind: 'text' },
    { path: 'masterLabel', label: 'Label', kind: 'text', nullable: true },
    { path: 'quickConnect', label: 'Quick connect', kind: 'text', nullable: true },
  ],
  template: { referenceType: 'user', referenceId: '', externalId: '' },
  editable: ['referenceType', 'referenceId', 'externalId', 'developerName', 'masterLabel', 'quickConnect'],
  update: 'PUT',
};

const entryPointExceptions: ResourceSpec = {
  path: 'entry-point-settings/exceptions',
  title: 'Entry-point exceptions',
  key: 'entryPointId',
  list: (url) => url.replace(/\/exceptions$/, ''),
  pick: (settings) => settings.exceptions ?? [],
  columns: [
    { label: 'Entry point', value: (e) => e.entryPointId },
    { label: 'Queue', value: (e) => e.queueId },
    { label: 'SLA (min)', value: (e) => (e.slaMinutes == null ? 'the queue’s' : String(e.slaMinutes)) },
  ],
  fields: [
    { path: 'entryPointId', label: 'Entry point', kind: 'ref', resource: 'entry-points', required: true },
    { path: 'queueId', label: 'Queue', kind: 'ref', resource: 'queues', required: true },
    minutes('slaMinutes', 'Service level (minutes)', "Empty: the queue's."),
  ],
  template: { entryPointId: '', queueId: '' },
  editable: ['queueId', 'slaMinutes'],
  update: 'PUT',
};

const agentTokens: ResourceSpec = {
  path: 'tokens',
  title: 'Tokens',
  columns: [
    { label: 'Prefix', value: (t) => t.prefix ?? '' },
    { label: 'Created', value: (t) => t.createdAt ?? '' },
  ],
  fields: [],
  template: {},
  editable: null,
  update: 'PUT',
  shownOnce: (t) => (t.token ? `Token (shown once): ${t.token}` : null),
};

export const resources: ResourceSpec[] = [
  {
    path: 'queues',
    title: 'Queues',
    columns: [
      { label: 'Name', value: (q) => q.name },
      { label: 'SLA (min)', value: (q) => String(q.slaMinutes) },
      { label: 'Selection', value: (q) => q.routing?.selection ?? '' },
    ],
    fields: queueFields,
    template: {
      name: '',
      slaMinutes: 30,
      routing: { selection: 'longest-idle', offerTimeoutSeconds: 30, wrapUpSeconds: 30, escalation: [] },
    },
    editable: ['name', 'devName', 'description', 'slaMinutes', 'routing'],
    update: 'PUT',
  },
  {
    path: 'channels',
    title: 'Channels',
    columns: [
      { label: 'Name', value: (c) => c.name },
      { label: 'Type', value: (c) => (c.medium ? `${c.type} (${c.medium})` : c.type) },
      { label: 'Provider', value: (c) => c.provider?.type ?? '—' },
    ],
    fields: [
      { path: 'name', label: 'Name', kind: 'text', required: true },
      { path: 'type', label: 'Type', kind: 'select', options: channelTypes, required: true },
      {
        path: 'medium',
        label: 'Medium (messaging)',
        kind: 'select',
        options: ['whatsapp', 'apple-business-chat', 'facebook', 'chat'],
        nullable: true,
      },
      { path: 'defaultQueueId', label: 'Default queue', kind: 'ref', resource: 'queues', required: true },
      minutes('defaultEntryPointSlaMinutes', 'Entry-point SLA (minutes)', "Empty: the default queue's."),
      minutes('inactivityMinutes', 'Close a quiet conversation after (minutes)'),
    ],
    template: { name: '', type: 'voice', defaultQueueId: '' },
    editable: ['name', 'type', 'medium', 'defaultQueueId', 'defaultEntryPointSlaMinutes', 'inactivityMinutes'],
    update: 'PUT',
    children: [{ label: 'Exceptions', spec: entryPointExceptions }],
  },
  {
    path: 'entry-points',
    title: 'Entry points',
    columns: [
      { label: 'Address', value: (e) => e.address },
      { label: 'Channel', value: (e) => e.channelId },
    ],
    fields: [
      { path: 'channelId', label: 'Channel', kind: 'ref', resource: 'channels', required: true },
      { path: 'address', label: 'Address', kind: 'text', required: true, hint: 'A phone number, an email address, a chat id…' },
      { path: 'name', label: 'Name', kind: 'text', nullable: true },
      { path: 'flowId', label: 'Flow (voice: telephony API calls)', kind: 'ref', resource: 'flows', nullable: true },
      { path: 'fallbackQueueId', label: 'Fallback queue (voice)', kind: 'ref', resource: 'queues', nullable: true },
    ],
    template: { channelId: '', address: '' },
    editable: ['channelId', 'address', 'name', 'fallbackQueueId', 'flowId'],
    update: 'PUT',
  },
  {
    path: 'dispatch-mappings',
    title: 'Dispatch mappings',
    columns: [
      { label: 'Name', value: (m) => m.name },
      { label: 'Matches', value: (m) => `${m.channelType} ${m.interactionField} = ${m.value}` },
      { label: 'Active', value: (m) => yes(m.active) },
    ],
    fields: [
      { path: 'name', label: 'Name', kind: 'text', required: true },
      { path: 'channelType', label: 'Channel type', kind: 'select', options: ['any', ...channelTypes], required: true },
      {
        path: 'interactionField',
        label: 'Interaction field',
        kind: 'select',
        options: ['customer', 'contact-point', 'source', 'direction'],
        required: true,
      },
      { path: 'value', label: 'Value', kind: 'text', required: true },
      { path: 'flowId', label: 'Flow', kind: 'ref', resource: 'flows', required: true },
      { path: 'active', label: 'Active', kind: 'checkbox' },
    ],
    template: { name: '', channelType: 'any', interactionField: 'direction', value: 'inbound', flowId: '' },
    editable: ['name', 'description', 'channelType', 'interactionField', 'value', 'flowId', 'version', 'active'],
    update: 'PUT',
  },
  {
    path: 'agents',
    title: 'Agents',
    columns: [
      { label: 'Name', value: (a) => a.name },
      { label: 'Email', value: (a) => a.email },
      { label: 'Presence', value: (a) => a.presence?.status ?? '' },
    ],
    fields: [
      { path: 'name', label: 'Name', kind: 'text', required: true },
      { path: 'email', label: 'Email', kind: 'text', required: true },
      { path: 'employeeId', label: 'Employee id', kind: 'text', nullable: true },
      { path: 'queueIds', label: 'Queues', kind: 'ref', resource: 'queues', multiple: true },
      { path: 'attributes/skills', label: 'Skills', kind: 'levels', keyLabel: 'Skill', valueLabel: 'Level' },
      ...channelTypes.map((type): FieldSpec => ({ path: `capacity/${type}`, label: `Capacity: ${type}`, kind: 'number' })),
      { path: 'voiceBlocksOtherWork', label: 'A call blocks other work', kind: 'checkbox' },
      { path: 'voiceEndpoint/type', label: 'Voice endpoint type', kind: 'select', options: ['client', 'sip', 'number'] },
      { path: 'voiceEndpoint/address', label: 'Voice endpoint address', kind: 'text' },
    ],
    template: { name: '', email: '', queueIds: [], attributes: { skills: {} }, capacity: { voice: 1, messaging: 3 } },
    editable: ['name', 'email', 'employeeId', 'attributes', 'capacity', 'voiceBlocksOtherWork', 'queueIds', 'voiceEndpoint'],
    update: 'PUT',
    children: [{ label: 'Tokens', spec: agentTokens }],
  },
  {
    path: 'users',
    title: 'Users',
    columns: [
      { label: 'Email', value: (u) => u.email },
      { label: 'Role', value: (u) => u.role },
      { label: 'Password set', value: (u) => yes(u.passwordSet) },
    ],
    fields: [
      { path: 'email', label: 'Email', kind: 'text', required: true },
      { path: 'name', label: 'Name', kind: 'text' },
      { path: 'role', label: 'Role', kind: 'select', options: ['agent', 'supervisor', 'admin'], required: true },
      { path: 'agentId', label: 'Agent (for the agent role)', kind: 'ref', resource: 'agents', nullable: true },
    ],
    template: { email: '', role: 'agent', agentId: '' },
    editable: ['email', 'name', 'role', 'agentId'],
    update: 'PATCH',
    shownOnce: (u) => (u.invitation?.token ? `Invitation link: ${location.origin}/app/#invitation=${u.invitation.token}` : null),
  },
  {
    path: 'contacts',
    title: 'Contacts',
    columns: [
      { label: 'Name', value: (c) => [c.firstName, c.lastName].filter(Boolean).join(' ') },
      { label: 'Numbers', value: (c) => (c.phoneNumbers ?? []).join(', ') },
    ],
    fields: [
      { path: 'title', label: 'Title', kind: 'text', nullable: true },
      { path: 'firstName', label: 'First name', kind: 'text', nullable: true },
      { path: 'lastName', label: 'Last name', kind: 'text', nullable: true },
      { path: 'phoneNumbers', label: 'Phone numbers', kind: 'lines', hint: 'One per line; the first is the primary number.' },
      {
        path: 'emailAddresses',
        label: 'Email addresses',
        kind: 'lines',
        hint: 'One per line; the first is the primary address.',
      },
      { path: 'favoriteAgentId', label: 'Favorite agent', kind: 'ref', resource: 'agents', nullable: true },
      { path: 'ownerIntegrationUserId', label: 'Owner (integration user id)', kind: 'text', nullable: true },
      { path: 'attributes', label: 'Attributes', kind: 'json' },
    ],
    template: { firstName: '', lastName: '', phoneNumbers: [], emailAddresses: [] },
    editable: [
      'title',
      'firstName',
      'lastName',
      'phoneNumbers',
      'emailAddresses',
      'favoriteAgentId',
      'ownerIntegrationUserId',
      'attributes',
    ],
    update: 'PUT',
  },
  {
    path: 'integrations',
    title: 'Integrations',
    columns: [
      { label: 'Name', value: (i) => i.name },
      { label: 'Type', value: (i) => i.type },
    ],
    fields: [
      { path: 'name', label: 'Name', kind: 'text', required: true },
      { path: 'type', label: 'Type', kind: 'text', required: true, hint: 'e.g. crm' },
      {
        path: 'users',
        label: 'Users',
        kind: 'rows',
        blank: { id: '', email: '' },
        of: [
          { path: 'id', label: 'User id', kind: 'text', required: true },
          { path: 'email', label: 'Email', kind: 'text', required: true },
          { path: 'active', label: 'Active', kind: 'checkbox' },
        ],
      },
      {
        path: 'userMappings',
        label: 'User mappings',
        kind: 'rows',
        blank: { agentId: '', integrationUserId: '' },
        of: [
          { path: 'agentId', label: 'Agent', kind: 'text', required: true, hint: 'Id, email or employee id.' },
          { path: 'integrationUserId', label: 'Integration user id', kind: 'text', required: true },
        ],
      },
      {
        path: 'assignMissedCallsTo',
        label: 'Assign missed calls to',
        kind: 'json',
        hint: '"automatic", "unassigned" or {"user": "<id>"}',
      },
      { path: 'contactOwners', label: 'The integrated system tells contact owners', kind: 'checkbox' },
      { path: 'installerUserId', label: 'Installer user id', kind: 'text', nullable: true },
      { path: 'defaultAssigneeId', label: 'Default assignee user id', kind: 'text', nullable: true },
      { path: 'callExport/format', label: 'Call export format', kind: 'select', options: ['signed-http', 'hubspot'] },
      { path: 'callExport/url', label: 'Call export URL', kind: 'text' },
      { path: 'callExport/secret', label: 'Signing secret (signed-http; write-only)', kind: 'text' },
      { path: 'callExport/accessToken', label: 'Access token (hubspot; write-only)', kind: 'text' },
    ],
    template: { name: '', type: 'crm', users: [] },
    editable: [
      'name',
      'users',
      'userMappings',
      'assignMissedCallsTo',
      'contactOwners',
      'installerUserId',
      'defaultAssigneeId',
      'callExport',
    ],
    update: 'PUT',
  },
  {
    path: 'call-centers',
    title: 'Call centers',
    columns: [
      { label: 'Name', value: (c) => c.name ?? '' },
      { label: 'API name', value: (c) => c.apiName },
      { label: 'Org id', value: (c) => c.orgId },
    ],
    fields: [
      { path: 'name', label: 'Name', kind: 'text' },
      { path: 'apiName', label: 'API name (the tokens’ sub)', kind: 'text', required: true },
      { path: 'orgId', label: 'Org id (the tokens’ iss)', kind: 'text', required: true },
      { path: 'audience', label: 'Audience', kind: 'text' },
      {
        path: 'certificates',
        label: 'Certificates (PEM)',
        kind: 'json',
        hint: 'A list of PEM strings; several while a key is rotated.',
      },
      { path: 'proofs', label: 'Proofs', kind: 'json', hint: 'For each certificate added, a token its private key signs.' },
    ],
    template: { apiName: '', orgId: '', certificates: [] },
    editable: ['name', 'apiName', 'orgId', 'audience', 'certificates', 'proofs'],
    update: 'PUT',
    children: [{ label: 'Routing maps', spec: routingMaps }],
  },
  {
    path: 'webhooks',
    title: 'Webhooks',
    columns: [
      { label: 'URL', value: (w) => w.url },
      { label: 'Active', value: (w) => yes(w.active) },
    ],
    fields: [
      { path: 'url', label: 'URL', kind: 'text', required: true },
      { path: 'eventTypes', label: 'Event types', kind: 'lines', hint: 'One per line; none: every event.' },
      { path: 'active', label: 'Active', kind: 'checkbox' },
      { path: 'maxEventsPerRequest', label: 'Most events per request', kind: 'number' },
    ],
    template: { url: 'https://', eventTypes: [] },
    editable: ['url', 'eventTypes', 'active', 'maxEventsPerRequest'],
    update: 'PUT',
    shownOnce: (w) => (w.secret ? `Signing secret (shown once): ${w.secret}` : null),
  },
];
