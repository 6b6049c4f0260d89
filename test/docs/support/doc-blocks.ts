import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One ```ts block of a Markdown page. */
export interface DocBlock {
  /** The page, relative to the repository root (`docs/listeners.md`). */
  readonly page: string;
  /** Its rank among the page's ts blocks, from 1. */
  readonly index: number;
  /** The page line of the block's first code line, from 1. */
  readonly line: number;
  readonly code: string;
  /** Marked `<!-- fragment -->` on the line before its fence: a piece of code on purpose, not checked. */
  readonly fragment: boolean;
  /** The module it is checked as: the name on its first line (`// orders.events.ts`), else `block-<index>.ts`. */
  readonly fileName: string;
}

/** A page's ts blocks and the prelude (imports, `declare`d stand-ins) put before each of them when checked. */
export interface DocPage {
  readonly page: string;
  readonly prelude: string;
  readonly blocks: readonly DocBlock[];
}

const FENCE = /^(\s*)```(\S*)\s*$/;
const FRAGMENT = /^\s*<!--\s*fragment\b.*-->\s*$/;
const PRELUDE = /<!--\s*prelude\s*\n([\s\S]*?)-->/;
const FILE_NAME = /^\/\/ ([\w.-]+\.ts)\s*$/;

/** Reads a page's ts blocks (indented ones inside list items included) and its prelude comment. */
export function readDocPage(root: string, page: string): DocPage {
  const text = readFileSync(join(root, page), 'utf8');
  const lines = text.split('\n');
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]);
    if (!open) continue;
    const end = closingFence(lines, i + 1, open[1]);
    if (open[2] === 'ts') {
      const code = lines
        .slice(i + 1, end)
        .map((line) => line.slice(open[1].length))
        .join('\n');
      const index = blocks.length + 1;
      blocks.push({
        page,
        index,
        line: i + 2,
        code,
        fragment: FRAGMENT.test(previousNonBlank(lines, i)),
        fileName: FILE_NAME.exec(code.split('\n', 1)[0])?.[1] ?? `block-${index}.ts`,
      });
    }
    i = end;
  }
  return { page, prelude: PRELUDE.exec(text)?.[1] ?? '', blocks };
}

function closingFence(lines: readonly string[], from: number, indent: string): number {
  for (let i = from; i < lines.length; i++) {
    if (lines[i].trimEnd() === `${indent}\`\`\``) return i;
  }
  throw new Error(`unclosed code fence after line ${from}`);
}

function previousNonBlank(lines: readonly string[], before: number): string {
  for (let i = before - 1; i >= 0; i--) if (lines[i].trim() !== '') return lines[i];
  return '';
}
