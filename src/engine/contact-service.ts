import { normalizeEmail, normalizePhoneNumber } from '../core/address.js';
import { checkContact } from '../core/configuration.js';
import { type ApiError, AppError, apiError, notFound } from '../core/errors.js';
import type { Contact, Interaction, Page, PageRequest, Tenant } from '../core/model.js';
import type { Store } from '../store/store.js';
import type { Clock } from './clock.js';
import type { IdGenerator } from './id-generator.js';

type Body = Record<string, unknown>;

/**
 * Contacts: the customers behind interactions. A flow reads the contact whose phone number or email
 * address is the interaction's customer (`contact` in expressions), e.g. to prefer its favourite
 * agent. Each number and address belongs to one contact of the tenant, so that match is unambiguous.
 */
export function createContactService(deps: { store: Store; clock: Clock; newId: IdGenerator }) {
  const { store, clock, newId } = deps;

  async function get(tenant: Tenant, id: string): Promise<Contact> {
    const contact = await store.contacts.get(tenant.id, id);
    if (!contact) throw notFound('contact');
    return contact;
  }

  /** Validates the merged fields, resolving the favourite agent and naming each address another contact holds. */
  async function checked(tenant: Tenant, body: Body, id: string | null) {
    const favorite = typeof body.favoriteAgentId === 'string' ? body.favoriteAgentId.trim() : '';
    const agent = favorite === '' ? null : await store.findAgent(tenant.id, favorite);
    const result = checkContact(body, { defaultCountry: tenant.defaultCountry, agentId: () => agent?.id ?? null });
    if (!result.ok) throw new AppError(result.errors);
    const { fields, positions } = result.value;
    const taken: ApiError[] = [];
    for (const field of ['phoneNumbers', 'emailAddresses'] as const) {
      for (const [index, address] of fields[field].entries()) {
        const holder = await store.findContactByAddress(tenant.id, address);
        if (holder && holder.id !== id) {
          const at = `${field}/${positions[field][index]}`;
          taken.push(apiError('DUPLICATE_CONTACT_ADDRESS', `Contact ${holder.id} already has ${address}.`, at));
        }
      }
    }
    if (taken.length > 0) throw new AppError(taken);
    return fields;
  }

  return {
    get,
    list: (tenant: Tenant, page: PageRequest): Promise<Page<Contact>> => store.contacts.list(tenant.id, page),
    async create(tenant: Tenant, body: Body): Promise<Contact> {
      const fields = await checked(tenant, body, null);
      const now = clock.now();
      const contact: Contact = { id: newId(), tenantId: tenant.id, ...fields, createdAt: now, updatedAt: now };
      await store.contacts.insert(contact);
      return contact;
    },
    /** Fields not sent keep their value; a list sent replaces the list. */
    async update(tenant: Tenant, id: string, body: Body): Promise<Contact> {
      const current = await get(tenant, id);
      const merged = { ...current, ...body };
      const fields = await checked(tenant, merged, id);
      const contact: Contact = { ...current, ...fields, updatedAt: clock.now() };
      if (!(await store.contacts.update(contact))) throw notFound('contact');
      return contact;
    },
    async remove(tenant: Tenant, id: string): Promise<void> {
      if (!(await store.contacts.remove(tenant.id, id))) throw notFound('contact');
    },
    /** The contact holding a phone number (read like the contact's own) or an email address. */
    async lookup(tenant: Tenant, address: string): Promise<Contact> {
      const normalized = address.includes('@') ? normalizeEmail(address) : normalizePhoneNumber(address, tenant.defaultCountry);
      if (normalized === null) {
        throw new AppError(apiError('INVALID_VALUE', 'address must be a phone number or an email address.', 'address'));
      }
      const contact = await store.findContactByAddress(tenant.id, normalized);
      if (!contact) throw notFound('contact');
      return contact;
    },
    /**
     * Who the customer of an interaction is, for the person handling it: their contact record (the one
     * the interaction was linked to, else the one holding the customer's address) and their latest
     * interactions before this one, newest first, in brief.
     */
    async customerRecord(tenant: Tenant, interaction: Interaction): Promise<CustomerRecord> {
      const customer = interaction.customer;
      if (!customer) return { customer: null, contact: null, history: [] };
      const linked = interaction.contactId ? await store.contacts.get(tenant.id, interaction.contactId) : null;
      const contact = linked ?? (await store.findContactByAddress(tenant.id, customer));
      const latest = await store.latestInteractionsOf(tenant.id, customer, historyLength + 1);
      const history = latest
        .filter((other) => other.id !== interaction.id)
        .slice(0, historyLength)
        .map(
          (other): PastInteraction => ({
            id: other.id,
            channelType: other.channelType,
            medium: other.medium,
            direction: other.direction,
            state: other.state,
            queueId: other.queueId,
            agentId: other.agentId,
            createdAt: other.createdAt,
            disposition: other.wrapUp?.disposition ?? null,
            notes: other.wrapUp?.notes ?? null,
            voicemail: other.voicemail ? { recordingUrl: other.voicemail.recordingUrl } : null,
          }),
        );
      return { customer, contact, history };
    },
  };
}

/** How many past interactions a customer record shows. */
const historyLength = 20;

/** An earlier interaction of the same customer, as the agent desktop lists it. */
export interface PastInteraction {
  id: string;
  channelType: Interaction['channelType'];
  medium: Interaction['medium'];
  direction: Interaction['direction'];
  state: Interaction['state'];
  queueId: string | null;
  agentId: string | null;
  createdAt: string;
  disposition: string | null;
  notes: string | null;
  voicemail: { recordingUrl: string } | null;
}

export interface CustomerRecord {
  customer: string | null;
  contact: Contact | null;
  history: PastInteraction[];
}

export type ContactService = ReturnType<typeof createContactService>;
