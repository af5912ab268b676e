export * from './lib/pg-cluster';
export * from './lib/databases';
