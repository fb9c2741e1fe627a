import { useEffect, useState } from 'preact/hooks';
import { ApiError, api } from './api.js';
import { type FieldSpec, type Problem, RecordForm, unplaced } from './record-form.js';
import type { Item, ResourceSpec } from './resources.js';

/** The API's errors that no field shows, each with the field it names. */
export function Problems({ errors }: { errors: Problem[] }) {
  if (errors.length === 0) return null;
  return (
    <ul role="alert" class="problems">
      {errors.map((error) => (
        <li key={`${error.field}:${error.code}`}>
          {error.field ? <code>{error.field}</code> : null} {error.message}
        </li>
      ))}
    </ul>
  );
}

const asProblems = (error: unknown): Problem[] =>
  error instanceof ApiError ? error.errors : [{ code: 'ERROR', message: (error as Error).message }];

const only = (item: Item, keys: string[]) => Object.fromEntries(keys.filter((k) => k in item).map((k) => [k, item[k]]));

type Editing = { key: string | null; title: string; record: Item; asJson: string | null };

/**
 * One configuration resource: its list, and a form for a new one or an edit (or the whole record as
 * JSON), with the API's validation errors shown at their fields; delete asks first. Resources that live
 * under an item (a call center's routing maps) open below the list.
 */
export function ResourcePage({ base, spec, tenantBase = base }: { base: string; spec: ResourceSpec; tenantBase?: string }) {
  const [items, setItems] = useState<Item[]>([]);
  const [editing, setEditing] = useState<Editing | null>(null);
  const [errors, setErrors] = useState<Problem[]>([]);
  const [notice, setNotice] = useState<string | null>(null);
  const [child, setChild] = useState<{ label: string; spec: ResourceSpec; item: Item } | null>(null);
  const url = `${base}/${spec.path}`;
  const keyOf = (item: Item) => String(item[spec.key ?? 'id']);
  const nameOf = (item: Item) => spec.columns[0]?.value(item) || keyOf(item);
  const singular = spec.title.toLowerCase().replace(/s$/, '');

  async function load() {
    const listed = await api<{ result: Item }>('GET', spec.list ? spec.list(url) : `${url}?limit=200`);
    setItems(spec.pick ? spec.pick(listed.result) : (listed.result as Item[]));
  }
  useEffect(() => {
    setEditing(null);
    setChild(null);
    setErrors([]);
    setNotice(null);
    void load().catch((error) => setErrors(asProblems(error)));
  }, [url]);

  /** In an edit, the fields the update takes; a new one shows them all. */
  const formFields: FieldSpec[] =
    editing?.key && spec.editable ? spec.fields.filter((f) => spec.editable?.includes(f.path.split('/')[0] ?? '')) : spec.fields;

  async function submit(event: Event) {
    event.preventDefault();
    if (!editing) return;
    let body = editing.record;
    if (editing.asJson !== null) {
      try {
        body = JSON.parse(editing.asJson);
      } catch (error) {
        setErrors([{ code: 'MALFORMED_JSON', message: `Not JSON: ${(error as Error).message}` }]);
        return;
      }
    }
    try {
      const saved = await api<{ result: Item }>(
        editing.key ? spec.update : 'POST',
        editing.key ? `${url}/${encodeURIComponent(editing.key)}` : url,
        body,
      );
      setErrors([]);
      setEditing(null);
      setNotice(`Saved.${spec.shownOnce && saved?.result ? ` ${spec.shownOnce(saved.result) ?? ''}` : ''}`);
      await load();
    } catch (error) {
      setErrors(asProblems(error));
    }
  }

  async function remove(item: Item) {
    if (!confirm(`Delete ${nameOf(item)}?`)) return;
    try {
      await api('DELETE', `${url}/${encodeURIComponent(keyOf(item))}`);
      if (child?.item && keyOf(child.item) === keyOf(item)) setChild(null);
      await load();
    } catch (error) {
      setErrors(asProblems(error));
    }
  }

  const toggleJson = () => {
    if (!editing) return;
    if (editing.asJson === null) {
      setEditing({ ...editing, asJson: JSON.stringify(editing.record, null, 2) });
      return;
    }
    try {
      setEditing({ ...editing, record: JSON.parse(editing.asJson), asJson: null });
    } catch (error) {
      setErrors([{ code: 'MALFORMED_JSON', message: `Not JSON: ${(error as Error).message}` }]);
    }
  };

  const headingId = `heading-${spec.path.replace(/\W/g, '-')}`;
  return (
    <section aria-labelledby={headingId}>
      <h2 id={headingId}>{spec.title}</h2>
      {notice && <p role="status">{notice}</p>}
      <button
        type="button"
        onClick={() => {
          setErrors([]);
          setNotice(null);
          setEditing({ key: null, title: `New ${singular}`, record: structuredClone(spec.template), asJson: null });
        }}
      >
        New {singular}
      </button>
      {editing && (
        <form onSubmit={submit} class="editor" aria-label={editing.title}>
          <h3>{editing.title}</h3>
          {editing.asJson === null ? (
            <>
              <Problems errors={unplaced(errors, formFields)} />
              <RecordForm
                base={tenantBase}
                fields={formFields}
                record={editing.record}
                onChange={(record) => setEditing({ ...editing, record })}
                problems={errors}
              />
            </>
          ) : (
            <>
              <label>
                The record (JSON)
                <textarea
                  rows={14}
                  spellcheck={false}
                  value={editing.asJson}
                  onInput={(e) => setEditing({ ...editing, asJson: (e.currentTarget as HTMLTextAreaElement).value })}
                />
              </label>
              <Problems errors={errors} />
            </>
          )}
          <div class="actions">
            <button type="submit">Save</button>
            {spec.fields.length > 0 && (
              <button type="button" class="secondary" onClick={toggleJson}>
                {editing.asJson === null ? 'Edit as JSON' : 'Back to the form'}
              </button>
            )}
            <button type="button" class="secondary" onClick={() => setEditing(null)}>
              Cancel
            </button>
          </div>
        </form>
      )}
      {!editing && <Problems errors={errors} />}
      <table>
        <thead>
          <tr>
            {spec.columns.map((c) => (
              <th scope="col" key={c.label}>
                {c.label}
              </th>
            ))}
            {!spec.key && <th scope="col">Id</th>}
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {items.map((item) => (
            <tr key={keyOf(item)}>
              {spec.columns.map((c) => (
                <td key={c.label}>{c.value(item)}</td>
              ))}
              {!spec.key && (
                <td>
                  <code>{item.id}</code>
                </td>
              )}
              <td class="actions">
                {spec.editable && (
                  <button
                    type="button"
                    class="secondary"
                    aria-label={`Edit ${nameOf(item)}`}
                    onClick={() => {
                      setErrors([]);
                      setNotice(null);
                      setEditing({
                        key: keyOf(item),
                        title: `Edit ${nameOf(item)}`,
                        record: only(item, spec.editable ?? []),
                        asJson: null,
                      });
                    }}
                  >
                    Edit
                  </button>
                )}
                {spec.children?.map((c) => (
                  <button
                    key={c.label}
                    type="button"
                    class="secondary"
                    aria-label={`${c.label} of ${nameOf(item)}`}
                    onClick={() => setChild({ ...c, item })}
                  >
                    {c.label}
                  </button>
                ))}
                <button type="button" class="secondary" aria-label={`Delete ${nameOf(item)}`} onClick={() => remove(item)}>
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {child && (
        <div class="child-resource">
          <p>
            {child.label} of <strong>{nameOf(child.item)}</strong>
          </p>
          <ResourcePage base={`${url}/${encodeURIComponent(keyOf(child.item))}`} spec={child.spec} tenantBase={tenantBase} />
        </div>
      )}
    </section>
  );
}
