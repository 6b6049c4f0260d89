import { dirname, join } from 'node:path';
import * as ts from 'typescript';
import type { DocBlock, DocPage } from './doc-blocks';
import { declaredNames, preludeWithout } from './prelude';

/** "declared but never read" and its variants: what a prelude line the block does not use reports. */
const UNUSED = new Set([6133, 6192, 6196, 6198, 6199, 6205]);

/** A block checked as a module of its own, after its page's prelude. */
interface BlockModule {
  readonly block: DocBlock;
  readonly path: string;
  readonly text: string;
  /** Lines before the block's first line (the prelude's). */
  readonly preludeLines: number;
  /** A block of import lines only shows what to import: its names need not be used. */
  readonly importsOnly: boolean;
}

/**
 * Type-checks every non-fragment block of the pages in one program, with the repository's compiler options (strict,
 * unused locals and parameters, CommonJS as a default Nest app) and `nestjs-event-bus` mapped to the plugin's
 * sources, as the tests see it. Returns each block's errors, as `page:line TSnnnn message`.
 */
export function typeCheckBlocks(root: string, pages: readonly DocPage[]): Map<DocBlock, string[]> {
  const modules = pages.flatMap((page) => blockModules(root, page));
  const options = compilerOptions(root);
  const program = ts.createProgram({
    rootNames: modules.map((m) => m.path),
    options,
    host: virtualHost(options, modules),
  });
  const errors = new Map<DocBlock, string[]>();
  for (const module of modules) {
    const file = program.getSourceFile(module.path)!;
    const diagnostics = [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)];
    errors.set(
      module.block,
      diagnostics.filter((d) => !ignored(d, module)).map((d) => describe(d, module)),
    );
  }
  return errors;
}

function blockModules(root: string, page: DocPage): BlockModule[] {
  const folder = join(root, 'docs', '.blocks', page.page.replace(/\.md$/, '').replaceAll('/', '-'));
  const seen = new Set<string>();
  return page.blocks
    .filter((block) => !block.fragment)
    .map((block) => {
      if (seen.has(block.fileName)) throw new Error(`${page.page}: two blocks are named ${block.fileName}`);
      seen.add(block.fileName);
      const prelude = preludeWithout(page.prelude, declaredNames(block.code));
      return {
        block,
        path: join(folder, block.fileName),
        text: prelude === '' ? block.code : `${prelude}\n${block.code}`,
        preludeLines: prelude === '' ? 0 : prelude.split('\n').length,
        importsOnly: isImportsOnly(block.code),
      };
    });
}

function compilerOptions(root: string): ts.CompilerOptions {
  const configPath = join(root, 'tsconfig.json');
  const { config } = ts.readConfigFile(configPath, ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, root, undefined, configPath);
  return {
    ...options,
    noEmit: true,
    declaration: false,
    rootDir: undefined,
    outDir: undefined,
    // Each block is a module even without imports, as a file of an application would be.
    moduleDetection: ts.ModuleDetectionKind.Force,
  };
}

/** The disk, plus the blocks as files of their own folder under docs/.blocks/ (never written). */
function virtualHost(options: ts.CompilerOptions, modules: readonly BlockModule[]): ts.CompilerHost {
  const host = ts.createCompilerHost(options, true);
  const files = new Map(modules.map((m) => [m.path, m.text]));
  const folders = new Set(modules.map((m) => dirname(m.path)));
  const { fileExists, readFile, getSourceFile, directoryExists } = host;
  return {
    ...host,
    fileExists: (path) => files.has(path) || fileExists.call(host, path),
    readFile: (path) => files.get(path) ?? readFile.call(host, path),
    directoryExists: (path) => folders.has(path) || (directoryExists?.call(host, path) ?? true),
    getSourceFile: (path, language, onError, create) => {
      const text = files.get(path);
      if (text === undefined) return getSourceFile.call(host, path, language, onError, create);
      return ts.createSourceFile(path, text, language, true);
    },
  };
}

/**
 * Unused is fine for what the prelude offers, in a block of import lines, and for a block's own top-level
 * declarations (a block may show a value or a shape); never for an import or a parameter the block declares.
 */
function ignored(diagnostic: ts.Diagnostic, module: BlockModule): boolean {
  if (!UNUSED.has(diagnostic.code)) return false;
  if (module.importsOnly || lineOf(diagnostic) < module.preludeLines) return true;
  return diagnostic.file !== undefined && isTopLevelName(diagnostic.file, diagnostic.start);
}

function isTopLevelName(file: ts.SourceFile, position: number | undefined): boolean {
  return file.statements.some((statement) => {
    if (ts.isImportDeclaration(statement)) return false;
    const names = ts.isVariableStatement(statement)
      ? statement.declarationList.declarations.map((d) => d.name)
      : [(statement as ts.Statement & { name?: ts.Node }).name];
    return names.some((name) => name !== undefined && name.getStart(file) === position);
  });
}

function describe(diagnostic: ts.Diagnostic, module: BlockModule): string {
  const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ');
  const line = lineOf(diagnostic);
  const where =
    line < module.preludeLines
      ? `${module.block.page} (prelude, for block ${module.block.index})`
      : `${module.block.page}:${module.block.line + line - module.preludeLines}`;
  return `${where} TS${diagnostic.code} ${message}`;
}

function lineOf(diagnostic: ts.Diagnostic): number {
  if (!diagnostic.file || diagnostic.start === undefined) return -1;
  return diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line;
}

function isImportsOnly(code: string): boolean {
  const file = ts.createSourceFile('block.ts', code, ts.ScriptTarget.Latest);
  return file.statements.length > 0 && file.statements.every(ts.isImportDeclaration);
}
