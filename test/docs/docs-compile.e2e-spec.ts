import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readDocPage, type DocBlock } from './support/doc-blocks';
import { typeCheckBlocks } from './support/type-check';

const root = resolve(__dirname, '../..');
const pages = [
  'README.md',
  'libs/events/README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`),
].map((page) => readDocPage(root, page));

const blocks = pages.flatMap((page) => page.blocks);
const checked = blocks.filter((block) => !block.fragment);
const fragments = blocks.filter((block) => block.fragment);
const name = (block: DocBlock) => `${block.page} block ${block.index} (line ${block.line})`;

/**
 * Every ```ts block of the READMEs and docs/ type-checks against the plugin's public API, after its page's
 * prelude (an HTML comment `<!-- prelude ... -->`: imports and `declare`d stand-ins for the reader's own code),
 * unless the line before its fence marks it `<!-- fragment -->`.
 */
describe(`TypeScript in the docs (${checked.length} blocks checked, ${fragments.length} fragments)`, () => {
  let errors: Map<DocBlock, string[]>;

  beforeAll(() => {
    errors = typeCheckBlocks(root, pages);
  }, 240_000);

  it.each(checked.map((block) => [name(block), block] as const))('%s compiles', (_, block) => {
    expect(errors.get(block)).toEqual([]);
  });
});
