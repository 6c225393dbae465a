#!/usr/bin/env bash
# Scheduler entry point for a backfill: jobs/backfill.sh --from 2026-01-01 --to 2026-02-01 [--force]
# Resumable: windows already done are skipped, so a killed backfill is simply started again.
set -euo pipefail
cd "$(dirname "$0")/.."
exec node bin/mluvii-etl.js backfill "$@"
