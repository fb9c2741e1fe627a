import { Value } from 'typebox/value';
import { normalizeEmail } from '../address.js';
import { callbackDueAt } from '../callbacks.js';
import { isTimeZone } from '../configuration.js';
import { type ApiError, apiError, type ErrorCode } from '../errors.js';
import { compileExpression, type ExpressionScope, templateExpressions } from './expressions.js';
import { type FlowDocument, type FlowStep, flowDocumentSchema, type StepType, stepSchemas, stepTypes } from './flow-schema.js';

/** What validation needs to know about the tenant, looked up by the caller. */
export interface FlowReferences {
  queueExists(ref: string): boolean;
  agentExists(ref: string): boolean;
  /** Why a subflow cannot be called, or null when it can. */
  subflowProblem(devName: string): string | null;
}

export interface FlowValidation {
  /** Problems that stop the flow from being stored, each with a JSON pointer in `field`. */
  errors: ApiError[];
  /** Problems worth knowing that do not stop it (unreachable steps). */
  warnings: ApiError[];
  /** The document, typed, when there are no errors. */
  document: FlowDocument | null;
}

function problem(code: ErrorCode, pointer: string, message: string): ApiError {
  return apiError(code, message, pointer);
}

/** Every exit of a step as [pointer, target]. */
export function exitsOf(step: FlowStep, index: number): [string, string, string][] {
  const out: [string, string, string][] = [];
  for (const [name, target] of Object.entries(step.exits ?? {})) {
    if (typeof target === 'string') out.push([`steps/${index}/exits/${name}`, name, target]);
  }
  if (step.type === 'branch') {
    step.cases.forEach((c, i) => {
      out.push([`steps/${index}/cases/${i}/next`, `case ${i}`, c.next]);
    });
  }
  return out;
}

/**
 * Checks a flow document completely and reports every problem at once: the outer shape, each step
 * against its type's schema, step ids, exits, reachability, every CEL expression and template (with
 * the column of the mistake), references to queues, agents and subflows, schedules and URLs.
 */
export function validateFlowDocument(input: unknown, refs: FlowReferences): FlowValidation {
  const errors: ApiError[] = [];
  const warnings: ApiError[] = [];
  if (!Value.Check(flowDocumentSchema, input)) {
    for (const error of Value.Errors(flowDocumentSchema, input)) {
      if (error.keyword === 'boolean') continue;
      errors.push(
        problem('FLOW_SCHEMA_VIOLATION', schemaPointer(error), `${schemaPointer(error) || 'the flow'} ${error.message}`),
      );
    }
    return { errors: dedupe(errors), warnings, document: null };
  }
  const doc = input as { start: string; steps: { id: unknown; type: unknown }[] };

  const steps: FlowStep[] = [];
  doc.steps.forEach((raw, index) => {
    const type = raw.type as StepType;
    if (typeof raw.type !== 'string' || !stepTypes.includes(type)) {
      errors.push(problem('FLOW_UNKNOWN_STEP_TYPE', `steps/${index}/type`, `Step type must be one of ${stepTypes.join(', ')}.`));
      return;
    }
    const schema = stepSchemas[type];
    if (!Value.Check(schema, raw)) {
      for (const error of Value.Errors(schema, raw)) {
        if (error.keyword === 'boolean') continue;
        const pointer = `steps/${index}${schemaPointer(error) ? `/${schemaPointer(error)}` : ''}`;
        errors.push(problem('FLOW_SCHEMA_VIOLATION', pointer, `${pointer} ${error.message}`));
      }
      return;
    }
    steps[index] = raw as FlowStep;
  });

  const indexById = new Map<string, number>();
  steps.forEach((step, index) => {
    if (!step) return;
    if (indexById.has(step.id)) {
      errors.push(problem('FLOW_DUPLICATE_STEP_ID', `steps/${index}/id`, `Step id "${step.id}" is used twice.`));
    } else indexById.set(step.id, index);
  });
  if (!indexById.has(doc.start) && errors.length === 0) {
    errors.push(problem('FLOW_START_NOT_FOUND', 'start', `No step has the id "${doc.start}".`));
  }

  steps.forEach((step, index) => {
    if (!step) return;
    for (const [pointer, , target] of exitsOf(step, index)) {
      if (!indexById.has(target)) errors.push(problem('FLOW_EXIT_TARGET_NOT_FOUND', pointer, `No step has the id "${target}".`));
    }
    checkStep(step, index, refs, errors);
  });

  // Reachability from the start: unreachable steps are allowed (work in progress) but reported.
  if (errors.length === 0) {
    const seen = new Set<string>([doc.start]);
    const queue = [doc.start];
    while (queue.length > 0) {
      const id = queue.shift() as string;
      const index = indexById.get(id);
      const step = index === undefined ? undefined : steps[index];
      if (!step || index === undefined) continue;
      for (const [, , target] of exitsOf(step, index)) {
        if (!seen.has(target)) {
          seen.add(target);
          queue.push(target);
        }
      }
    }
    steps.forEach((step, index) => {
      if (step && !seen.has(step.id)) {
        warnings.push(problem('FLOW_STEP_UNREACHABLE', `steps/${index}`, `Step "${step.id}" cannot be reached from the start.`));
      }
    });
  }
  return { errors: dedupe(errors), warnings, document: errors.length === 0 ? (input as FlowDocument) : null };
}

function schemaPointer(error: { instancePath: string; params?: unknown; keyword: string }): string {
  const base = error.instancePath.replace(/^\//, '');
  const params = error.params as { requiredProperties?: string[]; additionalProperties?: string[] } | undefined;
  const extra = params?.requiredProperties?.[0] ?? params?.additionalProperties?.[0];
  if ((error.keyword === 'required' || error.keyword === 'additionalProperties') && extra)
    return base ? `${base}/${extra}` : extra;
  return base;
}

function dedupe(errors: ApiError[]): ApiError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.code}|${e.field}|${e.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function checkExpression(source: string, pointer: string, errors: ApiError[], scope: ExpressionScope = 'flow'): void {
  const compiled = compileExpression(source, scope);
  if (!compiled.ok) {
    const at = compiled.column === null ? '' : ` (column ${compiled.column})`;
    errors.push(problem('FLOW_EXPRESSION_INVALID', pointer, `${compiled.message}${at}`));
  }
}

function checkTemplate(template: string, pointer: string, errors: ApiError[]): void {
  if ((template.match(/\{\{/g) ?? []).length !== (template.match(/\}\}/g) ?? []).length) {
    errors.push(problem('FLOW_EXPRESSION_INVALID', pointer, 'A template has an unclosed "{{".'));
    return;
  }
  for (const part of templateExpressions(template)) {
    const compiled = compileExpression(part.source);
    if (!compiled.ok) {
      const column = part.offset + 3 + (compiled.column ?? 1);
      errors.push(problem('FLOW_EXPRESSION_INVALID', pointer, `${compiled.message} (column ${column})`));
    }
  }
}

function checkJsonTemplates(value: unknown, pointer: string, errors: ApiError[]): void {
  if (typeof value === 'string') checkTemplate(value, pointer, errors);
  else if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) checkJsonTemplates(item, `${pointer}/${i}`, errors);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) checkJsonTemplates(item, `${pointer}/${key}`, errors);
  }
}

const isLiteral = (text: string) => !text.includes('{{');

function checkStep(step: FlowStep, index: number, refs: FlowReferences, errors: ApiError[]): void {
  const at = (path: string) => `steps/${index}/${path}`;
  switch (step.type) {
    case 'setVariables':
      for (const [name, source] of Object.entries(step.variables)) checkExpression(source, at(`variables/${name}`), errors);
      break;
    case 'branch':
      step.cases.forEach((c, i) => {
        checkExpression(c.when, at(`cases/${i}/when`), errors);
      });
      break;
    case 'businessHours': {
      if (step.timeZone !== undefined && !isTimeZone(step.timeZone)) {
        errors.push(
          problem('FLOW_INVALID_TIME_ZONE', at('timeZone'), 'timeZone must be an IANA time zone such as Europe/Paris.'),
        );
      }
      for (const [day, periods] of Object.entries(step.weekly)) {
        (periods ?? []).forEach((p, i) => {
          if (p.open >= p.close) {
            errors.push(
              problem('FLOW_INVALID_SCHEDULE', at(`weekly/${day}/${i}`), `Opens at ${p.open} but closes at ${p.close}.`),
            );
          }
        });
      }
      break;
    }
    case 'httpRequest': {
      checkTemplate(step.url, at('url'), errors);
      const literalStart = step.url.split('{{')[0] ?? '';
      if (!/^https?:\/\//i.test(literalStart) && !(literalStart === '' && step.url.startsWith('{{'))) {
        errors.push(problem('FLOW_INVALID_URL', at('url'), 'The URL must start with http:// or https://.'));
      }
      for (const [name, value] of Object.entries(step.headers ?? {})) checkTemplate(value, at(`headers/${name}`), errors);
      if (step.body !== undefined) checkTemplate(step.body, at('body'), errors);
      if (step.json !== undefined) checkJsonTemplates(step.json, at('json'), errors);
      if (step.body !== undefined && step.json !== undefined) {
        errors.push(problem('FLOW_BODY_CONFLICT', at('json'), 'Give either body or json, not both.'));
      }
      for (const [name, source] of Object.entries(step.responseVariables ?? {})) {
        checkExpression(source, at(`responseVariables/${name}`), errors, 'response');
      }
      break;
    }
    case 'inviteToChat': {
      for (const field of ['channel', 'clientId', 'businessId', 'standardResponse', 'chatQueueKey'] as const) {
        const value = step[field];
        if (value !== undefined) checkTemplate(value, at(field), errors);
      }
      for (const field of ['contact', 'agent', 'customProperties', 'userData'] as const) {
        for (const [name, value] of Object.entries(step[field] ?? {})) checkTemplate(value, at(`${field}/${name}`), errors);
      }
      break;
    }
    case 'collectInput':
      checkTemplate(step.prompt, at('prompt'), errors);
      if (step.retryPrompt !== undefined) checkTemplate(step.retryPrompt, at('retryPrompt'), errors);
      if (step.validWhen !== undefined) checkExpression(step.validWhen, at('validWhen'), errors, 'input');
      if (step.minDigits !== undefined && step.maxDigits !== undefined && step.minDigits > step.maxDigits) {
        errors.push(problem('FLOW_INVALID_DIGITS', at('minDigits'), 'minDigits is larger than maxDigits.'));
      }
      if ((step.minDigits !== undefined || step.maxDigits !== undefined) && step.inputType !== 'digits') {
        errors.push(problem('FLOW_INVALID_DIGITS', at('inputType'), 'minDigits and maxDigits apply to inputType digits.'));
      }
      break;
    case 'sendMessage':
    case 'playPrompt':
      checkTemplate(step.text, at('text'), errors);
      break;
    case 'routeToQueue':
      if (step.queue !== undefined && !refs.queueExists(step.queue)) {
        errors.push(problem('FLOW_QUEUE_NOT_FOUND', at('queue'), `No queue with devName or id "${step.queue}".`));
      }
      if (typeof step.priority === 'string') checkExpression(step.priority, at('priority'), errors);
      if (step.requirements !== undefined) checkExpression(step.requirements, at('requirements'), errors, 'agent');
      if (step.preferredAgent) checkAgent(step.preferredAgent.agent, at('preferredAgent/agent'), refs, errors);
      if (step.maxWaitSeconds !== undefined && !step.exits?.timeout) {
        errors.push(problem('FLOW_EXIT_REQUIRED', at('exits/timeout'), 'maxWaitSeconds needs a timeout exit to go to.'));
      }
      break;
    case 'routeToAgent':
      checkAgent(step.agent, at('agent'), refs, errors);
      if (!step.exits?.timeout) {
        errors.push(
          problem(
            'FLOW_EXIT_REQUIRED',
            at('exits/timeout'),
            'routeToAgent needs a timeout exit for when the agent does not take it.',
          ),
        );
      }
      break;
    case 'voicemail':
      if (step.prompt !== undefined) checkTemplate(step.prompt, at('prompt'), errors);
      if (isLiteral(step.notificationEmail) ? normalizeEmail(step.notificationEmail) === null : false) {
        errors.push(problem('FLOW_INVALID_EMAIL', at('notificationEmail'), 'notificationEmail must be an email address.'));
      } else if (!isLiteral(step.notificationEmail)) checkTemplate(step.notificationEmail, at('notificationEmail'), errors);
      if (step.queue !== undefined && !refs.queueExists(step.queue)) {
        errors.push(problem('FLOW_QUEUE_NOT_FOUND', at('queue'), `No queue with devName or id "${step.queue}".`));
      }
      break;
    case 'callback':
      if (step.number !== undefined) checkTemplate(step.number, at('number'), errors);
      if (step.at !== undefined && isLiteral(step.at)) {
        const due = callbackDueAt(step.at, 'UTC', '1970-01-01T00:00:00.000Z');
        if (due !== null && typeof due === 'object') errors.push(problem('FLOW_INVALID_TIME', at('at'), due.message));
      } else if (step.at !== undefined) checkTemplate(step.at, at('at'), errors);
      if (step.queue !== undefined && !refs.queueExists(step.queue)) {
        errors.push(problem('FLOW_QUEUE_NOT_FOUND', at('queue'), `No queue with devName or id "${step.queue}".`));
      }
      break;
    case 'subflow': {
      const why = refs.subflowProblem(step.flow);
      if (why) errors.push(problem('FLOW_SUBFLOW_NOT_FOUND', at('flow'), why));
      for (const [name, source] of Object.entries(step.inputs ?? {})) checkExpression(source, at(`inputs/${name}`), errors);
      break;
    }
    case 'end':
      for (const [name, source] of Object.entries(step.outputs ?? {})) checkExpression(source, at(`outputs/${name}`), errors);
      break;
  }
}

function checkAgent(ref: string, pointer: string, refs: FlowReferences, errors: ApiError[]): void {
  if (!isLiteral(ref)) checkTemplate(ref, pointer, errors);
  else if (!refs.agentExists(ref))
    errors.push(problem('FLOW_AGENT_NOT_FOUND', pointer, `No agent with id, email or employee id "${ref}".`));
}
