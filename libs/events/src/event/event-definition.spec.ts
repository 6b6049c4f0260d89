import { z } from 'zod';
import { defineEvent, isEventDefinition } from './event-definition';
import { isValidEventType } from './event-type';

describe('defineEvent', () => {
  it('fills in defaults and freezes the definition', () => {
    const def = defineEvent<{ id: string }>('user.created');
    expect(def).toMatchObject({ type: 'user.created', version: 1, audit: false });
    expect(Object.isFrozen(def)).toBe(true);
    expect(isEventDefinition(def)).toBe(true);
  });

  it('keeps version, schema, audit, description and severity', () => {
    const schema = z.object({ id: z.string() });
    const def = defineEvent('user.deleted', {
      version: 3,
      schema,
      audit: true,
      description: 'A user was removed',
      severity: 'warning',
    });
    expect(def).toMatchObject({
      version: 3,
      schema,
      audit: true,
      description: 'A user was removed',
      severity: 'warning',
    });
  });

  it.each([
    ['User.Created'],
    ['user created'],
    ['user..created'],
    ['.user'],
    ['user.'],
    ['user.*'],
    [''],
    ['x'.repeat(201)],
  ])('rejects the type name %j with a message that shows the expected form', (type) => {
    expect(() => defineEvent(type)).toThrow(/event type/);
    if (type.length <= 200) expect(() => defineEvent(type)).toThrow(/user\.created/);
  });

  it.each([
    ['user'],
    ['user.created'],
    ['tournament.race.submitted'],
    ['http.request_completed'],
    ['v2.order-placed'],
  ])('accepts the type name %j', (type) => {
    expect(isValidEventType(type)).toBe(true);
    expect(defineEvent(type).type).toBe(type);
  });

  it.each([[0], [-1], [1.5], [NaN], [2 ** 53]])('rejects version %p', (version) => {
    expect(() => defineEvent('user.created', { version })).toThrow(/version must be a positive integer/);
  });

  it('rejects a schema that is not a Standard Schema', () => {
    const notASchema = { parse: () => ({}) } as never;
    expect(() => defineEvent('user.created', { schema: notASchema })).toThrow(/Standard Schema/);
  });
});
