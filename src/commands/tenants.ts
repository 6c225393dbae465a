import { Argument, Option } from 'commander';
import { UsageError } from '../errors.js';
import { addTenant, grantReader, listTenants, setEnabled } from '../tenants/tenant-admin.js';
import type { CliCommand, CommandHandler } from './command.js';

/**
 * `tenants add|list|disable|enable|grant-reader`: the mluvii tenants one warehouse loads. The
 * environment's tenant needs none of it; more tenants are registered here, each with its own API,
 * credentials (the secret only as where to read it), rate, REPORT_TZ, thresholds, files and schedule.
 */
const ADD_ONLY = ['baseUrl', 'tokenUrl', 'clientId', 'secretFrom', 'rps', 'reportTz', 'serviceLevelSeconds', 'shortAbandonSeconds', 'filesDir', 'filesRetention', 'schedule'];

const tenants: CommandHandler = async ({ config, opts, print }) => {
  const [action, name, role] = (opts.args as Array<string | undefined> | undefined) ?? [];
  const given = (keys: string[]) => keys.filter((k) => opts[k] !== undefined);
  if (action !== 'add' && given(ADD_ONLY).length) throw new UsageError(`tenants ${action}: ${given(ADD_ONLY).map(flag).join(', ')} belong(s) to \`tenants add\``);
  if (action !== 'grant-reader' && opts.passwordFrom !== undefined) throw new UsageError(`tenants ${action}: --password-from belongs to \`tenants grant-reader\``);
  if (action !== 'grant-reader' && role !== undefined) throw new UsageError(`tenants ${action}: unexpected argument "${role}"`);
  if (action !== 'list' && name === undefined) throw new UsageError(`tenants ${action} needs the tenant's name`);
  switch (action) {
    case 'add':
      return addTenant(config, name, opts, print);
    case 'list':
      if (name !== undefined) throw new UsageError(`tenants list takes no name (it lists every tenant), got "${name}"`);
      return listTenants(config, opts.json === true, print);
    case 'disable':
    case 'enable':
      return setEnabled(config, name, action === 'enable', print);
    case 'grant-reader':
      return grantReader(config, name, role, opts.passwordFrom, print);
    default:
      throw new UsageError(`tenants: unknown action "${String(action)}" (add, list, disable, enable, grant-reader)`);
  }
};

/** An option's flag as typed, for messages. */
const flag = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

export const tenantsCommand: CliCommand = {
  name: 'tenants',
  summary: 'the mluvii tenants of the warehouse: `tenants add <name> --base-url … --client-id … --secret-from env:VAR|file:PATH`, `tenants list`, `tenants disable|enable <name>`, `tenants grant-reader <name> [role]`',
  arguments: [
    new Argument('<action>', 'what to do').choices(['add', 'list', 'disable', 'enable', 'grant-reader']),
    new Argument('[name]', 'the tenant (lower-case letters, digits, _ and -)'),
    new Argument('[role]', 'grant-reader: the role (default: <database>_<tenant>_reader)'),
  ],
  options: [
    new Option('--base-url <url>', "add: the tenant's mluvii address (its MLUVII_BASE_URL)"),
    new Option('--token-url <url>', 'add: its token endpoint (default: <base-url>/login/connect/token)'),
    new Option('--client-id <id>', 'add: its API user name'),
    new Option('--secret-from <where>', 'add: where its API secret is read when it runs: env:VARIABLE or file:PATH (the secret itself is never stored)'),
    new Option('--rps <n|auto>', 'add: its MLUVII_RPS (default 5)'),
    new Option('--report-tz <zone>', 'add: its REPORT_TZ (default Europe/Prague)'),
    new Option('--service-level-seconds <n>', 'add: its SERVICE_LEVEL_SECONDS (default 20)'),
    new Option('--short-abandon-seconds <n>', 'add: its SHORT_ABANDON_SECONDS (default 5)'),
    new Option('--files-dir <folder>', 'add: its MLUVII_FILES_DIR, a folder of its own (default: no downloads)'),
    new Option('--files-retention <duration>', 'add: its FILES_RETENTION (default: keep)'),
    new Option('--schedule <HH:MM>', "add: its nightly run, a time of day in its REPORT_TZ"),
    new Option('--password-from <where>', 'grant-reader: where the role\'s password is read: env:VARIABLE or file:PATH (without it: NOLOGIN)'),
    new Option('--json', 'list: as JSON'),
  ],
  handler: tenants,
};
