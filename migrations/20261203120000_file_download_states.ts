import type { Knex } from 'knex';
import { historySql } from '../src/db/migration-sql.js';

/**
 * Downloads on hostile ground (files that can never be downloaded, too large, folders that move).
 *
 * - core.file_downloads.state gains `unavailable` (never downloadable as mluvii gives it: an
 *   address on another origin without a signature, not an http(s) URL) and `too_large` (over
 *   MLUVII_MAX_FILE_BYTES; size_bytes holds the size announced or reached). Neither is retried
 *   every night, nor counted as a failure.
 * - core.file_downloads.files_dir: the folder a copy was stored under (MLUVII_FILES_DIR, its real
 *   path), so a run from another folder, or a changed setting, finds the copies where they are
 *   instead of downloading them again. NULL for copies stored before: the folder of today.
 * - reporting.session_files: the same columns; its comments name the new states (as this migration
 *   created it: migrations/sql/history/20261203120000/; 20261207120000_privacy replaced it).
 *
 * Copies stored with the older `recording:<id>-…` names are renamed to portable names by the next
 * download pass (a migration does not know where MLUVII_FILES_DIR is).
 */
const STATES_BEFORE = `'stored', 'failed', 'gone', 'deleted'`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE core.file_downloads DROP CONSTRAINT file_downloads_state_check;
    ALTER TABLE core.file_downloads ADD CONSTRAINT file_downloads_state_check
      CHECK (state IN (${STATES_BEFORE}, 'unavailable', 'too_large'));
    ALTER TABLE core.file_downloads ADD COLUMN files_dir text;
    COMMENT ON COLUMN core.file_downloads.files_dir IS
      'The folder (MLUVII_FILES_DIR, its real path) the copy was stored under; NULL for copies stored before it was recorded.';
    DROP VIEW reporting.session_files;
  `);
  // As this migration applied it; 20261208100100_tenant_reporting replaced it since.
  await knex.raw(historySql('20261203120000', 'reporting.session_files.sql'));
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP VIEW reporting.session_files;
    UPDATE core.file_downloads SET state = 'failed' WHERE state IN ('unavailable', 'too_large');
    ALTER TABLE core.file_downloads DROP COLUMN files_dir;
    ALTER TABLE core.file_downloads DROP CONSTRAINT file_downloads_state_check;
    ALTER TABLE core.file_downloads ADD CONSTRAINT file_downloads_state_check CHECK (state IN (${STATES_BEFORE}));
  `);
  await knex.raw(historySql('20261130200000', 'reporting.session_files.sql'));
}
