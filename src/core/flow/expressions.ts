import { Environment } from '@marcbachmann/cel-js';

/**
 * CEL expressions and `{{ … }}` templates for flows. Values cross between JSON and CEL here:
 * JSON integers become CEL ints (so `vars.count + 1` works) and CEL results become JSON again
 * (ints → numbers, timestamps → ISO strings, bytes → base64).
 */

/** The names an expression can read; `scope` adds the ones of a step (`response`, `input`, `agent`). */
export const flowVariables = ['interaction', 'contact', 'vars', 'inputs', 'now'] as const;
export type ExpressionScope = 'flow' | 'response' | 'input' | 'agent';

const scopeVariables: Record<ExpressionScope, string[]> = {
  flow: [],
  response: ['response'],
  input: ['input'],
  agent: ['agent'],
};

const limits = { maxAstNodes: 2000, maxDepth: 50, maxListElements: 1000, maxMapEntries: 1000, maxCallArguments: 16 };

const environments = new Map<ExpressionScope, Environment>();
function environment(scope: ExpressionScope): Environment {
  let env = environments.get(scope);
  if (!env) {
    env = new Environment({ homogeneousAggregateLiterals: false, enableOptionalTypes: true, limits });
    // Routing requirements are evaluated by the router against each agent, long after the flow step
    // ran: `agent` is all they can read, so naming anything else is refused when they are uploaded.
    const names = scope === 'agent' ? scopeVariables.agent : [...flowVariables, ...scopeVariables[scope]];
    for (const name of names) env.registerVariable(name, 'dyn');
    environments.set(scope, env);
  }
  return env;
}

/** A compiled expression: evaluate it against a context converted with toCel. */
export type CompiledExpression = (celContext: Record<string, unknown>) => unknown;

export type Compilation =
  | { ok: true; evaluateConverted: CompiledExpression }
  | { ok: false; message: string; column: number | null };

// Compiled expressions are cached: flow versions are immutable, so the same text recurs on every run.
const cache = new Map<string, Compilation>();
const cacheLimit = 10_000;

/** The column (1-based) the library's caret diagram points at, if any. */
function caretColumn(message: string): number | null {
  const lines = message.split('\n');
  const source = lines.findIndex((line) => /^>\s+\d+ \| /.test(line));
  const caret = source >= 0 ? lines[source + 1] : undefined;
  const prefix = source >= 0 ? /^>\s+\d+ \| /.exec(lines[source] ?? '')?.[0].length : undefined;
  if (caret === undefined || prefix === undefined) return null;
  const index = caret.indexOf('^');
  return index >= 0 ? index - prefix + 1 : null;
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

/** Parses and type-checks an expression; the message and column of the first problem if any. */
export function compileExpression(source: string, scope: ExpressionScope = 'flow'): Compilation {
  const key = `${scope}\u0000${source}`;
  const cached = cache.get(key);
  if (cached) return cached;
  let result: Compilation;
  try {
    const env = environment(scope);
    const checked = env.check(source);
    if (!checked.valid) {
      const message = checked.error?.message ?? 'invalid expression';
      const hint =
        scope === 'agent' && /^Unknown variable/.test(message)
          ? ' (requirements can read only `agent`: the router checks them against each agent, after the flow has moved on)'
          : '';
      result = { ok: false, message: `${firstLine(message)}${hint}`, column: caretColumn(message) };
    } else {
      const parsed = env.parse(source);
      result = { ok: true, evaluateConverted: (celContext) => parsed(celContext) };
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    result = { ok: false, message: firstLine(message), column: caretColumn(message) };
  }
  if (cache.size >= cacheLimit) cache.clear();
  cache.set(key, result);
  return result;
}

/** Thrown when an expression fails at run time (a missing key, a bad overload, a non-bool condition). */
export class ExpressionError extends Error {}

/**
 * Evaluates an expression against a context already converted with toCel (the router converts each
 * agent once and evaluates many requirements against it).
 */
export function evaluateConverted(source: string, celContext: Record<string, unknown>, scope: ExpressionScope = 'flow'): unknown {
  const compiled = compileExpression(source, scope);
  if (!compiled.ok) throw new ExpressionError(`${compiled.message} in "${source}"`);
  try {
    return compiled.evaluateConverted(celContext);
  } catch (error) {
    throw new ExpressionError(`${firstLine(error instanceof Error ? error.message : String(error))} in "${source}"`);
  }
}

/** Evaluates an expression over a JSON context and gives JSON back; library errors become ExpressionError. */
export function evaluateExpression(source: string, context: Record<string, unknown>, scope: ExpressionScope = 'flow'): unknown {
  return fromCel(evaluateConverted(source, toCel(context) as Record<string, unknown>, scope));
}

const templatePart = /\{\{([\s\S]*?)\}\}/g;

/** The expressions inside a template, with their offsets, for validation. */
export function templateExpressions(template: string): { source: string; offset: number }[] {
  return [...template.matchAll(templatePart)].map((match) => ({ source: (match[1] ?? '').trim(), offset: match.index ?? 0 }));
}

/** Fills `{{ expression }}` parts of a template; values that are not strings are written as JSON. */
export function renderTemplate(template: string, context: Record<string, unknown>, scope: ExpressionScope = 'flow'): string {
  return template.replace(templatePart, (_, source: string) => {
    const value = evaluateExpression(source.trim(), context, scope);
    if (value === null || value === undefined) return '';
    return typeof value === 'string' ? value : JSON.stringify(value);
  });
}

/** JSON → CEL: integral numbers become ints; objects and arrays are converted deeply. */
export function toCel(value: unknown): unknown {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(toCel);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = toCel(item);
    return out;
  }
  return value;
}

/** CEL → JSON. */
export function fromCel(value: unknown): unknown {
  if (typeof value === 'bigint') {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return btoa(String.fromCharCode(...value));
  if (value instanceof Map) return Object.fromEntries([...value.entries()].map(([k, v]) => [String(k), fromCel(v)]));
  if (Array.isArray(value)) return value.map(fromCel);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = fromCel(item);
    return out;
  }
  return value;
}
