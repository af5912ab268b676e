export * from './lib/api.types';
export * from './lib/query-limits';
