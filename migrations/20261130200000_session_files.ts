import type { Knex } from 'knex';
import { historySql } from '../src/db/migration-sql.js';

/**
 * Recordings and shared files of sessions (issue #12).
 *
 * - core.session_files: what the payload says, one row per recording (`recording:<id>`) or shared
 *   file (`file:<activity id>`). Written by the transform in the session's own transaction and
 *   replaced with the session's other child rows, so `reprocess` rebuilds it from raw.
 * - core.file_downloads: what the downloader did with a file (stored, failed, gone, deleted),
 *   with size, sha256 and the path under MLUVII_FILES_DIR. It is NOT derived from raw (it records
 *   what is on disk), so it lives apart and survives a reprocess.
 * - reporting.session_files: the two together for analysts (migrations/sql/reporting.session_files.sql;
 *   as this migration created it: migrations/sql/history/20261130200000/).
 *
 * Existing warehouses get their rows on the next `reprocess` (the facts hash now covers files).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE core.session_files (
      session_id     bigint NOT NULL REFERENCES core.sessions (session_id) ON DELETE CASCADE,
      file_key       text NOT NULL,
      kind           text NOT NULL CHECK (kind IN ('recording', 'file')),
      name           text,
      user_id        bigint,
      started_at     timestamptz,
      duration_s     numeric(12,3) CHECK (duration_s >= 0),
      recording_type text,
      source_state   text NOT NULL CHECK (source_state IN ('available', 'processing', 'failed', 'gone')),
      PRIMARY KEY (session_id, file_key)
    );
    CREATE INDEX session_files_user ON core.session_files (user_id) WHERE user_id IS NOT NULL;

    CREATE TABLE core.file_downloads (
      session_id    bigint NOT NULL REFERENCES core.sessions (session_id) ON DELETE CASCADE,
      file_key      text NOT NULL,
      state         text NOT NULL CHECK (state IN ('stored', 'failed', 'gone', 'deleted')),
      size_bytes    bigint CHECK (size_bytes >= 0),
      sha256        text CHECK (sha256 ~ '^[0-9a-f]{64}$'),
      stored_path   text,
      downloaded_at timestamptz,
      deleted_at    timestamptz,
      reason        text,
      attempts      integer NOT NULL DEFAULT 0,
      updated_at    timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (session_id, file_key),
      CONSTRAINT file_downloads_stored_complete CHECK (state <> 'stored' OR (size_bytes IS NOT NULL AND sha256 IS NOT NULL AND stored_path IS NOT NULL AND downloaded_at IS NOT NULL))
    );
    CREATE INDEX file_downloads_state ON core.file_downloads (state);
  `);
  await knex.raw(historySql('20261130200000', 'reporting.session_files.sql'));
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP VIEW IF EXISTS reporting.session_files;
    DROP TABLE IF EXISTS core.file_downloads;
    DROP TABLE IF EXISTS core.session_files;
  `);
}
