import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** The plugin's source files stay small enough to read at one sitting: a file over the bound is split by job. */
const MAX_LINES = 400;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

describe('plugin source files', () => {
  it(`have fewer than ${MAX_LINES} lines each`, () => {
    const tooLong = sourceFiles(__dirname)
      .map((path) => ({
        file: relative(__dirname, path),
        lines: readFileSync(path, 'utf8').split('\n').length,
      }))
      .filter(({ lines }) => lines >= MAX_LINES);
    expect(tooLong).toEqual([]);
  });
});
