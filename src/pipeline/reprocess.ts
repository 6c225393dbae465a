import type { CommandHandler } from '../cli.js';
import { refreshReportingSummaries } from '../load/reporting-summaries.js';
import { CampaignModes } from './campaign-modes.js';
import type { Knex } from 'knex';
import { loadBatch, mergeRange } from './load-batch.js';
import { createProgress } from './progress.js';
import { parseTimeArgument } from './windows.js';
import { runWriterJob } from './writer-job.js';

const BATCH = 1000;

/**
 * The stored payload minus the chat transcript, which is most of its size: the transform reads
 * only the SessionEnded activity of it (termination_reason) and the shared-file activities
 * (core.session_files), so only those are kept.
 */
const PAYLOAD_WITHOUT_TRANSCRIPT = `CASE WHEN jsonb_typeof(payload->'activities') = 'array'
  THEN (payload - 'activities') || jsonb_build_object('activities',
         coalesce((SELECT jsonb_agg(a) FROM jsonb_array_elements(payload->'activities') a WHERE a->>'type' = 'SessionEnded' OR jsonb_typeof(a->'file') = 'object'), '[]'::jsonb))
  ELSE payload END`;

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

export const reprocessCommand: CommandHandler = async ({ config, logger, opts, print }) => {
  const from = opts.from !== undefined ? parseTimeArgument(String(opts.from), '--from', config.reportTz) : undefined;
  const to = opts.to !== undefined ? parseTimeArgument(String(opts.to), '--to', config.reportTz) : undefined;
  const args = { from: from?.toISOString(), to: to?.toISOString() };
  return runWriterJob({ config, logger, print }, 'reprocess', args, async ({ knex, runId, counts, logger: log }) => {
    const campaigns = await CampaignModes.fromDatabase(knex);
    const where = (q: string) =>
      `${q} WHERE (?::timestamptz IS NULL OR created_at >= ?::timestamptz) AND (?::timestamptz IS NULL OR created_at < ?::timestamptz)`;
    const bounds = [args.from ?? null, args.from ?? null, args.to ?? null, args.to ?? null];
    const total = Number((await knex.raw(where('SELECT count(*) AS n FROM raw.sessions'), bounds)).rows[0].n);
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
          `${where(`SELECT session_id, created_at::text AS created_key, ${PAYLOAD_WITHOUT_TRANSCRIPT} AS payload, routing_history,
                           completion_given_up_at, text_sanitized, (SELECT c.facts_hash FROM core.sessions c WHERE c.session_id = r.session_id) AS facts_hash
                      FROM raw.sessions r`)}
             AND (?::timestamptz IS NULL OR (created_at, session_id) > (?::timestamptz, ?::bigint))
           ORDER BY created_at, session_id LIMIT ${BATCH}`,
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
          const r = await loadBatch(
            trx,
            rows.map((row) => ({
              payload: row.payload,
              routingHistory: row.routing_history,
              neverCompleted: row.completion_given_up_at !== null,
              textSanitized: row.text_sanitized,
              textChecked: true, // jsonb cannot hold NUL or lone surrogates
            })),
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
};
