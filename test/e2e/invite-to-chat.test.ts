import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTenant, type Harness, make, startHarness } from '../support/harness.js';

// Invitations to chat (seed 001): standard responses, their field codes, and (to come) the ESP endpoint.

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h.close();
});

describe('standard responses', () => {
  test('text, notification and quick replies are stored; field codes are checked when stored, with their position', async () => {
    const t = await createTenant(h);
    const base = `${t.base}/standard-responses`;
    const order = await make(h, base, {
      name: 'SR-WA-ORDER',
      contentType: 'notification',
      body: 'Hello <$Contact.FirstName$>, your order <$CustomProperties.OrderNumber$> is ready.',
      template: {
        id: 'acme_ns@order_ready',
        language: 'en_US',
        parameters: ['<$Contact.FirstName$>', '<$CustomProperties.OrderNumber$>'],
      },
    });
    assert.deepEqual([order.contentType, order.template.id, order.quickReplies], ['notification', 'acme_ns@order_ready', []]);
    const replies = await make(h, base, {
      name: 'SR-FB-MENU',
      contentType: 'quick-replies',
      body: 'How can we help, <$Contact.FirstName$>?',
      quickReplies: ['Billing', 'Delivery'],
    });
    assert.equal(replies.quickReplies.length, 2);
    await make(h, base, { name: 'SR-TEXT', body: 'Hi <$Left(Contact.FirstName, 1)$>.' });
    const duplicate = await h.call('POST', base, { body: { name: 'SR-TEXT', body: 'Again' } });
    assert.deepEqual([duplicate.status, duplicate.body.errors[0].code], [409, 'DUPLICATE_STANDARD_RESPONSE']);
    const broken = await h.call('POST', base, { body: { name: 'SR-BROKEN', body: 'Dear\n<$Contact.FirstName' } });
    assert.equal(broken.status, 400);
    assert.deepEqual([broken.body.errors[0].code, broken.body.errors[0].field], ['FIELD_CODE_INVALID', 'body']);
    assert.match(broken.body.errors[0].message, /line 2, column 1/);
    const noTemplate = await h.call('POST', base, { body: { name: 'SR-N', contentType: 'notification' } });
    assert.equal(noTemplate.body.errors[0].field, 'template');
    const badId = await h.call('POST', base, {
      body: { name: 'SR-N', contentType: 'notification', template: { id: 'order_ready' } },
    });
    assert.equal(badId.body.errors[0].field, 'template.id');
    const updated = await h.call('PUT', `${base}/${replies.id}`, { body: { quickReplies: ['Billing', 'Delivery', 'Other'] } });
    assert.equal(updated.status, 200, JSON.stringify(updated.body));
    assert.deepEqual(updated.body.result.quickReplies, ['Billing', 'Delivery', 'Other']);
    const other = await createTenant(h);
    assert.equal((await h.call('GET', `${other.base}/standard-responses/${order.id}`)).status, 404);
    assert.equal((await h.call('GET', base)).body.result.length, 3);
  });
});
