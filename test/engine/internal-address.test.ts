import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ipv6Bytes, isInternalAddress } from '../../src/engine/internal-address.js';

test('every spelling of an internal address is internal; public addresses are not', () => {
  const internal = [
    '127.0.0.1',
    '10.1.2.3',
    '169.254.169.254',
    '0.0.0.0',
    '100.64.0.1',
    '192.0.0.8',
    '::',
    '::1',
    '[::1]',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '0:0:0:0:0:ffff:127.0.0.1',
    '0000:0000:0000:0000:0000:FFFF:7F00:0001',
    '::ffff:0.0.0.0',
    '::ffff:169.254.169.254',
    '::ffff:a9fe:a9fe',
    '::ffff:0:127.0.0.1', // IPv4-translated
    '::127.0.0.1', // IPv4-compatible
    '::8.8.8.8', // IPv4-compatible, even of a public address: deprecated, never legitimate
    '64:ff9b::7f00:1', // NAT64
    '64:ff9b::8.8.8.8',
    '64:ff9b:1::1',
    '2002:7f00:1::1', // 6to4 of 127.0.0.1
    '2001::1', // Teredo
    '2001:db8::1',
    'fc00::1',
    'fd12:3456::1',
    'fe80::1',
    'fe80::1%eth0',
    'fec0::1', // site-local
    'ff02::1',
    '100::1',
    'not an address',
  ];
  for (const address of internal) assert.equal(isInternalAddress(address), true, address);
  const external = ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '2002:808:808::1', '2a00:1450::1'];
  for (const address of external) assert.equal(isInternalAddress(address), false, address);
});

test('IPv6 addresses are read in all their spellings', () => {
  assert.deepEqual(ipv6Bytes('::ffff:127.0.0.1'), ipv6Bytes('0:0:0:0:0:ffff:7f00:1'));
  assert.deepEqual(ipv6Bytes('1::'), [0, 1, ...new Array(14).fill(0)]);
  assert.equal(ipv6Bytes('127.0.0.1'), null);
});
