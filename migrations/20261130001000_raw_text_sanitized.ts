import type { Knex } from 'knex';

/**
 * raw.sessions.text_sanitized: the stored payload or routing history had characters Postgres
 * cannot store (U+0000, lone surrogates) replaced by U+FFFD when it was received. Kept next to
 * the raw row so `reprocess` reproduces the session's `text_sanitized` flag from raw alone.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE raw.sessions ADD COLUMN IF NOT EXISTS text_sanitized boolean NOT NULL DEFAULT false;
    COMMENT ON COLUMN raw.sessions.text_sanitized IS
      'true when U+0000 or lone surrogates in the received payload/routing history were replaced by U+FFFD before storing (quality flag text_sanitized)';
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`ALTER TABLE raw.sessions DROP COLUMN IF EXISTS text_sanitized`);
}
