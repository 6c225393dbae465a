import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface PackageJson {
  name?: unknown;
  version?: unknown;
}

/**
 * The folder of the package's own package.json. Found by walking up from this module, because
 * the module sits at a different depth in a checkout (src/) and in the installed package (dist/src/).
 */
export function packageRoot(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as PackageJson).name === 'mluvii-etl') return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** The package's version, as `mluvii-etl --version` prints it. */
export function packageVersion(): string {
  const root = packageRoot();
  if (root === undefined) return 'unknown';
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackageJson;
  return typeof version === 'string' ? version : 'unknown';
}
