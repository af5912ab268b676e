import { PageSizeGovernor } from './page-size.governor';

describe(PageSizeGovernor.name, () => {
  it('starts moderate, halves on a failed page and grows back after healthy pages', () => {
    const sut = new PageSizeGovernor();
    expect(sut.size('commits')).toBe(50);
    sut.succeeded(['commits']);
    sut.succeeded(['commits']);
    expect(sut.size('commits')).toBe(75);
    sut.failed([{ stream: 'commits', size: 75 }]);
    expect(sut.size('commits')).toBe(37);
    sut.failed([{ stream: 'commits', size: 37 }]);
    expect(sut.size('commits')).toBe(18);
    for (let i = 0; i < 4; i++) sut.succeeded(['commits']);
    expect(sut.size('commits')).toBe(36);
  });

  it('stays below a size that failed recently, and tries it again later', () => {
    let now = 0;
    const sut = new PageSizeGovernor(() => now);
    sut.failed([{ stream: 'pulls', size: 40 }]);
    for (let i = 0; i < 20; i++) sut.succeeded(['pulls']);
    expect(sut.size('pulls')).toBe(39);
    now += 11 * 60_000;
    for (let i = 0; i < 4; i++) sut.succeeded(['pulls']);
    expect(sut.size('pulls')).toBe(89);
  });

  it('never goes below 5 or above 100', () => {
    const sut = new PageSizeGovernor();
    for (let i = 0; i < 10; i++) sut.failed([{ stream: 'refs', size: sut.size('refs') }]);
    expect(sut.size('refs')).toBe(5);
    const grow = new PageSizeGovernor();
    for (let i = 0; i < 40; i++) grow.succeeded(['commits']);
    expect(grow.size('commits')).toBe(100);
  });
});
