import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CaptureLogger } from '../listeners/support/capture-logger';
import {
  startExampleApp,
  tempDataDir,
  TEST_ADMIN_PASSWORD,
  type ExampleApp,
  type Reply,
} from './support/example-app';

/** Everything typed into a password field below (and one password typed into a username field). */
const TYPED = {
  signUp: 'Pw-signup-Quokka-7781',
  wrongLogin: 'Pw-wrong-Narwhal-5512',
  inUsernameField: 'Pw-in-username-Okapi-3390',
  wrongCurrent: 'Pw-current-Tapir-0246',
  changedTo: 'Pw-new-Axolotl-8813',
  tooShort: 'Pw-Sh7',
  tooLong: `Pw-long-Pangolin-${'z'.repeat(200)}`,
  malformedJson: 'Pw-json-Dugong-6604',
  duplicateSignUp: 'Pw-dup-Caracal-1175',
  unknownField: 'Pw-field-Gharial-4429',
};

/** Every file under `dir` as latin1 text (SQLite databases and their write-ahead logs included). */
function filesText(dir: string): string {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile())
    .map((path) => readFileSync(path, 'latin1'))
    .join('\n');
}

describe('example app: what was typed in a password field is never stored, wherever it was typed', () => {
  const data = tempDataDir();
  const logger = new CaptureLogger();
  let app: ExampleApp;
  const replies: Reply[] = [];

  async function send(
    method: string,
    path: string,
    options: Parameters<ExampleApp['call']>[2],
  ): Promise<Reply> {
    const reply = await app.call(method, path, options);
    replies.push(reply);
    return reply;
  }

  beforeAll(async () => {
    app = await startExampleApp({ dataDir: data.dir }, logger);
    const signUp = (password: unknown, username = 'carol', extra: Record<string, unknown> = {}) =>
      send('POST', '/users', { body: { username, email: `${username}@example.com`, password, ...extra } });
    const login = (username: string, password: unknown) =>
      send('POST', '/auth/login', { body: { username, password } });

    expect((await signUp(TYPED.signUp)).status).toBe(201);
    expect((await signUp(TYPED.duplicateSignUp)).status).toBe(409);
    expect((await signUp(TYPED.tooShort, 'carol2')).status).toBe(400);
    expect((await signUp(TYPED.tooLong, 'carol3')).status).toBe(400);
    expect((await signUp('long-enough-1', 'carol4', { passwd: TYPED.unknownField })).status).toBe(400);
    const carol = await login('carol', TYPED.signUp);
    expect(carol.status).toBe(200);
    expect((await login('carol', TYPED.wrongLogin)).status).toBe(401);
    // The classic slip: the password typed into the username field.
    expect((await login(TYPED.inUsernameField, 'carol')).status).toBe(401);
    expect((await login('carol', TYPED.tooLong)).status).toBe(400);
    const malformed = await send('POST', '/auth/login', {
      body: `{"username":"carol","password":${TYPED.malformedJson}}`,
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.message).toBe('The request body is not valid JSON.');

    const me = carol.body.user.id as string;
    const token = carol.body.accessToken as string;
    const change = (currentPassword: string, newPassword: string) =>
      send('PUT', `/users/${me}/password`, { as: token, body: { currentPassword, newPassword } });
    expect((await change(TYPED.wrongCurrent, TYPED.changedTo)).status).toBe(401);
    expect((await change(TYPED.signUp, TYPED.tooShort)).status).toBe(400);
    expect((await change(TYPED.signUp, TYPED.changedTo)).status).toBe(204);
    expect((await login('carol', TYPED.changedTo)).status).toBe(200);
    await app.settle();
    await app.audit.flush();
  });

  afterAll(async () => {
    await app?.close();
    data.remove();
  });

  const typed = Object.entries(TYPED);

  it.each(typed)('%s: not in any answer', (_label, password) => {
    expect(JSON.stringify(replies.map((r) => r.body))).not.toContain(password);
  });

  it.each(typed)('%s: not in any row of any table, nor in the audit trail', async (_label, password) => {
    const tables: { name: string }[] = await app.dataSource.query(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    );
    expect(tables.length).toBeGreaterThan(5);
    for (const { name } of tables) {
      expect(JSON.stringify(await app.dataSource.query(`SELECT * FROM ${name}`))).not.toContain(password);
    }
    expect(JSON.stringify((await app.audit.query({ limit: 1000 })).records)).not.toContain(password);
  });

  it.each(typed)('%s: not in history, dead letters, logs or metrics', async (_label, password) => {
    expect(JSON.stringify(app.bus.history())).not.toContain(password);
    expect(JSON.stringify(app.bus.deadLetters())).not.toContain(password);
    expect(JSON.stringify(logger.lines)).not.toContain(password);
    expect((await app.call('GET', '/metrics')).body).not.toContain(password);
  });

  it.each(typed)('%s: not in any file of the data directory, byte for byte', (_label, password) => {
    expect(filesText(data.dir)).not.toContain(password);
  });

  it('nor is the administrator’s password, which only its hash stands for', () => {
    expect(filesText(data.dir)).not.toContain(TEST_ADMIN_PASSWORD);
    expect(JSON.stringify(logger.lines)).not.toContain(TEST_ADMIN_PASSWORD);
  });

  it('records failed logins with the user id when the username exists, and nothing typed otherwise', () => {
    const failures = app.bus.history({ type: 'auth.login.failed' }).map((event) => event.data);
    const carolId = replies.find((r) => r.body?.user?.username === 'carol')!.body.user.id;
    expect(failures).toEqual(
      expect.arrayContaining([{ reason: 'wrong-password', userId: carolId }, { reason: 'unknown-user' }]),
    );
  });
});
