export { stopTestPostgres as default } from '@trackeep/testing';
