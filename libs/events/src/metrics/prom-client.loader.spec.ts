import { MissingPeerDependencyError } from '../errors/missing-peer-dependency.error';

describe('loadPromClient', () => {
  afterEach(() => jest.dontMock('prom-client'));

  it('returns prom-client when it is installed', () => {
    const { loadPromClient } =
      jest.requireActual<typeof import('./prom-client.loader')>('./prom-client.loader');
    expect(typeof loadPromClient().Registry).toBe('function');
  });

  it('says what to install, and which option to turn off, when prom-client cannot be loaded', () => {
    jest.isolateModules(() => {
      // Simulates an app that never installed prom-client.
      jest.doMock('prom-client', () => {
        throw new Error("Cannot find module 'prom-client'");
      });
      const { loadPromClient } =
        jest.requireActual<typeof import('./prom-client.loader')>('./prom-client.loader');
      let caught: unknown;
      try {
        loadPromClient();
      } catch (error) {
        caught = error;
      }
      expect((caught as Error).name).toBe('MissingPeerDependencyError');
      expect((caught as MissingPeerDependencyError).packageName).toBe('prom-client');
      expect((caught as Error).message).toContain('npm install prom-client');
      expect((caught as Error).message).toContain('metrics: false');
    });
  });
});
