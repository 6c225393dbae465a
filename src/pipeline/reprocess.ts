import type { CommandHandler } from '../cli.js';
import { refreshReportingSummaries } from '../load/reporting-summaries.js';
import { CampaignModes } from './campaign-modes.js';
import { loadBatch } from './load-batch.js';
import { createProgress } from './progress.js';
import { parseTimeArgument } from './windows.js';
import { runWriterJob } from './writer-job.js';

const BATCH = 1000;

/**
 * The stored payload minus the chat transcript, which is most of its size: the transform reads
 * only the SessionEnded activity of it (termination_reason), so only that one is kept.
 */
const PAYLOAD_WITHOUT_TRANSCRIPT = `CASE WHEN jsonb_typeof(payload->'activities') = 'array'
  THEN (payload - 'activities') || jsonb_build_object('activities',
         coalesce((SELECT jsonb_agg(a) FROM jsonb_array_elements(payload->'activities') a WHERE a->>'type' = 'SessionEnded'), '[]'::jsonb))
  ELSE payload END`;

/**
 * Rebuilds core from raw with no API calls (after a metrics fix). Reads raw in keyset-paged
 * batches, so memory stays flat whatever the size; each batch is its own transaction, and an
 * unchanged session writes nothing, so a killed reprocess can simply be run again.
 */
export const reprocessCommand: CommandHandler = async ({ config, logger, opts }) => {
  const from = opts.from !== undefined ? parseTimeArgument(String(opts.from), '--from', config.reportTz) : undefined;
  const to = opts.to !== undefined ? parseTimeArgument(String(opts.to), '--to', config.reportTz) : undefined;
  const args = { from: from?.toISOString(), to: to?.toISOString() };
  return runWriterJob(config, logger, 'reprocess', args, async ({ knex, runId, counts, logger: log }) => {
    const campaigns = await CampaignModes.fromDatabase(knex);
    const where = (q: string) =>
      `${q} WHERE (?::timestamptz IS NULL OR created_at >= ?::timestamptz) AND (?::timestamptz IS NULL OR created_at < ?::timestamptz)`;
    const bounds = [args.from ?? null, args.from ?? null, args.to ?? null, args.to ?? null];
    const total = Number((await knex.raw(where('SELECT count(*) AS n FROM raw.sessions'), bounds)).rows[0].n);
    const progress = createProgress({ totalWindows: Math.ceil(total / BATCH), logger: log, label: 'reprocess' });
    // The next batch is read while the current one is transformed and written: Node and
    // Postgres then work at the same time on these 2-core machines.
    const readBatch = async (after: number) =>
      (
        await knex.raw(
          `${where(`SELECT session_id, ${PAYLOAD_WITHOUT_TRANSCRIPT} AS payload, routing_history, completion_given_up_at FROM raw.sessions`)}
             AND session_id > ? ORDER BY session_id LIMIT ${BATCH}`,
          [...bounds, after],
        )
      ).rows as Array<{ session_id: number; payload: unknown; routing_history: unknown; completion_given_up_at: Date | null }>;
    let next = readBatch(-1);
    try {
      for (;;) {
        const rows = await next;
        if (rows.length === 0) break;
        next = readBatch(Number(rows[rows.length - 1].session_id));
        await knex.transaction(async (trx) => {
          const r = await loadBatch(
            trx,
            rows.map((row) => ({ payload: row.payload, routingHistory: row.routing_history, neverCompleted: row.completion_given_up_at !== null })),
            { campaignMode: campaigns.lookup, writeRaw: false, rejectContext: { runId } },
          );
          if (r.changedRange) await refreshReportingSummaries(trx, r.changedRange);
          counts.sessionsSeen += r.sessions;
          counts.sessionsChanged += r.sessionsChanged;
          counts.rejects += r.rejects;
        });
        counts.windowsDone += 1;
        progress.addSessions(rows.length);
        progress.windowFinished();
      }
    } finally {
      progress.stop();
      await next.catch(() => undefined);
    }
    return { failures: [] };
  });
};
