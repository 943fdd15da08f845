/**
 * The load window of a load generator that reports its progress once a second (as
 * turnutils_uclient does): from the moment it began sending to the moment it sent its last
 * message, estimated to well under a second from the steady sending rate, so that a short
 * run is not charged a whole second either side. Pure: samples in, window out.
 */

/** A progress report: when it arrived (ms) and how many messages had been sent and echoed by then. */
export interface ProgressSample {
  at: number;
  sent: number;
  received: number;
}

/** A time interval in ms. */
export interface TimeWindow {
  start: number;
  end: number;
}

/**
 * Estimates when sending began and ended, given the reports and the final total. With two or
 * more reports strictly between 0 and `total`, the window is extrapolated from the steady rate
 * between the first and last of them; otherwise it is the interval from the last report of 0
 * to the first report of `total` (an upper bound). Undefined when nothing was sent.
 */
export function estimateWindow(samples: readonly ProgressSample[], total: number): TimeWindow | undefined {
  if (total <= 0 || samples.length === 0) return undefined;
  const inside = samples.filter((s) => s.sent > 0 && s.sent < total);
  if (inside.length >= 2) {
    const a = inside[0];
    const b = inside[inside.length - 1];
    const rate = (b.sent - a.sent) / (b.at - a.at);
    if (rate > 0 && Number.isFinite(rate)) {
      // Never earlier than the last zero report nor later than the first full one.
      const lastZero = [...samples].reverse().find((s) => s.sent === 0 && s.at <= a.at);
      const firstFull = samples.find((s) => s.sent >= total && s.at >= b.at);
      const start = Math.max(a.at - a.sent / rate, lastZero?.at ?? -Infinity);
      const end = Math.min(b.at + (total - b.sent) / rate, firstFull?.at ?? Infinity);
      return { start, end: Math.max(end, start + 1) };
    }
  }
  const lastZero = [...samples].reverse().find((s) => s.sent === 0);
  const firstFull = samples.find((s) => s.sent >= total);
  const start = lastZero?.at ?? samples[0].at;
  const end = firstFull?.at ?? samples[samples.length - 1].at;
  return { start, end: Math.max(end, start + 1) };
}

/** The smallest window holding all of the given ones. */
export function unionWindow(windows: readonly TimeWindow[]): TimeWindow | undefined {
  if (windows.length === 0) return undefined;
  return { start: Math.min(...windows.map((w) => w.start)), end: Math.max(...windows.map((w) => w.end)) };
}

/**
 * The middle part of a window (`fraction` of its length, centred). turnutils_uclient starts
 * each client at a random moment 1–6 s into the run, so the edges of a load are ramps; the
 * middle is the steady state.
 */
export function middleOf(w: TimeWindow, fraction = 0.5): TimeWindow {
  const cut = ((w.end - w.start) * (1 - fraction)) / 2;
  return { start: w.start + cut, end: w.end - cut };
}

/**
 * Messages echoed by time `at`, interpolated linearly between reports: 0 before the first
 * report and `total` after the last one.
 */
export function receivedAt(samples: readonly ProgressSample[], at: number, total: number): number {
  let prev: ProgressSample = { at: -Infinity, sent: 0, received: 0 };
  for (const s of samples) {
    if (at <= s.at) {
      if (prev.at === -Infinity) return 0;
      return prev.received + ((s.received - prev.received) * (at - prev.at)) / (s.at - prev.at || 1);
    }
    prev = s;
  }
  return total;
}
