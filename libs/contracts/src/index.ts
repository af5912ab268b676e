export * from './lib/api.types';
export * from './lib/query-limits';
export * from './lib/insights.types';
