// Runs one ICE gathering (RFC 8445 §5.1.1, trickled as in RFC 8838) in this browser and
// reports every candidate and icecandidateerror as it happens, with its time since start.

/**
 * Starts gathering with `iceServers`. Calls `onCandidate(candidate, ms)`, `onError(event, ms)`
 * and, once, `onDone(ms)`. Returns `stop()`, which closes the connection early.
 * Throws (synchronously, from the RTCPeerConnection constructor) on a configuration the
 * browser refuses, such as a turn: URL without credentials.
 */
export function startGathering({ iceServers, policy, poolSize, onCandidate, onError, onDone }) {
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  const pc = new RTCPeerConnection({ iceServers, iceTransportPolicy: policy, iceCandidatePoolSize: poolSize });
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    onDone(elapsed());
    pc.close();
  };
  pc.addEventListener('icecandidate', (event) => {
    if (event.candidate && event.candidate.candidate !== '') onCandidate(event.candidate, elapsed());
    else if (!event.candidate) finish();
  });
  pc.addEventListener('icecandidateerror', (event) => onError(event, elapsed()));
  pc.addEventListener('icegatheringstatechange', () => {
    if (pc.iceGatheringState === 'complete') finish();
  });
  // One audio m-line is enough to make the browser gather; no media is ever sent.
  pc.addTransceiver('audio', { direction: 'recvonly' });
  pc.createOffer()
    .then((offer) => pc.setLocalDescription(offer))
    .catch((err) => {
      onError({ errorCode: 0, errorText: `could not start gathering: ${err.message}`, url: '' }, elapsed());
      finish();
    });
  return {
    stop() {
      finished = true;
      pc.close();
    },
  };
}

/**
 * Asks for the microphone once and lets it go: Chromium then shows real host addresses
 * instead of mDNS `.local` names (draft-ietf-mmusic-mdns-ice-candidates).
 */
export async function revealHostAddresses() {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  for (const track of stream.getTracks()) track.stop();
}
