/**
 * The field-code language of standard responses (Genesys eServices field codes, CONTRACT 1(a''')):
 * text with formulas between `<$` and `$>`. This module reads a template into its parts; the
 * evaluator (field-code-evaluator.ts) renders them. Pure: no I/O.
 *
 * Formulas: string constants in double quotes (single quotes too, for formulas inside structured JSON),
 * numbers (scientific notation allowed), the escapes \a \b \f \n \r \t \v \' \" \\, names with dotted
 * properties (`Contact.FirstName`), calls (`Left(Contact.FirstName, 1)`,
 * `Interaction.AttachedData("Key")`), and operators, loosest first:
 *   `:` (format)  ·  comparisons `=` `==` `EQ` `<>` `!=` `NE` `>` `GT` `>=` `GE` `<` `LT` `<=` `LE`
 *   ·  `+` `-`  ·  `*` `/` `Mod`  ·  `^` (right to left)  ·  unary `-`.
 */

/** An expression of a formula. */
export type Expr =
  | { kind: 'string'; value: string; at: number }
  | { kind: 'number'; value: number; at: number }
  | { kind: 'name'; path: string[]; at: number }
  | { kind: 'call'; callee: string[]; args: Expr[]; at: number }
  | { kind: 'unary'; op: '-'; operand: Expr; at: number }
  | { kind: 'binary'; op: BinaryOp; left: Expr; right: Expr; at: number };

export type BinaryOp = ':' | '=' | '<>' | '>' | '>=' | '<' | '<=' | '+' | '-' | '*' | '/' | 'Mod' | '^';

/** A template: its text and formulas, in order. */
export type TemplatePart = { kind: 'text'; text: string } | { kind: 'formula'; expr: Expr; at: number };

/** A mistake in a template, with where it is (an offset into the template, and line and column from 1). */
export class FieldCodeError extends Error {
  constructor(
    message: string,
    readonly position: number,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${message} (line ${line}, column ${column})`);
  }
}

type Token =
  | { kind: 'string'; value: string; at: number }
  | { kind: 'number'; value: number; at: number }
  | { kind: 'name'; value: string; at: number }
  | { kind: 'op'; value: string; at: number }
  | { kind: 'end'; at: number };

const escapes: Record<string, string> = {
  a: '\u0007',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  "'": "'",
  '"': '"',
  '\\': '\\',
};

/** Word operators, any case. */
const wordOps: Record<string, BinaryOp> = { eq: '=', ne: '<>', gt: '>', ge: '>=', lt: '<', le: '<=', mod: 'Mod' };

/** The longest formula read (a template is bounded by the API's input limits anyway). */
const maxFormulaLength = 4096;
/** Nesting of parentheses and calls: deeper is refused rather than recursed into. */
const maxDepth = 64;

function locate(template: string, position: number): { line: number; column: number } {
  const before = template.slice(0, position);
  const line = before.split('\n').length;
  return { line, column: position - before.lastIndexOf('\n') };
}

function fail(template: string, message: string, position: number): never {
  const { line, column } = locate(template, position);
  throw new FieldCodeError(message, position, line, column);
}

/** The tokens of one formula; `offset` is where the formula starts in the template. */
function tokenize(template: string, source: string, offset: number): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i] as string;
    const at = offset + i;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= source.length) fail(template, 'This string is not closed', at);
        const d = source[j] as string;
        if (d === c) break;
        if (d === '\\') {
          const e = source[j + 1];
          const escaped = e === undefined ? undefined : escapes[e];
          if (escaped === undefined) fail(template, `Unknown escape \\${e ?? ''}`, offset + j);
          value += escaped;
          j += 2;
          continue;
        }
        value += d;
        j++;
      }
      tokens.push({ kind: 'string', value, at });
      i = j + 1;
      continue;
    }
    const number = /^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/.exec(source.slice(i));
    if (number) {
      tokens.push({ kind: 'number', value: Number(number[0]), at });
      i += number[0].length;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(i));
    if (name) {
      const word = name[0];
      const op = wordOps[word.toLowerCase()];
      tokens.push(op ? { kind: 'op', value: op, at } : { kind: 'name', value: word, at });
      i += word.length;
      continue;
    }
    const two = source.slice(i, i + 2);
    if (['==', '<>', '!=', '>=', '<='].includes(two)) {
      tokens.push({ kind: 'op', value: two === '==' ? '=' : two === '!=' ? '<>' : two, at });
      i += 2;
      continue;
    }
    if ('+-*/^:=<>(),.'.includes(c)) {
      tokens.push({ kind: 'op', value: c, at });
      i++;
      continue;
    }
    fail(template, `Unexpected character ${JSON.stringify(c)}`, at);
  }
  tokens.push({ kind: 'end', at: offset + source.length });
  return tokens;
}

const comparison = new Set(['=', '<>', '>', '>=', '<', '<=']);

/** One formula's expression (a Pratt parser over its tokens). */
function parseFormula(template: string, tokens: Token[]): Expr {
  let index = 0;
  let depth = 0;
  const peek = () => tokens[index] as Token;
  const next = () => tokens[index++] as Token;
  const isOp = (value: string) => {
    const t = peek();
    return t.kind === 'op' && t.value === value;
  };
  const expect = (value: string, what: string) => {
    if (!isOp(value)) fail(template, `Expected ${what}`, peek().at);
    next();
  };

  const levels: { ops: Set<string>; right?: boolean }[] = [
    { ops: new Set([':']) },
    { ops: comparison },
    { ops: new Set(['+', '-']) },
    { ops: new Set(['*', '/', 'Mod']) },
    { ops: new Set(['^']), right: true },
  ];

  function binary(level: number): Expr {
    if (level >= levels.length) return unary();
    const { ops, right } = levels[level] as { ops: Set<string>; right?: boolean };
    let left = binary(level + 1);
    for (;;) {
      const t = peek();
      if (t.kind !== 'op' || !ops.has(t.value)) return left;
      next();
      const rhs = right ? binary(level) : binary(level + 1);
      left = { kind: 'binary', op: t.value as BinaryOp, left, right: rhs, at: t.at };
      if (right) return left;
    }
  }

  function unary(): Expr {
    const t = peek();
    if (t.kind === 'op' && t.value === '-') {
      next();
      return { kind: 'unary', op: '-', operand: unary(), at: t.at };
    }
    return primary();
  }

  function primary(): Expr {
    const t = next();
    if (t.kind === 'string') return { kind: 'string', value: t.value, at: t.at };
    if (t.kind === 'number') return { kind: 'number', value: t.value, at: t.at };
    if (t.kind === 'op' && t.value === '(') {
      if (++depth > maxDepth) fail(template, 'Nested too deep', t.at);
      const inner = binary(0);
      expect(')', 'a closing parenthesis');
      depth--;
      return inner;
    }
    if (t.kind === 'name') {
      const path = [t.value];
      while (isOp('.')) {
        next();
        const part = next();
        if (part.kind !== 'name') fail(template, 'Expected a property name after the dot', part.at);
        path.push(part.value);
      }
      if (!isOp('(')) return { kind: 'name', path, at: t.at };
      next();
      if (++depth > maxDepth) fail(template, 'Nested too deep', t.at);
      const args: Expr[] = [];
      if (!isOp(')')) {
        for (;;) {
          args.push(binary(0));
          if (isOp(',')) {
            next();
            continue;
          }
          break;
        }
      }
      expect(')', 'a closing parenthesis or a comma');
      depth--;
      return { kind: 'call', callee: path, args, at: t.at };
    }
    if (t.kind === 'end') fail(template, 'The formula ends too early', t.at);
    fail(template, `Unexpected ${JSON.stringify(t.value)}`, t.at);
  }

  const expr = binary(0);
  const rest = peek();
  if (rest.kind !== 'end')
    fail(template, `Unexpected ${rest.kind === 'op' ? JSON.stringify(rest.value) : rest.kind} after the formula`, rest.at);
  return expr;
}

/** Reads a template into text and formulas; a mistake is a FieldCodeError with its position. */
export function parseTemplate(template: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('<$', i);
    const close = template.indexOf('$>', i);
    if (close !== -1 && (open === -1 || close < open)) fail(template, 'A $> closes no <$', close);
    if (open === -1) {
      parts.push({ kind: 'text', text: template.slice(i) });
      break;
    }
    if (open > i) parts.push({ kind: 'text', text: template.slice(i, open) });
    const end = template.indexOf('$>', open + 2);
    if (end === -1) fail(template, 'This <$ is not closed with $>', open);
    const nested = template.indexOf('<$', open + 2);
    if (nested !== -1 && nested < end) fail(template, 'A formula cannot hold another <$', nested);
    const source = template.slice(open + 2, end);
    if (source.length > maxFormulaLength) fail(template, `A formula is at most ${maxFormulaLength} characters`, open);
    if (source.trim() === '') fail(template, 'An empty formula', open);
    parts.push({ kind: 'formula', expr: parseFormula(template, tokenize(template, source, open + 2)), at: open });
    i = end + 2;
  }
  return parts;
}
