import { type CallbackRequest, checkCallbackRequest } from '../callbacks.js';
import type { ErrorCode } from '../errors.js';
import { ExpressionError, evaluateExpression, renderTemplate } from './expressions.js';
import type { FlowDocument, FlowStep, StepOf } from './flow-schema.js';
import { isOpen, type LocalTime, localTime } from './local-time.js';

/**
 * The flow interpreter: a pure function of (program, run state, event, context) → (run state,
 * effects). It never performs I/O: HTTP calls, prompts, timers and queue placement are effects the
 * engine carries out, and their outcomes come back as events. Given the same inputs it always gives
 * the same outputs, which is what lets recorded runs be replayed in tests and simulations.
 */

/** The flows a run may execute: `main` and the subflows it calls, pinned when the run started. */
export interface FlowProgram {
  flows: Record<string, { flowId: string; versionId: string; devName: string; document: FlowDocument }>;
}

/** One level of the call stack: the main flow or a subflow being run. */
export interface Frame {
  /** Key in FlowProgram.flows: 'main' or a subflow devName. */
  flow: string;
  stepId: string;
  vars: Record<string, unknown>;
  inputs: Record<string, unknown>;
  /** Where the caller wants this subflow's outputs. */
  outputVariable?: string;
  /** Index in FlowRun.path of the entry of the current step. */
  entry: number;
}

export type Waiting =
  | { kind: 'input'; stepId: string; timerId: string; attempt: number }
  | { kind: 'http'; stepId: string; requestId: string; timerId: string }
  | { kind: 'invite'; stepId: string; requestId: string; timerId: string }
  | { kind: 'routing'; stepId: string; timerId: string | null };

/** One step a run entered, as kept in the interaction's history. */
export interface PathEntry {
  flow: string;
  stepId: string;
  type: FlowStep['type'];
  enteredAt: string;
  leftAt: string | null;
  /** The exit taken, or what ended the run there (`end`, `voicemail`, `callback`, `failed`, `connected`). */
  exit: string | null;
  /** For agent steps: the agents offered the interaction (filled in by the router). */
  agentsOffered?: string[];
  detail?: Record<string, unknown>;
  error?: string;
}

export type RunOutcome =
  | { kind: 'completed'; outputs: Record<string, unknown> }
  | { kind: 'voicemail' }
  | { kind: 'callback' }
  | { kind: 'connected' }
  | { kind: 'abandoned' }
  | { kind: 'failed'; code: ErrorCode; message: string; stepId: string | null };

export interface FlowRun {
  status: 'running' | 'waiting' | 'completed' | 'failed';
  /** The flow versions the run executes, pinned when it started: `main` and subflows by devName. */
  /** The pinned versions; `tenantId` names the tenant owning a flow when it is not the run's (a parent's). */
  program: Record<string, { flowId: string; versionId: string; devName: string; tenantId?: string }>;
  frames: Frame[];
  waiting: Waiting | null;
  stepsExecuted: number;
  /** Entries per step since the run last waited: the runaway-loop guard. */
  sinceWait: Record<string, number>;
  /** Makes timer and request ids unique within the run, deterministically. */
  sequence: number;
  path: PathEntry[];
  outcome: RunOutcome | null;
}

export type FlowEvent =
  | { type: 'start'; inputs?: Record<string, unknown> }
  | { type: 'input'; value: string }
  | { type: 'timer'; timerId: string }
  | { type: 'http.response'; requestId: string; status: number; headers: Record<string, string>; body: unknown }
  | { type: 'http.failed'; requestId: string; reason: 'timeout' | 'refused' | 'network'; message: string }
  | { type: 'routing.failed'; message: string }
  | { type: 'invite.done'; requestId: string; sessionId: string }
  | { type: 'invite.fault'; requestId: string; faultCode: number; faultString: string }
  | { type: 'routing.connected' };

export type FlowEffect =
  | { type: 'prompt'; mode: 'message' | 'audio'; text: string; stepId: string }
  | {
      type: 'httpRequest';
      requestId: string;
      method: string;
      url: string;
      headers: Record<string, string>;
      body: string | null;
      timeoutMs: number;
    }
  | {
      type: 'inviteToChat';
      requestId: string;
      stepId: string;
      /** The logical ESP request (CONTRACT 1(b)), rendered. */
      request: {
        Parameters: Record<string, unknown>;
        UserData: Record<string, string>;
      };
    }
  | { type: 'setTimer'; timerId: string; at: string }
  | { type: 'cancelTimer'; timerId: string }
  | {
      type: 'enqueue';
      stepId: string;
      queue: string | null;
      priority: number | null;
      requirements: string | null;
      preferredAgent: { agent: string; expiresAt: string } | null;
      maxWaitUntil: string | null;
    }
  | { type: 'routeToAgent'; stepId: string; agent: string; expiresAt: string }
  | { type: 'leaveQueue'; stepId: string }
  | {
      type: 'voicemail';
      stepId: string;
      notificationEmail: string;
      prompt: string | null;
      maxSeconds: number;
      queue: string | null;
    }
  | { type: 'callback'; stepId: string; request: CallbackRequest; queue: string | null }
  | { type: 'complete'; outputs: Record<string, unknown> }
  | { type: 'fail'; code: ErrorCode; message: string; stepId: string | null };

/** What the interpreter knows about the world: the time, the tenant and the interaction. */
export interface FlowContext {
  now: string;
  timeZone: string;
  /** The tenant's country, to read national phone numbers (a callback's). */
  defaultCountry?: string | null;
  /** Prefix of timer and request ids (the interaction id). */
  idPrefix: string;
  interaction: Record<string, unknown>;
  contact: Record<string, unknown>;
  limits?: { maxSteps?: number; maxVisitsWithoutWait?: number; maxDepth?: number };
}

export interface StepResult {
  run: FlowRun;
  effects: FlowEffect[];
  /** True when the event did not concern the run (a stale timer, a late HTTP answer). */
  ignored: boolean;
}

export const defaultLimits = { maxSteps: 1000, maxVisitsWithoutWait: 50, maxDepth: 10 };

/** A run that has not started. */
export function newRun(): FlowRun {
  return {
    status: 'running',
    program: {},
    frames: [],
    waiting: null,
    stepsExecuted: 0,
    sinceWait: {},
    sequence: 0,
    path: [],
    outcome: null,
  };
}

class StepFailure extends Error {}

/**
 * A deep copy of JSON data (a flow run is stored as JSON). Several times faster than structuredClone,
 * which the engine paid on every step of every interaction.
 */
function copyJson<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(copyJson) as T;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) copy[key] = copyJson((value as Record<string, unknown>)[key]);
  return copy as T;
}

/** Feeds one event to a run. */
export function stepFlow(program: FlowProgram, current: FlowRun, event: FlowEvent, ctx: FlowContext): StepResult {
  const machine = new Machine(program, copyJson(current), ctx);
  return machine.handle(event);
}

/** The mutable working copy of one step() call; nothing outside it is touched. */
class Machine {
  private readonly effects: FlowEffect[] = [];
  private readonly limits: typeof defaultLimits;
  private nowInZone: LocalTime | null = null;

  constructor(
    private readonly program: FlowProgram,
    private readonly run: FlowRun,
    private readonly ctx: FlowContext,
  ) {
    this.limits = { ...defaultLimits, ...ctx.limits };
  }

  handle(event: FlowEvent): StepResult {
    if (event.type === 'start') {
      if (this.run.frames.length > 0) return this.ignore();
      const main = this.program.flows.main;
      if (!main) return this.fail('FLOW_STEP_FAILED', 'The program has no main flow.', null);
      this.run.frames.push({ flow: 'main', stepId: main.document.start, vars: {}, inputs: event.inputs ?? {}, entry: -1 });
      this.enter();
      return this.result();
    }
    const waiting = this.run.waiting;
    if (!waiting || this.run.status !== 'waiting') return this.ignore();
    switch (waiting.kind) {
      case 'input':
        if (event.type === 'input') return this.onInput(waiting, event.value);
        if (event.type === 'timer' && event.timerId === waiting.timerId) return this.onInputTimeout(waiting);
        return this.ignore();
      case 'http':
        if (event.type === 'http.response' && event.requestId === waiting.requestId) return this.onHttpResponse(waiting, event);
        if (event.type === 'http.failed' && event.requestId === waiting.requestId) {
          return this.resume(waiting, event.reason === 'timeout' ? 'timeout' : 'error', event.message);
        }
        if (event.type === 'timer' && event.timerId === waiting.timerId) {
          // The timer has fired: there is nothing left to cancel.
          return this.resume({ ...waiting, timerId: '' }, 'timeout', 'The request did not answer in time.');
        }
        return this.ignore();
      case 'invite': {
        if (event.type === 'invite.done' && event.requestId === waiting.requestId) {
          const step = this.currentStep() as StepOf<'inviteToChat'>;
          this.frame().vars[step.variable ?? step.id] = event.sessionId;
          return this.resume(waiting, 'next', null, { sessionId: event.sessionId });
        }
        if (event.type === 'invite.fault' && event.requestId === waiting.requestId) {
          const step = this.currentStep() as StepOf<'inviteToChat'>;
          const fault = { faultCode: event.faultCode, faultString: event.faultString };
          this.frame().vars[`${step.variable ?? step.id}Fault`] = fault;
          return this.resume(waiting, 'fault', null, fault);
        }
        if (event.type === 'timer' && event.timerId === waiting.timerId) {
          return this.resume({ ...waiting, timerId: '' }, 'timeout', 'The invitation did not answer in time.');
        }
        return this.ignore();
      }
      case 'routing':
        if (event.type === 'timer' && event.timerId === waiting.timerId) {
          this.effects.push({ type: 'leaveQueue', stepId: waiting.stepId });
          return this.resume({ ...waiting, timerId: null }, 'timeout', null);
        }
        if (event.type === 'routing.failed') return this.resume(waiting, 'error', event.message);
        if (event.type === 'routing.connected') {
          this.cancelWaitTimer(waiting);
          this.closePath('connected');
          for (const frame of this.run.frames) this.closeEntry(frame.entry, 'connected');
          this.run.waiting = null;
          this.run.status = 'completed';
          this.run.outcome = { kind: 'connected' };
          return this.result();
        }
        return this.ignore();
    }
  }

  // — waiting steps —

  private onInput(waiting: Extract<Waiting, { kind: 'input' }>, value: string): StepResult {
    const step = this.currentStep() as StepOf<'collectInput'>;
    const trimmed = value.trim();
    let valid = trimmed !== '';
    if (valid && step.inputType === 'digits') {
      valid =
        /^[0-9*#]+$/.test(trimmed) &&
        trimmed.length >= (step.minDigits ?? 1) &&
        trimmed.length <= (step.maxDigits ?? Number.POSITIVE_INFINITY);
    }
    if (valid && step.validWhen) {
      try {
        const verdict = evaluateExpression(step.validWhen, { ...this.scope(), input: trimmed }, 'input');
        if (typeof verdict !== 'boolean') throw new ExpressionError(`validWhen gave ${typeof verdict}, not a bool`);
        valid = verdict;
      } catch (error) {
        return this.resume(waiting, 'error', (error as Error).message);
      }
    }
    if (valid) {
      this.frame().vars[step.variable ?? step.id] = trimmed;
      return this.resume(waiting, 'next', null, { input: trimmed, attempts: waiting.attempt + 1 });
    }
    return this.retryOr(waiting, step, 'noMatch', { lastInput: trimmed });
  }

  private onInputTimeout(waiting: Extract<Waiting, { kind: 'input' }>): StepResult {
    const step = this.currentStep() as StepOf<'collectInput'>;
    // The timer fired, so there is nothing to cancel.
    return this.retryOr({ ...waiting, timerId: '' }, step, 'timeout', {});
  }

  /** Prompts again while retries remain; else takes the exit. */
  private retryOr(
    waiting: Extract<Waiting, { kind: 'input' }>,
    step: StepOf<'collectInput'>,
    exit: 'noMatch' | 'timeout',
    detail: Record<string, unknown>,
  ): StepResult {
    if (waiting.attempt < (step.retries ?? 2)) {
      this.cancelWaitTimer(waiting);
      try {
        this.prompt(step.retryPrompt ?? step.prompt, step.id);
      } catch (error) {
        return this.resume(waiting, 'error', (error as Error).message);
      }
      const timerId = this.timer((step.timeoutSeconds ?? 10) * 1000);
      this.run.waiting = { kind: 'input', stepId: step.id, timerId, attempt: waiting.attempt + 1 };
      return this.result();
    }
    return this.resume(waiting, exit, null, { ...detail, attempts: waiting.attempt + 1 });
  }

  private onHttpResponse(
    waiting: Extract<Waiting, { kind: 'http' }>,
    event: Extract<FlowEvent, { type: 'http.response' }>,
  ): StepResult {
    const step = this.currentStep() as StepOf<'httpRequest'>;
    const response = { status: event.status, headers: event.headers, body: event.body };
    if (event.status < 200 || event.status > 299) {
      return this.resume(waiting, 'error', `The request answered ${event.status}.`, { status: event.status });
    }
    try {
      for (const [name, source] of Object.entries(step.responseVariables ?? {})) {
        this.frame().vars[name] = evaluateExpression(source, { ...this.scope(), response }, 'response');
      }
    } catch (error) {
      return this.resume(waiting, 'error', (error as Error).message, { status: event.status });
    }
    return this.resume(waiting, 'next', null, { status: event.status });
  }

  /** Leaves a waiting step by an exit and runs on until the next wait or the end. */
  private resume(waiting: Waiting, exit: string, error: string | null, detail?: Record<string, unknown>): StepResult {
    this.cancelWaitTimer(waiting);
    this.run.waiting = null;
    this.run.status = 'running';
    this.run.sinceWait = {};
    this.leave(exit, error, detail);
    this.enter();
    return this.result();
  }

  // — running —

  /** Enters the current step of the top frame and runs until the run waits or ends. */
  private enter(): void {
    while (this.run.status === 'running') {
      const frame = this.frame();
      const key = `${frame.flow}:${frame.stepId}`;
      this.run.stepsExecuted++;
      this.run.sinceWait[key] = (this.run.sinceWait[key] ?? 0) + 1;
      if (this.run.stepsExecuted > this.limits.maxSteps) {
        this.fail('FLOW_STEP_LIMIT', `The run executed more than ${this.limits.maxSteps} steps.`, frame.stepId);
        return;
      }
      if ((this.run.sinceWait[key] ?? 0) > this.limits.maxVisitsWithoutWait) {
        this.fail(
          'FLOW_LOOP_WITHOUT_WAIT',
          `Step "${frame.stepId}" was entered ${this.limits.maxVisitsWithoutWait} times without waiting for anything.`,
          frame.stepId,
        );
        return;
      }
      const step = this.currentStep();
      frame.entry = this.run.path.length;
      this.run.path.push({
        flow: this.program.flows[frame.flow]?.devName ?? frame.flow,
        stepId: step.id,
        type: step.type,
        enteredAt: this.ctx.now,
        leftAt: null,
        exit: null,
      });
      try {
        this.execute(step);
      } catch (error) {
        if (!(error instanceof ExpressionError || error instanceof StepFailure)) throw error;
        this.leave('error', error.message);
      }
    }
  }

  private execute(step: FlowStep): void {
    switch (step.type) {
      case 'setVariables': {
        for (const [name, source] of Object.entries(step.variables)) {
          this.frame().vars[name] = evaluateExpression(source, this.scope());
        }
        this.leave('next');
        return;
      }
      case 'branch': {
        for (const [index, candidate] of step.cases.entries()) {
          const verdict = evaluateExpression(candidate.when, this.scope());
          if (typeof verdict !== 'boolean') throw new StepFailure(`Case ${index} gave ${typeof verdict}, not a bool.`);
          if (verdict) {
            this.goto(candidate.next, `case ${index}`);
            return;
          }
        }
        this.leave('else');
        return;
      }
      case 'businessHours': {
        const at = localTime(this.ctx.now, step.timeZone ?? this.ctx.timeZone);
        const open = isOpen({ weekly: step.weekly, holidays: step.holidays ?? [] }, at);
        this.leave(open ? 'open' : 'closed', null, { localTime: `${at.date} ${at.time} ${at.weekday}` });
        return;
      }
      case 'httpRequest': {
        const scope = this.scope();
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(step.headers ?? {})) headers[name] = renderTemplate(value, scope);
        let body: string | null = null;
        if (step.body !== undefined) body = renderTemplate(step.body, scope);
        if (step.json !== undefined) {
          body = JSON.stringify(renderJson(step.json, scope));
          headers['content-type'] ??= 'application/json';
        }
        const requestId = this.nextId('http');
        const timeoutMs = step.timeoutMs ?? 5000;
        const url = renderTemplate(step.url, scope);
        if (!/^https?:\/\//i.test(url)) throw new StepFailure(`The URL "${url}" is not http or https.`);
        this.effects.push({ type: 'httpRequest', requestId, method: step.method, url, headers, body, timeoutMs });
        const timerId = this.timer(timeoutMs);
        this.wait({ kind: 'http', stepId: step.id, requestId, timerId }, { method: step.method, url });
        return;
      }
      case 'inviteToChat': {
        const scope = this.scope();
        const render = (value: string | undefined) => (value === undefined ? undefined : renderTemplate(value, scope));
        const renderAll = (values: Record<string, string> | undefined) =>
          Object.fromEntries(Object.entries(values ?? {}).map(([name, value]) => [name, renderTemplate(value, scope)]));
        const requestId = this.nextId('invite');
        const Parameters: Record<string, unknown> = {
          _umsChannel: render(step.channel),
          _umsClientId: render(step.clientId),
          _umsBusinessId: render(step.businessId),
          StandardResponseId: render(step.standardResponse),
          ChatQueueKey: render(step.chatQueueKey),
          TerminateSessionFlag: step.terminateSession === undefined ? undefined : String(step.terminateSession),
          Contact: renderAll(step.contact),
          Agent: renderAll(step.agent),
          CustomProperties: renderAll(step.customProperties),
        };
        for (const key of Object.keys(Parameters)) if (Parameters[key] === undefined) delete Parameters[key];
        this.effects.push({
          type: 'inviteToChat',
          requestId,
          stepId: step.id,
          request: { Parameters, UserData: renderAll(step.userData) },
        });
        const timerId = this.timer((step.timeoutSeconds ?? 15) * 1000);
        this.wait({ kind: 'invite', stepId: step.id, requestId, timerId });
        return;
      }
      case 'collectInput': {
        this.prompt(step.prompt, step.id);
        const timerId = this.timer((step.timeoutSeconds ?? 10) * 1000);
        this.wait({ kind: 'input', stepId: step.id, timerId, attempt: 0 });
        return;
      }
      case 'sendMessage':
      case 'playPrompt': {
        const text = renderTemplate(step.text, this.scope());
        this.effects.push({ type: 'prompt', mode: step.type === 'playPrompt' ? 'audio' : 'message', text, stepId: step.id });
        this.leave('next', null, { text });
        return;
      }
      case 'routeToQueue': {
        const scope = this.scope();
        let priority: number | null = null;
        if (typeof step.priority === 'number') priority = step.priority;
        else if (typeof step.priority === 'string') {
          const value = evaluateExpression(step.priority, scope);
          if (typeof value !== 'number' || !Number.isInteger(value)) throw new StepFailure('priority must evaluate to an int.');
          priority = Math.max(0, Math.min(1000, value));
        }
        const preferredAgent = step.preferredAgent
          ? {
              agent: renderTemplate(step.preferredAgent.agent, scope),
              expiresAt: this.after(step.preferredAgent.expiresAfterSeconds * 1000),
            }
          : null;
        const maxWaitUntil = step.maxWaitSeconds === undefined ? null : this.after(step.maxWaitSeconds * 1000);
        this.effects.push({
          type: 'enqueue',
          stepId: step.id,
          queue: step.queue ?? null,
          priority,
          requirements: step.requirements ?? null,
          preferredAgent,
          maxWaitUntil,
        });
        const timerId = step.maxWaitSeconds === undefined ? null : this.timer(step.maxWaitSeconds * 1000);
        this.wait({ kind: 'routing', stepId: step.id, timerId }, { queue: step.queue ?? '(entry point)' });
        return;
      }
      case 'routeToAgent': {
        const agent = renderTemplate(step.agent, this.scope());
        const expiresAt = this.after(step.expiresAfterSeconds * 1000);
        this.effects.push({ type: 'routeToAgent', stepId: step.id, agent, expiresAt });
        const timerId = this.timer(step.expiresAfterSeconds * 1000);
        this.wait({ kind: 'routing', stepId: step.id, timerId }, { agent });
        return;
      }
      case 'voicemail': {
        const scope = this.scope();
        const notificationEmail = renderTemplate(step.notificationEmail, scope);
        const prompt = step.prompt === undefined ? null : renderTemplate(step.prompt, scope);
        this.effects.push({
          type: 'voicemail',
          stepId: step.id,
          notificationEmail,
          prompt,
          maxSeconds: step.maxSeconds ?? 120,
          queue: step.queue ?? null,
        });
        this.finish({ kind: 'voicemail' }, 'voicemail', { notificationEmail });
        return;
      }
      case 'callback': {
        const checked = checkCallbackRequest(
          {
            number: step.number === undefined ? undefined : renderTemplate(step.number, this.scope()),
            at: step.at === undefined ? undefined : renderTemplate(step.at, this.scope()),
            maxAttempts: step.maxAttempts,
            retryMinutes: step.retryMinutes,
          },
          {
            defaultNumber: (this.ctx.interaction.customer as string | null) ?? null,
            defaultCountry: this.ctx.defaultCountry ?? null,
            timeZone: this.ctx.timeZone,
            now: this.ctx.now,
          },
        );
        if (!checked.ok) throw new StepFailure(checked.errors.map((error) => error.message).join(' '));
        this.effects.push({ type: 'callback', stepId: step.id, request: checked.value, queue: step.queue ?? null });
        this.finish({ kind: 'callback' }, 'callback', { number: checked.value.number, at: checked.value.at });
        return;
      }
      case 'subflow': {
        const sub = this.program.flows[step.flow];
        if (!sub) throw new StepFailure(`Subflow "${step.flow}" has no active version.`);
        if (this.run.frames.length >= this.limits.maxDepth) {
          throw new StepFailure(`Subflows nest deeper than ${this.limits.maxDepth}.`);
        }
        const inputs: Record<string, unknown> = {};
        for (const [name, source] of Object.entries(step.inputs ?? {})) inputs[name] = evaluateExpression(source, this.scope());
        this.run.frames.push({
          flow: step.flow,
          stepId: sub.document.start,
          vars: {},
          inputs,
          outputVariable: step.outputVariable ?? step.id,
          entry: -1,
        });
        return;
      }
      case 'end': {
        const outputs: Record<string, unknown> = {};
        for (const [name, source] of Object.entries(step.outputs ?? {})) outputs[name] = evaluateExpression(source, this.scope());
        this.closePath('end');
        this.returnFromFrame(outputs);
        return;
      }
    }
  }

  /** Leaves the current step by a named exit; an exit not wired ends the run (or fails it). */
  private leave(exit: string, error: string | null = null, detail?: Record<string, unknown>): void {
    const step = this.currentStep();
    const target = (step.exits as Record<string, string | undefined> | undefined)?.[exit];
    this.closePath(exit, error, detail);
    if (target) {
      this.frame().stepId = target;
      return;
    }
    if (exit === 'error' || exit === 'timeout' || exit === 'noMatch') {
      const message = error ?? `Step "${step.id}" took the ${exit} exit, which leads nowhere.`;
      if (this.run.frames.length > 1) {
        // A subflow that fails hands the failure to the caller's subflow step.
        this.run.frames.pop();
        this.leave('error', `Subflow step "${step.id}": ${message}`);
        return;
      }
      this.fail('FLOW_STEP_FAILED', message, step.id);
      return;
    }
    this.returnFromFrame({});
  }

  private goto(target: string, exit: string): void {
    this.closePath(exit);
    this.frame().stepId = target;
  }

  /** Ends the current frame: back to the caller with outputs, or the run completes. */
  private returnFromFrame(outputs: Record<string, unknown>): void {
    const done = this.run.frames.pop();
    if (this.run.frames.length === 0) {
      this.run.status = 'completed';
      this.run.outcome = { kind: 'completed', outputs };
      this.effects.push({ type: 'complete', outputs });
      return;
    }
    this.frame().vars[done?.outputVariable ?? 'subflow'] = outputs;
    this.leave('next');
  }

  private finish(outcome: RunOutcome, exit: string, detail?: Record<string, unknown>): void {
    this.closePath(exit, null, detail);
    this.run.status = 'completed';
    this.run.outcome = outcome;
  }

  private wait(waiting: Waiting, detail?: Record<string, unknown>): void {
    this.run.status = 'waiting';
    this.run.waiting = waiting;
    const entry = this.run.path[this.frame().entry];
    if (entry && detail) entry.detail = { ...entry.detail, ...detail };
  }

  private fail(code: ErrorCode, message: string, stepId: string | null): StepResult {
    for (const frame of this.run.frames) this.closeEntry(frame.entry, 'failed', message);
    if (this.run.waiting) this.cancelWaitTimer(this.run.waiting);
    this.run.waiting = null;
    this.run.status = 'failed';
    this.run.outcome = { kind: 'failed', code, message, stepId };
    this.effects.push({ type: 'fail', code, message, stepId });
    return this.result();
  }

  // — helpers —

  private frame(): Frame {
    const frame = this.run.frames[this.run.frames.length - 1];
    if (!frame) throw new Error('flow run has no frame');
    return frame;
  }

  private currentStep(): FlowStep {
    const frame = this.frame();
    const flow = this.program.flows[frame.flow];
    const step = flow?.document.steps.find((s) => s.id === frame.stepId);
    if (!step) throw new Error(`flow ${frame.flow} has no step ${frame.stepId}`);
    return step;
  }

  private scope(): Record<string, unknown> {
    const frame = this.frame();
    return {
      interaction: this.ctx.interaction,
      contact: this.ctx.contact,
      vars: frame.vars,
      inputs: frame.inputs,
      now: this.localNow(),
    };
  }

  /** `now` in the tenant's zone: the same for every expression of this step (formatting it is not free). */
  private localNow(): LocalTime {
    this.nowInZone ??= localTime(this.ctx.now, this.ctx.timeZone);
    return this.nowInZone;
  }

  /** Closes the path entry of the current step with the exit taken. */
  private closePath(exit: string, error: string | null = null, detail?: Record<string, unknown>): void {
    this.closeEntry(this.frame().entry, exit, error, detail);
  }

  private closeEntry(index: number, exit: string, error: string | null = null, detail?: Record<string, unknown>): void {
    const entry = this.run.path[index];
    if (!entry || entry.leftAt !== null) return;
    entry.leftAt = this.ctx.now;
    entry.exit = exit;
    if (error) entry.error = error;
    if (detail) entry.detail = { ...entry.detail, ...detail };
  }

  private prompt(template: string, stepId: string): void {
    const text = renderTemplate(template, this.scope());
    const voice = this.ctx.interaction.channelType === 'voice';
    this.effects.push({ type: 'prompt', mode: voice ? 'audio' : 'message', text, stepId });
  }

  private nextId(kind: string): string {
    this.run.sequence++;
    return `${this.ctx.idPrefix}:${kind}:${this.run.sequence}`;
  }

  private after(ms: number): string {
    return new Date(Date.parse(this.ctx.now) + ms).toISOString();
  }

  private timer(ms: number): string {
    const timerId = this.nextId('timer');
    this.effects.push({ type: 'setTimer', timerId, at: this.after(ms) });
    return timerId;
  }

  private cancelWaitTimer(waiting: Waiting): void {
    if (waiting.timerId) this.effects.push({ type: 'cancelTimer', timerId: waiting.timerId });
  }

  private ignore(): StepResult {
    return { run: this.run, effects: [], ignored: true };
  }

  private result(): StepResult {
    return { run: this.run, effects: this.effects, ignored: false };
  }
}

/** A JSON value whose strings are templates. */
function renderJson(value: unknown, scope: Record<string, unknown>): unknown {
  if (typeof value === 'string') return renderTemplate(value, scope);
  if (Array.isArray(value)) return value.map((item) => renderJson(item, scope));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, renderJson(item, scope)]));
  }
  return value;
}
