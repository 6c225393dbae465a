import type { Knex } from 'knex';
import { UsageError } from '../errors.js';

/**
 * etl.tenants, the tenants a warehouse loads: the environment's (its settings are the
 * environment's, nothing is stored) and those registered with `tenants add` (their settings are
 * stored here, the API secret only as where to read it: `env:VARIABLE` or `file:PATH`).
 */

/** A registered tenant's settings as stored: the values given to `tenants add`, as text (validated then and again when loaded). */
export interface StoredTenantSettings {
  base_url: string;
  token_url?: string;
  client_id: string;
  /** Where the API secret is read from: `env:VARIABLE` or `file:PATH`. Never the secret. */
  secret_from: string;
  rps?: string;
  report_tz?: string;
  service_level_seconds?: string;
  short_abandon_seconds?: string;
  files_dir?: string;
  files_retention?: string;
  schedule?: string;
}

export interface TenantRow {
  name: string;
  source: 'environment' | 'registry';
  enabled: boolean;
  settings: Partial<StoredTenantSettings>;
  createdAt: Date;
  updatedAt: Date;
}

type Db = Knex | Knex.Transaction;

const row = (r: Record<string, unknown>): TenantRow => ({
  name: r.name as string,
  source: r.source as TenantRow['source'],
  enabled: r.enabled as boolean,
  settings: (r.settings ?? {}) as Partial<StoredTenantSettings>,
  createdAt: r.created_at as Date,
  updatedAt: r.updated_at as Date,
});

/** Whether the warehouse knows tenants yet (a warehouse not migrated this far has one, implicitly). */
export async function hasTenantRegistry(db: Db): Promise<boolean> {
  return (await db.raw(`SELECT to_regclass('etl.tenants') IS NOT NULL AS ok`)).rows[0].ok as boolean;
}

/** Every tenant, by name. */
export async function listTenantRows(db: Db): Promise<TenantRow[]> {
  return (await db.raw(`SELECT * FROM etl.tenants ORDER BY name`)).rows.map(row);
}

export async function tenantRow(db: Db, name: string): Promise<TenantRow | undefined> {
  const r = (await db.raw(`SELECT * FROM etl.tenants WHERE name = ?`, [name])).rows[0];
  return r ? row(r) : undefined;
}

/**
 * Makes sure the tenant a command works for is registered (its rows name it): the environment's
 * tenant is added on its first command. Refuses, with what to do, a tenant that is disabled, and
 * the environment's settings for a tenant registered with `tenants add` (its settings are the
 * registry's: two sets of credentials must never load into one tenant).
 */
export async function ensureTenantRow(db: Db, name: string, source: TenantRow['source']): Promise<void> {
  await db.raw(`INSERT INTO etl.tenants (name, source) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`, [name, source]);
  const t = await tenantRow(db, name);
  if (!t) throw new Error(`tenant ${name} could not be registered`);
  if (source === 'environment' && t.source === 'registry') {
    throw new UsageError(
      `MLUVII_TENANT=${name} names a tenant registered with \`tenants add\` (its settings are in the warehouse): run the command with --tenant ${name} ` +
        `to use them, or set MLUVII_TENANT to another name for the environment's tenant`,
    );
  }
  if (source === 'registry' && t.source !== 'registry') throw new UsageError(`tenant ${name} is the environment's tenant, not a registered one`);
  if (!t.enabled) throw new UsageError(`tenant ${name} is disabled (\`tenants disable\`); \`tenants enable ${name}\` turns it on again`);
}

/** Registers a tenant with its settings, or replaces the settings of one registered before (enabling it again). */
export async function saveRegisteredTenant(db: Db, name: string, settings: StoredTenantSettings): Promise<'added' | 'updated'> {
  const existing = await tenantRow(db, name);
  if (existing?.source === 'environment') {
    throw new UsageError(`tenant ${name} is the environment's tenant (its settings come from the environment, e.g. MLUVII_BASE_URL): register others under new names`);
  }
  await db.raw(
    `INSERT INTO etl.tenants (name, source, enabled, settings) VALUES (?, 'registry', true, ?::jsonb)
     ON CONFLICT (name) DO UPDATE SET settings = EXCLUDED.settings, enabled = true, updated_at = now()`,
    [name, JSON.stringify(settings)],
  );
  return existing ? 'updated' : 'added';
}

/** Turns a tenant off (its rows stay; no command loads it) or on again; false when there is no such tenant. */
export async function setTenantEnabled(db: Db, name: string, enabled: boolean): Promise<boolean> {
  const r = await db.raw(`UPDATE etl.tenants SET enabled = ?, updated_at = now() WHERE name = ?`, [enabled, name]);
  return (r.rowCount ?? 0) > 0;
}
