// ICE candidate priorities (RFC 8445 §5.1.2.1): priority = 2^24 * type preference
// + 2^8 * local preference + (256 - component id). Shown split, as operators compare them.

/** The three parts of a candidate priority, e.g. "126 | 32542 | 255". */
export function splitPriority(priority) {
  const p = Number(priority);
  if (!Number.isFinite(p) || p < 0) return '';
  const typePreference = Math.floor(p / 2 ** 24);
  const localPreference = Math.floor(p / 2 ** 8) % 2 ** 16;
  const component = 256 - (p % 2 ** 8);
  return `${typePreference} | ${localPreference} | ${component}`;
}
