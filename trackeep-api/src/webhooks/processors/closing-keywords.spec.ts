import { closedIssueNumbers } from './closing-keywords';

describe('closedIssueNumbers', () => {
  it('finds every closing keyword GitHub documents, in any case, with or without a colon', () => {
    const body =
      'Fixes #1, closes #2\nRESOLVED: #3 and close #4; fixed #5 resolves #6 closed #7 fix #8 resolve #9';
    expect(closedIssueNumbers(body, 'o/r')).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('takes a reference to the same repository by its full name and skips other repositories', () => {
    expect(closedIssueNumbers('fixes O/R#10 and fixes other/repo#11', 'o/r')).toEqual([10]);
  });

  it('ignores mentions without a keyword, keywords inside words, and repeats', () => {
    expect(closedIssueNumbers('see #1, prefixes #2, fixes #3 and fixes #3', 'o/r')).toEqual([3]);
    expect(closedIssueNumbers(null, 'o/r')).toEqual([]);
  });
});
