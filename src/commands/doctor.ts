/**
 * `doctor`: checks a tenant and a warehouse before the first night. Read-only, a few dozen API
 * requests at most; one line per check (ok / warn / FAIL, with a hint); exit 0 when nothing
 * failed, else 1.
 */
import { Option } from 'commander';
import { apiChecks } from '../doctor/api-checks.js';
import { fail, renderCheck, type Check } from '../doctor/check.js';
import { databaseChecks } from '../doctor/database-checks.js';
import { anonymizedFilterCheck, retentionCheck } from '../doctor/privacy-checks.js';
import { Probe } from '../doctor/probe.js';
import { UsageError } from '../errors.js';
import { localDate, localDayStart, parseTimeArgument } from '../pipeline/windows.js';
import type { CliCommand, CommandHandler } from './command.js';

/** Upper bound on API requests of one doctor run (token excluded). */
export const DOCTOR_MAX_REQUESTS = 40;

const checkEverything: CommandHandler = async ({ config, opts, print, now }) => {
  const day = opts.day === undefined ? undefined : parseTimeArgument(String(opts.day), '--day', config.reportTz);
  if (day && day.getTime() !== localDayStart(day, 0, config.reportTz).getTime()) throw new UsageError(`--day must be a date (2026-01-31, a day in ${config.reportTz}), got "${String(opts.day)}"`);
  const checks: Check[] = [];
  print(`mluvii-etl doctor: API ${config.mluviiBaseUrl}, days in ${config.reportTz}`);
  if (!config.mluviiClientId || !config.mluviiClientSecret) {
    checks.push(fail('token', `${!config.mluviiClientId ? 'MLUVII_CLIENT_ID' : 'MLUVII_CLIENT_SECRET'} is not set`, 'set the API user name and password from mluvii administration (.env)'));
  } else {
    const probe = new Probe({
      baseUrl: config.mluviiBaseUrl,
      tokenUrl: config.mluviiTokenUrl,
      clientId: config.mluviiClientId,
      clientSecret: config.mluviiClientSecret,
      // With MLUVII_RPS=auto, the adaptive start rate: doctor sends a few dozen requests and never probes the limit.
      rps: config.mluviiRps === 'auto' ? 5 : config.mluviiRps,
      maxRequests: DOCTOR_MAX_REQUESTS,
    });
    const from = day ?? localDayStart(now(), -1, config.reportTz);
    const yesterday = { from, to: localDayStart(from, 1, config.reportTz), label: day ? localDate(from, config.reportTz) : `yesterday (${localDate(from, config.reportTz)})` };
    // Asked first, shown after the list checks: the rate-limit burst at their end must not cost it its answer.
    const anonymized = await anonymizedFilterCheck(probe, yesterday);
    checks.push(...(await apiChecks({ probe, yesterday, pageSize: config.mluviiPageSize, rps: config.mluviiRps })));
    if (anonymized) checks.push(anonymized);
  }
  checks.push(...(await databaseChecks(config.databaseUrl, config.reportingRole)));
  checks.push(retentionCheck(config));

  const width = Math.max(...checks.map((c) => c.name.length));
  for (const c of checks) print(renderCheck(c, width));
  const count = (level: Check['level']) => checks.filter((c) => c.level === level).length;
  const failed = count('fail');
  print(`${count('ok')} ok, ${count('warn')} warning(s), ${failed} failure(s)${failed ? ': fix the FAIL lines before the first night' : ''}`);
  return failed ? 1 : 0;
};

export const doctorCommand: CliCommand = {
  name: 'doctor',
  summary: 'check the tenant and the warehouse before the first night (read-only, a few dozen requests)',
  options: [new Option('--day <date>', 'the day whose sessions the API checks list (default: yesterday in REPORT_TZ)')],
  handler: checkEverything,
};
