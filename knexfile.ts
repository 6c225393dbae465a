// For the knex CLI (`NODE_OPTIONS='--import tsx' npx knex migrate:status`); the program itself
// migrates through `npx mluvii-etl migrate`.
import 'dotenv/config';
import { migrationConfig } from './src/db/migrations.js';

export default {
  client: 'pg',
  connection: process.env.DATABASE_URL,
  migrations: migrationConfig(),
};
