import { cqrsEventToType, emitterNameToType } from './type-names';

describe('emitterNameToType', () => {
  it.each([
    ['order.created', 'order.created'],
    ['orderCreated', 'order.created'],
    ['order:created', 'order.created'],
    ['Order Created', 'order.created'],
    ['user.passwordChanged', 'user.password.changed'],
    ['USER_CREATED', 'user_created'],
    ['audit/login-failed', 'audit.login-failed'],
  ])('maps %p to %p', (name, type) => {
    expect(emitterNameToType(name)).toBe(type);
  });

  it('joins wildcard-mode array names', () => {
    expect(emitterNameToType(['order', 'created'])).toBe('order.created');
  });

  it.each([['order.*'], ['***'], [''], ['!!!']])('has no type for %p', (name) => {
    expect(emitterNameToType(name)).toBeUndefined();
  });

  it('has no type for symbols', () => {
    expect(emitterNameToType(Symbol('x'))).toBeUndefined();
    expect(emitterNameToType(['a', Symbol('b')])).toBeUndefined();
  });
});

describe('cqrsEventToType', () => {
  class UserRegisteredEvent {}
  class HTTPRequestFailed {}
  class OrderV2Placed {}
  class Event {}
  class Tagged {
    static readonly type = 'billing.invoice.sent';
  }

  it('uses the class name without an Event suffix, in dotted lower case', () => {
    expect(cqrsEventToType(new UserRegisteredEvent())).toBe('user.registered');
    expect(cqrsEventToType(new HTTPRequestFailed())).toBe('http.request.failed');
    expect(cqrsEventToType(new OrderV2Placed())).toBe('order.v2.placed');
    expect(cqrsEventToType(new Event())).toBe('event');
  });

  it('prefers a static type property', () => {
    expect(cqrsEventToType(new Tagged())).toBe('billing.invoice.sent');
  });
});
