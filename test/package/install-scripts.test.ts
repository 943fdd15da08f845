/**
 * Every dependency with an install script (package-lock.json's `hasInstallScript`) has been
 * reviewed: approved (`true`) or denied (`false`) in package.json's `allowScripts`, the policy
 * npm 11 reads before running a dependency's preinstall, install or postinstall script. npm
 * 11 still runs an unreviewed script, with a warning; newer npm skips it, and for the `node`
 * package that would leave the tree without its pinned Node. Review with
 * `npm install-scripts ls`; record with `npm install-scripts approve|deny <pkg>`.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

interface LockEntry {
  name?: string;
  version?: string;
  resolved?: string;
  hasInstallScript?: boolean;
  inBundle?: boolean;
}

interface Installed {
  /** where the lockfile puts it, e.g. `node_modules/@grpc/proto-loader/node_modules/protobufjs` */
  path: string;
  name: string;
  version: string;
  /** false when the lockfile has no `resolved` URL, so npm cannot check a pinned version */
  pinnable: boolean;
}

const ROOT = new URL('../../', import.meta.url);
const lock = JSON.parse(readFileSync(new URL('package-lock.json', ROOT), 'utf8')) as { packages: Record<string, LockEntry> };
const manifest = JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8')) as { allowScripts?: Record<string, unknown> };
const policy = manifest.allowScripts ?? {};

/** The packages whose install scripts npm would run (bundled ones never run theirs). */
const withScripts: Installed[] = Object.entries(lock.packages)
  .filter(([path, e]) => path !== '' && e.hasInstallScript === true && e.inBundle !== true)
  .map(([path, e]) => ({
    path,
    // An aliased package records its real name; otherwise the name is the path's last part.
    name: e.name ?? path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length),
    version: e.version ?? '',
    pinnable: e.resolved !== undefined,
  }));

const EXACT_VERSION = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

/**
 * An allowScripts key in a form npm honours for a registry package: `name`, `name@*`, or
 * exact versions joined by `||` (npm ignores ranges such as `^1.2.0`, with a warning).
 */
function parseKey(key: string): { name: string; versions: string[] | 'any' } | undefined {
  const at = key.indexOf('@', 1);
  const name = at < 0 ? key : key.slice(0, at);
  const spec = at < 0 ? '' : key.slice(at + 1).trim();
  if (!/^(?:@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]*$/.test(name)) return undefined;
  if (spec === '' || spec === '*') return { name, versions: 'any' };
  const versions = spec.split('||').map((v) => v.trim());
  return versions.every((v) => EXACT_VERSION.test(v)) ? { name, versions } : undefined;
}

/**
 * What npm decides for one package: true (approved), false (denied; a denial wins over any
 * approval) or undefined (unreviewed). A version-pinned approval counts only when the lockfile
 * says where the package came from: without that, npm refuses it, while a pinned denial still
 * blocks.
 */
function decision(p: Installed): boolean | undefined {
  let approved = false;
  for (const [key, value] of Object.entries(policy)) {
    const k = parseKey(key);
    if (k === undefined || k.name !== p.name) continue;
    if (k.versions !== 'any') {
      if (value === true && !p.pinnable) continue;
      if (!k.versions.includes(p.version)) continue;
    }
    if (value === false) return false;
    if (value === true) approved = true;
  }
  return approved ? true : undefined;
}

test('every dependency with an install script is approved or denied in package.json allowScripts', () => {
  const unreviewed = withScripts.filter((p) => decision(p) === undefined).map((p) => `${p.name}@${p.version} (${p.path})`);
  assert.deepEqual(unreviewed, [], 'review them with `npm install-scripts ls`, then `npm install-scripts approve|deny <pkg>`');
});

test('the node package may run its preinstall, which installs the pinned Node', () => {
  const node = withScripts.filter((p) => p.name === 'node');
  assert.ok(node.length > 0, 'package-lock.json installs the node package with its preinstall script');
  for (const p of node) assert.equal(decision(p), true, `${p.name}@${p.version}`);
});

test('every allowScripts entry is a boolean npm understands, for a package that has install scripts', () => {
  for (const [key, value] of Object.entries(policy)) {
    assert.equal(typeof value, 'boolean', `allowScripts["${key}"] must be true or false`);
    const k = parseKey(key);
    assert.ok(k !== undefined, `allowScripts["${key}"]: npm takes a name, or exact versions joined by "||"`);
    // A stale approval would silently approve the scripts of a package that comes back later.
    assert.ok(withScripts.some((p) => p.name === k.name), `allowScripts["${key}"] matches no package with install scripts (npm install-scripts prune)`);
  }
});
