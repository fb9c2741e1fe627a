// biome-ignore lint/suspicious/noExplicitAny: configuration objects are JSON.
export type Item = Record<string, any>;

/** A configuration resource the console edits: its API path, columns, a starting point and what may change. */
export interface ResourceSpec {
  path: string;
  title: string;
  columns: { label: string; value: (item: Item) => string }[];
  /** A new one, as a template to fill in. */
  template: Item;
  /** The fields an edit sends (the API's update body). */
  editable: (item: Item) => Item;
  update: 'PUT' | 'PATCH';
}

const pick = (item: Item, keys: string[]) => Object.fromEntries(keys.filter((k) => k in item).map((k) => [k, item[k]]));
const yes = (value: unknown) => (value ? 'yes' : 'no');

export const resources: ResourceSpec[] = [
  {
    path: 'queues',
    title: 'Queues',
    columns: [
      { label: 'Name', value: (q) => q.name },
      { label: 'SLA (min)', value: (q) => String(q.slaMinutes) },
      { label: 'Selection', value: (q) => q.routing?.selection ?? '' },
    ],
    template: {
      name: '',
      slaMinutes: 30,
      routing: { selection: 'longest-idle', offerTimeoutSeconds: 30, wrapUpSeconds: 30, escalation: [] },
    },
    editable: (q) => pick(q, ['name', 'devName', 'slaMinutes', 'routing']),
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
    template: { name: '', type: 'voice', defaultQueueId: '' },
    editable: (c) => pick(c, ['name', 'defaultQueueId', 'defaultEntryPointSlaMinutes', 'inactivityMinutes']),
    update: 'PUT',
  },
  {
    path: 'entry-points',
    title: 'Entry points',
    columns: [
      { label: 'Address', value: (e) => e.address },
      { label: 'Channel', value: (e) => e.channelId },
    ],
    template: { channelId: '', address: '' },
    editable: (e) => pick(e, ['address', 'fallbackQueueId', 'flowId']),
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
    template: { name: '', channelType: 'any', interactionField: 'direction', value: 'inbound', flowId: '' },
    editable: (m) => pick(m, ['name', 'value', 'flowId', 'version', 'active']),
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
    template: { name: '', email: '', queueIds: [], attributes: { skills: {} }, capacity: { voice: 1, messaging: 3 } },
    editable: (a) =>
      pick(a, ['name', 'email', 'employeeId', 'attributes', 'capacity', 'voiceBlocksOtherWork', 'queueIds', 'voiceEndpoint']),
    update: 'PUT',
  },
  {
    path: 'users',
    title: 'Users',
    columns: [
      { label: 'Email', value: (u) => u.email },
      { label: 'Role', value: (u) => u.role },
      { label: 'Password set', value: (u) => yes(u.passwordSet) },
    ],
    template: { email: '', role: 'agent', agentId: '' },
    editable: (u) => pick(u, ['email', 'name', 'role', 'agentId']),
    update: 'PATCH',
  },
  {
    path: 'contacts',
    title: 'Contacts',
    columns: [
      { label: 'Name', value: (c) => [c.firstName, c.lastName].filter(Boolean).join(' ') },
      { label: 'Numbers', value: (c) => (c.phoneNumbers ?? []).join(', ') },
    ],
    template: { firstName: '', lastName: '', phoneNumbers: [], emailAddresses: [] },
    editable: (c) =>
      pick(c, [
        'title',
        'firstName',
        'lastName',
        'phoneNumbers',
        'emailAddresses',
        'favoriteAgentId',
        'ownerIntegrationUserId',
        'attributes',
      ]),
    update: 'PUT',
  },
  {
    path: 'integrations',
    title: 'Integrations',
    columns: [
      { label: 'Name', value: (i) => i.name },
      { label: 'Type', value: (i) => i.type },
    ],
    template: { name: '', type: 'crm', users: [] },
    editable: (i) =>
      pick(i, [
        'name',
        'users',
        'userMappings',
        'assignMissedCallsTo',
        'contactOwners',
        'installerUserId',
        'defaultAssigneeId',
        'callExport',
      ]),
    update: 'PUT',
  },
  {
    path: 'webhooks',
    title: 'Webhooks',
    columns: [
      { label: 'URL', value: (w) => w.url },
      { label: 'Active', value: (w) => yes(w.active) },
    ],
    template: { url: 'https://', eventTypes: [] },
    editable: (w) => pick(w, ['url', 'eventTypes', 'active', 'maxEventsPerRequest']),
    update: 'PUT',
  },
];
