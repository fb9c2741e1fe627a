import type { FastifyError } from 'fastify';
import { type ApiError, AppError, apiError, type ErrorCode, errorCatalog } from '../core/errors.js';

/** The JSON body of every error answer. */
export interface ErrorBody {
  errors: ApiError[];
}

interface AjvError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
}

function pathToField(instancePath: string, extra?: unknown): string | undefined {
  const parts = instancePath.split('/').filter(Boolean);
  if (typeof extra === 'string') parts.push(extra);
  return parts.length > 0 ? parts.join('/') : undefined;
}

/** One schema violation as a catalogued error: what kind of mistake, on which field. */
function fromAjv(error: AjvError, context: string): ApiError {
  switch (error.keyword) {
    case 'required': {
      const field = pathToField(error.instancePath, error.params.missingProperty);
      return apiError('REQUIRED', `${field} is required.`, field);
    }
    case 'additionalProperties': {
      const field = pathToField(error.instancePath, error.params.additionalProperty);
      return apiError('UNKNOWN_FIELD', `${field} is not a field of this ${context}.`, field);
    }
    case 'type': {
      const field = pathToField(error.instancePath);
      return apiError('INVALID_TYPE', `${field ?? context} must be ${error.params.type}.`, field);
    }
    case 'enum':
    case 'const': {
      const field = pathToField(error.instancePath);
      const allowed = (error.params.allowedValues as unknown[] | undefined) ?? [error.params.allowedValue];
      return apiError('INVALID_ENUM', `${field} must be one of ${allowed.join(', ')}.`, field);
    }
    default: {
      const field = pathToField(error.instancePath);
      return apiError('INVALID_VALUE', `${field ?? context} ${error.message ?? 'is not valid'}.`, field);
    }
  }
}

/** Anything thrown while handling a request, as a status and catalogued errors. */
export function toErrorResponse(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof AppError) return { status: error.status, body: { errors: error.errors } };
  const fastifyError = error as FastifyError & { validation?: AjvError[]; validationContext?: string };
  if (Array.isArray(fastifyError.validation)) {
    const context = fastifyError.validationContext ?? 'body';
    // For a union (anyOf) ajv reports each branch; the branch errors say more than "anyOf failed".
    const errors = fastifyError.validation.filter((e) => e.keyword !== 'anyOf').map((e) => fromAjv(e, context));
    return { status: 400, body: { errors: dedupe(errors) } };
  }
  const byFastifyCode: Record<string, ErrorCode> = {
    FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
    FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'MALFORMED_JSON',
    FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_JSON',
    FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_JSON',
    FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  };
  const mapped = fastifyError.code ? byFastifyCode[fastifyError.code] : undefined;
  if (mapped) return single(mapped, fastifyError.message);
  if (error instanceof SyntaxError || fastifyError.statusCode === 400) return single('MALFORMED_JSON', fastifyError.message);
  if (fastifyError.statusCode === 415) return single('UNSUPPORTED_MEDIA_TYPE', fastifyError.message);
  if (fastifyError.statusCode === 413) return single('BODY_TOO_LARGE', fastifyError.message);
  return single('INTERNAL', 'Internal error; the server log has the details.');
}

function single(code: ErrorCode, message: string): { status: number; body: ErrorBody } {
  return { status: errorCatalog[code].status, body: { errors: [apiError(code, message)] } };
}

function dedupe(errors: ApiError[]): ApiError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.code}:${e.field ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
