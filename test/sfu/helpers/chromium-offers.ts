/**
 * Publisher offers as ion-sdk-js makes them in Chromium (sendonly transceivers, the `ion-sfu`
 * data channel, optional RID simulcast q/h/f), made in a headless Chromium page from synthetic
 * tracks (a canvas and a WebAudio oscillator, so no capture device is needed). The peer
 * connections stay in the page so a test can apply the SFU's answer to them.
 */
import type { Page } from 'playwright-core';

/** The offers the SDP tests use; each is saved as test/sfu/fixtures/chromium-<name>-offer.sdp. */
export const OFFER_SCENARIOS = ['av-simulcast', 'av', 'video', 'audio', 'screen', 'vp8', 'vp9', 'h264'] as const;
export type OfferScenario = (typeof OFFER_SCENARIOS)[number];

interface ScenarioSpec {
  readonly audio: boolean;
  readonly video: boolean;
  readonly simulcast: boolean;
  readonly codec: string | undefined;
  readonly hint: string;
}

const SPECS: Record<OfferScenario, ScenarioSpec> = {
  'av-simulcast': { audio: true, video: true, simulcast: true, codec: undefined, hint: 'motion' },
  av: { audio: true, video: true, simulcast: false, codec: undefined, hint: 'motion' },
  video: { audio: false, video: true, simulcast: false, codec: undefined, hint: 'motion' },
  audio: { audio: true, video: false, simulcast: false, codec: undefined, hint: 'motion' },
  screen: { audio: false, video: true, simulcast: false, codec: undefined, hint: 'detail' },
  vp8: { audio: true, video: true, simulcast: false, codec: 'video/VP8', hint: 'motion' },
  vp9: { audio: true, video: true, simulcast: false, codec: 'video/VP9', hint: 'motion' },
  h264: { audio: true, video: true, simulcast: false, codec: 'video/H264', hint: 'motion' },
};

/** Creates the scenario's publisher connection in the page and returns its offer (set as local description). */
export function makeOffer(page: Page, name: OfferScenario): Promise<string> {
  return page.evaluate(
    async ({ name, spec }) => {
      const w = window as unknown as { pcs?: Record<string, RTCPeerConnection>; audio?: AudioContext };
      const pcs = (w.pcs ??= {});
      pcs[name]?.close();
      const pc = new RTCPeerConnection();
      pcs[name] = pc;
      const stream = new MediaStream();
      if (spec.audio) {
        const ctx = (w.audio ??= new AudioContext());
        const osc = ctx.createOscillator();
        const dest = ctx.createMediaStreamDestination();
        osc.connect(dest);
        osc.start();
        const track = dest.stream.getAudioTracks()[0];
        stream.addTrack(track);
        pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
      }
      if (spec.video) {
        const canvas = document.createElement('canvas');
        canvas.width = 1280;
        canvas.height = 720;
        canvas.getContext('2d')?.fillRect(0, 0, 10, 10);
        const track = canvas.captureStream(30).getVideoTracks()[0];
        track.contentHint = spec.hint;
        stream.addTrack(track);
        const sendEncodings = spec.simulcast
          ? [
              { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 150_000 },
              { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 500_000 },
              { rid: 'f', scaleResolutionDownBy: 1, maxBitrate: 2_500_000 },
            ]
          : undefined;
        const tr = pc.addTransceiver(track, { direction: 'sendonly', streams: [stream], sendEncodings });
        if (spec.codec) {
          const caps = RTCRtpSender.getCapabilities('video')?.codecs ?? [];
          const wanted = caps.filter((c) => c.mimeType === spec.codec);
          if (wanted.length === 0) throw new Error(`${spec.codec} is not available in this browser`);
          tr.setCodecPreferences([...wanted, ...caps.filter((c) => c.mimeType === 'video/rtx')]);
        }
      }
      pc.createDataChannel('ion-sfu');
      const offer = await pc.createOffer();
      await pc.setLocalDescription(offer);
      return pc.localDescription?.sdp ?? '';
    },
    { name, spec: SPECS[name] },
  );
}

/** Applies an answer to the scenario's connection; undefined when Chromium accepts it, else its error. */
export function applyAnswer(page: Page, name: OfferScenario, sdp: string): Promise<string | undefined> {
  return page.evaluate(
    async ({ name, sdp }) => {
      const pc = (window as unknown as { pcs: Record<string, RTCPeerConnection> }).pcs[name];
      try {
        await pc.setRemoteDescription({ type: 'answer', sdp });
        return undefined;
      } catch (e) {
        return String(e);
      }
    },
    { name, sdp },
  );
}

/**
 * Applies an offer to the named receiving connection (created on first use, kept for
 * renegotiation) and returns Chromium's answer, or its error.
 */
export function answerOffer(page: Page, name: string, sdp: string): Promise<{ answer?: string; error?: string }> {
  return page.evaluate(
    async ({ name, sdp }) => {
      const w = window as unknown as { subs?: Record<string, RTCPeerConnection> };
      const subs = (w.subs ??= {});
      const pc = (subs[name] ??= new RTCPeerConnection());
      try {
        await pc.setRemoteDescription({ type: 'offer', sdp });
        const answer = await pc.createAnswer();
        await pc.setLocalDescription(answer);
        return { answer: pc.localDescription?.sdp ?? '' };
      } catch (e) {
        return { error: String(e) };
      }
    },
    { name, sdp },
  );
}

/** Closes every connection the page holds. */
export function closeAll(page: Page): Promise<void> {
  return page.evaluate(() => {
    const w = window as unknown as { pcs?: Record<string, RTCPeerConnection>; subs?: Record<string, RTCPeerConnection> };
    for (const pc of [...Object.values(w.pcs ?? {}), ...Object.values(w.subs ?? {})]) pc.close();
  });
}
