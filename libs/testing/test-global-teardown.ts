export { stopTestPostgres as default } from './src';
