/**
 * Writes docs/configuration.md from the option table. Run `node scripts/gen-config-docs.ts`
 * after changing any option; test/config/docs.test.ts fails until the file is regenerated.
 */

import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderConfigurationDoc } from '../src/config/docs.ts';

const target = fileURLToPath(new URL('../docs/configuration.md', import.meta.url));
writeFileSync(target, renderConfigurationDoc());
console.log(`wrote ${target}`);
