import { requireDatabaseUrl, type Config } from '../config.js';
import { tenantKnex } from '../db/tenant-knex.js';
import { readReportingSettings } from '../admin/reporting-settings.js';
import type { Tenant } from '../tenants/tenant.js';
import { collectStatus, type HintQueue, type StatusReport } from './status-report.js';
import { checkLine, renderStatus } from './status-text.js';

/**
 * `status` of several tenants: each tenant's report (status-report.ts) read through a connection
 * of its own, and one check over all of them: `status --check` fails when any enabled tenant's
 * nightly fell behind, failed or died. A disabled tenant is shown, never checked.
 */

export interface TenantsStatus {
  tenants: Array<StatusReport & { enabled: boolean; registered: boolean }>;
  check: { ok: boolean; problems: string[] };
}

/** The report of each tenant, in their order. */
export async function collectTenantsStatus(base: Config, tenants: Tenant[], now: Date, hintQueue?: HintQueue): Promise<TenantsStatus> {
  const databaseUrl = requireDatabaseUrl(base);
  const reports: TenantsStatus['tenants'] = [];
  for (const t of tenants) {
    const knex = tenantKnex(databaseUrl, t, { max: 1 });
    try {
      // Days in the tenant's REPORT_TZ as the warehouse holds it: another process's tenant has settings of its own.
      const reportTz = t.config.tenantRegistered || t.config === base ? t.config.reportTz : await storedZone(knex, t.config.reportTz);
      const report = await collectStatus(knex, { ...t.config, reportTz }, now, hintQueue);
      reports.push({ ...report, enabled: t.enabled !== false, registered: t.registered === true });
    } finally {
      await knex.destroy();
    }
  }
  const problems = reports
    .filter((r) => r.enabled)
    .flatMap((r) => (r.check.ok ? [] : [`tenant ${r.tenant}: ${r.check.problems.join('; ')}`]));
  return { tenants: reports, check: { ok: problems.length === 0, problems } };
}

async function storedZone(knex: Parameters<typeof readReportingSettings>[0], fallback: string): Promise<string> {
  try {
    return (await readReportingSettings(knex)).reportTz;
  } catch {
    return fallback;
  }
}

/** The text of several tenants' status: each tenant's report under a heading, then the one check line. */
export function renderTenantsStatus(s: TenantsStatus): string[] {
  const out: string[] = [];
  for (const r of s.tenants) {
    const what = [r.registered ? 'registered' : "the environment's", ...(r.enabled ? [] : ['disabled: not loaded, not checked'])].join('; ');
    out.push(`== Tenant ${r.tenant} (${what}) ==`);
    out.push(...renderStatus(r), '');
  }
  out.push(tenantsCheckLine(s));
  return out;
}

/** The one line of `status --check` over several tenants. */
export function tenantsCheckLine(s: TenantsStatus): string {
  if (!s.check.ok) return `FAIL: ${s.check.problems.join('; ')}`;
  const checked = s.tenants.filter((r) => r.enabled);
  return `OK: ${checked.length} tenant(s); ${checked.map((r) => `${r.tenant}: ${checkLine(r).replace(/^OK: /, '')}`).join('; ')}`;
}
