import { useEffect, useRef, useState } from 'preact/hooks';
import { LineCounter, parseDocument, stringify } from 'yaml';
import { ApiError, api } from './api.js';
import { FlowGraph } from './flow-graph.js';
import type { Problem } from './record-form.js';
import type { Item } from './resources.js';

type Format = 'json' | 'yaml';
type Located = Problem & { line?: number };

/** The definition as it is typed (JSON is YAML too), with where each node starts. */
function parseDefinition(text: string) {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  return { doc, lineCounter };
}

const render = (definition: unknown, format: Format) =>
  format === 'json' ? JSON.stringify(definition, null, 2) : stringify(definition, { lineWidth: 0 });

/** The line of the text an API error's path (`definition/steps/1/queue`) points at, or its nearest parent's. */
function lineOf(text: string, field: string | undefined): number | undefined {
  if (!field) return undefined;
  const { doc, lineCounter } = parseDefinition(text);
  const keys = field
    .split('/')
    .filter(Boolean)
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
  if (keys[0] === 'definition') keys.shift();
  for (let n = keys.length; n > 0; n--) {
    const node = doc.getIn(keys.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node?.range) return lineCounter.linePos(node.range[0]).line;
  }
  return undefined;
}

/** Errors of the definition, each with its line and a button that puts the cursor there. */
function DefinitionProblems({ problems, goTo }: { problems: Located[]; goTo: (line: number) => void }) {
  if (problems.length === 0) return null;
  return (
    <ul role="alert" class="problems" id="definition-problems">
      {problems.map((p) => (
        <li key={`${p.field}:${p.code}:${p.message}`}>
          {p.line !== undefined && (
            <button type="button" class="link" onClick={() => goTo(p.line as number)}>
              Line {p.line}
            </button>
          )}{' '}
          {p.field ? <code>{p.field}</code> : null} {p.message}
        </li>
      ))}
    </ul>
  );
}

const starter = {
  start: 'greet',
  steps: [
    { id: 'greet', type: 'playPrompt', text: 'Thanks for calling.', exits: { next: 'queue' } },
    { id: 'queue', type: 'routeToQueue' },
  ],
};

/**
 * Flows: the list; a flow's active version in a JSON or YAML editor (validated by the server, each error
 * at its line); saving makes a new version, active at once; earlier versions can be activated again; the
 * flow drawn as a graph, and a simulation with scripted events that draws the path the run takes on it.
 */
export function FlowsPage({ base }: { base: string }) {
  const [flows, setFlows] = useState<Item[]>([]);
  const [flow, setFlow] = useState<Item | null>(null);
  const [versions, setVersions] = useState<Item[]>([]);
  const [format, setFormat] = useState<Format>('yaml');
  const [text, setText] = useState(render(starter, 'yaml'));
  const [name, setName] = useState('');
  const [problems, setProblems] = useState<Located[]>([]);
  const [notice, setNotice] = useState<string | null>(null);
  const [script, setScript] = useState('[{"type": "input", "value": "1"}]');
  const [path, setPath] = useState<Item[] | null>(null);
  const editor = useRef<HTMLTextAreaElement>(null);
  // The graph follows the text while it parses; a half-typed definition keeps the last good drawing.
  const [drawn, setDrawn] = useState<Item>(starter);

  async function load() {
    setFlows((await api<{ result: Item[] }>('GET', `${base}/flows?limit=200`)).result);
  }
  useEffect(() => {
    void load();
  }, [base]);
  useEffect(() => {
    const { doc } = parseDefinition(text);
    try {
      const value = doc.errors.length === 0 ? doc.toJS({ maxAliasCount: 100 }) : null;
      if (value && typeof value === 'object') setDrawn(value as Item);
    } catch {
      // Too many aliases: definition() says so when it is sent.
    }
  }, [text]);

  function show(definition: unknown) {
    setText(render(definition, format));
  }

  async function open(selected: Item) {
    setFlow(selected);
    setProblems([]);
    setPath(null);
    setVersions((await api<{ result: Item[] }>('GET', `${base}/flows/${selected.id}/versions?limit=200`)).result);
    if (selected.activeVersionId) {
      const { result } = await api<{ result: Item }>('GET', `${base}/flows/${selected.id}/versions/${selected.activeVersionId}`);
      show(result.definition);
    }
  }

  /** The typed definition, or null with its syntax error at its line. */
  function definition(): unknown | null {
    const { doc, lineCounter } = parseDefinition(text);
    const error = doc.errors[0];
    if (!error) {
      try {
        return doc.toJS({ maxAliasCount: 100 });
      } catch (failure) {
        setProblems([{ code: 'MALFORMED_YAML', message: (failure as Error).message }]);
        return null;
      }
    }
    const code = format === 'json' ? 'MALFORMED_JSON' : 'MALFORMED_YAML';
    const message = `Not ${format.toUpperCase()}: ${error.message.split('\n')[0]}`;
    setProblems([{ code, message, line: lineCounter.linePos(error.pos[0]).line }]);
    return null;
  }

  const located = (found: Problem[]) => found.map((p) => ({ ...p, line: lineOf(text, p.field) }));

  async function attempt(action: () => Promise<void>) {
    try {
      await action();
    } catch (error) {
      setProblems(error instanceof ApiError ? located(error.errors) : [{ code: 'ERROR', message: (error as Error).message }]);
    }
  }

  function goTo(line: number) {
    const area = editor.current;
    if (!area) return;
    const offset =
      text
        .split('\n')
        .slice(0, line - 1)
        .join('\n').length + (line > 1 ? 1 : 0);
    area.focus();
    area.setSelectionRange(offset, offset);
  }

  function switchTo(next: Format) {
    if (next === format) return;
    const value = definition();
    if (value === null) return;
    setFormat(next);
    setText(render(value, next));
    setProblems([]);
  }

  const validate = () =>
    attempt(async () => {
      const body = definition();
      if (body === null) return;
      const { result } = await api<{ result: { valid: boolean; errors: Problem[]; warnings: Problem[] } }>(
        'POST',
        `${base}/flows/validate`,
        { definition: body },
      );
      setProblems(located([...result.errors, ...result.warnings]));
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
              show(starter);
              setPath(null);
              setProblems([]);
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
        <fieldset class="inline-choice">
          <legend>Edit as</legend>
          {(['yaml', 'json'] as const).map((f) => (
            <label key={f} class="inline">
              <input type="radio" name="format" checked={format === f} onChange={() => switchTo(f)} />
              {f.toUpperCase()}
            </label>
          ))}
        </fieldset>
        <label>
          {flow ? `${flow.name}: definition (${format.toUpperCase()})` : `Definition (${format.toUpperCase()})`}
          <textarea
            ref={editor}
            rows={18}
            spellcheck={false}
            value={text}
            aria-describedby={problems.length > 0 ? 'definition-problems' : undefined}
            onInput={(e) => setText((e.currentTarget as HTMLTextAreaElement).value)}
          />
        </label>
        <DefinitionProblems problems={problems} goTo={goTo} />
        <div class="actions">
          <button type="button" class="secondary" onClick={validate}>
            Validate
          </button>
          <button type="submit">{flow ? 'Save as new version' : 'Create flow'}</button>
        </div>
      </form>
      <h3>Graph</h3>
      <div class="graph-frame">
        <FlowGraph definition={drawn} path={path} />
      </div>
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
