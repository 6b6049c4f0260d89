import { ConsoleLogger, type INestApplication, type LoggerService } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { CorrelatedLogger, ReportsAppModule } from './fixtures/logging.fixture';

/** Every line written to stdout/stderr while `run` runs (and the app's logger flushes). */
async function captureOutput(run: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const keep = (chunk: unknown) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  };
  const out = jest.spyOn(process.stdout, 'write').mockImplementation(keep);
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(keep);
  try {
    await run();
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return lines;
}

async function requestReport(logger: LoggerService, correlationId: string): Promise<string[]> {
  let app: INestApplication | undefined;
  return captureOutput(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [ReportsAppModule] }).compile();
    app = moduleRef.createNestApplication({ logger });
    await app.listen(0, '127.0.0.1');
    const response = await fetch(`${await app.getUrl()}/reports`, {
      headers: { 'x-correlation-id': correlationId },
    });
    expect(response.status).toBe(200);
    await app.close();
  });
}

describe('correlation ids in log lines', () => {
  it("puts the request's correlation id into the bus's own log lines, as a JSON field with Nest's JSON logger", async () => {
    const lines = await requestReport(new ConsoleLogger({ json: true }), 'log-json-1');
    const records = lines
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const deadLetter = records.find(
      (r) => r.context === 'EventBus' && String(r.message).includes('report storage is down'),
    );
    expect(deadLetter).toMatchObject({ level: 'error', params: { correlationId: 'log-json-1' } });
  });

  it('puts it at the top level with flattenParams', async () => {
    const lines = await requestReport(new ConsoleLogger({ json: true, flattenParams: true }), 'log-json-2');
    const records = lines
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.find((r) => r.context === 'EventBus' && r.level === 'error')).toMatchObject({
      correlationId: 'log-json-2',
    });
  });

  it('shows it after the message with the text logger', async () => {
    const lines = await requestReport(new ConsoleLogger({ colors: false }), 'log-text-1');
    const line = lines.find((l) => l.includes('[EventBus]') && l.includes('report storage is down'));
    expect(line).toContain("correlationId: 'log-text-1'");
  });

  it("the documented CorrelatedLogger recipe adds it to the app's own lines", async () => {
    const lines = await requestReport(new CorrelatedLogger({ json: true }), 'log-app-1');
    const records = lines
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.find((r) => r.context === 'Reports')).toMatchObject({
      message: 'report requested',
      params: { correlationId: 'log-app-1' },
    });
    // Lines logged outside any request carry no id.
    expect(records.find((r) => r.context === 'NestApplication')).not.toHaveProperty('params');
  });
});
