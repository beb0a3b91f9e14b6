#!/bin/sh
# The compose file as plain processes on one machine (nats-server -js and PostgreSQL already running).
# Usage: deploy/run-local.sh RECORDING   (Ctrl-C stops them all)
set -eu
REC=${1:?usage: deploy/run-local.sh RECORDING}
export GLASS_NATS_URL=${GLASS_NATS_URL:-127.0.0.1:4222}
export GLASS_DATABASE_URL=${GLASS_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}
export GLASS_BUS_PREFIX=${GLASS_BUS_PREFIX:-glass}
cd "$(dirname "$0")/.."
G="node src/cli/main.ts"
trap 'kill $(jobs -p) 2>/dev/null' INT TERM EXIT
$G ingest "$REC" &
$G ingest "$REC" &                      # standby: takes over through the lease
$G worker --role wallets &               # the wallet owner: scores once for the cluster
$G worker --role wallets &               # standby: takes over through the lease worker.wallets
$G worker --partition 0/3 --scores owner &
$G worker --partition 1/3 --scores owner &
$G worker --partition 2/3 --scores owner &
$G api --port 8080 &
$G api --port 8081 &
sleep 5; $G cluster status
wait
