import { type ApiError, AppError, apiError } from './errors.js';

/**
 * Bounds on JSON that comes from outside (request bodies, flow HTTP answers) and on free-form objects
 * (`attributes`, `callAttributes`, `flowInputParameters`, flow `inputs`). A value nested thousands of
 * levels deep parses fine but overflows the stack of every recursive reader after it (serialisation,
 * structured clone, freezing), so depth is checked without recursion, at the edge, before anything
 * else sees the value. The limits are far above what an integration sends (docs/api.md#limits).
 */
export const jsonLimits = {
  /** Nesting of a whole request body or of a flow HTTP answer (a flow document nests about 8 deep). */
  maxBodyDepth: 64,
  /** Nesting of what is stored; a stored record deeper than this is reported and skipped when read. */
  maxStoredDepth: 128,
  freeForm: {
    /** Levels of objects and arrays inside the free-form object itself ({"a":{"b":1}} is 2). */
    maxDepth: 16,
    /** Keys and array items, counted over all levels. */
    maxEntries: 1000,
    maxKeyLength: 256,
    maxStringLength: 16_384,
    /** The object's size as JSON text (UTF-16 code units, close to bytes for ASCII). */
    maxJsonLength: 64 * 1024,
  },
} as const;

/**
 * The deepest nesting of objects and arrays in a JSON value (a scalar is 0, `[]` is 1), counted
 * without recursion; it stops counting once past `stopAfter`, so a huge value costs little.
 */
export function jsonDepth(value: unknown, stopAfter = Number.POSITIVE_INFINITY): number {
  if (value === null || typeof value !== 'object') return 0;
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop() as [unknown, number];
    if (depth > deepest) deepest = depth;
    if (deepest > stopAfter) return deepest;
    for (const child of Object.values(current as object)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return deepest;
}

/** Why a free-form object is over its limits, or null when it is within them. */
export function freeFormProblem(value: unknown): string | null {
  const limits = jsonLimits.freeForm;
  if (value === null || typeof value !== 'object') return null;
  let entries = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop() as [unknown, number];
    if (depth > limits.maxDepth) return `is nested more than ${limits.maxDepth} levels deep`;
    const isArray = Array.isArray(current);
    for (const [key, child] of Object.entries(current as object)) {
      entries += 1;
      if (entries > limits.maxEntries) return `has more than ${limits.maxEntries} keys and items`;
      if (!isArray && key.length > limits.maxKeyLength) return `has a key longer than ${limits.maxKeyLength} characters`;
      if (typeof child === 'string' && child.length > limits.maxStringLength) {
        return `has a string longer than ${limits.maxStringLength} characters`;
      }
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  // Safe to serialise now: the depth is bounded.
  if (JSON.stringify(value).length > limits.maxJsonLength) return `is larger than ${limits.maxJsonLength / 1024} KiB as JSON`;
  return null;
}

/** ATTRIBUTES_TOO_LARGE on the field when a free-form object is over its limits, else null. */
export function freeFormError(value: unknown, field: string): ApiError | null {
  const problem = freeFormProblem(value);
  return problem ? apiError('ATTRIBUTES_TOO_LARGE', `${field} ${problem}.`, field) : null;
}

/** Throws ATTRIBUTES_TOO_LARGE when a free-form object is over its limits. */
export function checkFreeForm(value: unknown, field: string): void {
  const error = freeFormError(value, field);
  if (error) throw new AppError(error);
}

/** Refuses a request body nested deeper than jsonLimits.maxBodyDepth with BODY_TOO_DEEP. */
export function checkBodyDepth(value: unknown): void {
  if (jsonDepth(value, jsonLimits.maxBodyDepth) > jsonLimits.maxBodyDepth) {
    throw new AppError(apiError('BODY_TOO_DEEP', `The body is nested more than ${jsonLimits.maxBodyDepth} levels deep.`));
  }
}
