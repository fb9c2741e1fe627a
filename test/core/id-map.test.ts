import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IdMap } from '../../src/core/id-map.js';

test('IdMap: set, get, has, delete and size, with ids that name Object.prototype members', () => {
  const map = new IdMap<number>();
  map.set('a', 1).set('constructor', 2).set('__proto__', 3);
  assert.equal(map.size, 3);
  assert.equal(map.get('constructor'), 2);
  assert.equal(map.get('__proto__'), 3);
  assert.equal(map.has('toString'), false);
  assert.equal(map.get('toString'), undefined);
  map.set('a', 10);
  assert.equal(map.size, 3, 'setting a key again does not add an entry');
  assert.equal(map.delete('a'), true);
  assert.equal(map.delete('a'), false);
  assert.equal(map.size, 2);
  assert.deepEqual(map.values(), [2, 3]);
  map.clear();
  assert.equal(map.size, 0);
  assert.equal(map.has('constructor'), false);
});

test('IdMap: deleteOldest forgets the entries set longest ago; setting a key again makes it the newest', () => {
  const map = new IdMap<string>();
  for (const id of ['i-1', 'i-2', 'i-3', 'i-4', 'i-5']) map.set(id, id);
  map.delete('i-1');
  map.set('i-1', 'i-1 again');
  map.delete('i-2');
  map.set('i-2', 'i-2 again');
  map.deleteOldest(2);
  assert.deepEqual(map.values(), ['i-5', 'i-1 again', 'i-2 again']);
  assert.equal(map.size, 3);
  map.deleteOldest(10);
  assert.equal(map.size, 0);
  assert.deepEqual(map.values(), []);
});

test('IdMap: clearing an empty map leaves it usable, and clearing drops every entry', () => {
  const map = new IdMap<number>();
  map.clear();
  map.set('a', 1);
  assert.equal(map.size, 1);
  map.clear();
  map.clear();
  assert.equal(map.size, 0);
  assert.equal(map.get('a'), undefined);
  map.set('a', 2);
  assert.deepEqual(map.values(), [2]);
});
