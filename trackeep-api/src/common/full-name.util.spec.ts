import { ownerOf, splitFullName } from './full-name.util';

describe('full-name', () => {
  it('splits owner/name into its two parts', () => {
    expect(splitFullName('octocat/hello-world')).toEqual(['octocat', 'hello-world']);
    expect(ownerOf('Octo-Org/repo.js')).toBe('Octo-Org');
  });

  it('refuses anything that is not exactly owner/name', () => {
    for (const bad of ['', 'octocat', 'octocat/', '/hello-world', 'a/b/c']) {
      expect(() => splitFullName(bad)).toThrow(/Not an owner\/name/);
    }
  });
});
