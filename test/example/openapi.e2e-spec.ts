import { startExampleApp, tempDataDir, type ExampleApp } from './support/example-app';

describe('example app: the OpenAPI document and Swagger UI', () => {
  const data = tempDataDir();
  let app: ExampleApp;

  beforeAll(async () => {
    app = await startExampleApp({ dataDir: data.dir });
  });

  afterAll(async () => {
    await app?.close();
    data.remove();
  });

  it('serves the OpenAPI document at /docs-json, without a token, with bearer authentication declared', async () => {
    const reply = await app.call('GET', '/docs-json');
    expect(reply.status).toBe(200);
    const doc = reply.body;
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.components.securitySchemes.bearer).toEqual({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
    });
    expect(doc.security).toEqual([{ bearer: [] }]);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/auth/login',
        '/users',
        '/users/{id}',
        '/users/{id}/password',
        '/organizations/{id}',
        '/tournaments/{id}/races',
        '/events/trace/{correlationId}',
        '/activity',
        '/health',
      ]),
    );
  });

  it('describes request bodies from the zod schemas that validate them', async () => {
    const doc = (await app.call('GET', '/docs-json')).body;
    const signUp = doc.paths['/users'].post.requestBody.content['application/json'].schema;
    expect(signUp).toMatchObject({
      type: 'object',
      required: ['username', 'email', 'password'],
      properties: { password: { type: 'string', minLength: 8, maxLength: 200 } },
    });
    const login = doc.paths['/auth/login'].post.requestBody.content['application/json'].schema;
    expect(Object.keys(login.properties).sort()).toEqual(['password', 'username']);
    const page = doc.paths['/users'].get.parameters.map(
      (p: { name: string; in: string }) => `${p.in}:${p.name}`,
    );
    expect(page).toEqual(['query:limit', 'query:offset']);
  });

  it('serves Swagger UI at /docs, remembering the token across reloads', async () => {
    const page = await app.call('GET', '/docs');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.body).toContain('swagger-ui');
    const init = await app.call('GET', '/docs/swagger-ui-init.js');
    expect(init.status).toBe(200);
    expect(init.body).toContain('"persistAuthorization": true');
  });
});
