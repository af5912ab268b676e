import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import {
  K8S_DIR,
  applyJsonPatch,
  parseManifests,
  renderKustomization,
  strategicMerge,
  type JsonObject,
  type K8sObject,
} from './support/kustomize';

const OVERLAYS = ['dev', 'prod'];
const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
const hasKubectl = kubectl.status === 0;

const byId = (objects: K8sObject[]) =>
  new Map(objects.map((o) => [`${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`, o]));

describe('test kustomize renderer', () => {
  it('merges containers by name, deletes keys patched to null and replaces plain lists', () => {
    const base: JsonObject = {
      spec: {
        minAvailable: 1,
        containers: [
          { name: 'a', image: 'a:1', args: ['x', 'y'], env: [{ name: 'K', value: '1' }] },
          { name: 'b', image: 'b:1' },
        ],
      },
    };
    const patch: JsonObject = {
      spec: {
        minAvailable: null,
        maxUnavailable: 1,
        containers: [{ name: 'a', args: ['z'], env: [{ name: 'L', value: '2' }] }],
      },
    };
    expect(strategicMerge(base, patch)).toEqual({
      spec: {
        maxUnavailable: 1,
        containers: [
          {
            name: 'a',
            image: 'a:1',
            args: ['z'],
            env: [
              { name: 'K', value: '1' },
              { name: 'L', value: '2' },
            ],
          },
          { name: 'b', image: 'b:1' },
        ],
      },
    });
  });

  it('applies JSON patches and refuses paths that do not exist', () => {
    const doc: JsonObject & { spec: { rules: JsonObject[] } } = {
      spec: { rules: [{ host: 'a' }, { host: 'b' }] },
    };
    applyJsonPatch(doc, { op: 'replace', path: '/spec/rules/1/host', value: 'c' });
    expect(doc.spec.rules).toEqual([{ host: 'a' }, { host: 'c' }]);
    expect(() => applyJsonPatch(doc, { op: 'replace', path: '/spec/rules/5/host', value: 'x' })).toThrow(
      /does not exist|out of range/,
    );
  });

  it('reads manifests as YAML 1.1, the way kubectl does', () => {
    const [cm] = parseManifests(
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {mode: 0440, flag: off}\n',
    );
    expect(cm?.['data']).toEqual({ mode: 288, flag: false });
  });

  (hasKubectl ? it.each(OVERLAYS) : it.skip.each(OVERLAYS))(
    'renders overlay %s exactly like `kubectl kustomize`',
    (overlay) => {
      const dir = join(K8S_DIR, 'overlays', overlay);
      const out = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
      expect(out.stderr).toBe('');
      const expected = byId(parseManifests(out.stdout));
      const actual = byId(renderKustomization(dir));
      expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
      for (const [id, o] of actual) expect({ id, o }).toEqual({ id, o: expected.get(id) });
    },
  );

  if (!hasKubectl) {
    it('skips the comparison with kubectl kustomize: kubectl is not on PATH', () => {
      process.stdout.write(
        'deploy-tests: kubectl not found; the renderer was not compared with `kubectl kustomize`\n',
      );
      expect(hasKubectl).toBe(false);
    });
  }
});
