export * from './lib/test-postgres';
