import * as ts from 'typescript';

/** The names a piece of code declares at its top level, imported names included. */
export function declaredNames(code: string): Set<string> {
  const file = ts.createSourceFile('block.ts', code, ts.ScriptTarget.Latest, true);
  return new Set(file.statements.flatMap(namesOf));
}

/**
 * The prelude without what the block declares itself (an import of a name the block defines would clash with it):
 * such names are taken out of import lines, and `declare`d stand-ins of them dropped.
 */
export function preludeWithout(prelude: string, names: ReadonlySet<string>): string {
  const file = ts.createSourceFile('prelude.ts', prelude, ts.ScriptTarget.Latest, true);
  const kept: string[] = [];
  for (const statement of file.statements) {
    if (ts.isImportDeclaration(statement)) {
      const line = importWithout(statement, file, names);
      if (line !== undefined) kept.push(line);
    } else if (!namesOf(statement).some((name) => names.has(name))) {
      kept.push(statement.getText(file));
    }
  }
  return kept.join('\n');
}

function importWithout(
  statement: ts.ImportDeclaration,
  file: ts.SourceFile,
  names: ReadonlySet<string>,
): string | undefined {
  const clause = statement.importClause;
  if (!clause) return statement.getText(file);
  const parts: string[] = [];
  if (clause.name && !names.has(clause.name.text)) parts.push(clause.name.text);
  const bindings = clause.namedBindings;
  if (bindings && ts.isNamespaceImport(bindings) && !names.has(bindings.name.text)) {
    parts.push(bindings.getText(file));
  }
  if (bindings && ts.isNamedImports(bindings)) {
    const elements = bindings.elements.filter((e) => !names.has(e.name.text)).map((e) => e.getText(file));
    if (elements.length > 0) parts.push(`{ ${elements.join(', ')} }`);
  }
  if (parts.length === 0) return undefined;
  const typeOnly = clause.isTypeOnly ? 'type ' : '';
  return `import ${typeOnly}${parts.join(', ')} from ${statement.moduleSpecifier.getText(file)};`;
}

function namesOf(statement: ts.Statement): string[] {
  if (ts.isImportDeclaration(statement)) {
    const clause = statement.importClause;
    const bindings = clause?.namedBindings;
    return [
      ...(clause?.name ? [clause.name.text] : []),
      ...(bindings && ts.isNamespaceImport(bindings) ? [bindings.name.text] : []),
      ...(bindings && ts.isNamedImports(bindings) ? bindings.elements.map((e) => e.name.text) : []),
    ];
  }
  if (ts.isVariableStatement(statement)) {
    return statement.declarationList.declarations.flatMap((d) => bindingNames(d.name));
  }
  const named = statement as ts.Statement & { name?: ts.Node };
  return named.name && ts.isIdentifier(named.name) ? [named.name.text] : [];
}

function bindingNames(name: ts.BindingName): string[] {
  if (ts.isIdentifier(name)) return [name.text];
  return name.elements.flatMap((e) => (ts.isOmittedExpression(e) ? [] : bindingNames(e.name)));
}
