import { useEffect, useState } from 'preact/hooks';
import { api } from './api.js';
import type { Item } from './resources.js';

export type Problem = { code: string; field?: string; message: string };

/**
 * One field of a form, at its path in the record (`routing/selection`: the path the API's errors name, so
 * an error is shown at its field).
 */
export type FieldSpec = {
  path: string;
  label: string;
  hint?: string;
  required?: boolean;
  /** Left empty, the field is sent as null (the API's way to clear it) instead of left out. */
  nullable?: boolean;
} & (
  | { kind: 'text' | 'number' | 'checkbox' | 'textarea' }
  /** One of a few words; an optional one may be left unset. */
  | { kind: 'select'; options: readonly string[] }
  /** The id of another resource of the tenant (`queues`), chosen by its name; `multiple` for a list of ids. */
  | { kind: 'ref'; resource: string; multiple?: boolean }
  /** A list of words or numbers, one per line. */
  | { kind: 'lines' }
  /** A list of records, each with the same fields (a queue's escalation steps). */
  | { kind: 'rows'; of: FieldSpec[]; blank: Item }
  /** Names with a number each (an agent's skills and their levels). */
  | { kind: 'levels'; keyLabel: string; valueLabel: string }
  /** A value the form has no fields for, as JSON. */
  | { kind: 'json' }
);

const segments = (path: string) => path.split('/').filter(Boolean);

export function valueAt(record: Item, path: string): unknown {
  // biome-ignore lint/suspicious/noExplicitAny: walking JSON.
  return segments(path).reduce<any>((value, key) => (value == null ? undefined : value[key]), record);
}

/** A copy of the record with the value at the path replaced (undefined removes it). */
export function withValue(record: Item, path: string, value: unknown): Item {
  const [head, ...rest] = segments(path);
  if (head === undefined) return record;
  const copy: Item = Array.isArray(record) ? ([...record] as unknown as Item) : { ...record };
  if (rest.length === 0) {
    if (value === undefined) delete copy[head];
    else copy[head] = value;
    return copy;
  }
  const child = copy[head] && typeof copy[head] === 'object' ? copy[head] : {};
  copy[head] = withValue(child, rest.join('/'), value);
  return copy;
}

/** The API's errors at or under a field's path. */
const problemsAt = (problems: Problem[], path: string) =>
  problems.filter((p) => p.field !== undefined && (p.field === path || p.field.startsWith(`${path}/`)));

/** Errors no field of the form shows (they are listed above the form). */
export function unplaced(problems: Problem[], fields: FieldSpec[]): Problem[] {
  return problems.filter((p) => !fields.some((f) => problemsAt([p], f.path).length > 0));
}

let nextId = 0;
const fieldId = () => `field-${++nextId}`;

/** The other resources `ref` fields choose among, loaded once per form. */
function useChoices(base: string, fields: FieldSpec[]): Record<string, Item[]> {
  const [choices, setChoices] = useState<Record<string, Item[]>>({});
  const wanted = [...new Set(fields.flatMap((f) => (f.kind === 'ref' ? [f.resource] : [])))];
  useEffect(() => {
    let live = true;
    void Promise.all(
      wanted.map(async (resource) => {
        const { result } = await api<{ result: Item[] }>('GET', `${base}/${resource}?limit=200`);
        return [resource, result] as const;
      }),
    )
      .then((loaded) => live && setChoices(Object.fromEntries(loaded)))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [base, wanted.join()]);
  return choices;
}

const nameOf = (item: Item) => item.name ?? item.address ?? item.email ?? item.id;

/**
 * A form over a record: one control per field, each labelled, with the API's errors for that field under
 * it (and the control marked invalid). The record is kept whole: fields the form has no control for are
 * sent back as they were.
 */
export function RecordForm({
  base,
  fields,
  record,
  onChange,
  problems,
}: {
  base: string;
  fields: FieldSpec[];
  record: Item;
  onChange: (record: Item) => void;
  problems: Problem[];
}) {
  const choices = useChoices(base, fields);
  return (
    <div class="record-form">
      {fields.map((field) => (
        <Field
          key={field.path}
          field={field}
          value={valueAt(record, field.path)}
          onChange={(value) => onChange(withValue(record, field.path, value))}
          problems={problemsAt(problems, field.path)}
          choices={choices}
        />
      ))}
    </div>
  );
}

function Field({
  field,
  value,
  onChange,
  problems,
  choices,
}: {
  field: FieldSpec;
  value: unknown;
  onChange: (value: unknown) => void;
  problems: Problem[];
  choices: Record<string, Item[]>;
}) {
  const [id] = useState(fieldId);
  const errorId = `${id}-errors`;
  const invalid = problems.length > 0;
  const described = {
    'aria-invalid': invalid ? ('true' as const) : undefined,
    'aria-describedby': invalid ? errorId : undefined,
  };
  const errors = invalid ? (
    <ul id={errorId} class="field-problems">
      {problems.map((p) => (
        <li key={`${p.field}:${p.code}`}>
          {p.field !== field.path ? <code>{p.field}</code> : null} {p.message}
        </li>
      ))}
    </ul>
  ) : null;
  const hint = field.hint ? <small>{field.hint}</small> : null;
  const input = (e: Event) => (e.currentTarget as HTMLInputElement).value;
  const empty = field.nullable ? null : undefined;

  switch (field.kind) {
    case 'checkbox':
      return (
        <div class="field checkbox">
          <label>
            <input
              type="checkbox"
              checked={value === true}
              onChange={(e) => onChange((e.currentTarget as HTMLInputElement).checked)}
              {...described}
            />
            {field.label}
          </label>
          {hint}
          {errors}
        </div>
      );
    case 'rows':
      return <Rows field={field} value={value} onChange={onChange} problems={problems} choices={choices} errors={errors} />;
    case 'levels':
      return <Levels field={field} value={value} onChange={onChange} errors={errors} />;
    case 'ref':
      if (field.multiple) {
        const selected = new Set(Array.isArray(value) ? (value as string[]) : []);
        return (
          <fieldset class="field" {...described}>
            <legend>{field.label}</legend>
            {(choices[field.resource] ?? []).map((item) => (
              <label key={item.id} class="inline">
                <input
                  type="checkbox"
                  checked={selected.has(item.id)}
                  onChange={(e) => {
                    const next = new Set(selected);
                    if ((e.currentTarget as HTMLInputElement).checked) next.add(item.id);
                    else next.delete(item.id);
                    onChange([...next]);
                  }}
                />
                {nameOf(item)}
              </label>
            ))}
            {hint}
            {errors}
          </fieldset>
        );
      }
      return (
        <div class="field">
          <label for={id}>{field.label}</label>
          <select id={id} value={(value as string) ?? ''} onChange={(e) => onChange(input(e) || empty)} {...described}>
            <option value="">{field.required ? 'Choose…' : '(none)'}</option>
            {(choices[field.resource] ?? []).map((item) => (
              <option key={item.id} value={item.id}>
                {nameOf(item)}
              </option>
            ))}
            {typeof value === 'string' && value && !(choices[field.resource] ?? []).some((i) => i.id === value) ? (
              <option value={value}>{value}</option>
            ) : null}
          </select>
          {hint}
          {errors}
        </div>
      );
    case 'select':
      return (
        <div class="field">
          <label for={id}>{field.label}</label>
          <select id={id} value={(value as string) ?? ''} onChange={(e) => onChange(input(e) || empty)} {...described}>
            {!field.required && <option value="">(not set)</option>}
            {field.options.map((option) => (
              <option key={option} value={option}>
                {option}
              </option>
            ))}
          </select>
          {hint}
          {errors}
        </div>
      );
    case 'lines':
      return (
        <div class="field">
          <label for={id}>{field.label}</label>
          <textarea
            id={id}
            rows={3}
            value={Array.isArray(value) ? value.join('\n') : ''}
            onInput={(e) => {
              const lines = input(e)
                .split('\n')
                .map((line) => line.trim())
                .filter(Boolean);
              onChange(lines);
            }}
            {...described}
          />
          <small>{field.hint ?? 'One per line.'}</small>
          {errors}
        </div>
      );
    case 'json':
      return <JsonField id={id} field={field} value={value} onChange={onChange} described={described} errors={errors} />;
    default:
      return (
        <div class="field">
          <label for={id}>{field.label}</label>
          {field.kind === 'textarea' ? (
            <textarea
              id={id}
              rows={3}
              value={(value as string) ?? ''}
              onInput={(e) => onChange(input(e) || empty)}
              {...described}
            />
          ) : (
            <input
              id={id}
              type={(field.kind === 'number' ? 'number' : 'text') as 'text'}
              required={field.required}
              value={value === undefined || value === null ? '' : String(value)}
              onInput={(e) => {
                const text = input(e);
                if (field.kind !== 'number') onChange(text === '' && !field.required ? empty : text);
                else onChange(text === '' ? empty : Number(text));
              }}
              {...described}
            />
          )}
          {hint}
          {errors}
        </div>
      );
  }
}

/** A value as JSON text: kept as typed while it does not parse, and said so. */
function JsonField({
  id,
  field,
  value,
  onChange,
  described,
  errors,
}: {
  id: string;
  field: FieldSpec;
  value: unknown;
  onChange: (value: unknown) => void;
  described: Record<string, string | undefined>;
  errors: preact.JSX.Element | null;
}) {
  const [text, setText] = useState(value === undefined ? '' : JSON.stringify(value, null, 2));
  const [malformed, setMalformed] = useState<string | null>(null);
  return (
    <div class="field">
      <label for={id}>{field.label} (JSON)</label>
      <textarea
        id={id}
        rows={4}
        spellcheck={false}
        value={text}
        onInput={(e) => {
          const next = (e.currentTarget as HTMLTextAreaElement).value;
          setText(next);
          if (next.trim() === '') {
            setMalformed(null);
            onChange(undefined);
            return;
          }
          try {
            onChange(JSON.parse(next));
            setMalformed(null);
          } catch (error) {
            setMalformed(`Not JSON yet: ${(error as Error).message}`);
          }
        }}
        {...described}
      />
      {field.hint ? <small>{field.hint}</small> : null}
      {malformed && <p class="field-problems">{malformed}</p>}
      {errors}
    </div>
  );
}

function Rows({
  field,
  value,
  onChange,
  problems,
  choices,
  errors,
}: {
  field: FieldSpec & { kind: 'rows' };
  value: unknown;
  onChange: (value: unknown) => void;
  problems: Problem[];
  choices: Record<string, Item[]>;
  errors: preact.JSX.Element | null;
}) {
  const rows = Array.isArray(value) ? (value as Item[]) : [];
  const singular = field.label.toLowerCase().replace(/s$/, '');
  return (
    <fieldset class="field rows">
      <legend>{field.label}</legend>
      {rows.map((row, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: rows have no id; their place is their identity.
        <div class="row" key={index}>
          {field.of.map((sub) => (
            <Field
              key={sub.path}
              field={{ ...sub, label: `${sub.label} (${singular} ${index + 1})` }}
              value={valueAt(row, sub.path)}
              onChange={(v) => onChange(rows.map((r, i) => (i === index ? withValue(r, sub.path, v) : r)))}
              problems={problemsAt(problems, `${field.path}/${index}/${sub.path}`)}
              choices={choices}
            />
          ))}
          <button type="button" class="secondary" onClick={() => onChange(rows.filter((_, i) => i !== index))}>
            Remove {singular} {index + 1}
          </button>
        </div>
      ))}
      <button type="button" class="secondary" onClick={() => onChange([...rows, { ...field.blank }])}>
        Add {singular}
      </button>
      {field.hint ? <small>{field.hint}</small> : null}
      {errors}
    </fieldset>
  );
}

function Levels({
  field,
  value,
  onChange,
  errors,
}: {
  field: FieldSpec & { kind: 'levels' };
  value: unknown;
  onChange: (value: unknown) => void;
  errors: preact.JSX.Element | null;
}) {
  const entries = Object.entries((value ?? {}) as Record<string, unknown>);
  const update = (next: [string, unknown][]) => onChange(Object.fromEntries(next));
  return (
    <fieldset class="field rows">
      <legend>{field.label}</legend>
      {entries.map(([key, level], index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a name being typed changes; the place does not.
        <div class="row" key={index}>
          <label>
            {field.keyLabel} {index + 1}
            <input
              value={key}
              onInput={(e) =>
                update(entries.map((entry, i) => (i === index ? [(e.currentTarget as HTMLInputElement).value, entry[1]] : entry)))
              }
            />
          </label>
          <label>
            {field.valueLabel} {index + 1}
            <input
              type="number"
              value={String(level ?? '')}
              onInput={(e) =>
                update(
                  entries.map((entry, i) =>
                    i === index ? [entry[0], Number((e.currentTarget as HTMLInputElement).value)] : entry,
                  ),
                )
              }
            />
          </label>
          <button type="button" class="secondary" onClick={() => update(entries.filter((_, i) => i !== index))}>
            Remove {field.keyLabel.toLowerCase()} {index + 1}
          </button>
        </div>
      ))}
      <button
        type="button"
        class="secondary"
        onClick={() => update([...entries, [`${field.keyLabel.toLowerCase()}${entries.length + 1}`, 1]])}
      >
        Add {field.keyLabel.toLowerCase()}
      </button>
      {errors}
    </fieldset>
  );
}
