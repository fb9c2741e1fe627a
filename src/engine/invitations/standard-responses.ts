import { type ApiError, AppError, apiError, notFound } from '../../core/errors.js';
import { compileTemplate } from '../../core/field-codes/field-code-evaluator.js';
import { FieldCodeError } from '../../core/field-codes/field-code-parser.js';
import {
  type MessageAttachment,
  type Page,
  type PageRequest,
  type StandardResponse,
  type StandardResponseType,
  standardResponseTypes,
  type Tenant,
} from '../../core/model.js';
import type { Store } from '../../store/store.js';
import type { Clock } from '../clock.js';
import type { IdGenerator } from '../id-generator.js';

type Body = Record<string, unknown>;

/** Messenger offers at most 13 quick replies, each titled in at most 20 characters once rendered. */
const maxQuickReplies = 13;

/** A template's field codes, read now: a mistake is refused with its field and position. */
function checkTemplate(text: string, field: string, errors: ApiError[]): void {
  try {
    compileTemplate(text);
  } catch (error) {
    if (!(error instanceof FieldCodeError)) throw error;
    errors.push(apiError('FIELD_CODE_INVALID', `${field}: ${error.message}`, field));
  }
}

function text(value: unknown, field: string, max: number, errors: ApiError[], required: boolean): string {
  if (value === undefined || value === null || value === '') {
    if (required) errors.push(apiError('REQUIRED', `${field} is required.`, field));
    return '';
  }
  if (typeof value !== 'string') {
    errors.push(apiError('INVALID_TYPE', `${field} must be a string.`, field));
    return '';
  }
  if (value.length > max) errors.push(apiError('INVALID_VALUE', `${field} is longer than ${max} characters.`, field));
  return value;
}

/** The fields of a standard response, checked (field codes included). */
function checkResponse(body: Body): Omit<StandardResponse, 'id' | 'tenantId' | 'createdAt' | 'updatedAt'> {
  const errors: ApiError[] = [];
  const name = text(body.name, 'name', 200, errors, true).trim();
  const description =
    body.description === undefined || body.description === null
      ? null
      : text(body.description, 'description', 1000, errors, false);
  const contentType = (body.contentType ?? 'text') as StandardResponseType;
  if (!standardResponseTypes.includes(contentType)) {
    errors.push(apiError('INVALID_VALUE', `contentType must be one of ${standardResponseTypes.join(', ')}.`, 'contentType'));
  }
  const message = text(body.body, 'body', 4096, errors, contentType !== 'notification');
  checkTemplate(message, 'body', errors);
  const rawAttachments = body.attachments ?? [];
  const attachments: MessageAttachment[] = [];
  if (!Array.isArray(rawAttachments) || rawAttachments.length > 10) {
    errors.push(apiError('INVALID_VALUE', 'attachments lists up to 10 files.', 'attachments'));
  } else {
    rawAttachments.forEach((raw, i) => {
      const a = (raw ?? {}) as Body;
      const field = `attachments[${i}]`;
      const url = text(a.url, `${field}.url`, 2000, errors, true);
      if (url && !/^https?:\/\//i.test(url))
        errors.push(apiError('INVALID_VALUE', `${field}.url must be an http(s) URL.`, `${field}.url`));
      checkTemplate(url, `${field}.url`, errors);
      const contentTypeOf = text(a.contentType, `${field}.contentType`, 200, errors, true);
      if (contentTypeOf && !/^[\w.+-]+\/[\w.+-]+$/.test(contentTypeOf)) {
        errors.push(apiError('INVALID_VALUE', `${field}.contentType must be a media type.`, `${field}.contentType`));
      }
      const fileName = typeof a.name === 'string' && a.name.trim() !== '' ? a.name.trim().slice(0, 200) : null;
      attachments.push({ url, contentType: contentTypeOf.toLowerCase(), name: fileName });
    });
  }
  let template: StandardResponse['template'] = null;
  if (contentType === 'notification') {
    const t = (body.template ?? null) as Body | null;
    if (!t || typeof t !== 'object') {
      errors.push(
        apiError(
          'REQUIRED',
          'A notification needs its template: {id: "namespace@element_name", language, parameters}.',
          'template',
        ),
      );
    } else {
      const id = text(t.id, 'template.id', 600, errors, true);
      if (id && !/^[a-z0-9_]+@[a-z0-9_]+$/.test(id)) {
        errors.push(
          apiError('INVALID_VALUE', 'template.id is namespace@element_name, as approved in WhatsApp Manager.', 'template.id'),
        );
      }
      const language = text(t.language ?? 'en_US', 'template.language', 10, errors, true);
      if (language && !/^[a-z]{2,3}(_[A-Z]{2})?$/.test(language)) {
        errors.push(apiError('INVALID_VALUE', 'template.language is a language code such as en_US.', 'template.language'));
      }
      const parameters = t.parameters ?? [];
      if (!Array.isArray(parameters) || parameters.length > 20) {
        errors.push(apiError('INVALID_VALUE', 'template.parameters lists up to 20 texts.', 'template.parameters'));
      } else {
        parameters.forEach((p, i) => {
          const value = text(p, `template.parameters[${i}]`, 1024, errors, true);
          checkTemplate(value, `template.parameters[${i}]`, errors);
        });
      }
      template = { id, language, parameters: Array.isArray(parameters) ? (parameters as string[]) : [] };
    }
  } else if (body.template !== undefined && body.template !== null) {
    errors.push(apiError('INVALID_VALUE', 'Only a notification has a template.', 'template'));
  }
  const rawReplies = body.quickReplies ?? [];
  const quickReplies: string[] = [];
  if (contentType === 'quick-replies') {
    if (!Array.isArray(rawReplies) || rawReplies.length === 0 || rawReplies.length > maxQuickReplies) {
      errors.push(apiError('INVALID_VALUE', `quickReplies lists 1 to ${maxQuickReplies} choices.`, 'quickReplies'));
    } else {
      rawReplies.forEach((r, i) => {
        const value = text(r, `quickReplies[${i}]`, 200, errors, true);
        checkTemplate(value, `quickReplies[${i}]`, errors);
        quickReplies.push(value);
      });
    }
  } else if (Array.isArray(rawReplies) && rawReplies.length > 0) {
    errors.push(apiError('INVALID_VALUE', 'Only quick-replies have quickReplies.', 'quickReplies'));
  }
  if (errors.length > 0) throw new AppError(errors);
  return { name, description, contentType, body: message, attachments, template, quickReplies };
}

/** Standard responses: `/v1/tenants/{t}/standard-responses`, checked (field codes too) when stored. */
export function createStandardResponses(deps: { store: Store; clock: Clock; newId: IdGenerator }) {
  const { store, clock, newId } = deps;

  async function get(tenant: Tenant, id: string): Promise<StandardResponse> {
    const response = await store.standardResponses.get(tenant.id, id);
    if (!response) throw notFound('standard response');
    return response;
  }

  return {
    get,
    list: (tenant: Tenant, page: PageRequest): Promise<Page<StandardResponse>> => store.standardResponses.list(tenant.id, page),
    async create(tenant: Tenant, body: Body): Promise<StandardResponse> {
      const now = clock.now();
      const response: StandardResponse = {
        id: newId(),
        tenantId: tenant.id,
        ...checkResponse(body),
        createdAt: now,
        updatedAt: now,
      };
      await store.standardResponses.insert(response);
      return response;
    },
    async update(tenant: Tenant, id: string, body: Body): Promise<StandardResponse> {
      const current = await get(tenant, id);
      const { id: _id, tenantId: _tenant, createdAt: _created, updatedAt: _updated, ...fields } = current;
      const response: StandardResponse = { ...current, ...checkResponse({ ...fields, ...body }), updatedAt: clock.now() };
      if (!(await store.standardResponses.update(response))) throw notFound('standard response');
      return response;
    },
    async remove(tenant: Tenant, id: string): Promise<void> {
      if (!(await store.standardResponses.remove(tenant.id, id))) throw notFound('standard response');
    },
    /** A response by id or by name (an invitation's StandardResponseId may be either). */
    async find(tenant: Tenant, ref: string): Promise<StandardResponse | null> {
      const byId = await store.standardResponses.get(tenant.id, ref);
      if (byId) return byId;
      let after: string | null = null;
      for (;;) {
        const page = await store.standardResponses.list(tenant.id, { limit: 200, after });
        const found = page.items.find((r) => r.name === ref);
        if (found || !page.nextCursor) return found ?? null;
        after = page.nextCursor;
      }
    },
  };
}

export type StandardResponses = ReturnType<typeof createStandardResponses>;
