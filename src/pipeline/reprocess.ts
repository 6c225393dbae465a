import { refreshReportingSummaries } from '../load/reporting-summaries.js';
import { CampaignModeCache } from './campaign-mode-cache.js';
import type { Knex } from 'knex';
import { fromStoredRaw, transformAndLoad, mergeRange } from './transform-and-load.js';
import { createProgress } from './progress.js';
import { runAsWriter, type WriterRunHost } from './writer-run.js';
import { inputsKeySql } from '../load/session-facts.js';
import { transformVersion } from '../util/transform-version.js';

const BATCH = 1000;

/**
 * The stored payload minus the chat transcript, which is most of its size: the transform reads
 * only the SessionEnded activity of it (termination_reason) and the shared-file activities
 * (core.session_files), so only those are kept.
 */
const PAYLOAD_WITHOUT_TRANSCRIPT = `CASE WHEN jsonb_typeof(r.payload->'activities') = 'array'
  THEN (r.payload - 'activities') || jsonb_build_object('activities',
         coalesce((SELECT jsonb_agg(a) FROM jsonb_array_elements(r.payload->'activities') a WHERE lower(a->>'type') = 'sessionended' OR jsonb_typeof(a->'file') = 'object'), '[]'::jsonb))
  ELSE r.payload END`;

/**
 * raw rows joined to their facts and campaign, keeping only the sessions whose stored inputs key
 * differs from the one computed now: a new session, new content, a give-up mark, a campaign mode
 * learnt since, or another transform version. The rest cannot change and never leave Postgres.
 */
const NEEDS_WORK = `raw.sessions r LEFT JOIN core.sessions c ON c.session_id = r.session_id
  LEFT JOIN raw.campaigns rc ON rc.campaign_id = c.campaign_id
  WHERE c.inputs_key IS DISTINCT FROM ${inputsKeySql('r', 'rc')}`;

/**
 * Rebuilds core from raw with no API calls (after a metrics fix). Reads raw in keyset-paged
 * batches, so memory stays flat whatever the size; each batch is its own transaction, and an
 * unchanged session writes nothing, so a killed reprocess can simply be run again (the next
 * writer then rebuilds the reporting summaries the killed one may have left behind).
 */
/** Midnight (as an ISO instant) of the REPORT_TZ day that contains `instant`. */
async function startOfReportDay(db: Knex.Transaction, instant: string): Promise<string> {
  const r = await db.raw(
    `SELECT to_char((date_trunc('day', ?::timestamptz AT TIME ZONE s.report_tz) AT TIME ZONE s.report_tz) AT TIME ZONE 'UTC',
                    'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS day_start FROM etl.settings s`,
    [instant],
  );
  return r.rows[0].day_start as string;
}

export async function reprocessRange({ config, logger, print }: Omit<WriterRunHost, 'client'>, { from, to }: { from?: Date; to?: Date }): Promise<number> {
  const args = { from: from?.toISOString(), to: to?.toISOString() };
  return runAsWriter({ config, logger, print }, 'reprocess', args, async ({ knex, runId, counts, logger: log }) => {
    const campaigns = await CampaignModeCache.fromDatabase(knex);
    const version = transformVersion();
    const where = (q: string) =>
      `${q} AND (?::timestamptz IS NULL OR r.created_at >= ?::timestamptz) AND (?::timestamptz IS NULL OR r.created_at < ?::timestamptz)`;
    const bounds = [version, args.from ?? null, args.from ?? null, args.to ?? null, args.to ?? null];
    const total = Number((await knex.raw(where(`SELECT count(*) AS n FROM ${NEEDS_WORK}`), bounds)).rows[0].n);
    log.info({ sessions: total }, `${total} session(s) may change; the others' stored inputs and transform are unchanged`);
    const progress = createProgress({ totalWindows: Math.ceil(total / BATCH), logger: log, label: 'reprocess' });
    // The next batch is read while the current one is transformed and written: Node and
    // Postgres then work at the same time on these 2-core machines. Batches go in created_at
    // order (keyset on the exact text of the instant: a JS Date would drop its microseconds).
    type RawRow = {
      session_id: number;
      created_key: string;
      payload: unknown;
      routing_history: unknown;
      completion_given_up_at: Date | null;
      text_sanitized: boolean;
      facts_hash: string | null;
    };
    const readBatch = async (after: { created: string; id: number } | undefined) =>
      (
        await knex.raw(
          `${where(`SELECT r.session_id, r.created_at::text AS created_key, ${PAYLOAD_WITHOUT_TRANSCRIPT} AS payload, r.routing_history,
                           r.completion_given_up_at, r.text_sanitized, c.facts_hash
                      FROM ${NEEDS_WORK}`)}
             AND (?::timestamptz IS NULL OR (r.created_at, r.session_id) > (?::timestamptz, ?::bigint))
           ORDER BY r.created_at, r.session_id LIMIT ${BATCH}`,
          [...bounds, after?.created ?? null, after?.created ?? null, after?.id ?? null],
        )
      ).rows as RawRow[];
    // Summaries of a day are refreshed once, when the batches have moved past it (not once per batch).
    let pending: { from: string; to: string } | undefined;
    let next = readBatch(undefined);
    try {
      for (;;) {
        const rows = await next;
        if (rows.length === 0) break;
        const last = rows[rows.length - 1];
        next = readBatch({ created: last.created_key, id: Number(last.session_id) });
        await knex.transaction(async (trx) => {
          const r = await transformAndLoad(
            trx,
            rows.map(fromStoredRaw),
            {
              campaignMode: campaigns.lookup,
              writeRaw: false,
              rejectContext: { runId },
              storedHashes: new Map(rows.filter((row) => row.facts_hash !== null).map((row) => [Number(row.session_id), row.facts_hash as string])),
            },
          );
          pending = mergeRange(pending, r.changedRange);
          if (pending) {
            const dayStart = await startOfReportDay(trx, last.created_key);
            if (pending.from < dayStart) {
              await refreshReportingSummaries(trx, { from: pending.from, to: pending.to < dayStart ? pending.to : dayStart });
              pending = pending.to > dayStart ? { from: dayStart, to: pending.to } : undefined;
            }
          }
          counts.sessionsSeen += r.sessions;
          counts.sessionsChanged += r.sessionsChanged;
          counts.rejects += r.rejects;
        });
        counts.windowsDone += 1;
        progress.addSessions(rows.length);
        progress.windowFinished();
      }
      const rest = pending;
      if (rest) await knex.transaction((trx) => refreshReportingSummaries(trx, rest));
    } finally {
      progress.stop();
      await next.catch(() => undefined);
    }
    return { failures: [] };
  });
}
