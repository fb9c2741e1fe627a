import { useEffect, useState } from 'preact/hooks';
import { ApiError, api } from './api.js';
import type { Item, ResourceSpec } from './resources.js';

/** The API's errors, each at its field. */
export function Problems({ errors }: { errors: { code: string; field?: string; message: string }[] }) {
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

/**
 * One configuration resource: its list, and an editor of its JSON for a new one or an edit, with the
 * API's validation errors shown at their fields; delete asks first.
 */
export function ResourcePage({ base, spec }: { base: string; spec: ResourceSpec }) {
  const [items, setItems] = useState<Item[]>([]);
  const [editing, setEditing] = useState<{ id: string | null; text: string } | null>(null);
  const [errors, setErrors] = useState<{ code: string; field?: string; message: string }[]>([]);
  const [notice, setNotice] = useState<string | null>(null);
  const url = `${base}/${spec.path}`;

  async function load() {
    const { result } = await api<{ result: Item[] }>('GET', `${url}?limit=200`);
    setItems(result);
  }
  useEffect(() => {
    setEditing(null);
    setErrors([]);
    setNotice(null);
    void load().catch((error: Error) => setErrors([{ code: 'LOAD', message: error.message }]));
  }, [url]);

  async function submit(event: Event) {
    event.preventDefault();
    if (!editing) return;
    let body: unknown;
    try {
      body = JSON.parse(editing.text);
    } catch (error) {
      setErrors([{ code: 'MALFORMED_JSON', message: `Not JSON: ${(error as Error).message}` }]);
      return;
    }
    try {
      const saved = await api<{ result: Item }>(
        editing.id ? spec.update : 'POST',
        editing.id ? `${url}/${editing.id}` : url,
        body,
      );
      setErrors([]);
      setEditing(null);
      // A secret the API shows once (a user's invitation): shown here, once.
      const invitation = saved.result?.invitation?.token;
      setNotice(invitation ? `Saved. Invitation link: ${location.origin}/app/#invitation=${invitation}` : 'Saved.');
      await load();
    } catch (error) {
      setErrors(error instanceof ApiError ? error.errors : [{ code: 'ERROR', message: (error as Error).message }]);
    }
  }

  async function remove(item: Item) {
    if (!confirm(`Delete ${spec.columns[0]?.value(item) ?? item.id}?`)) return;
    try {
      await api('DELETE', `${url}/${item.id}`);
      await load();
    } catch (error) {
      setErrors(error instanceof ApiError ? error.errors : [{ code: 'ERROR', message: (error as Error).message }]);
    }
  }

  return (
    <section aria-labelledby="resource-heading">
      <h2 id="resource-heading">{spec.title}</h2>
      {notice && <p role="status">{notice}</p>}
      <button type="button" onClick={() => setEditing({ id: null, text: JSON.stringify(spec.template, null, 2) })}>
        New
      </button>
      {editing && (
        <form onSubmit={submit} class="editor">
          <label>
            {editing.id ? `Edit ${editing.id}` : `New ${spec.title.toLowerCase().replace(/s$/, '')}`} (JSON)
            <textarea
              rows={14}
              spellcheck={false}
              value={editing.text}
              onInput={(e) => setEditing({ ...editing, text: (e.currentTarget as HTMLTextAreaElement).value })}
            />
          </label>
          <Problems errors={errors} />
          <div class="actions">
            <button type="submit">Save</button>
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
            <th scope="col">Id</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {items.map((item) => (
            <tr key={item.id}>
              {spec.columns.map((c) => (
                <td key={c.label}>{c.value(item)}</td>
              ))}
              <td>
                <code>{item.id}</code>
              </td>
              <td class="actions">
                <button
                  type="button"
                  class="secondary"
                  onClick={() => setEditing({ id: item.id, text: JSON.stringify(spec.editable(item), null, 2) })}
                >
                  Edit
                </button>
                <button type="button" class="secondary" onClick={() => remove(item)}>
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
