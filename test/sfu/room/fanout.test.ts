import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataFanout, type FanoutMember } from '../../../src/sfu/room/fanout.ts';
import type { DataEndpoint } from '../../../src/sfu/transport/types.ts';

class Chan implements DataEndpoint {
  readonly label: string;
  readonly got: (string | Buffer)[] = [];
  onOpen: (() => void) | undefined;
  onMessage: ((d: string | Buffer) => void) | undefined;
  onClose: (() => void) | undefined;
  open = true;
  closed = false;
  constructor(label: string) {
    this.label = label;
  }
  isOpen() {
    return this.open && !this.closed;
  }
  send(d: string | Uint8Array) {
    this.got.push(typeof d === 'string' ? d : Buffer.from(d));
    return true;
  }
  close() {
    this.closed = true;
  }
}

class Member implements FanoutMember {
  readonly id: string;
  readonly subs = new Map<string, Chan>();
  constructor(id: string) {
    this.id = id;
  }
  openSubscriberChannel(label: string) {
    const c = new Chan(label);
    this.subs.set(label, c);
    return c;
  }
}

test('a channel one member opens is mirrored to the others and to late joiners; messages reach each other member once', () => {
  const f = new DataFanout();
  const [a, b, c] = [new Member('a'), new Member('b'), new Member('c')];
  const own = new Chan('chat');
  f.addOwn(a, own, [a, b]);
  assert.ok(b.subs.has('chat') && !a.subs.has('chat'));
  f.addMember(c);
  assert.ok(c.subs.has('chat'), 'late joiner gets the label');
  own.onMessage!('hello');
  own.onMessage!(Buffer.from([1, 2]));
  assert.deepEqual(b.subs.get('chat')!.got, ['hello', Buffer.from([1, 2])]);
  assert.deepEqual(c.subs.get('chat')!.got, ['hello', Buffer.from([1, 2])]);
  assert.deepEqual(own.got, [], 'not echoed to the sender');
  b.subs.get('chat')!.onMessage!('hi');
  assert.deepEqual(own.got, ['hi'], "the owner reads on the channel it opened");
  assert.deepEqual(c.subs.get('chat')!.got.at(-1), 'hi');
});

test('a member that opened the label itself receives on its own channel only; leavers are dropped', () => {
  const f = new DataFanout();
  const [a, b] = [new Member('a'), new Member('b')];
  const ownA = new Chan('chat');
  f.addOwn(a, ownA, [a, b]);
  const ownB = new Chan('chat');
  f.addOwn(b, ownB, [a, b]);
  ownA.onMessage!('x');
  assert.deepEqual(ownB.got, ['x']);
  assert.deepEqual(b.subs.get('chat')!.got, [], 'no duplicate on the mirrored channel');
  f.removeMember(b);
  assert.ok(ownB.closed && b.subs.get('chat')!.closed);
  ownA.onMessage!('y');
  assert.equal(f.relayed, 1);
  assert.deepEqual(f.labels, ['chat']);
});
