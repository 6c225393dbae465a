import type { Knex } from 'knex';
import { historySql } from '../src/db/migration-sql.js';

/**
 * Data protection (issue "Data protection", docs/privacy.md): what mluvii forgets, the warehouse
 * forgets too.
 *
 * - raw.sessions.personal_data_removed_at / _why: the stored payload of the session lost its
 *   personal data (src/privacy/personal-fields.ts) because mluvii anonymized the session, because
 *   of RAW_RETENTION, or on request (`forget`). Sticky: every later load of the session stores its
 *   payload without them again, and no download pass fetches its files.
 * - core.operators.pseudonymized_at: `forget --operator` replaced the operator's names by a
 *   pseudonym; loads and the /Users refresh never put the names back.
 * - etl.erasures: what each erasure did (when, why, how many sessions, files, rejects), never the
 *   personal data itself.
 * - etl.privacy_sweep: how far the sweep of sessions anonymized at mluvii got, and why it could
 *   not run when it could not (`status`, `doctor`).
 * - reporting.session_files: a file's name is the made-safe name of the copy, and only while the
 *   copy is stored; deleted_reason says why a copy was removed (as created before:
 *   migrations/sql/history/20261203120000/).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE raw.sessions
      ADD COLUMN personal_data_removed_at timestamptz,
      ADD COLUMN personal_data_removed_why text
        CONSTRAINT sessions_personal_data_removed_why_check CHECK (personal_data_removed_why IN ('anonymized', 'retention', 'request'));
    COMMENT ON COLUMN raw.sessions.personal_data_removed_at IS
      'When the personal data of this payload was removed (docs/privacy.md); every later load stores the session without it again. NULL: the payload is as received.';
    COMMENT ON COLUMN raw.sessions.personal_data_removed_why IS
      'Why: anonymized (mluvii anonymized the session), retention (RAW_RETENTION), request (mluvii-etl forget).';
    -- RAW_RETENTION looks for the oldest payloads that still hold personal data.
    CREATE INDEX raw_sessions_personal_data_kept ON raw.sessions (created_at, session_id) WHERE personal_data_removed_at IS NULL;

    ALTER TABLE core.operators ADD COLUMN pseudonymized_at timestamptz;
    COMMENT ON COLUMN core.operators.pseudonymized_at IS
      'When mluvii-etl forget --operator replaced this operator''s names by a pseudonym everywhere; the names are never loaded again.';

    CREATE TABLE etl.erasures (
      erasure_id  bigserial PRIMARY KEY,
      why         text NOT NULL CONSTRAINT erasures_why_check CHECK (why IN ('anonymized', 'retention', 'request')),
      what        text NOT NULL,
      status      text NOT NULL DEFAULT 'running' CONSTRAINT erasures_status_check CHECK (status IN ('running', 'done', 'failed')),
      sessions    integer NOT NULL DEFAULT 0,
      files       integer NOT NULL DEFAULT 0,
      rejects     integer NOT NULL DEFAULT 0,
      operators   integer NOT NULL DEFAULT 0,
      run_id      bigint REFERENCES etl.runs (run_id),
      started_at  timestamptz NOT NULL DEFAULT now(),
      finished_at timestamptz
    );
    CREATE INDEX erasures_started_at ON etl.erasures (started_at DESC);
    COMMENT ON TABLE etl.erasures IS
      'One row per erasure of personal data: why (anonymized at mluvii, retention, request), what (sessions, guest, operator, rejects) and how many sessions, files, rejects and operators; never the personal data itself. Counters grow with each committed batch.';

    -- One row: the sweep of sessions mluvii anonymized (GET /api/v1/Sessions?Anonymized.Min/Max).
    CREATE TABLE etl.privacy_sweep (
      sweep           text PRIMARY KEY DEFAULT 'anonymized' CONSTRAINT privacy_sweep_one_row CHECK (sweep = 'anonymized'),
      swept_until     timestamptz,
      last_attempt_at timestamptz,
      last_ok_at      timestamptz,
      problem         text,
      problem_kind    text CONSTRAINT privacy_sweep_problem_kind_check CHECK (problem_kind IN ('refused', 'failed'))
    );
    COMMENT ON TABLE etl.privacy_sweep IS
      'How far the sweep of sessions anonymized at mluvii got (swept_until: every session anonymized before it was handled), and, when the last attempt could not run, why (problem_kind refused: the API refuses the Anonymized filter or the endpoint; failed: another error).';

    DROP VIEW reporting.session_files;
  `);
  // As this migration applied it; 20261208100100_tenant_reporting replaced it since.
  await knex.raw(historySql('20261207120000', 'reporting.session_files.sql'));
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP VIEW reporting.session_files;
    DROP TABLE etl.privacy_sweep;
    DROP TABLE etl.erasures;
    ALTER TABLE core.operators DROP COLUMN pseudonymized_at;
    DROP INDEX raw.raw_sessions_personal_data_kept;
    ALTER TABLE raw.sessions DROP COLUMN personal_data_removed_why, DROP COLUMN personal_data_removed_at;
  `);
  await knex.raw(historySql('20261203120000', 'reporting.session_files.sql'));
}
