// Compiles apps/, libs/ and bench/ to dist/ with swc (CommonJS, decorator metadata for
// Nest's DI). Only files newer than their output are recompiled, so `npm start` stays
// fast after the first run. Type checking is `npm run typecheck`; this only transpiles.
import { transformFile } from '@swc/core';
import { mkdir, readdir, stat, writeFile, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const quiet = process.argv.includes('--quiet');
const swcrc = JSON.parse(await readFile(path.join(root, '.swcrc'), 'utf8'));
delete swcrc.$schema;

async function* walk(dir) {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') && !/\.(spec|int-spec|e2e-spec)\.ts$/.test(e.name)) yield p;
  }
}

let compiled = 0;
const jobs = [];
for (const top of ['apps', 'libs', 'bench', 'test/fixtures']) {
  for await (const file of walk(path.join(root, top))) {
    const rel = path.relative(root, file);
    const out = path.join(root, 'dist', rel.replace(/\.ts$/, '.js'));
    jobs.push(
      (async () => {
        const [src, dst] = await Promise.all([stat(file), stat(out).catch(() => null)]);
        if (dst && dst.mtimeMs >= src.mtimeMs) return;
        const { code, map } = await transformFile(file, {
          ...swcrc,
          filename: file,
          sourceFileName: path.relative(path.dirname(out), file),
          jsc: { ...swcrc.jsc, baseUrl: root, paths: { '@maple/*': ['libs/*/src/index.ts'] } },
          swcrc: false,
          configFile: false,
        });
        await mkdir(path.dirname(out), { recursive: true });
        await writeFile(out, code + `\n//# sourceMappingURL=${path.basename(out)}.map`);
        if (map) await writeFile(out + '.map', map);
        compiled++;
      })(),
    );
  }
}
await Promise.all(jobs);
if (!quiet && compiled > 0) console.log(`compiled ${compiled} files to dist/`);
