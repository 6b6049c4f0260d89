import { TypeLabels } from './type-labels';

describe('TypeLabels', () => {
  function labels(maxTypes: number, declared: string[] = []) {
    const warnings: string[] = [];
    const known = new Set(declared);
    return {
      guard: new TypeLabels(
        maxTypes,
        (t) => known.has(t),
        (m) => warnings.push(m),
      ),
      warnings,
      known,
    };
  }

  it('gives the first maxTypes undeclared types their own label and the rest "other"', () => {
    const { guard, warnings } = labels(2);
    expect(['x.a', 'x.b', 'x.c', 'x.a', 'x.d'].map((t) => guard.labelFor(t))).toEqual([
      'x.a',
      'x.b',
      'other',
      'x.a',
      'other',
    ]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('"x.c"');
  });

  it('never folds declared types, however many', () => {
    const declared = Array.from({ length: 50 }, (_, i) => `d.t${i}`);
    const { guard, warnings } = labels(0, declared);
    expect(declared.every((t) => guard.labelFor(t) === t)).toBe(true);
    expect(guard.labelFor('u.t')).toBe('other');
    expect(warnings).toHaveLength(1);
  });

  it('keeps the label a type got first, even if it is declared later', () => {
    const { guard, known } = labels(1);
    expect(guard.labelFor('late.one')).toBe('late.one');
    known.add('late.one');
    expect(guard.labelFor('late.one')).toBe('late.one');
  });

  it('maps the bus\'s own "other" bucket to "other" without using a slot', () => {
    const { guard, warnings } = labels(1);
    expect(guard.labelFor('other')).toBe('other');
    expect(guard.labelFor('x.a')).toBe('x.a');
    expect(warnings).toEqual([]);
  });
});
