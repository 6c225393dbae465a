/**
 * `forget --session <id>… | --guest <e-mail or phone> | --operator <user id> [--dry-run]`: erasure
 * on request (docs/privacy.md). Says how many sessions match before it erases; `--dry-run` only
 * counts. The guest's e-mail or phone is never echoed, logged or recorded.
 */
import { Option } from 'commander';
import { UsageError } from '../errors.js';
import { forget, type ForgetRequest } from '../pipeline/forget.js';
import { guestKey } from '../privacy/guest-key.js';
import type { CliCommand, CommandHandler } from './command.js';
import { tenantConfig, tenantOption } from './tenant-option.js';

const wholeNumber = (raw: string, flag: string): number => {
  const id = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(id) || id < 1) throw new UsageError(`${flag} takes ids, whole numbers from 1, got "${raw}"`);
  return id;
};

function request(opts: Record<string, unknown>): ForgetRequest {
  const given = ['session', 'guest', 'operator'].filter((k) => opts[k] !== undefined);
  if (given.length !== 1) throw new UsageError(`forget needs exactly one of --session, --guest or --operator${given.length ? ` (got ${given.map((g) => `--${g}`).join(' and ')})` : ''}`);
  if (opts.session !== undefined) {
    const ids = (opts.session as string[]).flatMap((v) => v.split(',')).filter((v) => v.trim() !== '').map((v) => wholeNumber(v, '--session'));
    if (ids.length === 0) throw new UsageError('--session needs at least one session id');
    return { what: 'sessions', ids: [...new Set(ids)] };
  }
  if (opts.guest !== undefined) {
    const key = guestKey(String(opts.guest));
    // The value itself is personal data: the message names what is wrong with it, not the value.
    if ('problem' in key) throw new UsageError(`--guest: the value given ${key.problem}`);
    return { what: 'guest', key };
  }
  return { what: 'operator', userId: wholeNumber(String(opts.operator), '--operator') };
}

const forgetHandler: CommandHandler = async ({ config: env, logger, opts, print }) => {
  const asked = request(opts);
  const config = await tenantConfig(env, opts, false);
  return forget({ config, logger, print }, asked, { dryRun: opts.dryRun === true });
};

export const forgetCommand: CliCommand = {
  name: 'forget',
  summary: "erase personal data on request: a guest's sessions (by id, e-mail or phone) in every table and on disk, or an operator's names (a pseudonym); facts and KPIs stay",
  options: [
    new Option('--session <ids...>', 'session ids (several, or comma-separated)'),
    new Option('--guest <e-mail or phone>', "every stored session holding this e-mail address or phone number (its last 9 digits, any prefix and separators)"),
    new Option('--operator <user id>', "a former operator: their names become a pseudonym in every table; their KPIs stay"),
    new Option('--dry-run', 'only say how many sessions match; erase nothing'),
    tenantOption(),
  ],
  handler: forgetHandler,
};
