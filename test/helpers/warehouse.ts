import type { Knex } from 'knex';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import type { CliCommand, CommandContext } from '../../src/commands/command.js';
import type { RunningSimulator } from '../../src/simulator/server.js';
import { AFTER_TEST_RANGES, clockAt } from './clock.js';

/** Columns that record when a row was written, not what it says: left out of checksums. */
const VOLATILE = new Set(['loaded_at', 'updated_at', 'fetched_at', 'first_fetched_at']);

/** A checksum per core table over every row and every non-volatile column. */
export async function coreChecksums(knex: Knex): Promise<Record<string, { rows: number; md5: string }>> {
  const tables = ['sessions', 'session_states', 'session_operators', 'routing_events', 'operators', 'groups', 'campaigns'];
  const out: Record<string, { rows: number; md5: string }> = {};
  for (const t of tables) {
    const cols = (
      await knex.raw(`SELECT column_name FROM information_schema.columns WHERE table_schema = 'core' AND table_name = ? ORDER BY ordinal_position`, [t])
    ).rows
      .map((r: { column_name: string }) => r.column_name)
      .filter((c: string) => !VOLATILE.has(c));
    const list = cols.map((c: string) => `"${c}"`).join(', ');
    const r = await knex.raw(`SELECT count(*)::int AS rows, coalesce(md5(string_agg(x, E'\\n' ORDER BY x)), '') AS md5
                                FROM (SELECT row(${list})::text AS x FROM core.${t}) s`);
    out[t] = { rows: r.rows[0].rows, md5: r.rows[0].md5 };
  }
  return out;
}

/** Row versions (xmin) of every core and raw table: unchanged means nothing was written. */
export async function rowVersions(knex: Knex): Promise<string> {
  const parts: string[] = [];
  for (const t of ['raw.sessions', 'core.sessions', 'core.session_states', 'core.session_operators', 'core.routing_events', 'core.operators', 'core.groups', 'core.campaigns', 'raw.campaigns', 'etl.rejects']) {
    const r = await knex.raw(`SELECT count(*) AS n, coalesce(sum(xmin::text::bigint), 0) AS v FROM ${t}`);
    parts.push(`${t}:${r.rows[0].n}:${r.rows[0].v}`);
  }
  return parts.join(' ');
}

export function testConfig(env: Record<string, string>): Config {
  return loadConfig({ LOG_LEVEL: 'silent', MLUVII_RPS: '2000', MLUVII_CONCURRENCY: '16', ...env });
}

/**
 * Runs a command in-process, collecting what it prints. Its clock stands at `now` (default: after
 * every range the tests load), never the real one.
 */
export async function runCommand(command: CliCommand, config: Config, opts: Record<string, unknown> = {}, now: Date = AFTER_TEST_RANGES): Promise<{ code: number; output: string }> {
  const lines: string[] = [];
  const ctx: CommandContext = { config, logger: createLogger({ level: 'silent', pretty: false }), opts, print: (l) => lines.push(l), now: clockAt(now) };
  const code = await command.handler(ctx);
  return { code, output: lines.join('\n') };
}

/** The settings that point the pipeline at a test database and a running simulator. */
export function pipelineEnv(db: { url: string }, sim: RunningSimulator, extra: Record<string, string> = {}): Record<string, string> {
  return { DATABASE_URL: db.url, MLUVII_BASE_URL: sim.url, MLUVII_CLIENT_ID: sim.clientId, MLUVII_CLIENT_SECRET: sim.clientSecret, ...extra };
}
