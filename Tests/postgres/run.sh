#!/usr/bin/env bash
# The store suite (and everything else) with PostgreSQL: starts a throwaway cluster, runs `swift test` with any
# arguments given (e.g. --filter MinshengStoreTests), removes the cluster.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec bash Tests/postgres/with-postgres.sh swift test "$@"
