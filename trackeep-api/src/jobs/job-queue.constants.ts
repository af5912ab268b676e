/** Schema pg-boss keeps its tables in (created and migrated by pg-boss itself on start). */
export const JOB_QUEUE_SCHEMA = 'pgboss';
