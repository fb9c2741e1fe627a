import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTenant, type Harness, make, routeByEntryPoint, startHarness } from '../support/harness.js';

// CONTRACT.md §2(c): every acceptance scenario of seed 002 (Gladly entry points, exceptions, SLAs).

let h: Harness;
let base: string;
let general: { id: string };
let vip: { id: string };
let chat: { id: string };
let widget: { id: string };
let emailChannel: { id: string };
let supportEmail: { id: string };

const minute = 60_000;

before(async () => {
  h = await startHarness();
  ({ base } = await createTenant(h, { timeZone: 'America/New_York' }));
  general = await make(h, `${base}/queues`, { name: 'General' });
  vip = await make(h, `${base}/queues`, { name: 'VIP', slaMinutes: 600 });
  chat = await make(h, `${base}/channels`, { name: 'Chat', type: 'messaging', medium: 'chat', defaultQueueId: general.id });
  emailChannel = await make(h, `${base}/channels`, { name: 'Email', type: 'email', defaultQueueId: general.id });
  supportEmail = await make(h, `${base}/entry-points`, { channelId: emailChannel.id, address: 'support@x.com' });
  const flow = await make(h, `${base}/flows`, { name: 'Default', definition: routeByEntryPoint });
  await make(h, `${base}/dispatch-mappings`, {
    name: 'All inbound',
    interactionField: 'direction',
    value: 'inbound',
    flowId: flow.id,
  });
});
after(() => h.close());

async function chatOn(address: string) {
  const response = await h.call('POST', `${base}/interactions`, {
    body: { channelType: 'messaging', medium: 'chat', contactPoint: address, customer: 'visitor-1' },
  });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return response.body.result;
}

function dueAfter(interaction: { createdAt: string; dueAt: string }): number {
  return Date.parse(interaction.dueAt) - Date.parse(interaction.createdAt);
}

const exceptions = () => `${base}/channels/${chat.id}/entry-point-settings/exceptions`;

function setException(slaMinutes: unknown) {
  return h.call('PUT', `${exceptions()}/${widget.id}`, { body: { queueId: vip.id, slaMinutes } });
}

describe('entry points, exceptions and SLAs (2(c) 1–19)', () => {
  test('1. a new entry point routes to the channel default queue with its SLA', async () => {
    widget = await make(h, `${base}/entry-points`, { channelId: chat.id, address: 'platinum-widget' });
    const interaction = await chatOn('platinum-widget');
    assert.equal(interaction.queueId, general.id);
    assert.equal(interaction.entryPointId, widget.id);
    assert.equal(dueAfter(interaction), 1440 * minute);
    assert.equal(interaction.placement.queueSource, 'channel-default');
    assert.equal(interaction.placement.slaSource, 'queue');
  });

  test('2. an exception routes elsewhere; blank SLA takes the target queue SLA', async () => {
    const created = await h.call('POST', exceptions(), { body: { entryPointId: widget.id, queueId: vip.id } });
    assert.equal(created.status, 201);
    assert.equal(created.body.result.slaMinutes, null);
    const interaction = await chatOn('platinum-widget');
    assert.equal(interaction.queueId, vip.id);
    assert.equal(dueAfter(interaction), 600 * minute);
    assert.equal(interaction.placement.queueSource, 'exception');
  });

  test('3. exception SLA shorter than the queue SLA: contact 10:00:00 → due 12:00:00', async () => {
    assert.equal((await setException(120)).status, 200);
    await h.clock.set('2026-03-02T15:00:00.000Z'); // 10:00 in New York
    const interaction = await chatOn('platinum-widget');
    assert.equal(interaction.createdAt, '2026-03-02T15:00:00.000Z');
    assert.equal(interaction.dueAt, '2026-03-02T17:00:00.000Z');
    assert.equal(interaction.placement.slaSource, 'exception');
  });

  test('4. exception SLA longer than the queue SLA still wins (+14 h)', async () => {
    await setException('840');
    assert.equal(dueAfter(await chatOn('platinum-widget')), 14 * 60 * minute);
  });

  test('5. blank inherits the queue SLA (+10 h)', async () => {
    await setException('');
    assert.equal(dueAfter(await chatOn('platinum-widget')), 10 * 60 * minute);
    await setException(null);
    assert.equal(dueAfter(await chatOn('platinum-widget')), 10 * 60 * minute);
  });

  test('6. fractional minutes: 0.66 is 40 seconds', async () => {
    const response = await setException('0.66');
    assert.equal(response.body.result.slaMinutes, 0.66);
    assert.equal(dueAfter(await chatOn('platinum-widget')), 40_000);
    await setException(0.5);
    assert.equal(dueAfter(await chatOn('platinum-widget')), 30_000);
  });

  const refusals: [string, unknown[]][] = [
    ['SLA_MUST_BE_POSITIVE', ['0', 0, '0.0', '0.00']],
    ['SLA_INVALID_CHARACTERS', ['-5', -5, '5-', '+5']],
    ['SLA_INVALID_FORMAT', ['abc', '1e3', '1,5', ' 5 ', 1e21, true, { minutes: 5 }]],
    ['SLA_TOO_SMALL', ['0.001', 0.008]],
    ['SLA_TOO_LARGE', ['525601', 600000]],
  ];
  for (const [code, values] of refusals) {
    test(`7–11. ${code} for ${values.map((v) => JSON.stringify(v)).join(', ')} — and nothing is saved`, async () => {
      await setException(5);
      for (const value of values) {
        for (const response of [
          await setException(value),
          await h.call('POST', `${base}/queues`, { body: { name: `Q ${code}`, slaMinutes: value } }),
          await h.call('PUT', `${base}/channels/${chat.id}`, { body: { defaultEntryPointSlaMinutes: value } }),
        ]) {
          assert.equal(response.status, 400, `${JSON.stringify(value)} → ${JSON.stringify(response.body)}`);
          assert.deepEqual(
            response.body.errors.map((e: { code: string }) => e.code),
            [code],
          );
          assert.match(response.body.errors[0].field, /SlaMinutes$|^slaMinutes$/);
        }
      }
      const stored = await h.call('GET', `${exceptions()}/${widget.id}`);
      assert.equal(stored.body.result.slaMinutes, 5);
    });
  }

  test('boundaries that are accepted: 525600 and 0.0084 (≈0.5 s rounds to 1 s)', async () => {
    assert.equal((await setException('525600')).status, 200);
    assert.equal((await setException('0.0084')).status, 200);
    assert.equal(dueAfter(await chatOn('platinum-widget')), 1000);
  });

  test('12. one exception per entry point → 409 EXCEPTION_EXISTS', async () => {
    const second = await h.call('POST', exceptions(), { body: { entryPointId: widget.id, queueId: general.id } });
    assert.equal(second.status, 409);
    assert.equal(second.body.errors[0].code, 'EXCEPTION_EXISTS');
  });

  test('13. capacity display: availableEntryPoints counts entry points without an exception', async () => {
    const settings = await h.call('GET', `${base}/channels/${chat.id}/entry-point-settings`);
    assert.equal(settings.status, 200);
    assert.equal(settings.body.result.entryPointCount, 1);
    assert.equal(settings.body.result.availableEntryPoints, 0);
    assert.equal(settings.body.result.exceptions.length, 1);
    const other = await make(h, `${base}/entry-points`, { channelId: chat.id, address: 'help-widget' });
    const after = await h.call('GET', `${base}/channels/${chat.id}/entry-point-settings`);
    assert.equal(after.body.result.availableEntryPoints, 1);
    await h.call('DELETE', `${base}/entry-points/${other.id}`);
  });

  test('14. an entry point of another channel → 400 ENTRY_POINT_WRONG_CHANNEL', async () => {
    const response = await h.call('POST', exceptions(), { body: { entryPointId: supportEmail.id, queueId: vip.id } });
    assert.equal(response.status, 400);
    assert.deepEqual(response.body.errors, [
      {
        code: 'ENTRY_POINT_WRONG_CHANNEL',
        field: 'entryPointId',
        message: 'The entry point belongs to another channel (email).',
      },
    ]);
  });

  test('15. unknown queue → 400 QUEUE_NOT_FOUND (also for another tenant queue)', async () => {
    const other = await createTenant(h, { name: 'Other' });
    const theirQueue = await make(h, `${other.base}/queues`, { name: 'Theirs' });
    const helpWidget = await make(h, `${base}/entry-points`, { channelId: chat.id, address: 'faq-widget' });
    for (const queueId of ['01900000-0000-7000-8000-000000000001', theirQueue.id]) {
      const response = await h.call('POST', exceptions(), { body: { entryPointId: helpWidget.id, queueId } });
      assert.equal(response.status, 400);
      assert.deepEqual(
        response.body.errors.map((e: { code: string }) => e.code),
        ['QUEUE_NOT_FOUND'],
      );
    }
    await h.call('DELETE', `${base}/entry-points/${helpWidget.id}`);
  });

  test('16. after deleting the exception, chats go back to the default queue', async () => {
    assert.equal((await h.call('DELETE', `${exceptions()}/${widget.id}`)).status, 204);
    assert.equal((await h.call('GET', `${exceptions()}/${widget.id}`)).status, 404);
    const interaction = await chatOn('platinum-widget');
    assert.equal(interaction.queueId, general.id);
    assert.equal(dueAfter(interaction), 1440 * minute);
  });

  test('17. changing the default queue moves new chats, exceptions are unaffected', async () => {
    const support = await make(h, `${base}/queues`, { name: 'Support', slaMinutes: 30 });
    await h.call('POST', exceptions(), { body: { entryPointId: widget.id, queueId: vip.id } });
    await make(h, `${base}/entry-points`, { channelId: chat.id, address: 'plain-widget' });
    const changed = await h.call('PUT', `${base}/channels/${chat.id}/entry-point-settings`, {
      body: { defaultQueueId: support.id },
    });
    assert.equal(changed.status, 200);
    assert.equal(changed.body.result.defaultQueueId, support.id);
    assert.equal(changed.body.result.exceptions.length, 1);
    assert.equal((await chatOn('plain-widget')).queueId, support.id);
    assert.equal((await chatOn('platinum-widget')).queueId, vip.id);
  });

  test('the channel entry-point SLA applies to the default queue only', async () => {
    await h.call('PUT', `${base}/channels/${chat.id}`, { body: { defaultEntryPointSlaMinutes: '5' } });
    const plain = await chatOn('plain-widget');
    assert.equal(dueAfter(plain), 5 * minute);
    assert.equal(plain.placement.slaSource, 'channel-entry-point');
    const exceptional = await chatOn('platinum-widget');
    assert.equal(dueAfter(exceptional), 600 * minute);
    await h.call('PUT', `${base}/channels/${chat.id}`, { body: { defaultEntryPointSlaMinutes: null } });
    assert.equal(dueAfter(await chatOn('plain-widget')), 30 * minute);
  });

  test('18. queue SLA required and defaulted', async () => {
    const created = await make(h, `${base}/queues`, { name: 'No SLA given' });
    assert.equal(created.slaMinutes, 1440);
    for (const slaMinutes of ['', null]) {
      const response = await h.call('PUT', `${base}/queues/${created.id}`, { body: { slaMinutes } });
      assert.equal(response.status, 400);
      assert.deepEqual(
        response.body.errors.map((e: { code: string; field: string }) => `${e.code}:${e.field}`),
        ['SLA_REQUIRED:slaMinutes'],
      );
    }
    assert.equal((await h.call('GET', `${base}/queues/${created.id}`)).body.result.slaMinutes, 1440);
  });

  test('19. calendar time: SLA 300 min at 22:00 local → due 03:00 local the next day', async () => {
    const night = await make(h, `${base}/queues`, { name: 'Night', slaMinutes: 300 });
    const sms = await make(h, `${base}/channels`, { name: 'SMS', type: 'sms', defaultQueueId: night.id });
    await make(h, `${base}/entry-points`, { channelId: sms.id, address: '+1 506 555 0100' });
    await h.clock.set('2026-03-03T03:00:00.000Z'); // 22:00 on 2 March in New York (UTC−5)
    const response = await h.call('POST', `${base}/interactions`, {
      body: { channelType: 'sms', contactPoint: '+15065550100', customer: '+15065550199' },
    });
    assert.equal(response.body.result.queueId, night.id);
    assert.equal(response.body.result.dueAt, '2026-03-03T08:00:00.000Z'); // 03:00 on 3 March in New York
  });
});

describe('due dates over a conversation, transfers and routing order (2(c) 20–22)', () => {
  let voiceEntry: string;
  let emailQueue: { id: string };

  test('20. the earlier due date is kept when a new inbound contact arrives', async () => {
    emailQueue = await make(h, `${base}/queues`, { name: 'Email queue', slaMinutes: 120 });
    await h.call('PUT', `${base}/channels/${emailChannel.id}`, { body: { defaultQueueId: emailQueue.id } });
    const phones = await make(h, `${base}/channels`, { name: 'Phones', type: 'voice', defaultQueueId: emailQueue.id });
    voiceEntry = (await make(h, `${base}/entry-points`, { channelId: phones.id, address: '+18005550199' })).address;
    await h.call('PUT', `${base}/channels/${phones.id}`, { body: { defaultEntryPointSlaMinutes: 5 } });

    await h.clock.set('2026-03-02T10:00:00.000Z');
    const email = await h.call('POST', `${base}/interactions`, {
      body: { channelType: 'email', contactPoint: 'support@x.com', customer: 'pat@example.org' },
    });
    const id = email.body.result.id;
    assert.equal(email.body.result.dueAt, '2026-03-02T12:00:00.000Z');

    await h.clock.set('2026-03-02T10:30:00.000Z');
    const call = await h.call('POST', `${base}/interactions/${id}/inbound-contacts`, {
      body: { channelType: 'voice', contactPoint: voiceEntry },
    });
    assert.equal(call.status, 201);
    assert.equal(call.body.result.dueAt, '2026-03-02T10:35:00.000Z');

    await h.clock.set('2026-03-02T10:40:00.000Z');
    const later = await h.call('POST', `${base}/interactions/${id}/inbound-contacts`, {
      body: { channelType: 'email', contactPoint: 'support@x.com' },
    });
    assert.equal(later.body.result.dueAt, '2026-03-02T10:35:00.000Z');
    const contactEvents = later.body.result.events.filter((e: { type: string }) => e.type === 'interaction.contact_added');
    assert.equal(contactEvents.length, 2);
    assert.equal(contactEvents[1].data.potentialDueAt, '2026-03-02T12:40:00.000Z');
  });

  test('21. a transfer recomputes: oldest unanswered contact + the new queue SLA', async () => {
    const billing = await make(h, `${base}/queues`, { name: 'Billing desk', slaMinutes: 60 });
    await h.clock.set('2026-03-02T10:30:00.000Z');
    const call = await h.call('POST', `${base}/interactions`, {
      body: { channelType: 'voice', contactPoint: voiceEntry, customer: '+15065550123' },
    });
    assert.equal(call.body.result.dueAt, '2026-03-02T10:35:00.000Z');
    await h.clock.set('2026-03-02T10:33:00.000Z');
    const segment = await h.call('POST', `${base}/interactions/${call.body.result.id}/transfers`, {
      body: { queueId: billing.id },
    });
    assert.equal(segment.status, 201);
    assert.equal(segment.body.result.dueAt, '2026-03-02T11:30:00.000Z');
    assert.equal(segment.body.result.placement.queueSource, 'transfer');
    const unknownQueue = await h.call('POST', `${base}/interactions/${segment.body.result.id}/transfers`, {
      body: { queueId: '01900000-0000-7000-8000-000000000009' },
    });
    assert.equal(unknownQueue.status, 400);
    assert.equal(unknownQueue.body.errors[0].code, 'QUEUE_NOT_FOUND');
  });

  test('22. routing order: earliest due first; No Reply Needed is skipped', async () => {
    const ordered = await make(h, `${base}/queues`, { name: 'Ordered' });
    const work = await make(h, `${base}/channels`, { name: 'Work', type: 'work-item', defaultQueueId: ordered.id });
    const ids: Record<string, string> = {};
    // Due 10:05, 09:50 (overdue) and 11:00, created in that order.
    for (const [name, at, sla] of [
      ['a', '2026-03-02T10:00:00.000Z', 5],
      ['b', '2026-03-02T09:40:00.000Z', 10],
      ['c', '2026-03-02T10:00:00.000Z', 60],
      ['d', '2026-03-02T09:00:00.000Z', 1],
    ] as const) {
      await h.clock.set(at);
      await h.call('PUT', `${base}/channels/${work.id}`, { body: { defaultEntryPointSlaMinutes: sla } });
      const created = await h.call('POST', `${base}/interactions`, { body: { channelType: 'work-item', source: name } });
      ids[name] = created.body.result.id;
    }
    await h.call('PATCH', `${base}/interactions/${ids.d}`, { body: { noReplyNeeded: true } });
    const waiting = await h.call('GET', `${base}/queues/${ordered.id}/waiting`);
    assert.equal(waiting.status, 200);
    assert.deepEqual(
      waiting.body.result.map((i: { id: string }) => i.id),
      [ids.b, ids.a, ids.c],
    );
    assert.deepEqual(
      waiting.body.result.map((i: { dueAt: string }) => i.dueAt),
      ['2026-03-02T09:50:00.000Z', '2026-03-02T10:05:00.000Z', '2026-03-02T11:00:00.000Z'],
    );
  });
});
