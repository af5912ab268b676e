import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
const BUDGET_BYTES = 150 * 1024;

interface Measurement {
  files: Record<string, { raw: number; gzip: number }>;
  rawBytes: number;
  gzipBytes: number;
}

describe('first visit download size', () => {
  it('ships at most 150 kB of initial JavaScript (gzip), with Chart.js left out of it', () => {
    const out = execFileSync(
      process.execPath,
      [resolve(ROOT, 'trackeep-web/scripts/check-bundle-size.mjs'), '--json'],
      { encoding: 'utf8' },
    );
    const measured = JSON.parse(out) as Measurement;
    expect(Object.keys(measured.files).length).toBeGreaterThan(0);
    expect(measured.gzipBytes).toBeLessThanOrEqual(BUDGET_BYTES);
    // Chart.js registers its controllers by these names; none may be in the initial chunks.
    const initialSource = Object.keys(measured.files)
      .map((f) => readFileSync(resolve(ROOT, 'dist/trackeep-web/browser', f), 'utf8'))
      .join('\n');
    expect(initialSource).not.toMatch(/LineController|BarController/);
  });
});
