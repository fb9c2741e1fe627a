import type { Item } from './resources.js';

/** A step's exits as edges: `exits` by name, and a branch's cases (`case 0`, `case 1`…). */
export function edgesOf(step: Item): { label: string; to: string }[] {
  const edges: { label: string; to: string }[] = [];
  if (Array.isArray(step.cases)) {
    step.cases.forEach((c: Item, index: number) => {
      if (typeof c?.next === 'string') edges.push({ label: `case ${index}`, to: c.next });
    });
  }
  for (const [label, to] of Object.entries((step.exits ?? {}) as Record<string, unknown>)) {
    if (typeof to === 'string') edges.push({ label, to });
  }
  return edges;
}

/**
 * Rows of steps: the start first, then each step one row below the first step that leads to it
 * (breadth first); steps nothing leads to come last.
 */
export function layers(definition: Item): string[][] {
  const steps: Item[] = Array.isArray(definition.steps) ? definition.steps : [];
  const byId = new Map(steps.filter((s) => typeof s?.id === 'string').map((s) => [s.id as string, s]));
  const depth = new Map<string, number>();
  const queue: string[] = [];
  if (byId.has(definition.start)) {
    depth.set(definition.start, 0);
    queue.push(definition.start);
  }
  while (queue.length > 0) {
    const id = queue.shift() as string;
    for (const edge of edgesOf(byId.get(id) ?? {})) {
      if (byId.has(edge.to) && !depth.has(edge.to)) {
        depth.set(edge.to, (depth.get(id) ?? 0) + 1);
        queue.push(edge.to);
      }
    }
  }
  const deepest = Math.max(-1, ...depth.values());
  const rows: string[][] = [];
  for (const id of byId.keys()) {
    const row = depth.get(id) ?? deepest + 1;
    rows[row] = [...(rows[row] ?? []), id];
  }
  return rows.filter(Boolean);
}

const W = 150;
const H = 44;
const GAP_X = 40;
const GAP_Y = 56;

/**
 * The flow as a graph: a box per step (its id and type), an arrow per exit with its name. With a
 * simulated path, the steps it went through and the exits it took are drawn in the path's colour and
 * numbered in order.
 */
export function FlowGraph({ definition, path }: { definition: Item; path: Item[] | null }) {
  const steps: Item[] = Array.isArray(definition.steps) ? definition.steps : [];
  const rows = layers(definition);
  const place = new Map<string, { x: number; y: number }>();
  const widest = Math.max(1, ...rows.map((r) => r.length));
  const width = widest * (W + GAP_X) + GAP_X;
  for (const [r, row] of rows.entries()) {
    const offset = (width - row.length * (W + GAP_X) + GAP_X) / 2;
    for (const [c, id] of row.entries()) place.set(id, { x: offset + c * (W + GAP_X), y: GAP_Y / 2 + r * (H + GAP_Y) });
  }
  const height = rows.length * (H + GAP_Y);

  const top = path?.[0]?.flow;
  const walked = (path ?? []).filter((entry) => entry.flow === top);
  const order = new Map<string, number[]>();
  const taken = new Set<string>();
  for (const [index, entry] of walked.entries()) {
    order.set(entry.stepId, [...(order.get(entry.stepId) ?? []), index + 1]);
    const next = walked[index + 1];
    if (next) taken.add(`${entry.stepId}|${entry.exit}|${next.stepId}`);
  }

  return (
    <svg
      class="flow-graph"
      viewBox={`0 0 ${width} ${Math.max(height, H + GAP_Y)}`}
      width={width}
      role="img"
      aria-label={`The flow's ${steps.length} steps and their exits${path ? ', with the simulated path' : ''}`}
    >
      <defs>
        <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
          <path d="M0,0 L10,5 L0,10 z" fill="#6b7280" />
        </marker>
        <marker
          id="arrow-taken"
          viewBox="0 0 10 10"
          refX="9"
          refY="5"
          markerWidth="7"
          markerHeight="7"
          orient="auto-start-reverse"
        >
          <path d="M0,0 L10,5 L0,10 z" fill="#1d4ed8" />
        </marker>
      </defs>
      {steps.flatMap((step) =>
        edgesOf(step).map((edge) => {
          const from = place.get(step.id);
          const to = place.get(edge.to);
          if (!from || !to) return null;
          const isTaken = taken.has(`${step.id}|${edge.label}|${edge.to}`);
          const x1 = from.x + W / 2;
          const y1 = from.y + H;
          const x2 = to.x + W / 2;
          const y2 = to.y;
          // Downwards: a straight line; back up or sideways: a curve round the right.
          const d =
            y2 > y1
              ? `M${x1},${y1} L${x2},${y2}`
              : `M${from.x + W},${from.y + H / 2} C${from.x + W + GAP_X},${from.y + H / 2} ${to.x + W + GAP_X},${to.y + H / 2} ${to.x + W},${to.y + H / 2}`;
          const lx = y2 > y1 ? (x1 + x2) / 2 : Math.max(from.x, to.x) + W + GAP_X / 2;
          const ly = y2 > y1 ? (y1 + y2) / 2 : (from.y + to.y) / 2 + H / 2;
          return (
            <g key={`${step.id}-${edge.label}`} class={isTaken ? 'edge taken' : 'edge'}>
              <path d={d} fill="none" marker-end={isTaken ? 'url(#arrow-taken)' : 'url(#arrow)'} />
              <text x={lx} y={ly} text-anchor="middle">
                {edge.label}
              </text>
            </g>
          );
        }),
      )}
      {steps.map((step) => {
        const at = place.get(step.id);
        if (!at) return null;
        const visits = order.get(step.id);
        return (
          <g key={step.id} class={visits ? 'step visited' : 'step'} data-step={step.id}>
            <title>{`${step.id} (${step.type})${visits ? `: step ${visits.join(', ')} of the path` : ''}`}</title>
            <rect x={at.x} y={at.y} width={W} height={H} rx={8} />
            <text x={at.x + W / 2} y={at.y + 18} text-anchor="middle" class="step-id">
              {visits ? `${visits.join(',')}. ` : ''}
              {step.id}
            </text>
            <text x={at.x + W / 2} y={at.y + 34} text-anchor="middle" class="step-type">
              {step.type}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
