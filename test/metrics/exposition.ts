/**
 * A small parser of Prometheus' text exposition format (version 0.0.4), strict enough that a
 * malformed line fails the test: `# HELP`, `# TYPE`, and samples `name{label="value",…} number`.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: string;
  help: string;
  samples: Sample[];
}

/** Parses `text`; throws on any line that is not HELP, TYPE, a sample or blank. */
export function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const family = (name: string): Family => {
    let f = families.get(name);
    if (f === undefined) {
      f = { name, type: 'untyped', help: '', samples: [] };
      families.set(name, f);
    }
    return f;
  };
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let m = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (m) {
      family(m[1]).help = m[2];
      continue;
    }
    m = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (m) {
      family(m[1]).type = m[2];
      continue;
    }
    if (line.startsWith('#')) continue;
    m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/.exec(line);
    if (!m) throw new Error(`not exposition format: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    const body = m[2] ?? '';
    const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/gy;
    let lm: RegExpExecArray | null;
    let consumed = 0;
    while ((lm = re.exec(body)) !== null) {
      labels[lm[1]] = lm[2].replace(/\\n/g, '\n').replace(/\\(.)/g, '$1');
      consumed = re.lastIndex;
    }
    if (consumed !== body.length) throw new Error(`bad labels: ${JSON.stringify(line)}`);
    const raw = m[3];
    // Prometheus reads values with Go's ParseFloat: Inf and NaN in any case.
    const value = /^\+?inf$/i.test(raw) ? Infinity : /^-inf$/i.test(raw) ? -Infinity : /^nan$/i.test(raw) ? NaN : Number(raw);
    if (Number.isNaN(value) && !/^nan$/i.test(raw)) throw new Error(`bad value: ${JSON.stringify(line)}`);
    // Histogram and summary samples belong to their family (name_bucket, name_sum, name_count).
    const base = m[1].replace(/_(bucket|sum|count)$/, '');
    const owner = families.has(m[1]) ? m[1] : families.get(base)?.type === 'histogram' || families.get(base)?.type === 'summary' ? base : m[1];
    family(owner).samples.push({ name: m[1], labels, value });
  }
  return families;
}

/** The value of the sample `name` whose labels include `labels`; undefined when there is none. */
export function sampleValue(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number | undefined {
  const base = name.replace(/_(bucket|sum|count)$/, '');
  for (const f of [families.get(name), families.get(base)]) {
    for (const s of f?.samples ?? []) {
      if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) return s.value;
    }
  }
  return undefined;
}
