/** pg-boss queue of the installations refresh (no data; one run at a time across replicas). */
export const INSTALLATIONS_REFRESH_QUEUE = 'github-installations-refresh';
