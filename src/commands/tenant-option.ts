import { Option } from 'commander';
import type { Config } from '../config.js';
import { resolveTenant } from '../tenants/registered-tenants.js';

/** `--tenant <name>` of a command that works for one tenant: the environment's when it is not given. */
export const tenantOption = (): Option =>
  new Option('--tenant <name>', "the tenant to work for: one registered with `tenants add` (default: the environment's tenant, MLUVII_TENANT or default)");

/**
 * The settings the command runs with: the environment's, or those of the tenant `--tenant` names
 * (`secrets`: read its API secret now, for commands that call the API). Dates of the command's
 * arguments are read in that tenant's REPORT_TZ.
 */
export async function tenantConfig(config: Config, opts: Record<string, unknown>, secrets: boolean): Promise<Config> {
  return (await resolveTenant(config, opts.tenant, { secrets })).config;
}
