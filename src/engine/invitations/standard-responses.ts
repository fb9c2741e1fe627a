import { type ApiError, AppError, apiError, notFound } from '../../core/errors.js';
import { compileTemplate } from '../../core/field-codes/field-code-evaluator.js';
import { FieldCodeError } from '../../core/field-codes/field-code-parser.js';
import {
  type MessageAttachment,
  type MessageCard,
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

/** A list picker or a set of buttons holds at most this many choices (Messenger's buttons: 3, checked when sent there). */
const maxChoices = 20;

/** The cards of a carousel (Messenger's generic template: up to 10 cards, 3 buttons each). */
function checkCards(value: unknown, errors: ApiError[]): MessageCard[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > 10) {
    errors.push(apiError('INVALID_VALUE', 'cards lists 1 to 10 cards.', 'cards'));
    return [];
  }
  return value.map((raw, i) => {
    const card = (raw ?? {}) as Body;
    const at = `cards[${i}]`;
    const title = text(card.title, `${at}.title`, 80, errors, true);
    checkTemplate(title, `${at}.title`, errors);
    const subtitle = text(card.subtitle, `${at}.subtitle`, 80, errors, false);
    checkTemplate(subtitle, `${at}.subtitle`, errors);
    const imageUrl = text(card.imageUrl, `${at}.imageUrl`, 2000, errors, false);
    if (imageUrl && !/^https?:\/\//i.test(imageUrl))
      errors.push(apiError('INVALID_VALUE', `${at}.imageUrl must be an http(s) URL.`, `${at}.imageUrl`));
    checkTemplate(imageUrl, `${at}.imageUrl`, errors);
    const rawButtons = card.buttons ?? [];
    const buttons: MessageCard['buttons'] = [];
    if (!Array.isArray(rawButtons) || rawButtons.length > 3) {
      errors.push(apiError('INVALID_VALUE', `${at}.buttons lists up to 3 buttons.`, `${at}.buttons`));
    } else {
      rawButtons.forEach((b, j) => {
        const button = (b ?? {}) as Body;
        const bat = `${at}.buttons[${j}]`;
        const buttonTitle = text(button.title, `${bat}.title`, 20, errors, true);
        checkTemplate(buttonTitle, `${bat}.title`, errors);
        const url = text(button.url, `${bat}.url`, 2000, errors, false);
        if (url && !/^https?:\/\//i.test(url))
          errors.push(apiError('INVALID_VALUE', `${bat}.url must be an http(s) URL.`, `${bat}.url`));
        checkTemplate(url, `${bat}.url`, errors);
        buttons.push({ title: buttonTitle, url: url || null });
      });
    }
    return { title, subtitle: subtitle || null, imageUrl: imageUrl || null, buttons };
  });
}

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
  const message = text(body.body, 'body', 4096, errors, contentType !== 'notification' && contentType !== 'generic');
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
  const cards = contentType === 'generic' ? checkCards(body.cards, errors) : [];
  if (contentType !== 'generic' && Array.isArray(body.cards) && body.cards.length > 0) {
    errors.push(apiError('INVALID_VALUE', 'Only generic responses have cards.', 'cards'));
  }
  const choices: string[] = [];
  if (contentType === 'single-selection-list') {
    const raw = body.choices;
    if (!Array.isArray(raw) || raw.length === 0 || raw.length > maxChoices) {
      errors.push(apiError('INVALID_VALUE', `choices lists 1 to ${maxChoices} choices.`, 'choices'));
    } else {
      raw.forEach((c, i) => {
        const value = text(c, `choices[${i}]`, 200, errors, true);
        checkTemplate(value, `choices[${i}]`, errors);
        choices.push(value);
      });
    }
  } else if (Array.isArray(body.choices) && body.choices.length > 0) {
    errors.push(apiError('INVALID_VALUE', 'Only single-selection lists have choices.', 'choices'));
  }
  if (errors.length > 0) throw new AppError(errors);
  return { name, description, contentType, body: message, attachments, template, quickReplies, cards, choices };
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
