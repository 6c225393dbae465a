import type { Knex } from 'knex';

/**
 * core.sessions.inputs_key: a hash of everything the transform read to produce the session's
 * facts — the raw content hash, the M-DONE give-up mark, the text_sanitized mark, the campaign
 * mode it was given — and the transform's version (a hash of its source). `reprocess` compares
 * it with the same hash computed from what is stored now, in SQL, and reads only the sessions
 * whose key differs: a reprocess with nothing changed reads no payload at all.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE core.sessions ADD COLUMN IF NOT EXISTS inputs_key text;
    COMMENT ON COLUMN core.sessions.inputs_key IS
      'Internal (reprocess): hash of the raw content, give-up and sanitized marks, campaign mode and transform version these facts were computed from';
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`ALTER TABLE core.sessions DROP COLUMN IF EXISTS inputs_key`);
}
