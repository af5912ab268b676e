import type { K8sObject } from './kustomize';

interface ModelClass {
  new (data: unknown): { validate(): void };
}

/**
 * Validates an object against the Kubernetes OpenAPI schema of its apiVersion/kind (kubernetes-models).
 * Throws for a kind the library does not know, so a typo in apiVersion or kind fails too.
 */
export function validateAgainstSchema(o: K8sObject): void {
  const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : [undefined, o.apiVersion];
  const modulePath = `kubernetes-models/${group ? `${group}/` : ''}${version}/${o.kind}`;
  let Model: ModelClass | undefined;
  try {
    Model = (require(modulePath) as Partial<Record<string, ModelClass>>)[o.kind];
  } catch {
    Model = undefined;
  }
  if (!Model)
    throw new Error(`${o.apiVersion} ${o.kind} is not a Kubernetes kind known to kubernetes-models`);
  try {
    new Model(o).validate();
  } catch (err) {
    throw new Error(`${o.kind}/${o.metadata.name}: ${(err as Error).message}`);
  }
}
