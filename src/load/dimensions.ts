import type { Knex } from 'knex';
import type { CampaignModel, UserModel } from '../mluvii/types.js';
import { sanitizeJson, sanitizeText } from '../transform/sanitize-text.js';
import type { SessionFacts } from '../transform/types.js';

type Db = Knex | Knex.Transaction;

/** A name as Postgres can store it: null unless a string; NUL and lone surrogates replaced (sanitize-text.ts). */
const nameOrNull = (value: unknown): string | null => (typeof value === 'string' ? sanitizeText(value) : null);

/**
 * Operators from GET /api/v1/Users: the authoritative names. Unchanged rows are not written, and
 * nor are pseudonymized ones (`forget --operator`: the names never come back).
 * One bad record never costs the others: a record without a usable id is skipped, and a name with
 * characters Postgres refuses is stored with them replaced.
 */
export async function upsertOperators(db: Db, users: UserModel[]): Promise<number> {
  const rows = users
    .filter((u) => typeof u.id === 'number' && Number.isSafeInteger(u.id) && u.id >= 1)
    .map((u) => ({ user_id: u.id, user_name: nameOrNull(u.username), first_name: nameOrNull(u.firstName), last_name: nameOrNull(u.lastName) }))
    .sort((a, b) => Number(a.user_id) - Number(b.user_id));
  if (rows.length === 0) return 0;
  const r = await db.raw(
    `INSERT INTO core.operators AS o (user_id, user_name, first_name, last_name)
     SELECT * FROM jsonb_to_recordset(?::jsonb) AS x(user_id bigint, user_name text, first_name text, last_name text)
     ON CONFLICT (tenant, user_id) DO UPDATE
        SET user_name = EXCLUDED.user_name, first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name, updated_at = now()
      WHERE (o.user_name, o.first_name, o.last_name) IS DISTINCT FROM (EXCLUDED.user_name, EXCLUDED.first_name, EXCLUDED.last_name)
        AND o.pseudonymized_at IS NULL`,
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
       ON CONFLICT (tenant, user_id) DO UPDATE
          SET user_name = coalesce(o.user_name, EXCLUDED.user_name), first_name = coalesce(o.first_name, EXCLUDED.first_name),
              last_name = coalesce(o.last_name, EXCLUDED.last_name), updated_at = now()
        WHERE ((o.user_name IS NULL AND EXCLUDED.user_name IS NOT NULL) OR (o.first_name IS NULL AND EXCLUDED.first_name IS NOT NULL))
          AND o.pseudonymized_at IS NULL`,
      // In id order: two loads writing the same operators lock them in the same order.
      [JSON.stringify([...operators.values()].sort((a, b) => a.user_id - b.user_id))],
    );
  }
  if (groups.size) {
    await db.raw(
      `INSERT INTO core.groups AS g (group_id, name) SELECT * FROM jsonb_to_recordset(?::jsonb) AS x(group_id bigint, name text)
       ON CONFLICT (tenant, group_id) DO UPDATE SET name = EXCLUDED.name, updated_at = now()
        WHERE g.name IS NULL AND EXCLUDED.name IS NOT NULL`,
      [JSON.stringify([...groups.values()].sort((a, b) => a.group_id - b.group_id))],
    );
  }
}

/**
 * What GET /api/v1/Campaigns/{id} said: the model, or undefined when it could not be read, with
 * the HTTP status that said so (404 deleted, 403 forbidden, 5xx; 0 no answer: timeout/network).
 */
export async function upsertCampaign(db: Db, campaignId: number, read: CampaignModel | undefined, failedStatus = 404): Promise<void> {
  const campaign = read === undefined ? undefined : (sanitizeJson(read).value as CampaignModel);
  const status = campaign ? 200 : failedStatus;
  // A deleted campaign (404) replaces what was stored; a failure to read (403, 5xx, no answer)
  // never replaces a campaign read before: its mode is still the best knowledge there is.
  await db.raw(
    `INSERT INTO raw.campaigns AS c (campaign_id, payload, http_status) VALUES (?, ?::jsonb, ?)
     ON CONFLICT (tenant, campaign_id) DO UPDATE SET payload = EXCLUDED.payload, http_status = EXCLUDED.http_status, fetched_at = now()
      WHERE (c.payload, c.http_status) IS DISTINCT FROM (EXCLUDED.payload, EXCLUDED.http_status)
        AND (EXCLUDED.http_status IN (200, 404) OR c.http_status <> 200)`,
    [campaignId, campaign ? JSON.stringify(campaign) : null, status],
  );
  if (campaign) {
    await db.raw(
      `INSERT INTO core.campaigns AS c (campaign_id, name, mode) VALUES (?, ?, ?)
       ON CONFLICT (tenant, campaign_id) DO UPDATE SET name = EXCLUDED.name, mode = EXCLUDED.mode, updated_at = now()
        WHERE (c.name, c.mode) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.mode)`,
      [campaignId, campaign.name ?? null, campaign.mode ?? null],
    );
  }
}

/** Campaign modes as stored (all, or of `ids`): a mode string, or 'unknown' where the campaign could not be read. */
export async function storedCampaignModes(db: Db, ids?: number[]): Promise<Map<number, string>> {
  const r = ids
    ? await db.raw(`SELECT campaign_id, http_status, payload->>'mode' AS mode FROM raw.campaigns WHERE tenant = etl.tenant() AND campaign_id = ANY(?::bigint[])`, [ids])
    : await db.raw(`SELECT campaign_id, http_status, payload->>'mode' AS mode FROM raw.campaigns WHERE tenant = etl.tenant()`);
  const modes = new Map<number, string>();
  for (const row of r.rows as Array<{ campaign_id: number; http_status: number; mode: string | null }>) {
    modes.set(Number(row.campaign_id), row.http_status === 200 && row.mode ? row.mode : 'unknown');
  }
  return modes;
}
