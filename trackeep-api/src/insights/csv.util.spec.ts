import { toCsv } from './csv.util';

describe('CSV export', () => {
  it('quotes text, doubles quotes, leaves numbers and empties bare', () => {
    expect(
      toCsv(
        ['a', 'b'],
        [
          [1.5, 'say "hi"'],
          [null, ['x', 'y']],
        ],
      ),
    ).toBe('"a","b"\r\n1.5,"say ""hi"""\r\n,"x y"\r\n');
  });

  it('defuses text a spreadsheet would run as a formula', () => {
    expect(toCsv(['t'], [['=HYPERLINK("x")'], ['-1+1'], ['@SUM(A1)']])).toBe(
      '"t"\r\n"\'=HYPERLINK(""x"")"\r\n"\'-1+1"\r\n"\'@SUM(A1)"\r\n',
    );
  });
});
