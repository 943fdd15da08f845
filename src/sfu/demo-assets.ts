/**
 * Where the /demo room's files live, as static mounts a web server can serve: the page itself
 * (`public/demo`), ion-sdk-js's own browser bundles under `/demo/vendor/`, and the shared
 * signalling schema (`src/sfu/types/schema.ts`) with its types stripped, as `/demo/lib/schema.js`.
 */
import { createHash } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire, stripTypeScriptTypes } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CSP } from '../http/static-files.ts';

/** A URL prefix, the directory it serves, and the Content-Security-Policy of its files. */
export interface StaticMount {
  readonly prefix: string;
  readonly dir: string;
  readonly contentSecurityPolicy: string;
}

/**
 * The demo's pages run ion-sdk-js's own browser bundle, which webpack built with its `eval`
 * devtool: every module in it is a string passed to eval. The page's policy allows that and
 * nothing more than the default does.
 */
export const DEMO_CSP = DEFAULT_CSP.replace("default-src 'self';", "default-src 'self'; script-src 'self' 'unsafe-eval';");

const here = dirname(fileURLToPath(import.meta.url));

/** The repository's `public/demo` directory. */
export const demoDir = join(here, '..', '..', 'public', 'demo');

/** ion-sdk-js's `dist` directory (ion-sdk.min.js, json-rpc.min.js). */
export function ionSdkDistDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('ion-sdk-js/package.json')), 'dist');
}

let generated: Promise<string> | undefined;

/** Node's type stripper, without its "experimental" warning (it would read like a server fault). */
function stripTypes(source: string): string {
  const emit = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning.message;
    if (!text.includes('stripTypeScriptTypes')) Reflect.apply(emit, process, [warning, ...rest]);
  }) as typeof process.emitWarning;
  try {
    return stripTypeScriptTypes(source);
  } finally {
    process.emitWarning = emit;
  }
}

/** The schema's source: the TypeScript in a checkout, the compiled JavaScript in a package. */
async function schemaSource(): Promise<string> {
  try {
    return await readFile(join(here, 'types', 'schema.ts'), 'utf8');
  } catch {
    return readFile(join(here, 'types', 'schema.js'), 'utf8');
  }
}

/**
 * A directory only this user can write, for the browser copy: named by user and content, so
 * runs share one copy; one that another user made first (or a link) is never used — a fresh
 * private one is made instead.
 */
async function privateDir(digest: string): Promise<string> {
  const uid = process.getuid?.() ?? 0;
  const dir = join(tmpdir(), `turnpike-demo-${uid}-${digest}`);
  try {
    await mkdir(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const st = await lstat(dir);
  if (st.isDirectory() && !st.isSymbolicLink() && st.uid === uid && (st.mode & 0o022) === 0) return dir;
  return mkdtemp(join(tmpdir(), 'turnpike-demo-'));
}

/** Writes the browser copy of the schema once per process; returns its directory. */
function schemaDir(): Promise<string> {
  generated ??= (async () => {
    const source = await schemaSource();
    const digest = createHash('sha256').update(source).digest('hex').slice(0, 16);
    const dir = await privateDir(digest);
    // Write-then-rename: another process serving the same copy never reads half a file.
    const partial = join(dir, `schema.js.${process.pid}`);
    await writeFile(partial, stripTypes(source));
    await rename(partial, join(dir, 'schema.js'));
    return dir;
  })();
  return generated;
}

/** The three mounts, most specific first. */
export async function demoMounts(): Promise<StaticMount[]> {
  return [
    { prefix: '/demo/vendor', dir: ionSdkDistDir(), contentSecurityPolicy: DEMO_CSP },
    { prefix: '/demo/lib', dir: await schemaDir(), contentSecurityPolicy: DEMO_CSP },
    { prefix: '/demo', dir: demoDir, contentSecurityPolicy: DEMO_CSP },
  ];
}
