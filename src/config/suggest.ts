/** "Did you mean …?" for misspelt option names. */

/**
 * Edit distance with adjacent transpositions (optimal string alignment), so that
 * `min-prot` is one edit from `min-port`.
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[rows - 1][cols - 1];
}

/**
 * The known names close to `name`: within two edits (closest first), or else the names it
 * is a prefix of (as `lt-cred` is of `lt-cred-mech`). At most three.
 */
export function nearNames(name: string, known: readonly string[]): string[] {
  const lower = name.toLowerCase();
  const close = known
    .map((candidate) => ({ candidate, distance: editDistance(lower, candidate.toLowerCase()) }))
    .filter(({ distance }) => distance <= 2)
    .sort((x, y) => x.distance - y.distance || x.candidate.localeCompare(y.candidate))
    .map(({ candidate }) => candidate);
  if (close.length > 0) return close.slice(0, 3);
  if (lower.length < 3) return [];
  return known.filter((candidate) => candidate.toLowerCase().startsWith(lower)).sort().slice(0, 3);
}

/** ` — did you mean 'a'?`, ` — did you mean 'a' or 'b'?`, or an empty string. */
export function didYouMean(names: readonly string[]): string {
  if (names.length === 0) return '';
  const quoted = names.map((n) => `'${n}'`);
  const list = quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}`;
  return ` — did you mean ${list}?`;
}
