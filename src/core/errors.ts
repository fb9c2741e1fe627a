/**
 * The error catalog: every error code the API can answer with, its HTTP status and what it means.
 * `docs/errors.md` is kept in sync with this table by a test: after adding a code, run
 * `node --import tsx scripts/generate-errors-doc.ts` to rewrite its table.
 */
export const errorCatalog = {
  // Request shape
  MALFORMED_JSON: { status: 400, description: 'The body is not valid JSON (or YAML where accepted).' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, description: 'The Content-Type is not one the endpoint accepts.' },
  BODY_TOO_LARGE: { status: 413, description: 'The body is larger than the server accepts (1 MiB).' },
  HEADERS_TOO_LARGE: { status: 431, description: 'The request headers are larger than 16 KiB.' },
  REQUEST_TIMEOUT: {
    status: 408,
    description: 'The request did not arrive in time: its headers within 10 s, the whole request within 30 s.',
  },
  URL_TOO_LONG: { status: 414, description: 'A part of the path (an id) is longer than 100 characters.' },
  MALFORMED_URL: { status: 400, description: 'The URL cannot be decoded (a stray % or an invalid character).' },
  MALFORMED_REQUEST: { status: 400, description: 'The request is not well-formed HTTP/1.1; the connection is closed.' },
  BODY_TOO_DEEP: { status: 400, description: 'The body nests objects and arrays more than 64 levels deep.' },
  ATTRIBUTES_TOO_LARGE: {
    status: 400,
    description:
      'A free-form object (attributes, callAttributes, flowInputParameters, inputs) is over a limit: 16 levels, 1,000 keys and items, keys of 256 and strings of 16,384 characters, 64 KiB as JSON.',
  },
  REQUIRED: { status: 400, description: 'A required field is missing, empty or only whitespace.' },
  INVALID_TYPE: { status: 400, description: 'A field has the wrong JSON type.' },
  INVALID_ENUM: { status: 400, description: 'A field is not one of its allowed values.' },
  INVALID_VALUE: { status: 400, description: 'A field has a value outside its allowed range or format.' },
  UNKNOWN_FIELD: { status: 400, description: 'The body has a field the endpoint does not know. Nothing is silently dropped.' },
  INVALID_CURSOR: { status: 400, description: 'The pagination cursor was not issued by this server for this list.' },
  NOT_FOUND: { status: 404, description: 'No such object in this tenant (objects of other tenants are reported the same way).' },
  ROUTE_NOT_FOUND: { status: 404, description: 'No such endpoint.' },
  METHOD_NOT_ALLOWED: { status: 405, description: 'The endpoint exists but not with this HTTP method.' },
  // Authentication
  UNAUTHENTICATED: { status: 401, description: 'No credentials, or credentials that are unknown, revoked or malformed.' },
  FORBIDDEN: {
    status: 403,
    description: 'The credentials are valid but do not allow this operation (e.g. a tenant key creating tenants).',
  },
  // Tenants
  INVALID_COUNTRY: { status: 400, description: 'defaultCountry is not an ISO 3166-1 alpha-2 code with a known calling code.' },
  INVALID_TIME_ZONE: { status: 400, description: 'timeZone is not an IANA time zone name.' },
  PARENT_TENANT_NOT_FOUND: { status: 400, description: 'parentTenantId names no tenant.' },
  // Queues and SLAs
  INVALID_DEV_NAME: {
    status: 400,
    description: 'devName must start with a letter and contain only letters, digits and underscores (at most 80).',
  },
  DUPLICATE_DEV_NAME: { status: 409, description: 'Another object of this kind in the tenant already has this devName.' },
  QUEUE_IN_USE: {
    status: 409,
    description:
      'The queue is still referenced (channel default, entry-point exception, flow or entry-point fallback, waiting interactions).',
  },
  SLA_REQUIRED: { status: 400, description: 'A queue SLA cannot be blank or null.' },
  SLA_MUST_BE_POSITIVE: { status: 400, description: 'An SLA of zero minutes is not allowed.' },
  SLA_INVALID_CHARACTERS: { status: 400, description: 'An SLA cannot contain a sign ("-" or "+").' },
  SLA_INVALID_FORMAT: {
    status: 400,
    description: 'An SLA must be plain decimal minutes such as 5, 90 or 0.66 (no exponent, separators or spaces).',
  },
  SLA_TOO_SMALL: { status: 400, description: 'An SLA must round to at least one second.' },
  SLA_TOO_LARGE: { status: 400, description: 'An SLA cannot exceed 525600 minutes (365 days).' },
  // Channels, entry points and exceptions
  QUEUE_NOT_FOUND: { status: 400, description: 'A referenced queue does not exist in this tenant.' },
  MEDIUM_REQUIRED: {
    status: 400,
    description: 'A messaging channel needs a medium (whatsapp, apple-business-chat, facebook or chat).',
  },
  MEDIUM_NOT_ALLOWED: { status: 400, description: 'Only messaging channels have a medium.' },
  FIELD_IMMUTABLE: { status: 400, description: 'This field cannot change after creation.' },
  CHANNEL_IN_USE: { status: 409, description: 'The channel still has entry points; delete them first.' },
  CHANNEL_NOT_FOUND: { status: 400, description: 'A referenced channel does not exist in this tenant.' },
  INVALID_ADDRESS: { status: 400, description: 'The entry-point address is not valid for the channel.' },
  INVALID_E164: {
    status: 400,
    description: 'Not a phone number that can be normalised to E.164 (a national number needs the tenant default country).',
  },
  INVALID_E164_OR_SIP: { status: 400, description: 'Neither an E.164 phone number (+ and up to 15 digits) nor a SIP URI.' },
  INVALID_EMAIL: { status: 400, description: 'Not a valid email address.' },
  DUPLICATE_ENTRY_POINT: { status: 409, description: 'Another entry point of the same channel type already has this address.' },
  ENTRY_POINT_NOT_FOUND: { status: 400, description: 'A referenced entry point does not exist in this tenant.' },
  ENTRY_POINT_WRONG_CHANNEL: {
    status: 400,
    description: 'The entry point belongs to another channel than the one being configured.',
  },
  EXCEPTION_EXISTS: { status: 409, description: 'The entry point already has an exception; an entry point has at most one.' },
  // Flows and integrations
  FLOW_NOT_FOUND: { status: 400, description: 'A referenced flow does not exist in this tenant.' },
  FLOW_NOT_DISPATCHABLE: { status: 400, description: 'Reusable flows (subflows) cannot be the target of a dispatch mapping.' },
  FLOW_VERSION_NOT_FOUND: {
    status: 400,
    description: 'The version is not a version of the flow (or, at dispatch, the flow has no usable version).',
  },
  FLOW_IN_USE: { status: 409, description: 'The flow is still the target of dispatch mappings or voice entry points.' },
  INVALID_INTEGRATION_TYPE: {
    status: 400,
    description: 'An integration type is a lower-case slug such as twilio or salesforce.',
  },
  MALFORMED_YAML: { status: 400, description: 'The body is not valid YAML.' },
  FLOW_SCHEMA_VIOLATION: {
    status: 400,
    description: 'The flow document does not match the flow JSON Schema (GET /v1/schemas/flow.json) at the pointer in field.',
  },
  FLOW_UNKNOWN_STEP_TYPE: { status: 400, description: 'A step has a type the flow language does not have.' },
  FLOW_DUPLICATE_STEP_ID: { status: 400, description: 'Two steps of the flow have the same id.' },
  FLOW_START_NOT_FOUND: { status: 400, description: 'start names no step of the flow.' },
  FLOW_EXIT_TARGET_NOT_FOUND: { status: 400, description: 'An exit (or a branch case) names no step of the flow.' },
  FLOW_STEP_UNREACHABLE: { status: 200, description: 'A warning, not an error: no path from the start reaches the step.' },
  FLOW_EXPRESSION_INVALID: {
    status: 400,
    description: 'A CEL expression or a {{ }} template part does not compile; the message gives the column.',
  },
  FLOW_QUEUE_NOT_FOUND: { status: 400, description: 'A step names a queue (devName or id) the tenant does not have.' },
  FLOW_AGENT_NOT_FOUND: {
    status: 400,
    description: 'A step names an agent (id, email or employee id) the tenant does not have.',
  },
  FLOW_SUBFLOW_NOT_FOUND: { status: 400, description: 'A subflow step names no reusable flow with an active version.' },
  FLOW_INVALID_TIME_ZONE: { status: 400, description: 'A businessHours step has a timeZone that is not an IANA name.' },
  FLOW_INVALID_SCHEDULE: { status: 400, description: 'A businessHours period closes before it opens.' },
  FLOW_INVALID_URL: { status: 400, description: 'An httpRequest URL does not start with http:// or https://.' },
  FLOW_BODY_CONFLICT: { status: 400, description: 'An httpRequest step has both body and json.' },
  FLOW_INVALID_DIGITS: { status: 400, description: 'collectInput digit limits are inconsistent or used with text input.' },
  FLOW_INVALID_EMAIL: { status: 400, description: 'A voicemail notificationEmail is not an email address.' },
  FLOW_INVALID_TIME: {
    status: 400,
    description: 'A callback step’s at is neither an ISO 8601 time with its offset nor a local time YYYY-MM-DDTHH:MM.',
  },
  FLOW_EXIT_REQUIRED: {
    status: 400,
    description: 'The step needs this exit (a timeout exit for maxWaitSeconds or routeToAgent).',
  },
  INVALID_EXPRESSION: {
    status: 400,
    description: 'A CEL expression (e.g. queue escalation requirements) does not compile; the message gives the column.',
  },
  FLOW_NOT_WAITING_FOR_INPUT: { status: 409, description: 'The interaction flow is not waiting at a collectInput step.' },
  DUPLICATE_AGENT_EMAIL: { status: 409, description: 'Another agent of the tenant has this email.' },
  DUPLICATE_EMPLOYEE_ID: { status: 409, description: 'Another agent of the tenant has this employee id.' },
  DUPLICATE_CONTACT_ADDRESS: {
    status: 409,
    description: 'Another contact of the tenant already has one of these phone numbers or email addresses.',
  },
  INTEGRATION_IN_USE: { status: 409, description: 'The integration is named by a source dispatch mapping.' },
  DUPLICATE_INTEGRATION_USER: { status: 400, description: 'Two users of the integration have the same id or email.' },
  INTEGRATION_USER_NOT_FOUND: { status: 400, description: 'No user of the integration has this id.' },
  DUPLICATE_USER_MAPPING: { status: 400, description: 'An agent is mapped to integration users twice.' },
  // Dispatch mappings
  INTEGRATION_NOT_FOUND: {
    status: 400,
    description: 'A source mapping value must be the id or type of an integration of the tenant.',
  },
  INVALID_DIRECTION: { status: 400, description: 'direction must be inbound, outbound or agent-initiated.' },
  DUPLICATE_DISPATCH_MAPPING: {
    status: 409,
    description: 'Another active mapping has the same channelType, interactionField and value.',
  },
  INHERITED_READ_ONLY: { status: 403, description: 'The mapping is inherited from a parent tenant and cannot be changed here.' },
  // Interactions
  IDEMPOTENCY_KEY_REUSED: { status: 422, description: 'The Idempotency-Key was already used with a different request body.' },
  INTERACTION_CLOSED: { status: 422, description: 'The interaction is in a final state and cannot change.' },
  VOICEMAIL_NOT_AWAITED: { status: 409, description: 'The call did not end in a voicemail step, so no recording is awaited.' },
  AGENT_NOT_FOUND: { status: 400, description: 'A referenced agent (id, email or employee id) does not exist in this tenant.' },
  DUPLICATE_USER_EMAIL: { status: 409, description: 'A user with this email exists, in this tenant or another.' },
  INVALID_CREDENTIALS: { status: 401, description: 'The email and password do not match a user (which is which is not said).' },
  TOO_MANY_SIGN_IN_ATTEMPTS: {
    status: 429,
    description: 'Too many failed sign-ins for this email or address: wait for Retry-After seconds.',
  },
  INVITATION_INVALID: { status: 400, description: 'The invitation is unknown, used already or expired; ask for a new one.' },
  CSRF_TOKEN_MISMATCH: {
    status: 403,
    description: 'A browser session request that changes something must send the session’s X-CSRF-Token, from its own origin.',
  },
  NOT_A_CALLBACK: { status: 409, description: 'callbackId names an interaction that is not a callback.' },
  CALLBACK_NOT_HELD: {
    status: 409,
    description: 'The callback is not connected to this agent: the agent accepts its offer before calling the customer.',
  },
  NOT_AN_OUTBOUND_CALL: { status: 409, description: 'Call statuses are reported for outbound calls an agent placed only.' },
  CALL_STATUS_CONFLICT: {
    status: 409,
    description: 'The status does not follow the call’s: an answered call cannot be unanswered, an ended one cannot be answered.',
  },
  MALFORMED_MESSAGE: {
    status: 400,
    description: 'A WebSocket message is not JSON or not one of the protocol messages (docs/agent-protocol.md).',
  },
  INVALID_URL: { status: 400, description: 'A URL must be http or https.' },
  OFFER_NOT_OPEN: {
    status: 409,
    description: 'There is no open offer of this interaction to this agent (it was taken, rejected, rescinded or expired).',
  },
  INTERACTION_NOT_CONNECTED: { status: 422, description: 'Only a connected interaction can end.' },
  INTERACTION_NOT_IN_WRAP_UP: { status: 422, description: 'Only an interaction in wrap-up can be completed.' },
  CONCURRENT_MODIFICATION: { status: 409, description: 'The object changed while the request ran; read it again and retry.' },
  // Dispatch outcomes recorded on interactions (never HTTP errors)
  NO_DISPATCH_MAPPING: { status: 422, description: 'Recorded as dispatchError: no active mapping matched the interaction.' },
  // Flow run outcomes recorded on interactions (never HTTP errors)
  FLOW_STEP_LIMIT: { status: 422, description: 'Recorded when a run fails: it executed more steps than a run may.' },
  FLOW_LOOP_WITHOUT_WAIT: {
    status: 422,
    description: 'Recorded when a run fails: it entered the same step too often without waiting for anything.',
  },
  FLOW_STEP_FAILED: {
    status: 422,
    description: 'Recorded when a run fails: a step failed (an expression, a request, a reference) and had no error exit.',
  },
  // Telephony: call centers and routing maps (the telephony API itself answers in its vendor's shape)
  DUPLICATE_CALL_CENTER: { status: 409, description: 'Another call center of the tenant has this apiName.' },
  CERTIFICATE_PROOF_REQUIRED: {
    status: 400,
    description:
      'A certificate added to a call center needs a proof that you hold its private key: a token it signs (docs/telephony-api.md).',
  },
  CERTIFICATE_IN_USE: {
    status: 409,
    description: 'The key is already registered for this orgId and apiName by another call center (you hold its private key).',
  },
  CALL_CENTER_IN_USE: { status: 409, description: 'The call center still has routing maps or voice calls.' },
  INVALID_CERTIFICATE: {
    status: 400,
    description: 'A certificate is not a PEM X.509 certificate or public key of an RSA key of 1024 bits or more.',
  },
  DUPLICATE_ROUTING_MAP: {
    status: 409,
    description: 'The call center already maps this externalId, or this agent or queue, in another routing map.',
  },
  ENTRY_POINT_NOT_VOICE: {
    status: 400,
    description: 'Only voice entry points (phone channels) have a flow and a fallback queue.',
  },
  // Telephony API outcomes (answered as {"errors":["message"]}, see docs/telephony-api.md)
  VOICE_CALL_NOT_FOUND: { status: 404, description: 'No voice call of this call center has this id or vendor call key.' },
  VOICE_CALL_ENDED: {
    status: 409,
    description: 'The voice call has ended: it cannot be routed any more, nor take transcript messages said after its end.',
  },
  ROUTING_TARGET_NOT_FOUND: {
    status: 404,
    description: 'routingTarget names no agent or queue mapped for the call center (routing maps), and no flow.',
  },
  ROUTING_IN_PROGRESS: { status: 409, description: 'The call is already being routed; clear its routing first.' },
  ROUTING_FAILED: {
    status: 422,
    description: 'No flow or fallback queue routed the call, or its agent or queue has no routing map for the call center.',
  },
  // Messaging
  DUPLICATE_STANDARD_RESPONSE: { status: 409, description: 'Another standard response of the tenant has this name.' },
  FIELD_CODE_INVALID: {
    status: 400,
    description:
      'A field code of the standard response does not read: the message gives the line and column (docs/field-codes.md).',
  },
  PROVIDER_NOT_ALLOWED: {
    status: 400,
    description: "The provider does not carry this channel's medium (WhatsApp carries whatsapp channels).",
  },
  PROVIDER_NOT_CONFIGURED: { status: 422, description: 'The channel has no messaging provider to send through.' },
  MESSAGING_WINDOW_CLOSED: {
    status: 422,
    description:
      "The provider's customer-service window is closed (the customer last wrote more than its hours ago, or never): only a template may be sent.",
  },
  NOT_A_CONVERSATION: { status: 422, description: 'Only messaging and SMS interactions have conversations to send in.' },
  // Server
  NOT_READY: {
    status: 503,
    description:
      'GET /readyz only: the store does not answer, or this node is leaving its cluster; the server should not be sent traffic.',
  },
  TENANT_MOVED: {
    status: 503,
    description:
      'A cluster: the node that took the request no longer holds the tenant (it is moving to another node). Retry after Retry-After seconds; the request then reaches its new owner.',
  },
  NODE_AUTH_INVALID: {
    status: 401,
    description: 'A cluster: a request marked as forwarded by another node carries no valid node signature.',
  },
  INTERNAL: { status: 500, description: 'A bug. The response carries a request id to find it in the log.' },
} as const satisfies Record<string, { status: number; description: string }>;

/** A stable error code from the catalog. */
export type ErrorCode = keyof typeof errorCatalog;

/** One problem, as it appears in `{"errors":[...]}`. */
export interface ApiError {
  code: ErrorCode;
  message: string;
  field?: string;
}

/** Thrown by any layer to answer with catalogued errors; the HTTP layer maps it to a response. */
export class AppError extends Error {
  readonly errors: ApiError[];
  readonly status: number;

  constructor(errors: ApiError | ApiError[]) {
    const list = Array.isArray(errors) ? errors : [errors];
    super(list.map((e) => `${e.code}: ${e.message}`).join('; '));
    this.errors = list;
    // The first error decides the status; validation collects only same-status problems.
    this.status = list[0] ? errorCatalog[list[0].code].status : 500;
  }
}

/** Builds one ApiError. */
export function apiError(code: ErrorCode, message: string, field?: string): ApiError {
  return field === undefined ? { code, message } : { code, message, field };
}

/** Throws an AppError when the list is not empty. */
export function throwIfAny(errors: ApiError[]): void {
  if (errors.length > 0) throw new AppError(errors);
}

/** The 404 every lookup answers for a missing (or another tenant's) object. */
export function notFound(kind: string): AppError {
  return new AppError(apiError('NOT_FOUND', `No such ${kind}.`));
}
