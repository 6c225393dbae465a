/**
 * The privacy work of every nightly `run`, and of `privacy sweep` on demand: the sessions mluvii
 * anonymized lose their personal data here too (anonymized-sweep.ts), then the warehouse's own
 * retention (retention.ts). A sweep that cannot run is recorded and said, never fails the load.
 */
import type { Knex } from 'knex';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { MluviiClient } from '../mluvii/client.js';
import { sweepAnonymized, type SweepOutcome } from './anonymized-sweep.js';
import { CampaignModeCache } from './campaign-mode-cache.js';
import { clientFromConfig } from './client-from-config.js';
import { applyRawRetention, type RetentionOutcome } from './retention.js';
import { runAsWriter, type WriterRunHost } from './writer-run.js';

export interface PrivacyOutcome {
  sweep: SweepOutcome;
  retention: RetentionOutcome;
}

export interface PrivacyDeps {
  knex: Knex;
  client: MluviiClient;
  runId: number;
  logger: Logger;
  config: Config;
  now: Date;
  signal?: AbortSignal;
}

export async function privacyPass(deps: PrivacyDeps): Promise<PrivacyOutcome> {
  const { knex, client, runId, logger, config, now, signal } = deps;
  const campaigns = await CampaignModeCache.fromDatabase(knex);
  const erase = { knex, runId, logger, campaignMode: campaigns.lookup, filesDir: config.filesDir, signal };
  const sweep = await sweepAnonymized({ ...erase, client, now });
  signal?.throwIfAborted();
  const retention = await applyRawRetention({ ...erase, now }, { rawRetentionMs: config.rawRetentionMs, rejectsRetentionMs: config.rejectsRetentionMs });
  return { sweep, retention };
}

/** What a person reads after the privacy work: one line, and a loud one when the sweep could not run. */
export function privacyLines(o: PrivacyOutcome): string[] {
  const s = o.sweep;
  const r = o.retention;
  const lines = [
    `privacy: ${s.problem ? 'anonymized sessions not swept' : `${s.sessions} session(s) anonymized at mluvii swept (${s.files} file(s) deleted${s.keptOwnCopy ? `, ${s.keptOwnCopy} kept our own copy: mluvii's would have changed the durations` : ''}${s.notAnonymized ? `, ${s.notAnonymized} listed but not anonymized: left as they are` : ''})`}; ` +
      `retention: ${r.sessions} session(s) past RAW_RETENTION without personal data now, ${r.rejectsDeleted} reject(s) deleted, ${r.rejectsTrimmed} trimmed to reason and ids`,
  ];
  if (s.problem) lines.push(`PRIVACY SWEEP COULD NOT RUN: ${s.problem.message} (status and doctor say so until it runs)`);
  return lines;
}

/** `privacy sweep`: the same work as the nightly's, on demand, as a writer. */
export async function privacySweep({ config, logger, print }: Omit<WriterRunHost, 'client'>, { now }: { now: Date }): Promise<number> {
  const client = clientFromConfig(config, logger);
  return runAsWriter({ config, logger, print, client }, 'privacy', { action: 'sweep' }, async ({ knex, runId, logger: log, signal, counts }) => {
    const outcome = await privacyPass({ knex, client, runId, logger: log, config, now, signal });
    counts.sessionsSeen = outcome.sweep.sessions + outcome.retention.sessions;
    counts.sessionsChanged = counts.sessionsSeen;
    for (const line of privacyLines(outcome)) print(line);
    // A sweep that cannot run is a problem for on-call (status --check), and this command's own failure.
    return { failures: outcome.sweep.problem ? [outcome.sweep.problem.message] : [] };
  });
}
