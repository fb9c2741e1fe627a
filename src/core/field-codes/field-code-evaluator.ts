import { type Expr, FieldCodeError, parseTemplate, type TemplatePart } from './field-code-parser.js';

/**
 * Renders field-code templates (see field-code-parser.ts) with the values of an invitation: the
 * system objects Interaction, Contact, Agent, and CustomProperties. A value that is not there renders
 * empty (CONTRACT 1(c) 18); arithmetic is floating point, rounded only when formatted; string
 * comparisons ignore case. Pure: the time zone and every value come in the context.
 */

/** A field code's value: text, a number, a date and time (`Date`), true/false, or nothing. */
export type Value = string | number | boolean | Date | null;

export interface FieldCodeContext {
  interaction: {
    Id?: string;
    DateCreated?: string;
    Subject?: string;
    ToAddress?: string;
    FromAddress?: string;
    /** "GMT", "GMT+hh.mm" or "GMT-hh.mm": the zone dates are shown in (GMT when absent). */
    TimeZone?: string;
    attachedData: Record<string, unknown>;
  };
  contact: Record<string, unknown>;
  agent: Record<string, unknown>;
  custom: Record<string, unknown>;
}

const weekdays = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const months = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** A mistake found while evaluating (a function given the wrong arguments), with its position. */
function fail(at: number, message: string): never {
  throw new FieldCodeError(message, at, 0, 0);
}

/** A stored value as a field-code value: numbers stay numbers, the rest is text. */
function fromData(value: unknown): Value {
  if (value === undefined || value === null) return null;
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map((v) => String(v)).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** The value of a case-insensitive key of a record. */
function lookup(record: Record<string, unknown>, key: string): Value {
  if (key in record) return fromData(record[key]);
  const found = Object.keys(record).find((k) => k.toLowerCase() === key.toLowerCase());
  return found === undefined ? null : fromData(record[found]);
}

function toNumber(value: Value): number | null {
  if (value === null || value === '') return null;
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof Date) return value.getTime();
  const n = Number(value.trim());
  return Number.isFinite(n) ? n : null;
}

/** The zone offset of "GMT", "GMT+hh.mm" or "GMT-hh.mm", in minutes. */
function zoneOffset(zone: string | undefined): number {
  const match = /^GMT(?:([+-])(\d{1,2})(?:[.:](\d{2}))?)?$/i.exec((zone ?? 'GMT').trim());
  if (!match || !match[1]) return 0;
  const minutes = Number(match[2]) * 60 + Number(match[3] ?? 0);
  return match[1] === '-' ? -minutes : minutes;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** A date shown in a zone: its parts as a clock there reads them. */
function parts(date: Date, offsetMinutes: number) {
  const shifted = new Date(date.getTime() + offsetMinutes * 60_000);
  return {
    year: shifted.getUTCFullYear(),
    month: shifted.getUTCMonth(),
    day: shifted.getUTCDate(),
    weekday: shifted.getUTCDay(),
    hour: shifted.getUTCHours(),
    minute: shifted.getUTCMinutes(),
    second: shifted.getUTCSeconds(),
  };
}

/** Dates: yyyy yy MMMM MMM MM M dddd ddd dd d HH H hh h mm ss tt; anything else as written. */
function formatDate(date: Date, pattern: string, offsetMinutes: number): string {
  const p = parts(date, offsetMinutes);
  const tokens: Record<string, () => string> = {
    yyyy: () => String(p.year),
    yy: () => pad(p.year % 100),
    MMMM: () => months[p.month] as string,
    MMM: () => (months[p.month] as string).slice(0, 3),
    MM: () => pad(p.month + 1),
    M: () => String(p.month + 1),
    dddd: () => weekdays[p.weekday] as string,
    ddd: () => (weekdays[p.weekday] as string).slice(0, 3),
    dd: () => pad(p.day),
    d: () => String(p.day),
    HH: () => pad(p.hour),
    H: () => String(p.hour),
    hh: () => pad(p.hour % 12 === 0 ? 12 : p.hour % 12),
    h: () => String(p.hour % 12 === 0 ? 12 : p.hour % 12),
    mm: () => pad(p.minute),
    ss: () => pad(p.second),
    tt: () => (p.hour < 12 ? 'AM' : 'PM'),
  };
  return pattern.replace(/yyyy|yy|MMMM|MMM|MM|M|dddd|ddd|dd|d|HH|H|hh|h|mm|ss|tt/g, (token) => (tokens[token] as () => string)());
}

/**
 * Numbers: `#` and `0` digit places (the count after the point is the decimals, shown always, as in
 * `2 : "#.##"` → `2.00`), a `,` in the integer part groups thousands; text around is kept.
 */
function formatNumber(n: number, pattern: string): string {
  const match = /[#0,]+(\.[#0]+)?|\.[#0]+/.exec(pattern);
  if (!match) return `${pattern}${show(n)}`;
  const spec = match[0];
  const [integerSpec = '', fractionSpec] = spec.split('.');
  const decimals = fractionSpec ? fractionSpec.length : 0;
  const fixed = Math.abs(n).toFixed(decimals);
  let [integer = '0', fraction] = fixed.split('.');
  integer = integer.padStart(integerSpec.replace(/[^0]/g, '').length, '0');
  if (integerSpec.includes(',')) integer = integer.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const sign = n < 0 && Number(fixed) !== 0 ? '-' : '';
  const body = `${sign}${integer}${fraction ? `.${fraction}` : ''}`;
  return `${pattern.slice(0, match.index)}${body}${pattern.slice(match.index + spec.length)}`;
}

/** How a value shows in the text. */
export function show(value: Value, offsetMinutes = 0): string {
  if (value === null) return '';
  if (value instanceof Date) return formatDate(value, 'yyyy-MM-dd HH:mm:ss', offsetMinutes);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(15)));
  return value;
}

function compare(op: string, left: Value, right: Value): boolean {
  // Numbers (and dates) by value; text without regard to case.
  const a = toNumber(left);
  const b = toNumber(right);
  let order: number;
  if (a !== null && b !== null) order = a - b;
  else {
    const x = show(left).toLowerCase();
    const y = show(right).toLowerCase();
    order = x < y ? -1 : x > y ? 1 : 0;
  }
  switch (op) {
    case '=':
      return order === 0;
    case '<>':
      return order !== 0;
    case '>':
      return order > 0;
    case '>=':
      return order >= 0;
    case '<':
      return order < 0;
    default:
      return order <= 0;
  }
}

/** The functions formulas may call (names in any case). */
const functions: Record<string, { arity: [number, number]; run: (args: Value[], at: number, zone: number) => Value }> = {
  length: { arity: [1, 1], run: ([s]) => show(s ?? null).length },
  left: {
    arity: [2, 2],
    run: ([s, n], at) => {
      const count = toNumber(n ?? null);
      if (count === null) fail(at, 'Left takes a text and a count');
      return show(s ?? null).slice(0, Math.max(0, Math.trunc(count)));
    },
  },
  right: {
    arity: [2, 2],
    run: ([s, n], at) => {
      const count = toNumber(n ?? null);
      if (count === null) fail(at, 'Right takes a text and a count');
      const text = show(s ?? null);
      return count <= 0 ? '' : text.slice(Math.max(0, text.length - Math.trunc(count)));
    },
  },
  mid: {
    arity: [2, 3],
    run: ([s, start, count], at) => {
      const from = toNumber(start ?? null);
      if (from === null) fail(at, 'Mid takes a text, a 0-based start and a count');
      const text = show(s ?? null);
      const n = count === undefined ? text.length : toNumber(count);
      if (n === null) fail(at, 'Mid takes a text, a 0-based start and a count');
      return text.slice(Math.max(0, Math.trunc(from)), Math.max(0, Math.trunc(from)) + Math.max(0, Math.trunc(n)));
    },
  },
  find: { arity: [2, 2], run: ([s, part]) => show(s ?? null).indexOf(show(part ?? null)) },
  upper: { arity: [1, 1], run: ([s]) => show(s ?? null).toUpperCase() },
  lower: { arity: [1, 1], run: ([s]) => show(s ?? null).toLowerCase() },
  trim: { arity: [1, 1], run: ([s]) => show(s ?? null).trim() },
  date: {
    arity: [3, 6],
    run: (args, at, zone) => {
      const n = args.map((a) => toNumber(a));
      if (n.some((x) => x === null)) fail(at, 'Date takes year, month, day and optionally hour, minute, second');
      const [y, mo, d, h = 0, mi = 0, s = 0] = n as number[];
      // The date as a clock in the context's zone reads it.
      return new Date(Date.UTC(y as number, (mo as number) - 1, d, h, mi, s) - zone * 60_000);
    },
  },
  weekdayname: {
    arity: [1, 1],
    run: ([d], at, zone) => {
      if (!(d instanceof Date)) fail(at, 'WeekdayName takes a date');
      return weekdays[parts(d, zone).weekday] as string;
    },
  },
  monthname: {
    arity: [1, 1],
    run: ([d], at, zone) => {
      if (!(d instanceof Date)) fail(at, 'MonthName takes a date');
      return months[parts(d, zone).month] as string;
    },
  },
};

/** The names a template may use, for the docs and for checking a template at upload. */
export const functionNames = [
  'Length',
  'Left',
  'Right',
  'Mid',
  'Find',
  'Upper',
  'Lower',
  'Trim',
  'Date',
  'WeekdayName',
  'MonthName',
];

function evaluate(expr: Expr, ctx: FieldCodeContext, zone: number): Value {
  switch (expr.kind) {
    case 'string':
    case 'number':
      return expr.value;
    case 'name': {
      const [object, property, ...rest] = expr.path;
      if (rest.length > 0 || !object || !property) return null;
      const o = object.toLowerCase();
      if (o === 'interaction') {
        const value = lookup(ctx.interaction as unknown as Record<string, unknown>, property);
        if (property.toLowerCase() === 'datecreated' && typeof value === 'string') {
          const date = new Date(value);
          return Number.isNaN(date.getTime()) ? value : date;
        }
        return property.toLowerCase() === 'attacheddata' ? null : value;
      }
      if (o === 'contact') return lookup(ctx.contact, property);
      if (o === 'agent') return lookup(ctx.agent, property);
      if (o === 'customproperties') return lookup(ctx.custom, property);
      return null;
    }
    case 'call': {
      const args = expr.args.map((arg) => evaluate(arg, ctx, zone));
      const [object, property] = expr.callee;
      if (expr.callee.length === 2 && object?.toLowerCase() === 'interaction' && property?.toLowerCase() === 'attacheddata') {
        if (args.length !== 1) fail(expr.at, 'AttachedData takes one key');
        return lookup(ctx.interaction.attachedData, show(args[0] ?? null));
      }
      if (expr.callee.length === 1 && object?.toLowerCase() === 'customproperties') {
        if (args.length !== 1) fail(expr.at, 'CustomProperties takes one name');
        return lookup(ctx.custom, show(args[0] ?? null));
      }
      const fn = expr.callee.length === 1 ? functions[(object ?? '').toLowerCase()] : undefined;
      if (!fn) fail(expr.at, `Unknown function ${expr.callee.join('.')}`);
      if (args.length < fn.arity[0] || args.length > fn.arity[1]) {
        fail(
          expr.at,
          `${expr.callee.join('.')} takes ${fn.arity[0] === fn.arity[1] ? fn.arity[0] : `${fn.arity[0]} to ${fn.arity[1]}`} argument(s)`,
        );
      }
      return fn.run(args, expr.at, zone);
    }
    case 'unary': {
      const n = toNumber(evaluate(expr.operand, ctx, zone));
      return n === null ? null : -n;
    }
    case 'binary': {
      const left = evaluate(expr.left, ctx, zone);
      const right = evaluate(expr.right, ctx, zone);
      if (expr.op === ':') {
        if (left === null) return null;
        const pattern = show(right);
        if (left instanceof Date) return formatDate(left, pattern, zone);
        const n = toNumber(left);
        return n === null ? show(left) : formatNumber(n, pattern);
      }
      if (['=', '<>', '>', '>=', '<', '<='].includes(expr.op)) return compare(expr.op, left, right);
      if (expr.op === '+') {
        // Numbers add (numeric text too: attached data is often text); anything else joins as text.
        const a = toNumber(left);
        const b = toNumber(right);
        return a !== null && b !== null ? a + b : `${show(left, zone)}${show(right, zone)}`;
      }
      const a = toNumber(left);
      const b = toNumber(right);
      if (a === null || b === null) return null;
      switch (expr.op) {
        case '-':
          return a - b;
        case '*':
          return a * b;
        case '/':
          return b === 0 ? null : a / b;
        case 'Mod':
          return b === 0 ? null : a % b;
        default:
          return a ** b;
      }
    }
  }
}

/** A template read once, rendered for each invitation. */
export interface FieldCodeTemplate {
  parts: TemplatePart[];
  render(ctx: FieldCodeContext): string;
}

/** Reads a template (a FieldCodeError names the position of a mistake) for rendering. */
export function compileTemplate(template: string): FieldCodeTemplate {
  const parsed = parseTemplate(template);
  return {
    parts: parsed,
    render(ctx) {
      const zone = zoneOffset(ctx.interaction.TimeZone);
      return parsed.map((part) => (part.kind === 'text' ? part.text : show(evaluate(part.expr, ctx, zone), zone))).join('');
    },
  };
}

/** Renders a template at once. */
export function renderTemplate(template: string, ctx: FieldCodeContext): string {
  return compileTemplate(template).render(ctx);
}
