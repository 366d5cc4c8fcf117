#!/usr/bin/env bash
# Starts the local PostgreSQL 15 cluster and makes a `fairbeam` role and `fairbeam_test` database for tests.
# Prints the connection URL on its last line.
set -euo pipefail
if ! pg_lsclusters -h 2>/dev/null | grep -q '^15 '; then
  pg_createcluster 15 main >/dev/null
fi
pg_ctlcluster 15 main start 2>/dev/null || true
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p 5432 && break
  sleep 1
done
su postgres -c "psql -q -v ON_ERROR_STOP=1 -c \"DO \\\$\\\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'fairbeam') THEN CREATE ROLE fairbeam LOGIN SUPERUSER PASSWORD 'fairbeam'; END IF; END \\\$\\\$;\"" >/dev/null
su postgres -c "psql -q -tAc \"SELECT 1 FROM pg_database WHERE datname = 'fairbeam_test'\"" | grep -q 1 ||
  su postgres -c "createdb -O fairbeam fairbeam_test"
echo "postgres://fairbeam:fairbeam@127.0.0.1:5432/fairbeam_test"
