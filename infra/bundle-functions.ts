import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import type { FunctionSpec } from './function-catalog.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Inside cdk.out so it is gitignored and thrown away with the rest of the cloud assembly. */
export const DEFAULT_FUNCTIONS_OUT_DIR = join(REPO_ROOT, 'cdk.out', '.functions');

/**
 * Files a module reads at run time next to itself (through `new URL('./x/', import.meta.url)`). After
 * bundling, import.meta.url is the function's index.mjs, so the directory is copied beside it, and only
 * into the bundles that contain the module.
 */
const RUNTIME_FILES: readonly { readonly module: string; readonly dir: string }[] = [
  { module: 'shared/adapters/db/migrate.ts', dir: 'shared/adapters/db/migrations' },
];

// ESM output cannot `require`, but CJS dependencies bundled into it (aws-xray-sdk-core, pg, …) still do for
// Node built-ins. esbuild's own __require shim references the global `require`, so esbuild renames any
// module-level `require` in our code and this banner cannot collide with it. __dirname is deliberately
// not shimmed: ESM modules that declare their own would collide with a banner declaration.
const BANNER =
  "import { createRequire as __sergasCreateRequire } from 'node:module';\nconst require = __sergasCreateRequire(import.meta.url);";

/**
 * Zoho's official SDK (the opt-in ZOHO_SDK_TIER, never enabled on AWS) is left out of every bundle: it is
 * 107 MB installed and would triple them. Its adapter is left out too, not just the package: an external
 * package imported by a bundled module becomes a top-level `import` that would fail at cold start, while
 * the adapter's lazy `import()` (shared/adapters/zoho/lazy-crm-client.ts) stays a dynamic import that
 * Lambda never runs. The adapter is matched by the import path as written, which the bundle then keeps
 * verbatim (`./zoho-sdk-crm-client.ts`), so the bundle does not depend on where it was built.
 */
const NEVER_ON_LAMBDA = ['@zohocrm/typescript-sdk-8.0', '*/zoho-sdk-crm-client.ts'];

export interface BundleResult {
  /** Function id → directory holding index.mjs (+ index.mjs.map and runtime files). */
  readonly dirs: ReadonlyMap<string, string>;
  readonly millis: number;
}

/**
 * Bundles every function in ONE esbuild run (shared module graph, one parse of the AWS SDK) into
 * `<outDir>/<id>/index.mjs`. The AWS SDK v3 is bundled rather than left to the runtime's copy: the
 * deployed code then runs the exact SDK versions our tests ran (the runtime's copy changes without
 * notice), and only the commands we use are kept.
 */
export function bundleFunctions(
  specs: readonly Pick<FunctionSpec, 'id' | 'entry'>[],
  outDir: string = DEFAULT_FUNCTIONS_OUT_DIR,
): BundleResult {
  const started = performance.now();
  const missing = specs.filter((spec) => !existsSync(join(REPO_ROOT, spec.entry))).map((spec) => spec.entry);
  if (missing.length > 0) {
    throw new Error(`Function entry files not found:\n  ${missing.join('\n  ')}`);
  }

  // Clean first so a function removed from the catalog cannot leave a stale bundle behind.
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });

  const result = buildSync({
    absWorkingDir: REPO_ROOT,
    entryPoints: Object.fromEntries(specs.map((spec) => [`${spec.id}/index`, join(REPO_ROOT, spec.entry)])),
    outdir: outDir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    // Prefer ESM builds of dependencies: they tree-shake (the AWS SDK especially).
    mainFields: ['module', 'main'],
    // Smaller bundles load faster on a cold start; stack traces stay readable through the source maps.
    minify: true,
    // ASL Retry/Catch and our error mapping match on error class names (`this.name = new.target.name`);
    // neither minification nor esbuild's renaming of colliding top-level names may change them.
    keepNames: true,
    sourcemap: 'linked',
    // Stack traces need names and lines, not the sources; leaving them out halves the .map size.
    sourcesContent: false,
    banner: { js: BANNER },
    // pg tries `require('pg-native')` inside a try/catch and falls back to its pure-JS client.
    external: ['pg-native', ...NEVER_ON_LAMBDA],
    legalComments: 'none',
    metafile: true,
    logLevel: 'error',
  });

  const dirs = new Map<string, string>();
  for (const spec of specs) {
    const dir = join(outDir, spec.id);
    dirs.set(spec.id, dir);
    const output = result.metafile.outputs[relative(REPO_ROOT, join(dir, 'index.mjs'))];
    if (!output) throw new Error(`esbuild produced no bundle for ${spec.id}`);
    for (const extra of RUNTIME_FILES) {
      if (output.inputs[extra.module]) {
        cpSync(join(REPO_ROOT, extra.dir), join(dir, relative(dirname(extra.module), extra.dir)), { recursive: true });
      }
    }
  }
  return { dirs, millis: Math.round(performance.now() - started) };
}
