import type { Knex } from 'knex';
import type { CampaignModel, UserModel } from '../mluvii/types.js';
import type { SessionFacts } from '../transform/types.js';

type Db = Knex | Knex.Transaction;

/** Operators from GET /api/v1/Users: the authoritative names. Unchanged rows are not written. */
export async function upsertOperators(db: Db, users: UserModel[]): Promise<number> {
  const rows = users
    .filter((u) => typeof u.id === 'number')
    .map((u) => ({ user_id: u.id, user_name: u.username ?? null, first_name: u.firstName ?? null, last_name: u.lastName ?? null }));
  if (rows.length === 0) return 0;
  const r = await db.raw(
    `INSERT INTO core.operators AS o (user_id, user_name, first_name, last_name)
     SELECT * FROM jsonb_to_recordset(?::jsonb) AS x(user_id bigint, user_name text, first_name text, last_name text)
     ON CONFLICT (user_id) DO UPDATE
        SET user_name = EXCLUDED.user_name, first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name, updated_at = now()
      WHERE (o.user_name, o.first_name, o.last_name) IS DISTINCT FROM (EXCLUDED.user_name, EXCLUDED.first_name, EXCLUDED.last_name)`,
    [JSON.stringify(rows)],
  );
  return r.rowCount ?? 0;
}

/**
 * Operator and group names seen in the facts. They only fill gaps (a new id, or a name that was
 * unknown), so a session never overwrites what /Users said.
 */
export async function upsertDimensionsFromFacts(db: Db, facts: SessionFacts[]): Promise<void> {
  const operators = new Map<number, { user_id: number; user_name: string | null; first_name: string | null; last_name: string | null }>();
  const groups = new Map<number, { group_id: number; name: string | null }>();
  for (const f of facts) {
    for (const o of f.operators) {
      const known = operators.get(o.user_id);
      if (!known || (!known.first_name && o.first_name) || (!known.user_name && o.user_name)) {
        operators.set(o.user_id, { user_id: o.user_id, user_name: o.user_name, first_name: o.first_name, last_name: o.last_name });
      }
    }
    for (const e of f.routingEvents) {
      if (e.group_id !== null && (!groups.has(e.group_id) || (!groups.get(e.group_id)?.name && e.group_name))) {
        groups.set(e.group_id, { group_id: e.group_id, name: e.group_name });
      }
    }
  }
  if (operators.size) {
    await db.raw(
      `INSERT INTO core.operators AS o (user_id, user_name, first_name, last_name)
       SELECT * FROM jsonb_to_recordset(?::jsonb) AS x(user_id bigint, user_name text, first_name text, last_name text)
       ON CONFLICT (user_id) DO UPDATE
          SET user_name = coalesce(o.user_name, EXCLUDED.user_name), first_name = coalesce(o.first_name, EXCLUDED.first_name),
              last_name = coalesce(o.last_name, EXCLUDED.last_name), updated_at = now()
        WHERE (o.user_name IS NULL AND EXCLUDED.user_name IS NOT NULL) OR (o.first_name IS NULL AND EXCLUDED.first_name IS NOT NULL)`,
      [JSON.stringify([...operators.values()])],
    );
  }
  if (groups.size) {
    await db.raw(
      `INSERT INTO core.groups AS g (group_id, name) SELECT * FROM jsonb_to_recordset(?::jsonb) AS x(group_id bigint, name text)
       ON CONFLICT (group_id) DO UPDATE SET name = EXCLUDED.name, updated_at = now()
        WHERE g.name IS NULL AND EXCLUDED.name IS NOT NULL`,
      [JSON.stringify([...groups.values()])],
    );
  }
}

/** What GET /api/v1/Campaigns/{id} said: the model, or undefined for a 404/unreadable campaign. */
export async function upsertCampaign(db: Db, campaignId: number, campaign: CampaignModel | undefined): Promise<void> {
  const status = campaign ? 200 : 404;
  await db.raw(
    `INSERT INTO raw.campaigns AS c (campaign_id, payload, http_status) VALUES (?, ?::jsonb, ?)
     ON CONFLICT (campaign_id) DO UPDATE SET payload = EXCLUDED.payload, http_status = EXCLUDED.http_status, fetched_at = now()
      WHERE (c.payload, c.http_status) IS DISTINCT FROM (EXCLUDED.payload, EXCLUDED.http_status)`,
    [campaignId, campaign ? JSON.stringify(campaign) : null, status],
  );
  if (campaign) {
    await db.raw(
      `INSERT INTO core.campaigns AS c (campaign_id, name, mode) VALUES (?, ?, ?)
       ON CONFLICT (campaign_id) DO UPDATE SET name = EXCLUDED.name, mode = EXCLUDED.mode, updated_at = now()
        WHERE (c.name, c.mode) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.mode)`,
      [campaignId, campaign.name ?? null, campaign.mode ?? null],
    );
  }
}

/** Campaign modes as stored: a mode string, or 'unknown' where the campaign could not be read. */
export async function storedCampaignModes(db: Db): Promise<Map<number, string>> {
  const r = await db.raw(`SELECT campaign_id, http_status, payload->>'mode' AS mode FROM raw.campaigns`);
  const modes = new Map<number, string>();
  for (const row of r.rows as Array<{ campaign_id: number; http_status: number; mode: string | null }>) {
    modes.set(Number(row.campaign_id), row.http_status === 200 && row.mode ? row.mode : 'unknown');
  }
  return modes;
}
