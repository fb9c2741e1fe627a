import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type AgentClient, connectAgent } from '../support/agent-client.js';
import { apiSecret, businessId, mspId, startAppleGateway } from '../support/apple-stand-in.js';
import { type GraphStandIn, startGraphStandIn } from '../support/graph-stand-in.js';
import { createTenant, type Harness, make, startHarness } from '../support/harness.js';
import { eventually } from '../support/http-receiver.js';

// biome-ignore lint/suspicious/noExplicitAny: JSON documents.
type Json = any;

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

describe('InviteToChat (ESP)', () => {
  let graph: GraphStandIn;
  let url: string;
  const clients: AgentClient[] = [];
  before(async () => {
    graph = await startGraphStandIn('EAAG-invite');
    url = await h.listen();
  });
  after(async () => {
    for (const client of clients) await client.close();
    await graph.close();
  });

  /** A tenant as CONTRACT 1(b) has it: the WhatsApp channel whatsapp-main, SR-WA-ORDER, the invitations queue. */
  async function setup() {
    const t = await createTenant(h, { allowPrivateNetworkRequests: true });
    const support = await make(h, `${t.base}/queues`, { name: 'Support' });
    const invites = await make(h, `${t.base}/queues`, { name: 'WA invites', chatQueueKey: '1:session-WA-sendSR' });
    const routed = await make(h, `${t.base}/queues`, { name: 'Inbound by call', chatQueueKey: '1:inbound-by-call' });
    const channel = await make(h, `${t.base}/channels`, {
      name: 'whatsapp-main',
      type: 'messaging',
      medium: 'whatsapp',
      defaultQueueId: support.id,
    });
    await make(h, `${t.base}/entry-points`, { channelId: channel.id, address: '+15557654321' });
    const provider = await h.call('PUT', `${t.base}/channels/${channel.id}/provider`, {
      body: {
        type: 'whatsapp',
        settings: { apiBaseUrl: graph.apiBaseUrl, phoneNumbers: [{ id: '1700', address: '+15557654321' }] },
        credentials: { accessToken: 'EAAG-invite', appSecret: 'invite-secret', verifyToken: 'v' },
      },
    });
    assert.equal(provider.status, 200, JSON.stringify(provider.body));
    await make(h, `${t.base}/standard-responses`, {
      name: 'SR-WA-ORDER',
      contentType: 'notification',
      body: 'Hello <$Contact.FirstName$>, your order <$CustomProperties.OrderNumber$> is ready. Reply here to chat with <$Agent.FirstName$>.',
      template: {
        id: 'acme_ns@order_ready',
        language: 'en_US',
        parameters: ['<$Contact.FirstName$>', '<$CustomProperties.OrderNumber$>', '<$Agent.FirstName$>'],
      },
    });
    const request = (changes: { Parameters?: Json; UserData?: Json; top?: Json } = {}): Json => ({
      AppName: 'DMS_WhatsApp',
      Service: 'ChatService',
      Method: 'InviteToChat',
      ...changes.top,
      Parameters: {
        _umsChannel: 'whatsapp-main',
        _umsClientId: '+15551234567',
        _umsBusinessId: '+15557654321',
        StandardResponseId: 'SR-WA-ORDER',
        ChatQueueKey: '1:session-WA-sendSR',
        TerminateSessionFlag: 'false',
        Contact: { FirstName: 'John', LastName: 'Smith' },
        Agent: { FirstName: 'Ana' },
        CustomProperties: { OrderNumber: 'A-1042' },
        ...changes.Parameters,
      },
      UserData: {
        PhoneNumber: '+15551234567',
        GCTI_Chat_SubmitAsOutbound: 'true',
        LastCalledAgent_EmployeeID: 'emp-0042',
        ...changes.UserData,
      },
    });
    const esp = async (body: Json) => {
      const response = await h.call('POST', `${t.base}/esp`, { body });
      assert.equal(response.status, 200, JSON.stringify(response.body));
      return response.body;
    };
    const fault = async (body: Json) => (await esp(body)).Fault?.faultCode as number | undefined;
    const count = async () => (await h.call('GET', `${t.base}/interactions?limit=200`)).body.result.length as number;
    return { t, support, invites, routed, channel, request, esp, fault, count };
  }

  test('scenarios 1, 2, 17, 22, 23, 24: the session, its queue, the rendered template sent, the contact, the user data', async () => {
    const s = await setup();
    const before = graph.sent.length;
    const answer = await s.esp(s.request());
    const sessionId = answer.Parameters._umsChatSessionId as string;
    const interaction = (await h.call('GET', `${s.t.base}/interactions/${sessionId}`)).body.result;
    assert.equal(interaction.id, sessionId);
    assert.deepEqual(
      [
        interaction.channelType,
        interaction.medium,
        interaction.direction,
        interaction.customer,
        interaction.contactPoint,
        interaction.queueId,
        interaction.state,
      ],
      ['messaging', 'whatsapp', 'outbound', '+15551234567', '+15557654321', s.invites.id, 'queued'],
    );
    assert.deepEqual([interaction.invitation.type, interaction.invitation.subtype], ['Outbound', 'OutboundNew']);
    assert.deepEqual(interaction.attributes, {
      PhoneNumber: '+15551234567',
      GCTI_Chat_SubmitAsOutbound: 'true',
      LastCalledAgent_EmployeeID: 'emp-0042',
    });
    const contact = (await h.call('GET', `${s.t.base}/contacts/${interaction.contactId}`)).body.result;
    assert.deepEqual([contact.phoneNumbers, contact.firstName], [['+15551234567'], 'John']);
    const sent = await eventually(async () => (graph.sent.length === before + 1 ? graph.sent[before] : null));
    assert.deepEqual(sent.body.template, {
      name: 'order_ready',
      language: { code: 'en_US' },
      components: [
        {
          type: 'body',
          parameters: [
            { type: 'text', text: 'John' },
            { type: 'text', text: 'A-1042' },
            { type: 'text', text: 'Ana' },
          ],
        },
      ],
    });
    const messages = (await h.call('GET', `${s.t.base}/interactions/${sessionId}/messages`)).body.result;
    assert.equal(messages[0].text, 'Hello John, your order A-1042 is ready. Reply here to chat with Ana.');
    // The same contact next time (scenario 24): found, not made again.
    const second = await s.esp(s.request({ UserData: { GCTI_Chat_SubmitAsOutbound: 'false' } }));
    const again = (await h.call('GET', `${s.t.base}/interactions/${second.Parameters._umsChatSessionId}`)).body.result;
    assert.equal(again.contactId, interaction.contactId);
    assert.deepEqual([again.direction, again.invitation.type, again.invitation.subtype], ['inbound', 'Inbound', 'InboundNew']);
  });

  test('scenarios 3–15, 26: the faults of the table, and nothing created by a fault', async () => {
    const s = await setup();
    const before = await s.count();
    assert.equal(await s.fault(s.request({ Parameters: { _umsClientId: '' } })), 1001);
    assert.equal(await s.fault(s.request({ Parameters: { _umsBusinessId: undefined } })), 1001);
    assert.equal(await s.fault(s.request({ Parameters: { _umsBusinessId: '+15550000000' } })), 1002);
    assert.equal(await s.fault(s.request({ Parameters: { _umsChannel: 'no-such-channel' } })), 1002);
    assert.equal(await s.fault(s.request({ top: { Method: 'InviteToChats' } })), 1005);
    assert.equal(await s.fault(s.request({ top: { Service: 'OtherService' } })), 1005);
    assert.equal(await s.fault(s.request({ top: { AppName: '', AppType: '' } })), 1006);
    assert.equal(await s.fault(s.request({ Parameters: { StandardResponseId: 'SR-NOPE' } })), 1007);
    for (const key of ['session-WA-sendSR', '1:', 'a:b', '2:no-such-endpoint']) {
      assert.equal(await s.fault(s.request({ Parameters: { ChatQueueKey: key } })), 1009, key);
    }
    assert.equal(await s.fault(s.request({ Parameters: { TerminateSessionFlag: 'yes' } })), 1010);
    assert.equal(await s.fault(s.request({ Parameters: { Contact: '{1}{"FirstName":"John"}' } })), 1012);
    assert.equal(await s.count(), before, 'no fault creates an interaction');
    // AppType 171 alone, or AppName alone, is enough (scenario 10); a {l} list is a KVList (26).
    assert.ok((await s.esp(s.request({ top: { AppName: '', AppType: '171' } }))).Parameters);
    const listed = await s.esp(s.request({ Parameters: { Contact: '{l}{"FirstName":"Jo"}' } }));
    const listedMessages = (await h.call('GET', `${s.t.base}/interactions/${listed.Parameters._umsChatSessionId}/messages`)).body
      .result;
    assert.match(listedMessages[0].text, /^Hello Jo,/);
    // A single channel needs no _umsChannel (3); a second one makes it required (4).
    assert.ok((await s.esp(s.request({ Parameters: { _umsChannel: undefined } }))).Parameters);
    const fb = await make(h, `${s.t.base}/channels`, {
      name: 'fb-main',
      type: 'messaging',
      medium: 'facebook',
      defaultQueueId: s.support.id,
    });
    await make(h, `${s.t.base}/entry-points`, { channelId: fb.id, address: '1067280970047460' });
    assert.equal(await s.fault(s.request({ Parameters: { _umsChannel: undefined } })), 1001);
    // A notification is WhatsApp's; Messenger takes quick replies (15).
    await h.call('PUT', `${s.t.base}/channels/${fb.id}/provider`, {
      body: {
        type: 'messenger',
        settings: { apiBaseUrl: graph.apiBaseUrl, pageId: '1067280970047460' },
        credentials: { pageAccessToken: 'EAAG-invite', appSecret: 's', verifyToken: 'v' },
      },
    });
    const onMessenger = {
      _umsChannel: 'fb-main',
      _umsBusinessId: '1067280970047460',
      _umsClientId: '2457000000001',
      ChatQueueKey: undefined,
    };
    assert.equal(await s.fault(s.request({ Parameters: onMessenger })), 1008);
    await make(h, `${s.t.base}/standard-responses`, {
      name: 'SR-FB-MENU',
      contentType: 'quick-replies',
      body: 'Hi <$Contact.FirstName$>, how can we help?',
      quickReplies: ['Billing', 'Delivery'],
    });
    assert.ok((await s.esp(s.request({ Parameters: { ...onMessenger, StandardResponseId: 'SR-FB-MENU' } }))).Parameters);
    // SMS is not supported (7); a channel on another protocol is refused (8).
    const sms = await make(h, `${s.t.base}/channels`, { name: 'sms-main', type: 'sms', defaultQueueId: s.support.id });
    await make(h, `${s.t.base}/entry-points`, { channelId: sms.id, address: '+15557654322' });
    assert.equal(await s.fault(s.request({ Parameters: { _umsChannel: 'sms-main', _umsBusinessId: '+15557654322' } })), 1003);
    const basic = await make(h, `${s.t.base}/channels`, {
      name: 'wa-basic',
      type: 'messaging',
      medium: 'whatsapp',
      defaultQueueId: s.support.id,
      chatProtocol: 'basic',
    });
    await make(h, `${s.t.base}/entry-points`, { channelId: basic.id, address: '+15557654323' });
    assert.equal(await s.fault(s.request({ Parameters: { _umsChannel: 'wa-basic', _umsBusinessId: '+15557654323' } })), 1004);
  });

  test('scenarios 11, 13, 16, 18–21: default queues, no response, terminating, rendering', async () => {
    const s = await setup();
    // No ChatQueueKey: the channel's inbound-route-by-call, else its default queue (11).
    const plain = await s.esp(s.request({ Parameters: { ChatQueueKey: undefined } }));
    assert.equal(
      (await h.call('GET', `${s.t.base}/interactions/${plain.Parameters._umsChatSessionId}`)).body.result.queueId,
      s.support.id,
    );
    await h.call('PUT', `${s.t.base}/channels/${s.channel.id}`, { body: { inboundRouteByCall: '1:inbound-by-call' } });
    const byCall = await s.esp(s.request({ Parameters: { ChatQueueKey: undefined } }));
    assert.equal(
      (await h.call('GET', `${s.t.base}/interactions/${byCall.Parameters._umsChatSessionId}`)).body.result.queueId,
      s.routed.id,
    );
    // No standard response: a session, and no message (13).
    const before = graph.sent.length;
    const silent = await s.esp(s.request({ Parameters: { StandardResponseId: undefined } }));
    assert.deepEqual(
      (await h.call('GET', `${s.t.base}/interactions/${silent.Parameters._umsChatSessionId}/messages`)).body.result,
      [],
    );
    // TerminateSessionFlag "TRUE": the message goes, the session ends at once, its id still answered (16).
    const ended = await s.esp(s.request({ Parameters: { TerminateSessionFlag: 'TRUE' } }));
    const terminated = (await h.call('GET', `${s.t.base}/interactions/${ended.Parameters._umsChatSessionId}`)).body.result;
    assert.deepEqual([terminated.state, terminated.queueId], ['terminated', s.invites.id]);
    const sentAfterTerminating = await eventually(async () => {
      const [message] = (await h.call('GET', `${s.t.base}/interactions/${terminated.id}/messages`)).body.result;
      return message?.status === 'sent' ? message : null;
    });
    assert.match(sentAfterTerminating.externalId, /^wamid\./);
    assert.ok(graph.sent.length > before);
    // A text response outside WhatsApp's window is refused: only a template opens a conversation (Q1.5).
    await make(h, `${s.t.base}/standard-responses`, {
      name: 'SR-TEXT',
      body: '<$Left(Contact.FirstName, 1)$>. <$Contact.MiddleName$>|<$Length("abc")$>|<$"Line1\\nLine2"$>',
    });
    assert.equal(await s.fault(s.request({ Parameters: { StandardResponseId: 'SR-TEXT' } })), 1008);
    // Rendering (17–20), seen on the message stored with the notification.
    await make(h, `${s.t.base}/standard-responses`, {
      name: 'SR-RENDER',
      contentType: 'notification',
      body: '<$Left(Contact.FirstName, 1)$>. <$Contact.MiddleName$>|<$Length("abc")$>|<$"Line1\\nLine2"$>',
      template: { id: 'acme_ns@note', parameters: ['<$Left(Contact.FirstName, 1)$>.'] },
    });
    const rendered = await s.esp(s.request({ Parameters: { StandardResponseId: 'SR-RENDER' } }));
    const text = (await h.call('GET', `${s.t.base}/interactions/${rendered.Parameters._umsChatSessionId}/messages`)).body
      .result[0].text;
    assert.equal(text, 'J. |3|Line1\nLine2');
    // A response whose formula fails when rendered (an unknown function) is fault 1011 (21); syntax errors
    // never get that far: they are refused when the response is stored.
    await make(h, `${s.t.base}/standard-responses`, {
      name: 'SR-BAD',
      contentType: 'notification',
      template: { id: 'acme_ns@x', parameters: ['<$Shout(Contact.FirstName)$>'] },
    });
    assert.equal(await s.fault(s.request({ Parameters: { StandardResponseId: 'SR-BAD' } })), 1011);
  });

  test('the inviteToChat flow step on a call: scenarios 1, 16, 22 and 25, and a fault the flow branches on', async () => {
    const s = await setup();
    const emp = await make(h, `${s.t.base}/agents`, {
      name: 'Emp',
      email: 'emp-flow@example.com',
      employeeId: 'emp-0042',
      queueIds: [s.invites.id],
    });
    const empToken = (await make(h, `${s.t.base}/agents/${emp.id}/tokens`, {})).token as string;
    const empClient = await connectAgent(url, s.t.id, empToken);
    clients.push(empClient);
    await empClient.next('hello');
    await empClient.request({ type: 'presence', status: 'available' });
    const phones = await make(h, `${s.t.base}/channels`, { name: 'Phones', type: 'voice', defaultQueueId: s.support.id });
    await make(h, `${s.t.base}/entry-points`, { channelId: phones.id, address: '+18005550199' });
    const step = (fields: Json) => ({
      id: 'invite',
      type: 'inviteToChat',
      channel: 'whatsapp-main',
      clientId: '{{ interaction.customer }}',
      businessId: '+15557654321',
      standardResponse: 'SR-WA-ORDER',
      chatQueueKey: '1:session-WA-sendSR',
      contact: { FirstName: 'John' },
      agent: { FirstName: 'Ana' },
      customProperties: { OrderNumber: 'A-1042' },
      userData: {
        PhoneNumber: '{{ interaction.customer }}',
        GCTI_Chat_SubmitAsOutbound: 'true',
        LastCalledAgent_EmployeeID: 'emp-0042',
      },
      variable: 'chat',
      exits: { next: 'invited', fault: 'declined' },
      ...fields,
    });
    const flowWith = async (name: string, fields: Json) => {
      const flow = await make(h, `${s.t.base}/flows`, {
        name,
        definition: {
          start: 'invite',
          steps: [step(fields), { id: 'invited', type: 'end' }, { id: 'declined', type: 'end' }],
        },
      });
      return flow.id as string;
    };
    /** A call whose flow is the given one: the flow runs on it, and invites the caller. */
    const call = async (flowId: string, customer: string) => {
      const mapping = await make(h, `${s.t.base}/dispatch-mappings`, {
        name: `call ${customer}`,
        channelType: 'voice',
        interactionField: 'customer',
        value: customer,
        flowId,
      });
      const created = await h.call('POST', `${s.t.base}/interactions`, {
        body: { channelType: 'voice', contactPoint: '+18005550199', customer },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      await h.call('PUT', `${s.t.base}/dispatch-mappings/${mapping.id}`, { body: { active: false } });
      return eventually(async () => {
        const interaction = (await h.call('GET', `${s.t.base}/interactions/${created.body.result.id}`)).body.result;
        return interaction.flowRun?.status === 'completed' ? interaction : null;
      });
    };
    // 1, 22, 25: the session in the queue, Outbound/OutboundNew, the last called agent offered it first.
    const invited = await call(await flowWith('Invite', {}), '+15551234567');
    const inviteStep = (interaction: Json) => interaction.flowRun.path.find((p: Json) => p.stepId === 'invite');
    assert.equal(inviteStep(invited).exit, 'next');
    const sessionId = inviteStep(invited).detail.sessionId as string;
    const session = (await h.call('GET', `${s.t.base}/interactions/${sessionId}`)).body.result;
    assert.deepEqual(
      [session.queueId, session.invitation.type, session.invitation.subtype, session.direction],
      [s.invites.id, 'Outbound', 'OutboundNew', 'outbound'],
    );
    assert.equal((await empClient.next('offer')).interaction.id, sessionId);
    // 16: terminated at once, its id still given to the flow.
    const ended = await call(await flowWith('Invite and end', { terminateSession: true }), '+15551234568');
    const terminated = (await h.call('GET', `${s.t.base}/interactions/${inviteStep(ended).detail.sessionId}`)).body.result;
    assert.equal(terminated.state, 'terminated');
    // A fault: the flow takes its fault exit, with the code and text.
    const declined = await call(await flowWith('Invite elsewhere', { businessId: '+15550000000' }), '+15551234569');
    assert.deepEqual([inviteStep(declined).exit, inviteStep(declined).detail.faultCode], ['fault', 1002]);
  });

  test('rich responses: Messenger’s carousel and buttons, Apple’s list picker', async () => {
    const s = await setup();
    const apple = await startAppleGateway();
    try {
      const fb = await make(h, `${s.t.base}/channels`, {
        name: 'fb-main',
        type: 'messaging',
        medium: 'facebook',
        defaultQueueId: s.support.id,
      });
      await make(h, `${s.t.base}/entry-points`, { channelId: fb.id, address: '1067280970047460' });
      await h.call('PUT', `${s.t.base}/channels/${fb.id}/provider`, {
        body: {
          type: 'messenger',
          settings: { apiBaseUrl: graph.apiBaseUrl, pageId: '1067280970047460' },
          credentials: { pageAccessToken: 'EAAG-invite', appSecret: 's', verifyToken: 'v' },
        },
      });
      const abc = await make(h, `${s.t.base}/channels`, {
        name: 'apple-main',
        type: 'messaging',
        medium: 'apple-business-chat',
        defaultQueueId: s.support.id,
      });
      await make(h, `${s.t.base}/entry-points`, { channelId: abc.id, address: businessId });
      await h.call('PUT', `${s.t.base}/channels/${abc.id}/provider`, {
        body: { type: 'apple', settings: { apiBaseUrl: apple.apiBaseUrl, businessId, mspId }, credentials: { apiSecret } },
      });
      await make(h, `${s.t.base}/standard-responses`, {
        name: 'SR-CAROUSEL',
        contentType: 'generic',
        cards: [
          {
            title: 'Order <$CustomProperties.OrderNumber$>',
            subtitle: 'Ready for pickup',
            imageUrl: 'https://example.com/box.png',
            buttons: [{ title: 'Track', url: 'https://example.com/t/<$CustomProperties.OrderNumber$>' }, { title: 'Talk to us' }],
          },
        ],
      });
      await make(h, `${s.t.base}/standard-responses`, {
        name: 'SR-PICK',
        contentType: 'single-selection-list',
        body: 'Hi <$Contact.FirstName$>, pick a slot',
        choices: ['Morning', 'Afternoon'],
      });
      await make(h, `${s.t.base}/standard-responses`, {
        name: 'SR-PICK-MANY',
        contentType: 'single-selection-list',
        body: 'Pick',
        choices: ['1', '2', '3', '4'],
      });
      const onMessenger = {
        _umsChannel: 'fb-main',
        _umsBusinessId: '1067280970047460',
        _umsClientId: '2457000000009',
        ChatQueueKey: undefined,
      };
      const before = graph.sent.length;
      assert.ok((await s.esp(s.request({ Parameters: { ...onMessenger, StandardResponseId: 'SR-CAROUSEL' } }))).Parameters);
      assert.ok((await s.esp(s.request({ Parameters: { ...onMessenger, StandardResponseId: 'SR-PICK' } }))).Parameters);
      assert.equal(await s.fault(s.request({ Parameters: { ...onMessenger, StandardResponseId: 'SR-PICK-MANY' } })), 1008);
      const [carousel, buttons] = await eventually(async () =>
        graph.sent.length >= before + 2 ? graph.sent.slice(before) : null,
      );
      assert.deepEqual((carousel?.body.message as Json)?.attachment.payload, {
        template_type: 'generic',
        elements: [
          {
            title: 'Order A-1042',
            subtitle: 'Ready for pickup',
            image_url: 'https://example.com/box.png',
            buttons: [
              { type: 'web_url', url: 'https://example.com/t/A-1042', title: 'Track' },
              { type: 'postback', title: 'Talk to us', payload: 'Talk to us' },
            ],
          },
        ],
      });
      assert.deepEqual((buttons?.body.message as Json)?.attachment.payload, {
        template_type: 'button',
        text: 'Hi John, pick a slot',
        buttons: [
          { type: 'postback', title: 'Morning', payload: 'Morning' },
          { type: 'postback', title: 'Afternoon', payload: 'Afternoon' },
        ],
      });
      // Apple: the list picker, an interactive message; a notification is not Apple's.
      const onApple = {
        _umsChannel: 'apple-main',
        _umsBusinessId: businessId,
        _umsClientId: 'urn:mbid:AQAA-customer',
        ChatQueueKey: undefined,
      };
      assert.ok((await s.esp(s.request({ Parameters: { ...onApple, StandardResponseId: 'SR-PICK' } }))).Parameters);
      assert.equal(await s.fault(s.request({ Parameters: { ...onApple } })), 1008);
      const picker = await eventually(async () => apple.sent.find((m) => m.body.type === 'interactive'));
      assert.equal(picker.body.destinationId, 'urn:mbid:AQAA-customer');
      assert.deepEqual(
        picker.body.interactiveData.data.listPicker.sections[0].items.map((i: Json) => i.title),
        ['Morning', 'Afternoon'],
      );
      assert.equal(picker.body.interactiveData.receivedMessage.title, 'Hi John, pick a slot');
    } finally {
      await apple.close();
    }
  });

  test('scenario 25: the last called agent is offered the new conversation first', async () => {
    const s = await setup();
    const emp = await make(h, `${s.t.base}/agents`, {
      name: 'Emp',
      email: 'emp@example.com',
      employeeId: 'emp-0042',
      queueIds: [s.invites.id],
    });
    const other = await make(h, `${s.t.base}/agents`, { name: 'Other', email: 'other@example.com', queueIds: [s.invites.id] });
    const connect = async (agent: Json) => {
      const token = (await make(h, `${s.t.base}/agents/${agent.id}/tokens`, {})).token as string;
      const client = await connectAgent(url, s.t.id, token);
      clients.push(client);
      await client.next('hello');
      await client.request({ type: 'presence', status: 'available' });
      return client;
    };
    const otherClient = await connect(other);
    const empClient = await connect(emp);
    const answer = await s.esp(s.request());
    const offer = await empClient.next('offer');
    assert.equal(offer.interaction.id, answer.Parameters._umsChatSessionId);
    assert.equal(await otherClient.quiet('offer'), true);
  });
});
