/**
 * The extension ids a publisher connection's router reads come from whichever section carries
 * each: Chromium's audio section (first in ion-sdk-js's offers) has no RID extension, and a
 * simulcast video section after it does. The transport-wide sequence number id is read too: the
 * router reports arrivals to the publisher by it (router-twcc.c).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connExtensions } from '../../../src/sfu/native/native-media.ts';
import type { AcceptedMedia } from '../../../src/sfu/native/sdp-answer.ts';
import type { ExtensionIds } from '../../../src/sfu/native/sdp-extensions.ts';

function section(mid: string, kind: 'audio' | 'video', ids: Partial<ExtensionIds>, rids: string[] = []): AcceptedMedia {
  const extensionIds: ExtensionIds = { mid: undefined, rid: undefined, audioLevel: undefined, transportCc: undefined, absSendTime: undefined, ...ids };
  return { mid, kind, codecs: [], extmaps: [], ssrcs: [], streamId: 's', trackId: mid, rids, direction: 'recvonly', payloadTypes: new Map(), extensionIds };
}

// Chromium's ids: audio level 1, abs-send-time 2, transport-cc 3, MID 4, RID 10 (video only).
const AUDIO = section('0', 'audio', { audioLevel: 1, absSendTime: 2, transportCc: 3, mid: 4 });
const VIDEO = section('1', 'video', { absSendTime: 2, transportCc: 3, mid: 4, rid: 10 }, ['f', 'h', 'q']);

test('audio first, simulcast video second: the RID id comes from the video section', () => {
  assert.deepEqual(connExtensions([AUDIO, VIDEO]), { extMid: 4, extRid: 10, extAudioLevel: 1, extAbsSendTime: 2, extTransportCc: 3 });
});

test('video first: the audio level comes from the audio section', () => {
  assert.deepEqual(connExtensions([VIDEO, AUDIO]), { extMid: 4, extRid: 10, extAudioLevel: 1, extAbsSendTime: 2, extTransportCc: 3 });
});

test('audio only: no RID, 0 for what no section carries', () => {
  assert.deepEqual(connExtensions([AUDIO]), { extMid: 4, extRid: 0, extAudioLevel: 1, extAbsSendTime: 2, extTransportCc: 3 });
  assert.deepEqual(connExtensions([]), { extMid: 0, extRid: 0, extAudioLevel: 0, extAbsSendTime: 0, extTransportCc: 0 });
});
