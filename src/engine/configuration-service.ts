import {
  checkAgent,
  checkChannel,
  checkEntryPointAddress,
  checkException,
  checkFlow,
  checkIntegration,
  checkQueue,
  checkTenant,
  exportCredentialOf,
} from '../core/configuration.js';
import { validateDispatchMapping } from '../core/dispatch.js';
import { type ApiError, AppError, apiError, notFound, throwIfAny } from '../core/errors.js';
import { type FlowValidation, validateFlowDocument } from '../core/flow/flow-validation.js';
import { defaultCallAssignmentSettings, type Integration } from '../core/integrations.js';
import type {
  Agent,
  AgentToken,
  ApiKey,
  Channel,
  ChannelType,
  DispatchMapping,
  EntryPoint,
  EntryPointException,
  EntryPointSettings,
  Flow,
  FlowVersion,
  Page,
  PageRequest,
  Queue,
  Tenant,
  VisibleDispatchMapping,
} from '../core/model.js';
import type { ResourceTable, Store } from '../store/store.js';
import type { AccessControl } from './access-control.js';
import type { Clock } from './clock.js';
import type { IdGenerator } from './id-generator.js';

/** A request body after schema validation: known fields, JSON types checked. */
type Body = Record<string, unknown>;

export interface ConfigurationDeps {
  store: Store;
  clock: Clock;
  newId: IdGenerator;
  access: AccessControl;
  /** Told after agents and queues change, so the router's view follows. */
  changed: {
    agent(agent: Agent): void;
    agentRemoved(tenantId: string, agentId: string): void;
    queue(queue: Queue): void;
    queueRemoved(tenantId: string, queueId: string): void;
    /** Awaited: a call that ends after the answer is exported under the new settings. */
    integrations(tenantId: string): Promise<void>;
  };
}

/** How deep tenant inheritance may go; deeper chains are refused when a tenant is created. */
const maxTenantDepth = 8;

function has(body: Body, field: string): boolean {
  return Object.hasOwn(body, field);
}

function refuse(errors: ApiError[]): never {
  throw new AppError(errors);
}

/**
 * Administration of a tenant's configuration: every create and update is validated by the pure
 * rules in core, with the lookups they need, and stored in one store operation.
 */
export function createConfigurationService(deps: ConfigurationDeps) {
  const { store, clock, newId } = deps;

  async function queueExists(tenantId: string, id: unknown): Promise<boolean> {
    return typeof id === 'string' && id !== '' && (await store.queues.get(tenantId, id)) !== null;
  }

  async function requireFound<T>(value: Promise<T | null>, kind: string): Promise<T> {
    const found = await value;
    if (found === null) throw notFound(kind);
    return found;
  }

  /** Reading and deleting, the same for every configuration resource. */
  function lookups<T extends { id: string; tenantId: string }>(table: ResourceTable<T>, kind: string) {
    return {
      get: (tenant: Tenant, id: string) => requireFound(table.get(tenant.id, id), kind),
      list: (tenant: Tenant, page: PageRequest) => table.list(tenant.id, page),
      async remove(tenant: Tenant, id: string): Promise<void> {
        if (!(await table.remove(tenant.id, id))) throw notFound(kind);
      },
    };
  }

  /** The tenant and its ancestors, nearest first. */
  async function lineage(tenant: Tenant): Promise<Tenant[]> {
    const chain = [tenant];
    let current = tenant;
    while (current.parentTenantId && chain.length <= maxTenantDepth) {
      const parent = await store.getTenant(current.parentTenantId);
      if (!parent) break;
      chain.push(parent);
      current = parent;
    }
    return chain;
  }

  const tenants = {
    async create(body: Body): Promise<Tenant> {
      const checked = checkTenant(body);
      const errors = checked.ok ? [] : checked.errors;
      let parentTenantId: string | null = null;
      if (typeof body.parentTenantId === 'string') {
        const parent = await store.getTenant(body.parentTenantId);
        if (!parent) errors.push(apiError('PARENT_TENANT_NOT_FOUND', 'No tenant with this id.', 'parentTenantId'));
        else if ((await lineage(parent)).length >= maxTenantDepth) {
          errors.push(apiError('INVALID_VALUE', `Tenants nest at most ${maxTenantDepth} deep.`, 'parentTenantId'));
        } else parentTenantId = parent.id;
      }
      if (!checked.ok || errors.length > 0) refuse(errors);
      const tenant: Tenant = {
        id: newId(),
        ...checked.value,
        parentTenantId,
        allowPrivateNetworkRequests: body.allowPrivateNetworkRequests === true,
        createdAt: clock.now(),
      };
      await store.createTenant(tenant);
      return tenant;
    },
    list: (page: PageRequest) => store.listTenants(page),
    async update(tenant: Tenant, body: Body): Promise<Tenant> {
      const checked = checkTenant({ ...tenant, ...body });
      if (!checked.ok) refuse(checked.errors);
      const updated: Tenant = {
        ...tenant,
        ...checked.value,
        allowPrivateNetworkRequests:
          typeof body.allowPrivateNetworkRequests === 'boolean'
            ? body.allowPrivateNetworkRequests
            : tenant.allowPrivateNetworkRequests,
      };
      await store.updateTenant(updated);
      return updated;
    },
    lineage,
  };

  const apiKeys = {
    async create(tenant: Tenant, body: Body): Promise<{ key: ApiKey; secret: string }> {
      const name = typeof body.name === 'string' && body.name.trim() !== '' ? body.name.trim() : 'API key';
      return deps.access.issueApiKey(tenant.id, name, newId(), clock.now());
    },
    list: (tenant: Tenant, page: PageRequest) => store.listApiKeys(tenant.id, page),
    get: (tenant: Tenant, id: string) => requireFound(store.getApiKey(tenant.id, id), 'API key'),
    async revoke(tenant: Tenant, id: string): Promise<void> {
      if (!(await store.revokeApiKey(tenant.id, id, clock.now()))) throw notFound('API key');
    },
  };

  const queues = {
    ...lookups(store.queues, 'queue'),
    async remove(tenant: Tenant, id: string): Promise<void> {
      if (!(await store.queues.remove(tenant.id, id))) throw notFound('queue');
      deps.changed.queueRemoved(tenant.id, id);
    },
    async create(tenant: Tenant, body: Body): Promise<Queue> {
      const checked = checkQueue(body, has(body, 'slaMinutes'));
      if (!checked.ok) refuse(checked.errors);
      const now = clock.now();
      const queue: Queue = { id: newId(), tenantId: tenant.id, ...checked.value, createdAt: now, updatedAt: now };
      await store.queues.insert(queue);
      deps.changed.queue(queue);
      return queue;
    },
    async update(tenant: Tenant, id: string, body: Body): Promise<Queue> {
      const current = await queues.get(tenant, id);
      const checked = checkQueue({ ...current, ...body }, has(body, 'slaMinutes'), current.routing);
      if (!checked.ok) refuse(checked.errors);
      const queue: Queue = {
        ...current,
        ...checked.value,
        slaMinutes: has(body, 'slaMinutes') ? checked.value.slaMinutes : current.slaMinutes,
        updatedAt: clock.now(),
      };
      if (!(await store.queues.update(queue))) throw notFound('queue');
      deps.changed.queue(queue);
      return queue;
    },
  };

  function immutable(current: Record<string, unknown>, body: Body, fields: string[]): ApiError[] {
    return fields
      .filter((field) => has(body, field) && body[field] !== current[field])
      .map((field) => apiError('FIELD_IMMUTABLE', `${field} cannot change after creation.`, field));
  }

  const channels = {
    ...lookups(store.channels, 'channel'),
    async create(tenant: Tenant, body: Body): Promise<Channel> {
      const checked = checkChannel(body as Body & { type: ChannelType }, {
        defaultQueueExists: await queueExists(tenant.id, body.defaultQueueId),
      });
      if (!checked.ok) refuse(checked.errors);
      const now = clock.now();
      const channel: Channel = { id: newId(), tenantId: tenant.id, ...checked.value, createdAt: now, updatedAt: now };
      await store.channels.insert(channel);
      return channel;
    },
    async update(tenant: Tenant, id: string, body: Body): Promise<Channel> {
      const current = await channels.get(tenant, id);
      throwIfAny(immutable({ ...current }, body, ['type', 'medium']));
      const merged = { ...current, ...body, type: current.type, medium: current.medium };
      const checked = checkChannel(merged, { defaultQueueExists: await queueExists(tenant.id, merged.defaultQueueId) });
      if (!checked.ok) refuse(checked.errors);
      const channel: Channel = { ...current, ...checked.value, updatedAt: clock.now() };
      if (!(await store.channels.update(channel))) throw notFound('channel');
      return channel;
    },
  };

  /** A voice entry point's flow and fallback queue (what the telephony API's omniFlow runs first). */
  async function phoneChannelRouting(
    tenant: Tenant,
    channel: Channel,
    body: Body,
    current: { flowId: string | null; fallbackQueueId: string | null },
  ): Promise<{ flowId: string | null; fallbackQueueId: string | null }> {
    const flowId = has(body, 'flowId') ? ((body.flowId as string | null) ?? null) : current.flowId;
    const fallbackQueueId = has(body, 'fallbackQueueId')
      ? ((body.fallbackQueueId as string | null) ?? null)
      : current.fallbackQueueId;
    const errors: ApiError[] = [];
    if ((flowId !== null || fallbackQueueId !== null) && channel.type !== 'voice') {
      const field = flowId !== null ? 'flowId' : 'fallbackQueueId';
      errors.push(apiError('ENTRY_POINT_NOT_VOICE', 'Only voice entry points have a flow and a fallback queue.', field));
    }
    if (flowId !== null && !(await store.flows.get(tenant.id, flowId))) {
      errors.push(apiError('FLOW_NOT_FOUND', 'No flow with this id in the tenant.', 'flowId'));
    }
    if (fallbackQueueId !== null && !(await queueExists(tenant.id, fallbackQueueId))) {
      errors.push(apiError('QUEUE_NOT_FOUND', 'No queue with this id in the tenant.', 'fallbackQueueId'));
    }
    if (errors.length > 0) refuse(sortByStatus(errors));
    return { flowId, fallbackQueueId };
  }

  const entryPoints = {
    ...lookups(store.entryPoints, 'entry point'),
    async create(tenant: Tenant, body: Body): Promise<EntryPoint> {
      const channelId = typeof body.channelId === 'string' ? body.channelId : '';
      const channel = channelId ? await store.channels.get(tenant.id, channelId) : null;
      const errors: ApiError[] = [];
      if (channelId === '') errors.push(apiError('REQUIRED', 'channelId is required.', 'channelId'));
      else if (!channel) errors.push(apiError('CHANNEL_NOT_FOUND', 'No channel with this id in the tenant.', 'channelId'));
      const address = channel ? checkEntryPointAddress(body.address, channel, tenant.defaultCountry) : null;
      if (address && !address.ok) errors.push(...address.errors);
      if (!channel || !address?.ok || errors.length > 0) refuse(errors);
      const routing = await phoneChannelRouting(tenant, channel, body, { flowId: null, fallbackQueueId: null });
      const now = clock.now();
      const entryPoint: EntryPoint = {
        id: newId(),
        tenantId: tenant.id,
        channelId: channel.id,
        channelType: channel.type,
        name: typeof body.name === 'string' && body.name.trim() !== '' ? body.name.trim() : null,
        address: address.value,
        ...routing,
        createdAt: now,
        updatedAt: now,
      };
      await store.entryPoints.insert(entryPoint);
      return entryPoint;
    },
    async update(tenant: Tenant, id: string, body: Body): Promise<EntryPoint> {
      const current = await entryPoints.get(tenant, id);
      throwIfAny(immutable({ ...current }, body, ['channelId']));
      const channel = await requireFound(store.channels.get(tenant.id, current.channelId), 'channel');
      let address = current.address;
      if (has(body, 'address')) {
        const checked = checkEntryPointAddress(body.address, channel, tenant.defaultCountry);
        if (!checked.ok) refuse(checked.errors);
        address = checked.value;
      }
      const name = has(body, 'name')
        ? typeof body.name === 'string' && body.name.trim() !== ''
          ? body.name.trim()
          : null
        : current.name;
      const routing = await phoneChannelRouting(tenant, channel, body, {
        flowId: current.flowId ?? null,
        fallbackQueueId: current.fallbackQueueId ?? null,
      });
      const entryPoint: EntryPoint = { ...current, name, address, ...routing, updatedAt: clock.now() };
      if (!(await store.entryPoints.update(entryPoint))) throw notFound('entry point');
      return entryPoint;
    },
  };

  /** The entry point for an exception of this channel, or the reason it cannot have one. */
  async function exceptionEntryPoint(
    tenant: Tenant,
    channel: Channel,
    entryPointId: unknown,
    field: string,
  ): Promise<ApiError | null> {
    if (typeof entryPointId !== 'string' || entryPointId === '') return apiError('REQUIRED', 'entryPointId is required.', field);
    const entryPoint = await store.entryPoints.get(tenant.id, entryPointId);
    if (!entryPoint) return apiError('ENTRY_POINT_NOT_FOUND', 'No entry point with this id in the tenant.', field);
    if (entryPoint.channelId !== channel.id) {
      return apiError(
        'ENTRY_POINT_WRONG_CHANNEL',
        `The entry point belongs to another channel (${entryPoint.channelType}).`,
        field,
      );
    }
    return null;
  }

  const entryPointSettings = {
    async get(tenant: Tenant, channelId: string): Promise<EntryPointSettings> {
      const channel = await channels.get(tenant, channelId);
      const [exceptions, points] = await Promise.all([
        store.listExceptions(tenant.id, channel.id),
        store.listEntryPointsOfChannel(tenant.id, channel.id),
      ]);
      return {
        channelId: channel.id,
        defaultQueueId: channel.defaultQueueId,
        defaultEntryPointSlaMinutes: channel.defaultEntryPointSlaMinutes,
        exceptions,
        entryPointCount: points.length,
        availableEntryPoints: points.length - exceptions.length,
      };
    },
    /** Replaces the defaults and, when `exceptions` is given, the whole list of exceptions at once. */
    async replace(tenant: Tenant, channelId: string, body: Body): Promise<EntryPointSettings> {
      const current = await channels.get(tenant, channelId);
      const merged = { ...current, ...body };
      const checked = checkChannel(merged, { defaultQueueExists: await queueExists(tenant.id, merged.defaultQueueId) });
      const errors = checked.ok ? [] : [...checked.errors];
      const now = clock.now();
      let exceptions: EntryPointException[] | null = null;
      if (Array.isArray(body.exceptions)) {
        exceptions = [];
        const seen = new Set<string>();
        for (const [index, item] of (body.exceptions as Body[]).entries()) {
          const prefix = `exceptions/${index}/`;
          const entryPointProblem = await exceptionEntryPoint(tenant, current, item.entryPointId, `${prefix}entryPointId`);
          if (entryPointProblem) errors.push(entryPointProblem);
          const fields = checkException(item, { queueExists: await queueExists(tenant.id, item.queueId) }, prefix);
          if (!fields.ok) errors.push(...fields.errors);
          if (entryPointProblem || !fields.ok) continue;
          const entryPointId = String(item.entryPointId);
          if (seen.has(entryPointId)) {
            errors.push(apiError('EXCEPTION_EXISTS', 'The entry point is listed twice.', `${prefix}entryPointId`));
            continue;
          }
          seen.add(entryPointId);
          const previous = await store.getException(tenant.id, entryPointId);
          exceptions.push({
            tenantId: tenant.id,
            channelId: current.id,
            entryPointId,
            ...fields.value,
            createdAt: previous?.createdAt ?? now,
            updatedAt: now,
          });
        }
      }
      if (!checked.ok || errors.length > 0) refuse(sortByStatus(errors));
      const channel: Channel = { ...current, ...checked.value, updatedAt: now };
      await store.replaceEntryPointSettings(channel, exceptions ?? (await store.listExceptions(tenant.id, current.id)));
      return entryPointSettings.get(tenant, channelId);
    },
    async createException(tenant: Tenant, channelId: string, body: Body): Promise<EntryPointException> {
      const channel = await channels.get(tenant, channelId);
      const errors: ApiError[] = [];
      const entryPointProblem = await exceptionEntryPoint(tenant, channel, body.entryPointId, 'entryPointId');
      if (entryPointProblem) errors.push(entryPointProblem);
      const fields = checkException(body, { queueExists: await queueExists(tenant.id, body.queueId) });
      if (!fields.ok) errors.push(...fields.errors);
      if (!fields.ok || errors.length > 0) refuse(errors);
      const now = clock.now();
      const exception: EntryPointException = {
        tenantId: tenant.id,
        channelId: channel.id,
        entryPointId: String(body.entryPointId),
        ...fields.value,
        createdAt: now,
        updatedAt: now,
      };
      await store.insertException(exception);
      return exception;
    },
    async getException(tenant: Tenant, channelId: string, entryPointId: string): Promise<EntryPointException> {
      const exception = await store.getException(tenant.id, entryPointId);
      if (!exception || exception.channelId !== channelId) throw notFound('exception');
      return exception;
    },
    async updateException(tenant: Tenant, channelId: string, entryPointId: string, body: Body): Promise<EntryPointException> {
      const current = await entryPointSettings.getException(tenant, channelId, entryPointId);
      const merged = { ...current, ...body };
      const fields = checkException(merged, { queueExists: await queueExists(tenant.id, merged.queueId) });
      if (!fields.ok) refuse(fields.errors);
      const exception: EntryPointException = { ...current, ...fields.value, updatedAt: clock.now() };
      if (!(await store.updateException(exception))) throw notFound('exception');
      return exception;
    },
    async deleteException(tenant: Tenant, channelId: string, entryPointId: string): Promise<void> {
      await entryPointSettings.getException(tenant, channelId, entryPointId);
      if (!(await store.deleteException(tenant.id, entryPointId))) throw notFound('exception');
    },
  };

  /** Integrations stored before they had users read with the defaults. */
  const withAssignmentDefaults = (integration: Integration): Integration => ({
    ...defaultCallAssignmentSettings,
    ...integration,
  });

  /**
   * The merged fields checked, with the agents the user mappings name looked up (by id, email or employee
   * id) and the export credential given, if any (stored apart, never returned).
   */
  async function checkedIntegration(tenant: Tenant, merged: Body, current: Integration | null) {
    const agents = new Map<string, string | null>();
    const mappings = Array.isArray(merged.userMappings) ? (merged.userMappings as Body[]) : [];
    for (const mapping of mappings) {
      const reference = typeof mapping.agentId === 'string' ? mapping.agentId.trim() : '';
      if (reference !== '' && !agents.has(reference)) {
        agents.set(reference, (await store.findAgent(tenant.id, reference))?.id ?? null);
      }
    }
    const checked = checkIntegration(merged, {
      agentId: (reference) => agents.get(reference) ?? null,
      credentialStoredFor: current?.callExport?.format ?? null,
    });
    if (!checked.ok) refuse(checked.errors);
    return checked.value;
  }

  async function saveExportCredential(integration: Integration, credential: string | null): Promise<void> {
    if (credential === null || !integration.callExport) return;
    const name = exportCredentialOf[integration.callExport.format];
    await store.setIntegrationSecrets(integration.tenantId, integration.id, { [name]: credential });
  }

  const integrations = {
    async get(tenant: Tenant, id: string): Promise<Integration> {
      return withAssignmentDefaults(await requireFound(store.integrations.get(tenant.id, id), 'integration'));
    },
    async list(tenant: Tenant, page: PageRequest): Promise<Page<Integration>> {
      const batch = await store.integrations.list(tenant.id, page);
      return { ...batch, items: batch.items.map(withAssignmentDefaults) };
    },
    async remove(tenant: Tenant, id: string): Promise<void> {
      if (!(await store.integrations.remove(tenant.id, id))) throw notFound('integration');
      await deps.changed.integrations(tenant.id);
    },
    async create(tenant: Tenant, body: Body): Promise<Integration> {
      const { fields, exportCredential } = await checkedIntegration(tenant, body, null);
      const now = clock.now();
      const integration: Integration = { id: newId(), tenantId: tenant.id, ...fields, createdAt: now, updatedAt: now };
      await store.integrations.insert(integration);
      await saveExportCredential(integration, exportCredential);
      await deps.changed.integrations(tenant.id);
      return integration;
    },
    /** Fields not sent keep their value; a list sent (users, userMappings) replaces the list. */
    async update(tenant: Tenant, id: string, body: Body): Promise<Integration> {
      const current = await integrations.get(tenant, id);
      // The type may be what source mappings name, so it stays as created.
      throwIfAny(immutable({ ...current }, body, ['type']));
      const { fields, exportCredential } = await checkedIntegration(tenant, { ...current, ...body }, current);
      const integration: Integration = { ...current, ...fields, updatedAt: clock.now() };
      if (!(await store.integrations.update(integration))) throw notFound('integration');
      await saveExportCredential(integration, exportCredential);
      await deps.changed.integrations(tenant.id);
      return integration;
    },
  };

  /** Every object of a table for the tenant (validation looks references up in memory). */
  async function allOf<T extends { id: string; tenantId: string }>(table: ResourceTable<T>, tenantId: string): Promise<T[]> {
    const items: T[] = [];
    for (let page: PageRequest = { limit: 200, after: null }; ; ) {
      const batch = await table.list(tenantId, page);
      items.push(...batch.items);
      if (!batch.nextCursor) return items;
      page = { limit: 200, after: batch.nextCursor };
    }
  }

  /** Validates a flow document against the language and the tenant's queues, agents and flows. */
  async function validateDefinition(tenant: Tenant, definition: unknown, pointerPrefix: string): Promise<FlowValidation> {
    const [queues, agents, allFlows] = await Promise.all([
      allOf(store.queues, tenant.id),
      allOf(store.agents, tenant.id),
      allOf(store.flows, tenant.id),
    ]);
    const queueRefs = new Set(queues.flatMap((q) => [q.id, q.devName]));
    const agentRefs = new Set(agents.flatMap((a) => [a.id, a.email, ...(a.employeeId ? [a.employeeId] : [])]));
    const flowsByDevName = new Map(allFlows.map((f) => [f.devName, f]));
    const result = validateFlowDocument(definition, {
      queueExists: (ref) => queueRefs.has(ref),
      agentExists: (ref) => agentRefs.has(ref) || agentRefs.has(ref.trim().toLowerCase()),
      subflowProblem: (devName) => {
        const flow = flowsByDevName.get(devName);
        if (!flow) return `No flow has the devName "${devName}".`;
        if (!flow.reusable) return `Flow "${devName}" is not reusable; only reusable flows can be subflows.`;
        if (!flow.activeVersionId) return `Flow "${devName}" has no active version.`;
        return null;
      },
    });
    const prefix = (problems: ApiError[]) =>
      problems.map((p) => ({ ...p, field: `${pointerPrefix}${p.field ? `/${p.field}` : ''}` }));
    return { ...result, errors: prefix(result.errors), warnings: prefix(result.warnings) };
  }

  const flows = {
    ...lookups(store.flows, 'flow'),
    /** Creates a flow; with a definition, that becomes version 1 and is active at once. */
    async create(tenant: Tenant, body: Body): Promise<{ flow: Flow; warnings: ApiError[] }> {
      const checked = checkFlow(body, { fallbackQueueExists: await queueExists(tenant.id, body.fallbackQueueId) });
      const errors = checked.ok ? [] : [...checked.errors];
      let warnings: ApiError[] = [];
      if (has(body, 'definition')) {
        // Validated before anything is stored: an invalid flow never reaches storage.
        const validation = await validateDefinition(tenant, body.definition, 'definition');
        errors.push(...validation.errors);
        warnings = validation.warnings;
      }
      if (!checked.ok || errors.length > 0) refuse(errors);
      const now = clock.now();
      const flow: Flow = {
        id: newId(),
        tenantId: tenant.id,
        ...checked.value,
        activeVersionId: null,
        createdAt: now,
        updatedAt: now,
      };
      await store.flows.insert(flow);
      if (!has(body, 'definition')) return { flow, warnings };
      const { version } = await flows.createVersion(tenant, flow.id, { definition: body.definition, activate: true });
      return { flow: { ...flow, activeVersionId: version.id, updatedAt: version.createdAt }, warnings };
    },
    async update(tenant: Tenant, id: string, body: Body): Promise<Flow> {
      const current = await flows.get(tenant, id);
      const merged = { ...current, ...body };
      const checked = checkFlow(merged, { fallbackQueueExists: await queueExists(tenant.id, merged.fallbackQueueId) });
      const errors = checked.ok ? [] : [...checked.errors];
      let activeVersionId = current.activeVersionId;
      if (has(body, 'activeVersionId')) {
        const wanted = body.activeVersionId;
        if (typeof wanted !== 'string' || !(await store.flowVersionIds(tenant.id, id)).has(wanted)) {
          errors.push(apiError('FLOW_VERSION_NOT_FOUND', 'activeVersionId must be a version of this flow.', 'activeVersionId'));
        } else activeVersionId = wanted;
      }
      if (!checked.ok || errors.length > 0) refuse(errors);
      if (checked.value.reusable && !current.reusable) {
        const targeted = await store.isFlowDispatched(tenant.id, id);
        if (targeted)
          throw new AppError(
            apiError('FLOW_IN_USE', 'Active dispatch mappings point at this flow; it cannot become reusable.', 'reusable'),
          );
      }
      const flow: Flow = { ...current, ...checked.value, activeVersionId, updatedAt: clock.now() };
      if (!(await store.flows.update(flow))) throw notFound('flow');
      return flow;
    },
    /** Publishes an immutable version after full validation; `activate` makes it the active one too. */
    async createVersion(tenant: Tenant, flowId: string, body: Body): Promise<{ version: FlowVersion; warnings: ApiError[] }> {
      const flow = await flows.get(tenant, flowId);
      const validation = await validateDefinition(tenant, body.definition, 'definition');
      if (validation.errors.length > 0) refuse(validation.errors);
      const now = clock.now();
      const version: FlowVersion = {
        id: newId(),
        tenantId: tenant.id,
        flowId,
        number: await store.nextFlowVersionNumber(tenant.id, flowId),
        label: typeof body.label === 'string' && body.label.trim() !== '' ? body.label.trim() : null,
        definition: body.definition as Record<string, unknown>,
        createdAt: now,
      };
      const activate = body.activate === true ? { flow: { ...flow, activeVersionId: version.id, updatedAt: now } } : null;
      await store.insertFlowVersion(version, activate);
      return { version, warnings: validation.warnings };
    },
    /** Checks a definition without storing anything. */
    async validate(tenant: Tenant, body: Body) {
      const validation = await validateDefinition(tenant, body.definition, 'definition');
      return { valid: validation.errors.length === 0, errors: validation.errors, warnings: validation.warnings };
    },
    listVersions: async (tenant: Tenant, flowId: string, page: PageRequest) => {
      await flows.get(tenant, flowId);
      return store.listFlowVersions(tenant.id, flowId, page);
    },
    getVersion: (tenant: Tenant, flowId: string, versionId: string) =>
      requireFound(store.getFlowVersion(tenant.id, flowId, versionId), 'flow version'),
  };

  async function queueIdsOf(tenantId: string): Promise<Set<string>> {
    return new Set((await allOf(store.queues, tenantId)).map((q) => q.id));
  }

  const agents = {
    ...lookups(store.agents, 'agent'),
    async remove(tenant: Tenant, id: string): Promise<void> {
      if (!(await store.agents.remove(tenant.id, id))) throw notFound('agent');
      deps.changed.agentRemoved(tenant.id, id);
    },
    async create(tenant: Tenant, body: Body): Promise<Agent> {
      const queueIds = await queueIdsOf(tenant.id);
      const checked = checkAgent(body, { queueExists: (id) => queueIds.has(id), defaultCountry: tenant.defaultCountry });
      if (!checked.ok) refuse(checked.errors);
      const now = clock.now();
      const agent: Agent = {
        id: newId(),
        tenantId: tenant.id,
        ...checked.value,
        presence: { status: 'offline', reason: null, since: now },
        createdAt: now,
        updatedAt: now,
      };
      await insertAgent(agent, null);
      return agent;
    },
    async update(tenant: Tenant, id: string, body: Body): Promise<Agent> {
      const current = await agents.get(tenant, id);
      const queueIds = await queueIdsOf(tenant.id);
      const merged = { ...current, ...body, capacity: { ...current.capacity, ...((body.capacity ?? {}) as object) } };
      const checked = checkAgent(merged, {
        queueExists: (queueId) => queueIds.has(queueId),
        defaultCountry: tenant.defaultCountry,
      });
      if (!checked.ok) refuse(checked.errors);
      const agent: Agent = { ...current, ...checked.value, updatedAt: clock.now() };
      await insertAgent(agent, current);
      return agent;
    },
    async issueToken(tenant: Tenant, id: string): Promise<{ token: AgentToken; secret: string }> {
      await agents.get(tenant, id);
      return deps.access.issueAgentToken(tenant.id, id, newId(), clock.now());
    },
    async listTokens(tenant: Tenant, id: string): Promise<AgentToken[]> {
      await agents.get(tenant, id);
      return store.listAgentTokens(tenant.id, id);
    },
    async revokeToken(tenant: Tenant, id: string, tokenId: string): Promise<void> {
      if (!(await store.revokeAgentToken(tenant.id, id, tokenId, clock.now()))) throw notFound('agent token');
    },
  };

  /** Stores an agent, telling which of its two unique keys (email, employee id) is taken. */
  async function insertAgent(agent: Agent, current: Agent | null): Promise<void> {
    if (agent.employeeId) {
      const holder = await store.findAgent(agent.tenantId, agent.employeeId);
      if (holder && holder.id !== agent.id && holder.employeeId === agent.employeeId) {
        throw new AppError(apiError('DUPLICATE_EMPLOYEE_ID', 'Another agent of the tenant has this employee id.', 'employeeId'));
      }
    }
    if (current) {
      if (!(await store.agents.update(agent))) throw notFound('agent');
    } else await store.agents.insert(agent);
    deps.changed.agent(agent);
  }

  async function visibleMapping(tenant: Tenant, id: string): Promise<VisibleDispatchMapping> {
    for (const owner of await lineage(tenant)) {
      const mapping = await store.dispatchMappings.get(owner.id, id);
      if (mapping) return { ...mapping, inherited: owner.id !== tenant.id };
    }
    throw notFound('dispatch mapping');
  }

  async function checkMapping(tenant: Tenant, input: Body) {
    const flowId = typeof input.flowId === 'string' ? input.flowId : '';
    const flow = flowId ? await store.flows.get(tenant.id, flowId) : null;
    const integrationKeys = new Set<string>();
    if (input.interactionField === 'source') {
      for (let page: PageRequest = { limit: 200, after: null }; ; ) {
        const batch = await store.integrations.list(tenant.id, page);
        for (const integration of batch.items) integrationKeys.add(integration.id).add(integration.type);
        if (!batch.nextCursor) break;
        page = { limit: 200, after: batch.nextCursor };
      }
    }
    const checked = validateDispatchMapping(input, {
      defaultCountry: tenant.defaultCountry,
      flow: flow ? { reusable: flow.reusable, versionIds: await store.flowVersionIds(tenant.id, flow.id) } : null,
      integrationKeys,
    });
    if (!checked.ok) refuse(checked.errors);
    return checked.mapping;
  }

  const dispatchMappings = {
    async create(tenant: Tenant, body: Body): Promise<VisibleDispatchMapping> {
      const fields = await checkMapping(tenant, body);
      const now = clock.now();
      const mapping: DispatchMapping = { id: newId(), tenantId: tenant.id, ...fields, createdAt: now, updatedAt: now };
      await store.dispatchMappings.insert(mapping);
      return { ...mapping, inherited: false };
    },
    get: visibleMapping,
    async list(tenant: Tenant, page: PageRequest): Promise<Page<VisibleDispatchMapping>> {
      const owners = await lineage(tenant);
      const result = await store.listDispatchMappingsOf(
        owners.map((owner) => owner.id),
        page,
      );
      return { ...result, items: result.items.map((m) => ({ ...m, inherited: m.tenantId !== tenant.id })) };
    },
    async update(tenant: Tenant, id: string, body: Body): Promise<VisibleDispatchMapping> {
      const current = await visibleMapping(tenant, id);
      if (current.inherited) {
        throw new AppError(apiError('INHERITED_READ_ONLY', 'This dispatch mapping is inherited and cannot be edited.'));
      }
      const { inherited: _inherited, ...own } = current;
      const fields = await checkMapping(tenant, { ...own, ...body });
      const mapping: DispatchMapping = { ...own, ...fields, updatedAt: clock.now() };
      if (!(await store.dispatchMappings.update(mapping))) throw notFound('dispatch mapping');
      return { ...mapping, inherited: false };
    },
    async remove(tenant: Tenant, id: string): Promise<void> {
      const current = await visibleMapping(tenant, id);
      if (current.inherited) {
        throw new AppError(apiError('INHERITED_READ_ONLY', 'This dispatch mapping is inherited and cannot be deleted.'));
      }
      if (!(await store.dispatchMappings.remove(tenant.id, id))) throw notFound('dispatch mapping');
    },
    /** Sets `active` on many mappings; each id succeeds or fails on its own (CONTRACT 0(c) 17). */
    async setActive(tenant: Tenant, ids: string[], active: boolean) {
      const results: { id: string; status: number; result?: VisibleDispatchMapping; errors?: ApiError[] }[] = [];
      for (const id of ids) {
        try {
          results.push({ id, status: 200, result: await dispatchMappings.update(tenant, id, { active }) });
        } catch (error) {
          if (!(error instanceof AppError)) throw error;
          results.push({ id, status: error.status, errors: error.errors });
        }
      }
      return results;
    },
  };

  return { tenants, apiKeys, queues, channels, entryPoints, entryPointSettings, integrations, flows, agents, dispatchMappings };
}

/** Puts 400-class problems before conflicts, so the response status matches the first error. */
function sortByStatus(errors: ApiError[]): ApiError[] {
  const rank = (error: ApiError) => (error.code === 'EXCEPTION_EXISTS' ? 1 : 0);
  return [...errors].sort((a, b) => rank(a) - rank(b));
}

export type ConfigurationService = ReturnType<typeof createConfigurationService>;
