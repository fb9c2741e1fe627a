import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultAgentCapacity, defaultQueueRouting } from '../../src/core/model.js';
import type { AgentView, WorkView } from '../../src/core/router/agent-selection.js';
import { RoutingIndex } from '../../src/core/router/routing-index.js';
import { SortedList } from '../../src/core/router/sorted-list.js';

test('SortedList stays sorted and finds exact items through thousands of random inserts and removals', () => {
  let seed = 42;
  const next = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed;
  };
  const list = new SortedList<{ key: number }>((a, b) => a.key - b.key);
  const reference: { key: number }[] = [];
  for (let i = 0; i < 5000; i++) {
    if (reference.length > 0 && next() % 3 === 0) {
      const item = reference.splice(next() % reference.length, 1)[0] as { key: number };
      assert.equal(list.remove(item), true);
    } else {
      const item = { key: next() % 100 };
      list.insert(item);
      reference.push(item);
    }
  }
  assert.equal(list.size, reference.length);
  const keys = [...list].map((item) => item.key);
  assert.deepEqual(
    keys,
    [...keys].sort((a, b) => a - b),
  );
  assert.deepEqual(
    [...keys].sort((a, b) => a - b),
    reference.map((item) => item.key).sort((a, b) => a - b),
  );
  assert.equal(list.remove({ key: 1 }), false);
});

test('a SortedList cursor removes as it walks without skipping anything', () => {
  const list = new SortedList<number>((a, b) => a - b);
  for (let i = 0; i < 2000; i++) list.insert(i);
  const seen: number[] = [];
  const cursor = list.cursor();
  for (let value = cursor.current(); value !== undefined; value = cursor.current()) {
    seen.push(value);
    if (value % 2 === 0) cursor.removeCurrent();
    else cursor.advance();
  }
  assert.equal(seen.length, 2000);
  assert.deepEqual(
    [...list],
    Array.from({ length: 1000 }, (_, i) => i * 2 + 1),
  );
});

const agent = (id: string, fields: Partial<AgentView> = {}): AgentView => ({
  id,
  email: `${id}@example.com`,
  employeeId: null,
  presence: 'available',
  capacity: { ...defaultAgentCapacity },
  voiceBlocksOtherWork: true,
  load: { voice: 0, sms: 0, email: 0, messaging: 0, 'work-item': 0 },
  queueIds: new Set(['q']),
  attributes: {},
  idleSince: 0,
  lastOfferAt: 0,
  ...fields,
});
const work = (id: string, fields: Partial<WorkView> = {}): WorkView => ({
  id,
  queueId: 'q',
  channelType: 'voice',
  priority: 0,
  dueAt: 1000,
  enqueuedAt: 0,
  requirements: null,
  preferred: null,
  target: null,
  declinedBy: new Set(),
  ...fields,
});

test('decisions follow routing order and longest idle, and respect capacity', () => {
  const index = new RoutingIndex();
  index.setQueue('q', defaultQueueRouting);
  index.upsertAgent(agent('late', { idleSince: 50 }));
  index.upsertAgent(agent('early', { idleSince: 10 }));
  index.upsertWork(work('later-due', { dueAt: 2000 }));
  index.upsertWork(work('sooner-due', { dueAt: 1500 }));
  index.upsertWork(work('urgent', { priority: 3, dueAt: 9000 }));
  const decisions = index.decide(100).map((d) => `${d.workId}→${d.agentId}`);
  assert.deepEqual(decisions, ['urgent→early', 'sooner-due→late']);
  // Both agents are on a call now: nothing more until one is free.
  assert.deepEqual(index.decide(101), []);
  index.release('urgent', 200);
  assert.deepEqual(
    index.decide(201).map((d) => `${d.workId}→${d.agentId}`),
    ['later-due→early'],
  );
});

test('declined work goes to someone else first; requirements and escalation filter agents', () => {
  const routing = {
    ...defaultQueueRouting,
    escalation: [
      { afterSeconds: 0, requirements: 'agent.attributes.level >= 3' },
      { afterSeconds: 60, requirements: null },
    ],
  };
  const index = new RoutingIndex();
  index.setQueue('q', routing);
  index.upsertAgent(agent('junior', { attributes: { level: 1 }, idleSince: 0 }));
  index.upsertAgent(agent('senior', { attributes: { level: 4 }, idleSince: 5 }));
  index.upsertWork(work('w', { declinedBy: new Set(['senior']) }));
  // Only the senior qualifies at first; they declined, but nobody else can take it yet.
  assert.deepEqual(
    index.decide(1000).map((d) => d.agentId),
    ['senior'],
  );
  index.release('w', null);
  index.upsertWork(work('w', { declinedBy: new Set(['senior']) }));
  // After 60 s anyone qualifies, and the junior who did not decline comes first.
  assert.deepEqual(
    index.decide(61_000).map((d) => d.agentId),
    ['junior'],
  );
});

test('a preferred agent is waited for while busy; the index says when to look again', () => {
  const index = new RoutingIndex();
  index.setQueue('q', defaultQueueRouting);
  index.upsertAgent(agent('ada', { employeeId: 'E1' }));
  index.upsertAgent(agent('bob', { idleSince: 1 }));
  index.hold('other-call', 'ada', 'voice');
  index.upsertWork(work('w', { preferred: { agent: 'E1', until: 30_000 } }));
  assert.deepEqual(index.decide(1000), []);
  assert.equal(index.nextWakeup(), 30_000);
  index.touchAll();
  assert.deepEqual(
    index.decide(30_000).map((d) => d.agentId),
    ['bob'],
  );
});
