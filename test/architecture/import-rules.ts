import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

// House rule 1: a context is reached only through its public door, `@maple/<context>`
// (libs/<context>/src/index.ts). These checks work on resolved paths, so unlike the lint
// rule they also see `../x/../../other` and baseUrl-style `libs/...` specifiers.

export type ImportRef = { specifier: string; line: number };
export type Violation = { file: string; line: number; specifier: string; reason: string };

const SKIP_DIRS = new Set(['node_modules', 'generated', 'dist', 'coverage', '.data']);

/** Every import/export-from/import()/require() specifier in a TypeScript source, with its 1-based line. */
export function extractImports(source: string): ImportRef[] {
  // preProcessFile skips comments and string contents, unlike a regular expression.
  const { importedFiles } = ts.preProcessFile(source, true, true);
  return importedFiles.map((f) => ({ specifier: f.fileName, line: lineAt(source, f.pos) }));
}

function lineAt(source: string, pos: number): number {
  let line = 1;
  for (let i = 0; i < pos; i++) if (source.charCodeAt(i) === 10) line++;
  return line;
}

/** `libs/<name>/...` -> name; anything else -> undefined. Paths are repo-relative, POSIX style. */
function libOf(file: string): string | undefined {
  const m = /^libs\/([^/]+)\//.exec(file);
  return m?.[1];
}

function appOf(file: string): string | undefined {
  const m = /^apps\/([^/]+)\//.exec(file);
  return m?.[1];
}

/**
 * Checks one import of `file` (repo-relative, POSIX separators). Returns why it breaks a
 * boundary, or undefined when it is allowed.
 */
export function checkImport(file: string, specifier: string): string | undefined {
  const ownLib = libOf(file);
  const ownApp = appOf(file);
  if (!ownLib && !ownApp) return undefined;

  const deep = /^@maple\/([^/]+)\/(.+)$/.exec(specifier);
  if (deep) {
    return `deep import into @maple/${deep[1]}; import the public door \`@maple/${deep[1]}\` only`;
  }

  // Relative specifiers, and baseUrl-style ones (tsconfig has baseUrl "."), resolve to a repo path.
  let target: string | undefined;
  if (specifier.startsWith('./') || specifier.startsWith('../') || specifier === '.' || specifier === '..') {
    target = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
  } else if (/^(libs|apps)\//.test(specifier)) {
    target = path.posix.normalize(specifier);
  }
  if (target === undefined) return undefined;
  const targetLib = libOf(target + '/');

  if (ownLib) {
    if (target === `libs/${ownLib}` || target.startsWith(`libs/${ownLib}/`)) {
      // A bare `libs/...` specifier into its own lib still bypasses the relative layout; allow only relative.
      return specifier.startsWith('.')
        ? undefined
        : `path-style import "${specifier}"; use a relative import`;
    }
    if (targetLib) return `reaches into libs/${targetLib} internals; import \`@maple/${targetLib}\` instead`;
    return `leaves libs/${ownLib} (resolves to ${target}); a lib may only import its own files and packages`;
  }

  // An app.
  if (targetLib) return `reaches into libs/${targetLib} by path; import \`@maple/${targetLib}\` instead`;
  return undefined;
}

/** All boundary violations in one source file. */
export function checkSource(file: string, source: string): Violation[] {
  const out: Violation[] = [];
  for (const { specifier, line } of extractImports(source)) {
    const reason = checkImport(file, specifier);
    if (reason) out.push({ file, line, specifier, reason });
  }
  return out;
}

/** Repo-relative POSIX paths of every .ts file under the given top-level folders. */
export function listSourceFiles(root: string, tops: string[]): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) walk(p);
      } else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) {
        files.push(path.relative(root, p).split(path.sep).join('/'));
      }
    }
  };
  for (const top of tops) walk(path.join(root, top));
  return files.sort();
}

export function checkTree(root: string, tops: string[] = ['apps', 'libs']): Violation[] {
  return listSourceFiles(root, tops).flatMap((file) =>
    checkSource(file, readFileSync(path.join(root, file), 'utf8')),
  );
}

export function formatViolations(violations: Violation[]): string {
  return violations.map((v) => `${v.file}:${v.line}  '${v.specifier}'  ${v.reason}`).join('\n');
}
