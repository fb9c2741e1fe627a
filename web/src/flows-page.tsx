import { useEffect, useState } from 'preact/hooks';
import { ApiError, api } from './api.js';
import { Problems } from './resource-page.js';
import type { Item } from './resources.js';

type Problem = { code: string; field?: string; message: string };

const starter = {
  start: 'greet',
  steps: [
    { id: 'greet', type: 'playPrompt', text: 'Thanks for calling.', exits: { next: 'queue' } },
    { id: 'queue', type: 'routeToQueue' },
  ],
};

/**
 * Flows: the list; a flow's active version in a JSON editor (validated by the server, errors at their
 * path); saving makes a new version, active at once; earlier versions can be activated again; a
 * simulation with scripted events draws the path the run takes.
 */
export function FlowsPage({ base }: { base: string }) {
  const [flows, setFlows] = useState<Item[]>([]);
  const [flow, setFlow] = useState<Item | null>(null);
  const [versions, setVersions] = useState<Item[]>([]);
  const [text, setText] = useState(JSON.stringify(starter, null, 2));
  const [name, setName] = useState('');
  const [problems, setProblems] = useState<Problem[]>([]);
  const [notice, setNotice] = useState<string | null>(null);
  const [script, setScript] = useState('[{"type": "input", "value": "1"}]');
  const [path, setPath] = useState<Item[] | null>(null);

  async function load() {
    setFlows((await api<{ result: Item[] }>('GET', `${base}/flows?limit=200`)).result);
  }
  useEffect(() => {
    void load();
  }, [base]);

  async function open(selected: Item) {
    setFlow(selected);
    setProblems([]);
    setPath(null);
    setVersions((await api<{ result: Item[] }>('GET', `${base}/flows/${selected.id}/versions?limit=200`)).result);
    if (selected.activeVersionId) {
      const { result } = await api<{ result: Item }>('GET', `${base}/flows/${selected.id}/versions/${selected.activeVersionId}`);
      setText(JSON.stringify(result.definition, null, 2));
    }
  }

  function definition(): unknown | null {
    try {
      return JSON.parse(text);
    } catch (error) {
      setProblems([{ code: 'MALFORMED_JSON', field: 'definition', message: `Not JSON: ${(error as Error).message}` }]);
      return null;
    }
  }

  async function attempt(action: () => Promise<void>) {
    try {
      await action();
    } catch (error) {
      setProblems(error instanceof ApiError ? error.errors : [{ code: 'ERROR', message: (error as Error).message }]);
    }
  }

  const validate = () =>
    attempt(async () => {
      const body = definition();
      if (body === null) return;
      const { result } = await api<{ result: { valid: boolean; errors: Problem[]; warnings: Problem[] } }>(
        'POST',
        `${base}/flows/validate`,
        {
          definition: body,
        },
      );
      setProblems([...result.errors, ...result.warnings]);
      setNotice(result.valid ? 'The definition is valid.' : null);
    });

  const save = (event: Event) =>
    attempt(async () => {
      event.preventDefault();
      const body = definition();
      if (body === null) return;
      if (flow) {
        await api('POST', `${base}/flows/${flow.id}/versions`, { definition: body, activate: true });
        const { result } = await api<{ result: Item }>('GET', `${base}/flows/${flow.id}`);
        await open(result);
        setNotice('Saved as a new version, now active.');
      } else {
        const { result } = await api<{ result: Item }>('POST', `${base}/flows`, { name, definition: body });
        await open(result);
        setNotice(`Flow ${result.name} created.`);
      }
      setProblems([]);
      await load();
    });

  const activate = (versionId: string) =>
    attempt(async () => {
      if (!flow) return;
      const { result } = await api<{ result: Item }>('PUT', `${base}/flows/${flow.id}`, { activeVersionId: versionId });
      await open(result);
      setNotice('Activated.');
    });

  const simulate = () =>
    attempt(async () => {
      if (!flow?.activeVersionId) return;
      let events: unknown;
      try {
        events = JSON.parse(script);
      } catch (error) {
        setProblems([{ code: 'MALFORMED_JSON', field: 'events', message: `Not JSON: ${(error as Error).message}` }]);
        return;
      }
      const { result } = await api<{ result: { path: Item[] } }>(
        'POST',
        `${base}/flows/${flow.id}/versions/${flow.activeVersionId}/simulate`,
        {
          interaction: { channelType: 'voice', customer: '+15065550100' },
          events,
        },
      );
      setProblems([]);
      setPath(result.path);
    });

  return (
    <section aria-labelledby="flows-heading">
      <h2 id="flows-heading">Flows</h2>
      {notice && <p role="status">{notice}</p>}
      <ul class="pills">
        {flows.map((f) => (
          <li key={f.id}>
            <button type="button" class="secondary" aria-pressed={flow?.id === f.id} onClick={() => open(f)}>
              {f.name}
            </button>
          </li>
        ))}
        <li>
          <button
            type="button"
            onClick={() => {
              setFlow(null);
              setVersions([]);
              setText(JSON.stringify(starter, null, 2));
              setPath(null);
            }}
          >
            New flow
          </button>
        </li>
      </ul>
      <form onSubmit={save} class="editor">
        {!flow && (
          <label>
            Name
            <input value={name} onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)} required />
          </label>
        )}
        <label>
          {flow ? `${flow.name}: definition (JSON)` : 'Definition (JSON)'}
          <textarea
            rows={16}
            spellcheck={false}
            value={text}
            onInput={(e) => setText((e.currentTarget as HTMLTextAreaElement).value)}
          />
        </label>
        <Problems errors={problems} />
        <div class="actions">
          <button type="button" class="secondary" onClick={validate}>
            Validate
          </button>
          <button type="submit">{flow ? 'Save as new version' : 'Create flow'}</button>
        </div>
      </form>
      {flow && (
        <>
          <h3>Versions</h3>
          <ul>
            {versions.map((v) => (
              <li key={v.id}>
                Version {v.number} {v.id === flow.activeVersionId ? '(active)' : ''}{' '}
                {v.id !== flow.activeVersionId && (
                  <button type="button" class="link" onClick={() => activate(v.id)}>
                    Activate version {v.number}
                  </button>
                )}
              </li>
            ))}
          </ul>
          <h3>Simulate</h3>
          <label>
            Scripted events (JSON)
            <textarea
              rows={3}
              spellcheck={false}
              value={script}
              onInput={(e) => setScript((e.currentTarget as HTMLTextAreaElement).value)}
            />
          </label>
          <button type="button" onClick={simulate}>
            Simulate
          </button>
          {path && (
            <ol class="path" aria-label="The path of the run">
              {path.map((entry, index) => (
                <li key={`${entry.stepId}-${index}`}>
                  <strong>{entry.stepId}</strong> {entry.type}
                  {entry.exit ? ` → ${entry.exit}` : ''}
                </li>
              ))}
            </ol>
          )}
        </>
      )}
    </section>
  );
}
