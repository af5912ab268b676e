import { pointsBeforeTracking } from './star-history.points';

const day = (d: string, stars: number, forks = 0) => ({ day: d, stars: String(stars), forks: String(forks) });

describe(pointsBeforeTracking.name, () => {
  const days = [day('2024-01-03', 2), day('2024-02-10', 1, 1), day('2024-05-01', 3), day('2024-06-01', 1, 2)];

  it('counts stars and forks up to each day, and stops at the first snapshot day', () => {
    const sut = pointsBeforeTracking(days, new Date('2024-05-01T12:00:00Z'), { since: '1970-01-01' }, 100);
    expect(sut).toEqual([
      { capturedAt: '2024-01-03T00:00:00.000Z', stars: 2, forks: 0, watchers: null, openIssues: null },
      { capturedAt: '2024-02-10T00:00:00.000Z', stars: 3, forks: 1, watchers: null, openIssues: null },
    ]);
  });

  it('keeps counting from the first star when the range starts later', () => {
    const sut = pointsBeforeTracking(days, null, { since: '2024-02-01', until: '2024-05-31' }, 100);
    expect(sut.map((p) => [p.capturedAt.slice(0, 10), p.stars, p.forks])).toEqual([
      ['2024-02-10', 3, 1],
      ['2024-05-01', 6, 1],
    ]);
  });

  it('thins a long history to at most max points and keeps the last', () => {
    const many = Array.from({ length: 1000 }, (_, i) =>
      day(new Date(Date.UTC(2020, 0, 1 + i)).toISOString().slice(0, 10), 1),
    );
    const sut = pointsBeforeTracking(many, null, { since: '1970-01-01' }, 300);
    expect(sut).toHaveLength(300);
    expect(sut[sut.length - 1]?.stars).toBe(1000);
    const stars = sut.map((p) => p.stars);
    expect(stars).toEqual([...stars].sort((a, b) => a - b));
  });

  it('gives nothing when the repository had no stars or forks before tracking', () => {
    expect(pointsBeforeTracking([], new Date(), { since: '1970-01-01' }, 100)).toEqual([]);
  });
});
