import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AsyncApiDocument } from 'nestjs-event-bus';
import { parseAsyncApi } from '../support/asyncapi-parser';
import { startExampleApp, tempDataDir, type ExampleApp } from './support/example-app';
import { ASYNCAPI_SERVICES, asyncApiText, exampleAsyncApi } from './support/example-asyncapi';

const ROOT = join(__dirname, '..', '..');

describe.each(Object.keys(ASYNCAPI_SERVICES) as (keyof typeof ASYNCAPI_SERVICES)[])(
  'the example app’s AsyncAPI document of the %s',
  (role) => {
    const file = ASYNCAPI_SERVICES[role].file;
    let document: AsyncApiDocument;

    beforeAll(async () => {
      document = await exampleAsyncApi(role);
    }, 30_000);

    it(`is up to date in ${file} (run \`npm run docs:asyncapi\` when this fails)`, () => {
      const committed = readFileSync(join(ROOT, file), 'utf8');
      expect(committed === asyncApiText(document)).toBe(true);
    });

    it('parses with @asyncapi/parser without an error or a warning', async () => {
      const parsed = await parseAsyncApi(JSON.parse(readFileSync(join(ROOT, file), 'utf8')));
      expect(parsed.problems).toEqual([]);
    }, 30_000);

    it('routes the distributed types over Redis, with a receive operation per listener', () => {
      expect(document.servers?.redis).toMatchObject({ protocol: 'redis', host: '127.0.0.1:6379' });
      expect(Object.keys(document.channels.main.messages)).toEqual(
        expect.arrayContaining(['user.created.v1', 'invite.created.v1', 'tournament.race.approved.v1']),
      );
      const receives = Object.keys(document.operations).filter((id) => id.startsWith('receive.'));
      if (role === 'worker') {
        expect(document.operations['receive.Notifications.welcomeEmail']).toMatchObject({
          channel: { $ref: '#/channels/main' },
          messages: [{ $ref: '#/channels/main/messages/user.created.v1' }],
        });
        expect(receives).not.toContain('receive.Activity.userCreated');
      } else {
        expect(receives).toContain('receive.Activity.userCreated');
        expect(receives).not.toContain('receive.Notifications.welcomeEmail');
      }
    });
  },
);

describe('the example app serves its AsyncAPI document', () => {
  const data = tempDataDir();
  let app: ExampleApp;

  beforeAll(async () => {
    app = await startExampleApp({ dataDir: data.dir });
  }, 30_000);

  afterAll(async () => {
    await app?.close();
    data.remove();
  });

  it('at GET /events/asyncapi.json, to logged-in users', async () => {
    expect((await app.call('GET', '/events/asyncapi.json')).status).toBe(401);
    const reply = await app.call('GET', '/events/asyncapi.json', { as: await app.admin() });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ asyncapi: '3.1.0', info: { title: 'Example app' } });
    // One process: no transport, every event in-process.
    expect(Object.keys(reply.body.channels)).toEqual(['in-process']);
    expect((await parseAsyncApi(reply.body)).problems).toEqual([]);
  }, 30_000);
});
