import { RepositoryData1764000000000 } from './1764000000000-RepositoryData';

// Every migration, in order. Bundled builds cannot glob files, so each new migration is listed here.
export const MIGRATIONS = [RepositoryData1764000000000];
