import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeEmail, normalizeLoosely, normalizePhoneNumber, normalizeSipUri } from '../../src/core/address.js';

test('phone numbers: international forms, national ones only with a default country', () => {
  assert.equal(normalizePhoneNumber('+1 (800) 555-5565', null), '+18005555565');
  assert.equal(normalizePhoneNumber('15062345678', 'US'), '+15062345678');
  assert.equal(normalizePhoneNumber('020 7946 0000', 'GB'), '+442079460000');
  assert.equal(normalizePhoneNumber('15062345678', null), null);
  assert.equal(normalizePhoneNumber('+0123', 'US'), null);
  assert.equal(normalizePhoneNumber('+1234567890123456', null), null);
  assert.equal(normalizePhoneNumber('12', 'US'), null);
});

test('SIP URIs: scheme and host lower-cased, user part kept; emails lower-cased', () => {
  assert.equal(normalizeSipUri('SIPS:Alice@PBX.Example.com:5061;transport=tls'), 'sips:Alice@pbx.example.com:5061;transport=tls');
  assert.equal(normalizeSipUri('sip:pbx.example.com'), 'sip:pbx.example.com');
  assert.equal(normalizeSipUri('tel:+18005555565'), null);
  assert.equal(normalizeEmail(' Support@Example.COM '), 'support@example.com');
  assert.equal(normalizeEmail('a@b'), null);
  assert.equal(normalizeEmail('a b@c.de'), null);
});

test('loose normalisation canonicalises what it recognises and keeps the rest', () => {
  assert.equal(normalizeLoosely('Sales@Example.com', null), 'sales@example.com');
  assert.equal(normalizeLoosely('(506) 555-2222', 'US'), '+15065552222');
  assert.equal(normalizeLoosely('widget-42', 'US'), 'widget-42');
  assert.equal(normalizeLoosely('anonymous', 'US'), 'anonymous');
});
