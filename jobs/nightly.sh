#!/usr/bin/env bash
# Scheduler entry point for the nightly job (crontab, systemd timer, Kubernetes CronJob).
# Configuration comes from the environment or a .env file in the project folder (README).
# Exit codes: 0 ok, 1 the run failed (recorded in etl.runs), 2 bad configuration.
set -euo pipefail
cd "$(dirname "$0")/.."
exec node bin/mluvii-etl.js run "$@"
