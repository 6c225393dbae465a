import { reresolveUnknownCampaigns } from './campaign-reresolve.js';
import { downloadFilesAfterLoad } from './files-job.js';
import { refetchIncompleteSessions } from './refetch-incomplete.js';
import { reprocessSliceUnit } from './reprocess-slice.js';
import type { UnitContext, UnitOutcome, UnitRequest } from './unit-types.js';
import { loadWindowUnit } from './window-load.js';

/**
 * Runs one unit of work: the one function behind both the loop of a single process
 * (in-process-runner.ts) and a worker's job (src/jobs/), so a window, a re-fetch, a campaign
 * re-read, a download pass or a reprocess slice is done the same way whoever runs it.
 */
export function executeUnit(ctx: UnitContext, req: UnitRequest): Promise<UnitOutcome> {
  switch (req.kind) {
    case 'window':
      return loadWindowUnit(ctx, { from: new Date(req.from), to: new Date(req.to) }, req.force);
    case 'campaigns':
      return reresolveUnknownCampaigns(ctx);
    case 'refetch':
      return refetchIncompleteSessions(ctx, { now: new Date(req.now), maxAgeMs: req.maxAgeMs, fetchedFrom: req.fetchedFrom === undefined ? undefined : new Date(req.fetchedFrom) });
    case 'files':
      return downloadFilesAfterLoad(ctx, { from: new Date(req.from), to: new Date(req.to) });
    case 'reprocess':
      return reprocessSliceUnit(ctx, req);
  }
}
