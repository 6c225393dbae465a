import type { Knex } from 'knex';

/**
 * Facts and dimensions (docs/metrics.md). Durations are numeric(12,3) seconds; NULL means "did not
 * pass through / cannot know" (M-0.2). facts_hash is a hash of everything the transform produced
 * for the session: a load whose hash is unchanged writes nothing (upserts skip rows whose
 * content did not change).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE core.sessions (
      session_id      bigint PRIMARY KEY,
      company_id      bigint,
      department_id   bigint,
      channel         text,
      source          text,
      status          text,
      campaign_id     bigint,
      campaign_mode   text,
      guest_left_session text,
      termination_reason text,
      auto_accepted   boolean,
      is_direct_chat  boolean,
      widget          text,
      created_at      timestamptz NOT NULL,
      guest_joined_at timestamptz,
      started_at      timestamptz,
      ended_at        timestamptz,
      first_routing_at  timestamptz,
      first_assigned_at timestamptz,
      first_accepted_at timestamptz,
      created_s   numeric(12,3),
      in_queue_s  numeric(12,3),
      waiting_s   numeric(12,3),
      bcw_s       numeric(12,3),
      active_s    numeric(12,3),
      acw_s       numeric(12,3),
      ring_s      numeric(12,3),
      waited_s    numeric(12,3),
      answer_s    numeric(12,3),
      is_offered  boolean NOT NULL DEFAULT false,
      is_answered boolean NOT NULL DEFAULT false,
      skipped_states text[],
      quality_flags  text[] NOT NULL DEFAULT '{}',
      is_complete    boolean NOT NULL,
      facts_hash     text NOT NULL,
      loaded_at      timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT sessions_durations_not_negative CHECK (
        coalesce(created_s, 0) >= 0 AND coalesce(in_queue_s, 0) >= 0 AND coalesce(waiting_s, 0) >= 0 AND
        coalesce(bcw_s, 0) >= 0 AND coalesce(active_s, 0) >= 0 AND coalesce(acw_s, 0) >= 0 AND
        coalesce(ring_s, 0) >= 0 AND coalesce(waited_s, 0) >= 0 AND coalesce(answer_s, 0) >= 0)
    );
    CREATE INDEX sessions_created_at ON core.sessions (created_at);
    CREATE INDEX sessions_department_created ON core.sessions (department_id, created_at);
    CREATE INDEX sessions_incomplete ON core.sessions (created_at) WHERE NOT is_complete;

    -- The six states in long form (M-CREATED … M-ACW), one row per state the session passed through.
    CREATE TABLE core.session_states (
      session_id bigint NOT NULL REFERENCES core.sessions (session_id) ON DELETE CASCADE,
      state      text NOT NULL,
      duration_s numeric(12,3) NOT NULL CHECK (duration_s >= 0),
      PRIMARY KEY (session_id, state)
    );

    -- One row per session × operator (docs/metrics.md "Per operator"), including operators seen only
    -- in the routing history.
    CREATE TABLE core.session_operators (
      session_id   bigint NOT NULL REFERENCES core.sessions (session_id) ON DELETE CASCADE,
      user_id      bigint NOT NULL,
      user_name    text,
      first_name   text,
      last_name    text,
      joined_at    timestamptz,
      left_at      timestamptz,
      concluded_at timestamptz,
      stints       integer NOT NULL DEFAULT 0,
      queue_s      numeric(12,3) CHECK (queue_s >= 0),
      active_s     numeric(12,3) CHECK (active_s >= 0),
      acw_s        numeric(12,3) CHECK (acw_s >= 0),
      offers       integer NOT NULL DEFAULT 0,
      missed       integer NOT NULL DEFAULT 0,
      PRIMARY KEY (session_id, user_id)
    );
    CREATE INDEX session_operators_user ON core.session_operators (user_id);

    -- Routing events sorted by timestamp (stable), M-0.5; seq starts at 1.
    CREATE TABLE core.routing_events (
      session_id         bigint NOT NULL REFERENCES core.sessions (session_id) ON DELETE CASCADE,
      seq                integer NOT NULL,
      routing_request_id bigint,
      event_at           timestamptz,
      activity_type      text,
      group_id           bigint,
      group_name         text,
      operator_user_id   bigint,
      forwarded_by_user_id bigint,
      invited_by_user_id   bigint,
      PRIMARY KEY (session_id, seq)
    );
    CREATE INDEX routing_events_type ON core.routing_events (activity_type);

    CREATE TABLE core.operators (
      user_id    bigint PRIMARY KEY,
      user_name  text,
      first_name text,
      last_name  text,
      updated_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE core.groups (
      group_id   bigint PRIMARY KEY,
      name       text,
      updated_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE core.campaigns (
      campaign_id bigint PRIMARY KEY,
      name        text,
      mode        text,
      updated_at  timestamptz NOT NULL DEFAULT now()
    );
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP TABLE IF EXISTS core.campaigns;
    DROP TABLE IF EXISTS core.groups;
    DROP TABLE IF EXISTS core.operators;
    DROP TABLE IF EXISTS core.routing_events;
    DROP TABLE IF EXISTS core.session_operators;
    DROP TABLE IF EXISTS core.session_states;
    DROP TABLE IF EXISTS core.sessions;
  `);
}
