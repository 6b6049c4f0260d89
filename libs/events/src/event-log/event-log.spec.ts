import { EventBusService } from '../bus/event-bus.service';
import { EventsConfigError } from '../errors/events-config.error';
import { EventLogObserver, toEntry } from './event-log';
import { resolveEventLogOptions, type EventLogOptions } from './event-log.options';

type Level = 'debug' | 'log' | 'warn' | 'error' | 'fatal';

/** A logger that keeps its lines. */
class Lines {
  readonly seen: { level: Level; message: unknown }[] = [];
  debug = (message: unknown) => this.seen.push({ level: 'debug', message });
  log = (message: unknown) => this.seen.push({ level: 'log', message });
  warn = (message: unknown) => this.seen.push({ level: 'warn', message });
  error = (message: unknown) => this.seen.push({ level: 'error', message });
  fatal = (message: unknown) => this.seen.push({ level: 'fatal', message });
}

function setup(options: EventLogOptions = {}) {
  const bus = new EventBusService({ history: false });
  const lines = new Lines();
  const resolved = resolveEventLogOptions(options);
  if (!resolved) throw new Error('event log should be on');
  bus.addObserver(new EventLogObserver(resolved, lines));
  return { bus, lines };
}

describe('EventLogObserver', () => {
  it('writes one text line per event with ids, type, severity, source and payload size, never payload values', () => {
    const { bus, lines } = setup();
    const event = bus.emit(
      'user.created',
      { email: 'ada@example.com', password: 'hunter2' },
      { correlationId: 'req-1', actorId: 'u-9' },
    );
    expect(lines.seen).toHaveLength(1);
    const line = lines.seen[0].message as string;
    expect(lines.seen[0].level).toBe('log');
    expect(line).toBe(
      `event type=user.created id=${event.id} correlationId=req-1 actorId=u-9 severity=info source=app ` +
        `payloadBytes=${Buffer.byteLength(JSON.stringify(event.data))}`,
    );
    expect(line).not.toContain('ada@example.com');
    expect(line).not.toContain('hunter2');
  });

  it('includes the causation id of events emitted by handlers', () => {
    const { bus, lines } = setup({ format: 'json' });
    bus.on('order.placed', () => void bus.emit('invoice.created', { n: 1 }));
    const placed = bus.emit('order.placed', {});
    const invoice = lines.seen
      .map((l) => l.message as Record<string, unknown>)
      .find((m) => m.type === 'invoice.created');
    expect(invoice).toMatchObject({
      msg: 'event',
      causationId: placed.id,
      correlationId: placed.correlationId,
    });
  });

  it('logs at the level of the event severity', () => {
    const { bus, lines } = setup();
    for (const severity of ['debug', 'info', 'warning', 'error', 'critical'] as const)
      bus.emit('x.y', {}, { severity });
    expect(lines.seen.map((l) => l.level)).toEqual(['debug', 'log', 'warn', 'error', 'fatal']);
  });

  it('samples debug events at the configured rate, and only those', () => {
    const { bus, lines } = setup({ sampleDebug: 0.25 });
    for (let i = 0; i < 40; i++) bus.emit('cache.hit', {}, { severity: 'debug' });
    for (let i = 0; i < 5; i++) bus.emit('cache.miss', {});
    expect(lines.seen.filter((l) => l.level === 'debug')).toHaveLength(10);
    expect(lines.seen.filter((l) => l.level === 'log')).toHaveLength(5);
  });

  it('logs no debug events at rate 0', () => {
    const { bus, lines } = setup({ sampleDebug: 0 });
    for (let i = 0; i < 10; i++) bus.emit('cache.hit', {}, { severity: 'debug' });
    expect(lines.seen).toEqual([]);
  });

  it('quotes values that are not plain tokens', () => {
    const { bus, lines } = setup();
    bus.emit('x.y', null, { source: 'my service "a"' });
    expect(lines.seen[0].message).toContain('source="my service \\"a\\""');
    expect(lines.seen[0].message).toContain('payloadBytes=0');
  });

  it('keeps the JSON line in reading order, every optional id included when set', () => {
    const bus = new EventBusService({ history: false });
    let inner: ReturnType<typeof bus.emit> | undefined;
    bus.on('a.b', () => {
      inner = bus.emit('c.d', { x: 1 }, { actorId: 'u-1' });
    });
    const outer = bus.emit('a.b', null, { correlationId: 'req-1' });
    expect(Object.entries(toEntry(inner!))).toEqual([
      ['msg', 'event'],
      ['type', 'c.d'],
      ['id', inner!.id],
      ['correlationId', 'req-1'],
      ['causationId', outer.id],
      ['actorId', 'u-1'],
      ['severity', 'info'],
      ['source', 'app'],
      ['payloadBytes', 7],
    ]);
  });

  it('gives the JSON format the same fields', () => {
    const bus = new EventBusService({ history: false });
    const event = bus.emit('x.y', { a: 'é' });
    expect(toEntry(event)).toEqual({
      msg: 'event',
      type: 'x.y',
      id: event.id,
      correlationId: event.correlationId,
      severity: 'info',
      source: 'app',
      payloadBytes: 10,
    });
  });
});

describe('resolveEventLogOptions', () => {
  it('is off unless given; true means the defaults', () => {
    expect(resolveEventLogOptions(undefined)).toBe(false);
    expect(resolveEventLogOptions(false)).toBe(false);
    expect(resolveEventLogOptions(true)).toEqual({ sampleDebug: 1, format: 'text', context: 'EventLog' });
    expect(resolveEventLogOptions({ sampleDebug: 0.1, format: 'json' })).toEqual({
      sampleDebug: 0.1,
      format: 'json',
      context: 'EventLog',
    });
  });

  it.each([
    ['eventLog', 'on'],
    ['eventLog.sampleDebug', { sampleDebug: 2 }],
    ['eventLog.sampleDebug', { sampleDebug: Number.NaN }],
    ['eventLog.format', { format: 'xml' }],
    ['eventLog.context', { context: '' }],
    ['eventLog.level', { level: 'info' }],
  ])('rejects a wrong %s (%j)', (option, value) => {
    expect(() => resolveEventLogOptions(value)).toThrow(EventsConfigError);
    expect(() => resolveEventLogOptions(value)).toThrow(`"${option}"`);
  });
});
