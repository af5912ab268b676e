import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments, parse } from 'yaml';

// A renderer for the subset of kustomize our manifests use, so the tests need no kustomize binary:
// resources (files and directories holding a kustomization), namespace, labels (metadata only), images,
// and patches (strategic-merge files, or RFC 6902 JSON patches with a target). Anything else in a
// kustomization makes it throw, so a new feature cannot be silently ignored. When kubectl is on PATH,
// kustomize.spec.ts checks that this renderer and `kubectl kustomize` produce the same objects.

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

interface Kustomization {
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  resources?: string[];
  labels?: { pairs: Record<string, string>; includeSelectors?: boolean; includeTemplates?: boolean }[];
  images?: { name: string; newName?: string; newTag?: string; digest?: string }[];
  patches?: { path?: string; patch?: string; target?: { kind?: string; name?: string } }[];
}

const SUPPORTED = new Set(['apiVersion', 'kind', 'namespace', 'resources', 'labels', 'images', 'patches']);

/** Kubernetes reads manifests as YAML 1.1 (`0440` is octal, `off` is false); so do we. */
export function parseManifests(text: string): K8sObject[] {
  return parseAllDocuments(text, { version: '1.1' })
    .map((doc) => {
      if (doc.errors.length) throw new Error(doc.errors.map((e) => e.message).join('; '));
      return doc.toJS() as K8sObject | null;
    })
    .filter((obj): obj is K8sObject => obj !== null);
}

export function renderKustomization(dir: string): K8sObject[] {
  const root = resolve(dir);
  const k = parse(readFileSync(join(root, 'kustomization.yaml'), 'utf8'), {
    version: '1.1',
  }) as Kustomization;
  const unsupported = Object.keys(k).filter((key) => !SUPPORTED.has(key));
  if (unsupported.length)
    throw new Error(
      `${root}: kustomization fields not supported by the test renderer: ${unsupported.join(', ')}`,
    );

  let objects: K8sObject[] = [];
  for (const entry of k.resources ?? []) {
    const path = resolve(root, entry);
    objects.push(
      ...(statSync(path).isDirectory()
        ? renderKustomization(path)
        : parseManifests(readFileSync(path, 'utf8'))),
    );
  }
  objects = objects.map((o) => structuredClone(o));

  for (const p of k.patches ?? []) {
    if (p.path) {
      for (const patch of parseManifests(readFileSync(resolve(root, p.path), 'utf8'))) {
        const target = find(objects, patch.kind, patch.metadata.name, root);
        Object.assign(
          target,
          strategicMerge(target as unknown as JsonObject, patch as unknown as JsonObject),
        );
      }
    } else if (p.patch && p.target) {
      const ops = parse(p.patch, { version: '1.1' }) as JsonPatchOp[];
      const target = find(objects, p.target.kind, p.target.name, root);
      for (const op of ops) applyJsonPatch(target as unknown as JsonObject, op);
    } else {
      throw new Error(`${root}: a patch needs "path", or "patch" with "target"`);
    }
  }
  if (k.namespace) for (const o of objects) o.metadata.namespace = k.namespace;
  for (const l of k.labels ?? []) {
    if (l.includeSelectors || l.includeTemplates)
      throw new Error(`${root}: labels with selectors/templates are not supported by the test renderer`);
    for (const o of objects) o.metadata.labels = { ...o.metadata.labels, ...l.pairs };
  }
  for (const image of k.images ?? [])
    for (const o of objects) for (const c of podContainers(o)) c.image = retag(c.image, image);
  return objects;
}

function find(
  objects: K8sObject[],
  kind: string | undefined,
  name: string | undefined,
  where: string,
): K8sObject {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name === name);
  const [only, ...more] = found;
  if (!only || more.length)
    throw new Error(`${where}: patch target ${kind}/${name} matches ${found.length} objects`);
  return only;
}

export interface PodContainer {
  name: string;
  image: string;
  [field: string]: unknown;
}

/** The containers and init containers of a workload's pod template (Deployment, Job, ...). */
export function podContainers(o: K8sObject): PodContainer[] {
  const pod = podSpec(o);
  return pod
    ? [...((pod['initContainers'] as PodContainer[]) ?? []), ...((pod['containers'] as PodContainer[]) ?? [])]
    : [];
}

export function podSpec(o: K8sObject): Record<string, unknown> | undefined {
  const spec = o['spec'] as { template?: { spec?: Record<string, unknown> } } | undefined;
  return spec?.template?.spec;
}

function retag(ref: string, image: NonNullable<Kustomization['images']>[number]): string {
  const at = ref.indexOf('@');
  const colon = ref.lastIndexOf(':');
  const slash = ref.lastIndexOf('/');
  const nameEnd = at >= 0 ? at : colon > slash ? colon : ref.length;
  const name = ref.slice(0, nameEnd);
  if (name !== image.name) return ref;
  const suffix = image.digest ? `@${image.digest}` : image.newTag ? `:${image.newTag}` : ref.slice(nameEnd);
  return `${image.newName ?? name}${suffix}`;
}

// Strategic merge: maps merge, `null` deletes a key, lists of objects merge by their Kubernetes merge key
// (containers by name, volumeMounts by mountPath, ...), other lists are replaced.
const MERGE_KEYS: Record<string, string[]> = {
  containers: ['name'],
  initContainers: ['name'],
  env: ['name'],
  volumes: ['name'],
  volumeMounts: ['mountPath'],
  ports: ['containerPort', 'port'],
  imagePullSecrets: ['name'],
};

export function strategicMerge(base: JsonObject, patch: JsonObject): JsonObject {
  const out: JsonObject = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else if (Array.isArray(value) && Array.isArray(out[key]) && MERGE_KEYS[key])
      out[key] = mergeList(out[key] as Json[], value, MERGE_KEYS[key]);
    else if (isObject(value) && isObject(out[key])) out[key] = strategicMerge(out[key] as JsonObject, value);
    else out[key] = value;
  }
  return out;
}

function mergeList(base: Json[], patch: Json[], keys: string[]): Json[] {
  const out = [...base];
  for (const item of patch) {
    if (!isObject(item)) throw new Error('strategic merge: expected objects in a keyed list');
    const key = keys.find((k) => item[k] !== undefined);
    if (!key) throw new Error(`strategic merge: list item without any of ${keys.join(', ')}`);
    const i = out.findIndex((b) => isObject(b) && b[key] === item[key]);
    const { $patch, ...fields } = item;
    if ($patch === 'delete') {
      if (i >= 0) out.splice(i, 1);
    } else if (i >= 0) out[i] = strategicMerge(out[i] as JsonObject, fields);
    else out.push(fields);
  }
  return out;
}

interface JsonPatchOp {
  op: 'add' | 'replace' | 'remove';
  path: string;
  value?: Json;
}

export function applyJsonPatch(doc: JsonObject, op: JsonPatchOp): void {
  const parts = op.path
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const last = parts.pop();
  if (last === undefined) throw new Error(`json patch: cannot ${op.op} the document root`);
  let parent: Json = doc;
  for (const part of parts) {
    const next: Json | undefined = Array.isArray(parent)
      ? parent[Number(part)]
      : isObject(parent)
        ? parent[part]
        : undefined;
    if (next === undefined || next === null || typeof next !== 'object')
      throw new Error(`json patch: ${op.path} does not exist`);
    parent = next;
  }
  if (Array.isArray(parent)) {
    const index = last === '-' ? parent.length : Number(last);
    if (!(index >= 0 && index <= parent.length) || (op.op !== 'add' && index >= parent.length))
      throw new Error(`json patch: ${op.path} is out of range`);
    if (op.op === 'add') parent.splice(index, 0, op.value as Json);
    else if (op.op === 'replace') parent[index] = op.value as Json;
    else parent.splice(index, 1);
  } else if (isObject(parent)) {
    if (op.op !== 'add' && !(last in parent)) throw new Error(`json patch: ${op.path} does not exist`);
    if (op.op === 'remove') delete parent[last];
    else parent[last] = op.value as Json;
  }
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export const DOCKER_DIR = resolve(__dirname, '../..');
export const K8S_DIR = join(DOCKER_DIR, 'k8s');
