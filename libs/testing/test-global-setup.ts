import { startTestPostgres } from './src';

// This lib's own tests: one template with a table, to check that files get isolated copies.
export default async function globalSetup() {
  const { Client } = await import('pg');
  await startTestPostgres({
    testing_template: async (url) => {
      const client = new Client({ connectionString: url });
      await client.connect();
      await client.query('CREATE TABLE item (id serial PRIMARY KEY, owner text NOT NULL)');
      await client.end();
    },
  });
}
