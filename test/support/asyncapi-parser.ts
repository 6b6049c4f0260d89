import { Parser, type Diagnostic } from '@asyncapi/parser';

/** What @asyncapi/parser found wrong: errors, and warnings that say the document is invalid. */
export interface ParseProblems {
  problems: string[];
  /** Every diagnostic, for a failure's message. */
  all: string[];
}

/** Severity of a spectral diagnostic: 0 error, 1 warning, 2 information, 3 hint. */
const WARNING = 1;

/** Parses an AsyncAPI document with the real parser; lists errors and warnings (hints and information pass). */
export async function parseAsyncApi(document: unknown): Promise<ParseProblems> {
  const { diagnostics } = await new Parser().parse(JSON.stringify(document));
  const describe = (d: Diagnostic) => `[${d.severity}] ${d.code} at ${d.path.join('.')}: ${d.message}`;
  return {
    problems: diagnostics.filter((d) => d.severity <= WARNING).map(describe),
    all: diagnostics.map(describe),
  };
}
