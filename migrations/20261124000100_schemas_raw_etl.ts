import type { Knex } from 'knex';

/** The four schemas (README "Where the data lands"), the raw payload store and the run bookkeeping. */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE SCHEMA IF NOT EXISTS raw;
    CREATE SCHEMA IF NOT EXISTS core;
    CREATE SCHEMA IF NOT EXISTS reporting;
    CREATE SCHEMA IF NOT EXISTS etl;

    -- The latest payload of each session and of its routing history, as received, so that
    -- reprocess never needs the API. content_hash covers both; an unchanged fetch writes nothing.
    CREATE TABLE raw.sessions (
      session_id       bigint PRIMARY KEY,
      created_at       timestamptz NOT NULL,
      payload          jsonb NOT NULL,
      routing_history  jsonb,
      content_hash     text NOT NULL,
      fetched_at       timestamptz NOT NULL DEFAULT now(),
      first_fetched_at timestamptz NOT NULL DEFAULT now(),
      -- Set when run stopped waiting for the session to complete (docs/metrics.md M-DONE); kept here so
      -- that reprocess reproduces the never_completed flag from raw alone.
      completion_given_up_at timestamptz
    );
    CREATE INDEX raw_sessions_created_at ON raw.sessions (created_at, session_id);

    CREATE TABLE raw.campaigns (
      campaign_id  bigint PRIMARY KEY,
      payload      jsonb,
      http_status  integer NOT NULL,
      fetched_at   timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE etl.runs (
      run_id       bigserial PRIMARY KEY,
      kind         text NOT NULL,
      args         jsonb NOT NULL DEFAULT '{}'::jsonb,
      started_at   timestamptz NOT NULL DEFAULT now(),
      finished_at  timestamptz,
      status       text NOT NULL DEFAULT 'running',
      windows_done   integer NOT NULL DEFAULT 0,
      windows_failed integer NOT NULL DEFAULT 0,
      windows_skipped integer NOT NULL DEFAULT 0,
      sessions_seen  integer NOT NULL DEFAULT 0,
      sessions_changed integer NOT NULL DEFAULT 0,
      rejects        integer NOT NULL DEFAULT 0,
      api_requests   integer NOT NULL DEFAULT 0,
      error        text,
      host         text,
      pid          integer,
      CONSTRAINT runs_status_check CHECK (status IN ('running', 'succeeded', 'failed'))
    );
    CREATE INDEX runs_started_at ON etl.runs (started_at DESC);

    -- One row per extraction window [window_start, window_end) on sessions.created.
    CREATE TABLE etl.windows (
      window_start timestamptz NOT NULL,
      window_end   timestamptz NOT NULL,
      status       text NOT NULL,
      sessions     integer NOT NULL DEFAULT 0,
      sessions_changed integer NOT NULL DEFAULT 0,
      rejects      integer NOT NULL DEFAULT 0,
      run_id       bigint REFERENCES etl.runs (run_id),
      attempts     integer NOT NULL DEFAULT 1,
      error        text,
      finished_at  timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (window_start, window_end),
      CONSTRAINT windows_range_check CHECK (window_end > window_start),
      CONSTRAINT windows_status_check CHECK (status IN ('done', 'failed'))
    );
    CREATE INDEX windows_status_end ON etl.windows (status, window_end);

    -- Payloads that could not be understood, with the reason. reject_key (hash of reason + text)
    -- keeps a re-run of the same window from storing the same reject twice.
    CREATE TABLE etl.rejects (
      reject_id    bigserial PRIMARY KEY,
      reject_key   text NOT NULL UNIQUE,
      session_id   bigint,
      reason       text NOT NULL,
      raw_text     text NOT NULL,
      window_start timestamptz,
      window_end   timestamptz,
      run_id       bigint REFERENCES etl.runs (run_id),
      rejected_at  timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX rejects_rejected_at ON etl.rejects (rejected_at DESC);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP TABLE IF EXISTS etl.rejects;
    DROP TABLE IF EXISTS etl.windows;
    DROP TABLE IF EXISTS etl.runs;
    DROP TABLE IF EXISTS raw.campaigns;
    DROP TABLE IF EXISTS raw.sessions;
    DROP SCHEMA IF EXISTS etl CASCADE;
    DROP SCHEMA IF EXISTS reporting CASCADE;
    DROP SCHEMA IF EXISTS core CASCADE;
    DROP SCHEMA IF EXISTS raw CASCADE;
  `);
}
