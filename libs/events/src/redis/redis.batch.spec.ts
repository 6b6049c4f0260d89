import { hashTag } from './redis.batch';

describe('hashTag', () => {
  it('is what Redis Cluster hashes: the first non-empty {...}, else the whole key', () => {
    expect(hashTag('events:{main:3}:retries:billing')).toBe('main:3');
    expect(hashTag('events:{main}')).toBe('main');
    expect(hashTag('plain-key')).toBe('plain-key');
    expect(hashTag('a{}b{c}')).toBe('a{}b{c}');
    expect(hashTag('a{b}{c}')).toBe('b');
  });
});
