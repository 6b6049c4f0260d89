import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { EventTrace, TraceEvent } from 'nestjs-event-bus';
import { launchChromium, testOutputDir } from '../support/chromium';
import { deletePrefix, SHARED_REDIS_URL, uniquePrefix } from '../support/redis-prefix';
import { until } from '../support/wait';
import { tempDataDir } from './support/example-app';

const root = join(__dirname, '..', '..');
const register = join(root, 'test', 'support', 'ts-register.cjs');

/** A free loopback port. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Starts one of the app's entry files as a child process, its output kept for a failure's message. */
function startProcess(entry: string, env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string } {
  let output = '';
  const child = spawn(process.execPath, ['-r', register, join(root, 'src', entry)], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

describe('the example app as two processes over Redis (npm start + npm run start:worker)', () => {
  const data = tempDataDir();
  const prefix = uniquePrefix('two-processes');
  let api: ReturnType<typeof startProcess>;
  let worker: ReturnType<typeof startProcess>;
  let url: string;

  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const env = {
      PORT: String(port),
      DATA_DIR: data.dir,
      REDIS_URL: SHARED_REDIS_URL,
      REDIS_PREFIX: prefix,
      INVITE_SWEEP_MS: '0',
      ADMIN_PASSWORD: 'an admin password',
    };
    api = startProcess('main.ts', env);
    await until(async () => (await fetch(`${url}/health`).catch(() => undefined))?.ok === true, 30_000).catch(
      () => {
        throw new Error(`The API did not come up:\n${api.output()}`);
      },
    );
    worker = startProcess('worker.ts', env);
    await until(() => worker.output().includes('Worker consuming events'), 30_000).catch(() => {
      throw new Error(`The worker did not come up:\n${worker.output()}`);
    });
  }, 60_000);

  afterAll(async () => {
    await Promise.all([api && stop(api.child), worker && stop(worker.child)]);
    await deletePrefix(prefix);
    data.remove();
  });

  it('sends the welcome email of a sign-up from the worker, under the request’s correlation id', async () => {
    const email = `ada-${randomUUID().slice(0, 8)}@example.com`;
    const response = await fetch(`${url}/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: `ada${Date.now()}`, email, password: 'correct horse battery' }),
    });
    expect(response.status).toBe(201);
    type Health = { info: Record<string, Record<string, unknown>> };
    const health = (await (await fetch(`${url}/health`)).json()) as Health;
    // Anyone sees up or down; an administrator sees which transport.
    expect(health.info.transport).toEqual({ status: 'up' });
    const login = await fetch(`${url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'an admin password' }),
    });
    const { accessToken } = (await login.json()) as { accessToken: string };
    const details = await fetch(`${url}/health/details`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(((await details.json()) as Health).info.transport).toMatchObject({
      status: 'up',
      transport: 'redis-streams',
    });
    // The API makes the request's id (clients choose theirs only through TRUSTED_PROXIES) and answers with it.
    const correlationId = response.headers.get('x-correlation-id')!;
    expect(correlationId).toBeTruthy();

    const appDb = new Database(join(data.dir, 'app.db'), { readonly: true });
    const workerAudit = () => new Database(join(data.dir, 'audit-worker.db'), { readonly: true });
    try {
      await until(
        () => appDb.prepare('SELECT 1 FROM email_outbox WHERE recipient = ?').get(email) !== undefined,
        15_000,
      ).catch(() => {
        throw new Error(`No welcome email.\nAPI:\n${api.output()}\nWorker:\n${worker.output()}`);
      });
      const mail = appDb.prepare('SELECT * FROM email_outbox WHERE recipient = ?').get(email) as {
        template: string;
        event_id: string;
      };
      expect(mail.template).toBe('welcome');

      // The worker's own trail: the email it queued, caused by the sign-up event, in the request's story.
      let queued: { correlation_id: string; causation_id: string; source: string } | undefined;
      await until(() => {
        const db = workerAudit();
        try {
          queued = db
            .prepare(
              "SELECT * FROM audit_log WHERE type = 'notification.email.queued' AND correlation_id = ?",
            )
            .get(correlationId) as typeof queued;
        } finally {
          db.close();
        }
        return queued !== undefined;
      }, 15_000);
      expect(queued).toMatchObject({ source: 'example-worker', causation_id: mail.event_id });

      // user.created left the API through its outbox (written with the user, relayed to Redis after the commit);
      // the worker's welcome email committed with its inbox record, and its email.queued went through the
      // worker's own outbox.
      const rows = (table: string) =>
        (appDb.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
      await until(() => rows('event_outbox') === 0 && rows('event_outbox_worker') === 0, 15_000);
      const relayed = await (await fetch(`${url}/metrics`)).text();
      expect(Number(/^events_outbox_published_total (\d+)/m.exec(relayed)?.[1])).toBeGreaterThanOrEqual(1);
      expect(
        appDb.prepare('SELECT handler FROM event_inbox_worker WHERE event_id = ?').all(mail.event_id),
      ).toEqual([{ handler: 'Notifications.welcomeEmail' }]);
    } finally {
      appDb.close();
    }

    // The API instance tells the whole story: the worker's handlers, with their attempts, and its events.
    const trace = await traceOnApi(correlationId, (story) =>
      JSON.stringify(story).includes('"handler":"Notifications.welcomeEmail","outcome":"success"'),
    );
    const created = flatten(trace.roots).find((event) => event.type === 'user.created')!;
    expect(created.source).toBe('example-api');
    const welcome = created.handlers.find((h) => h.handler === 'Notifications.welcomeEmail')!;
    expect(welcome).toMatchObject({ outcome: 'success', attempts: 2, source: 'example-worker' });
    expect(welcome.attemptLog.map((a) => [a.outcome, a.source])).toEqual([
      ['retried', 'example-worker'],
      ['success', 'example-worker'],
    ]);
    expect(created.children.map((child) => [child.type, child.source])).toEqual(
      expect.arrayContaining([
        ['notification.email.deferred', 'example-worker'],
        ['notification.email.queued', 'example-worker'],
      ]),
    );
    expect(trace.sources).toEqual(expect.arrayContaining(['example-api', 'example-worker']));
  });

  it('shows the story on the API’s timeline page in Chromium, once the reader gives a token', async () => {
    const response = await fetch(`${url}/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        username: `grace${Date.now()}`,
        email: `grace-${randomUUID().slice(0, 8)}@example.com`,
        password: 'a long enough password',
      }),
    });
    expect(response.status).toBe(201);
    const correlationId = response.headers.get('x-correlation-id')!;
    // The whole story, so that the page (which fetches it later) has no more to draw than the test compares.
    const trace = await traceOnApi(correlationId, (story) => {
      const told = JSON.stringify(story);
      return (
        told.includes('"handler":"Notifications.welcomeEmail","outcome":"success"') &&
        told.includes('"type":"notification.email.queued"')
      );
    });
    const events = flatten(trace.roots);

    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1500, height: 760 } });
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      // The page is public and holds no data: the story itself needs the token.
      await page.goto(`${url}/events/trace/${correlationId}/page`);
      await page.locator('#auth').waitFor();
      await page.locator('#token').fill(await adminToken());
      await page.locator('#auth button').click();
      await page.locator('g.event').first().waitFor();

      const drawn = await page
        .locator('g.event')
        .evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-event-id')));
      expect(drawn.sort()).toEqual(events.map((event) => event.id).sort());
      const handlers = await page
        .locator('g.lane[data-source="example-worker"] g.handler')
        .evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-handler')));
      expect(handlers).toContain('Notifications.welcomeEmail');
      await page.locator('g.event[data-type="user.created"]').click();
      expect(await page.locator('#details h2').textContent()).toBe('user.created');
      await page.screenshot({ path: join(testOutputDir('example-trace-page'), 'example-timeline.png') });
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 40_000);

  /** The administrator's access token (logged in once). */
  let token: string | undefined;
  async function adminToken(): Promise<string> {
    if (token !== undefined) return token;
    const login = await fetch(`${url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'an admin password' }),
    });
    token = ((await login.json()) as { accessToken: string }).accessToken;
    return token;
  }

  /** `GET /events/trace/:id` on the API as the administrator, polled until `complete` holds. */
  async function traceOnApi(
    correlationId: string,
    complete: (trace: EventTrace) => boolean,
  ): Promise<EventTrace> {
    const accessToken = await adminToken();
    let trace: EventTrace | undefined;
    await until(async () => {
      const reply = await fetch(`${url}/events/trace/${correlationId}`, {
        headers: { authorization: `Bearer ${accessToken}` },
      });
      trace = reply.status === 200 ? ((await reply.json()) as EventTrace) : undefined;
      return trace !== undefined && complete(trace);
    }, 15_000).catch(() => {
      throw new Error(`The trace lacks the worker's part:\n${JSON.stringify(trace, null, 1)}`);
    });
    return trace!;
  }
});

function flatten(nodes: TraceEvent[]): TraceEvent[] {
  return nodes.flatMap((node) => [node, ...flatten(node.children)]);
}
