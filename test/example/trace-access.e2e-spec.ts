import type { AppConfig } from '../../src/config/app.config';
import {
  startExampleApp,
  tempDataDir,
  type ExampleApp,
  type Reply,
  type Session,
} from './support/example-app';

interface Cast {
  app: ExampleApp;
  alice: Session;
  bob: Session;
  admin: Session;
  /** The correlation id of alice's request that created her organization. */
  aliceRequest: string;
  remove(): Promise<void>;
}

async function cast(config: Partial<AppConfig> = {}): Promise<Cast> {
  const data = tempDataDir();
  const app = await startExampleApp({ dataDir: data.dir, ...config });
  const alice = await app.signUp('alice');
  const bob = await app.signUp('bob');
  const created = await app.call('POST', '/organizations', { as: alice, body: { name: 'Alice Private' } });
  expect(created.status).toBe(201);
  await app.settle();
  return {
    app,
    alice,
    bob,
    admin: await app.admin(),
    aliceRequest: created.correlationId,
    async remove() {
      await app.close();
      data.remove();
    },
  };
}

/** Event types of a request's own story, read back by an administrator. */
async function storyTypes(c: Cast, reply: Reply): Promise<string[]> {
  await c.app.settle();
  const types: string[] = [];
  const walk = (nodes: { type: string; children: any[] }[]) =>
    nodes.forEach((node) => {
      types.push(node.type);
      walk(node.children);
    });
  walk((await c.app.call('GET', `/events/trace/${reply.correlationId}`, { as: c.admin })).body.roots);
  return types.sort();
}

describe('example app: who may read a trace (client correlation ids not trusted, the default)', () => {
  let c: Cast;
  beforeAll(async () => {
    c = await cast();
  });
  afterAll(async () => c?.remove());

  it('the opener of a request reads its story; an administrator too', async () => {
    const own = await c.app.call('GET', `/events/trace/${c.aliceRequest}`, { as: c.alice });
    expect(own.status).toBe(200);
    expect(JSON.stringify(own.body)).toContain('organization.created');
    expect((await c.app.call('GET', `/events/trace/${c.aliceRequest}`, { as: c.admin })).status).toBe(200);
  });

  it('a user who opened nothing under it gets the answer of an unknown id: 404, the same body', async () => {
    const known = await c.app.call('GET', `/events/trace/${c.aliceRequest}`, { as: c.bob });
    const unknown = await c.app.call('GET', '/events/trace/0190f0a2-7c3e-7b1a-8d2e-3f4a5b6c7d8e', {
      as: c.bob,
    });
    expect(known.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(known.body).toEqual(unknown.body);
    expect(JSON.stringify(known.body)).not.toContain(c.aliceRequest);
    // Nothing in bob's own story tells the two apart either.
    expect(await storyTypes(c, known)).toEqual(await storyTypes(c, unknown));
  });

  it('sending alice’s id as x-correlation-id gets bob a fresh id, and still no access', async () => {
    const sneaky = await c.app.call('GET', '/organizations', {
      as: c.bob,
      headers: { 'x-correlation-id': c.aliceRequest },
    });
    expect(sneaky.status).toBe(200);
    expect(sneaky.correlationId).not.toBe(c.aliceRequest);
    expect((await c.app.call('GET', `/events/trace/${c.aliceRequest}`, { as: c.bob })).status).toBe(404);
    const story = await c.app.call('GET', `/events/trace/${c.aliceRequest}`, { as: c.alice });
    expect(story.body.actors).toEqual([c.alice.id]);
  });

  it('needs a token at all', async () => {
    expect((await c.app.call('GET', `/events/trace/${c.aliceRequest}`)).status).toBe(401);
  });

  it('answers a malformed id like an unknown one', async () => {
    const reply = await c.app.call('GET', `/events/trace/${'x'.repeat(300)}`, { as: c.admin });
    expect(reply.status).toBe(404);
  });
});

describe('example app: who may read a trace when client ids are trusted (TRUSTED_PROXIES covers the caller)', () => {
  let c: Cast;
  beforeAll(async () => {
    c = await cast({ trustedProxies: ['127.0.0.1', '::1'] });
  });
  afterAll(async () => c?.remove());

  it('a caller who files a request under alice’s id adds to her story but still may not read it', async () => {
    const sneaky = await c.app.call('GET', '/organizations', {
      as: c.bob,
      headers: { 'x-correlation-id': c.aliceRequest },
    });
    expect(sneaky.status).toBe(200);
    // Trusted: bob's request really runs under alice's id, so his events carry it.
    expect(sneaky.correlationId).toBe(c.aliceRequest);
    await c.app.settle();
    expect(c.app.bus.history({ correlationId: c.aliceRequest }).some((e) => e.actorId === c.bob.id)).toBe(
      true,
    );

    // Being among the story's actors is no key: who opened it is recorded on the server.
    const bobReads = await c.app.call('GET', `/events/trace/${c.aliceRequest}`, { as: c.bob });
    const unknown = await c.app.call('GET', '/events/trace/no-such-story', { as: c.bob });
    expect(bobReads.status).toBe(404);
    expect(bobReads.body).toEqual(unknown.body);
    expect(JSON.stringify(bobReads.body)).not.toContain('alice');

    const aliceReads = await c.app.call('GET', `/events/trace/${c.aliceRequest}`, { as: c.alice });
    expect(aliceReads.status).toBe(200);
    expect(aliceReads.body.actors).toEqual(expect.arrayContaining([c.alice.id, c.bob.id]));
  });

  it('an id first used by bob stays his: alice sending it later does not open it to her', async () => {
    const bobFirst = await c.app.call('GET', '/organizations', {
      as: c.bob,
      headers: { 'x-correlation-id': 'chosen-by-bob-1' },
    });
    expect(bobFirst.correlationId).toBe('chosen-by-bob-1');
    await c.app.call('GET', '/organizations', {
      as: c.alice,
      headers: { 'x-correlation-id': 'chosen-by-bob-1' },
    });
    expect((await c.app.call('GET', '/events/trace/chosen-by-bob-1', { as: c.bob })).status).toBe(200);
    expect((await c.app.call('GET', '/events/trace/chosen-by-bob-1', { as: c.alice })).status).toBe(404);
  });
});
