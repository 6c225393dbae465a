/**
 * `doctor`: checks a tenant and a warehouse before the first night. Read-only, a few dozen API
 * requests at most per tenant; one line per check (ok / warn / FAIL, with a hint); exit 0 when
 * nothing failed, else 1. Every enabled tenant of the warehouse, or the one `--tenant` names.
 */
import { Option } from 'commander';
import type { Config } from '../config.js';
import { createKnex } from '../db/knex.js';
import { apiChecks } from '../doctor/api-checks.js';
import { fail, renderCheck, type Check } from '../doctor/check.js';
import { databaseChecks } from '../doctor/database-checks.js';
import { anonymizedFilterCheck, retentionCheck } from '../doctor/privacy-checks.js';
import { Probe } from '../doctor/probe.js';
import { UsageError } from '../errors.js';
import { localDate, localDayStart, parseTimeArgument } from '../pipeline/windows.js';
import { loadTenants, resolveTenant } from '../tenants/registered-tenants.js';
import { envTenant, type Tenant } from '../tenants/tenant.js';
import type { CliCommand, CommandHandler } from './command.js';

/** Upper bound on API requests of one doctor run (token excluded), per tenant. */
export const DOCTOR_MAX_REQUESTS = 44;

/** The tenants to check: `--tenant`, else every enabled tenant (the environment's alone when the warehouse cannot tell: the database checks say why). */
async function tenantsToCheck(config: Config, wanted: unknown): Promise<Tenant[]> {
  if (wanted !== undefined) return [await resolveTenant(config, wanted, { secrets: false })];
  if (!config.databaseUrl) return [envTenant(config)];
  const knex = createKnex(config.databaseUrl, { max: 1 });
  try {
    return (await loadTenants(config, knex, { secrets: false })).filter((t) => t.enabled !== false);
  } catch {
    return [envTenant(config)];
  } finally {
    await knex.destroy();
  }
}

/** A registered tenant's API secret, read now: a FAIL line naming where it was looked for when it cannot be. */
async function withSecret(config: Config, tenant: Tenant): Promise<Tenant | Check> {
  if (!tenant.registered) return tenant;
  try {
    return await resolveTenant(config, tenant.name, { secrets: true });
  } catch (err) {
    return fail('token', err instanceof Error ? err.message : String(err), `make the tenant's secret readable, or register it again with \`tenants add ${tenant.name} … --secret-from\``);
  }
}

async function checkTenantApi(config: Config, tenant: Tenant, dayArg: unknown, now: Date, heading: boolean, print: (line: string) => void): Promise<Check[]> {
  const c = tenant.config;
  const day = dayArg === undefined ? undefined : parseTimeArgument(String(dayArg), '--day', c.reportTz);
  if (day && day.getTime() !== localDayStart(day, 0, c.reportTz).getTime()) throw new UsageError(`--day must be a date (2026-01-31, a day in ${c.reportTz}), got "${String(dayArg)}"`);
  print(`mluvii-etl doctor: ${heading ? `tenant ${tenant.name}: ` : ''}API ${c.mluviiBaseUrl}, days in ${c.reportTz}`);
  const loaded = await withSecret(config, tenant);
  if (!('config' in loaded)) return [loaded];
  const t = loaded.config;
  if (!t.mluviiClientId || !t.mluviiClientSecret) {
    return [fail('token', `${!t.mluviiClientId ? 'MLUVII_CLIENT_ID' : 'MLUVII_CLIENT_SECRET'} is not set`, 'set the API user name and password from mluvii administration (.env)')];
  }
  const probe = new Probe({
    baseUrl: t.mluviiBaseUrl,
    tokenUrl: t.mluviiTokenUrl,
    clientId: t.mluviiClientId,
    clientSecret: t.mluviiClientSecret,
    // With MLUVII_RPS=auto, the adaptive start rate: doctor sends a few dozen requests and never probes the limit.
    rps: t.mluviiRps === 'auto' ? 5 : t.mluviiRps,
    maxRequests: DOCTOR_MAX_REQUESTS,
  });
  const from = day ?? localDayStart(now, -1, t.reportTz);
  const yesterday = { from, to: localDayStart(from, 1, t.reportTz), label: day ? localDate(from, t.reportTz) : `yesterday (${localDate(from, t.reportTz)})` };
  // Asked first, shown after the list checks: the rate-limit burst at their end must not cost it its answer.
  const anonymized = await anonymizedFilterCheck(probe, yesterday);
  const checks = await apiChecks({ probe, yesterday, pageSize: t.mluviiPageSize, rps: t.mluviiRps });
  return anonymized ? [...checks, anonymized] : checks;
}

const checkEverything: CommandHandler = async ({ config, opts, print, now }) => {
  const tenants = await tenantsToCheck(config, opts.tenant);
  const heading = tenants.length > 1 || tenants[0].registered === true || opts.tenant !== undefined;
  const checks: Check[] = [];
  for (const tenant of tenants) {
    const own = await checkTenantApi(config, tenant, opts.day, now(), heading, print);
    const width = Math.max(...own.map((c) => c.name.length));
    if (heading) for (const c of own) print(renderCheck(c, width));
    checks.push(...own);
  }
  const db = [...(await databaseChecks(config.databaseUrl, config.reportingRole)), retentionCheck(config)];
  checks.push(...db);
  if (heading) print(`mluvii-etl doctor: the warehouse`);
  const width = Math.max(...(heading ? db : checks).map((c) => c.name.length));
  for (const c of heading ? db : checks) print(renderCheck(c, width));
  const count = (level: Check['level']) => checks.filter((c) => c.level === level).length;
  const failed = count('fail');
  print(`${count('ok')} ok, ${count('warn')} warning(s), ${failed} failure(s)${failed ? ': fix the FAIL lines before the first night' : ''}`);
  return failed ? 1 : 0;
};

export const doctorCommand: CliCommand = {
  name: 'doctor',
  summary: 'check the tenants and the warehouse before the first night (read-only, a few dozen requests per tenant)',
  options: [
    new Option('--day <date>', 'the day whose sessions the API checks list (default: yesterday in the tenant\'s REPORT_TZ)'),
    new Option('--tenant <name>', 'only this tenant (default: every enabled tenant of the warehouse)'),
  ],
  handler: checkEverything,
};
