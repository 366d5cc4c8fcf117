#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what is missing (npm packages, PostgreSQL 15, Chromium,
# HDF5 tools), starts a local PostgreSQL for the database tests, type-checks, checks formatting,
# builds the portal and runs every test on PGlite and on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
bash scripts/install-test-deps.sh

if [ -z "${TEST_DATABASE_URL:-}" ] && [ "${FAIRBEAM_TEST_POSTGRES:-1}" = 1 ]; then
  TEST_DATABASE_URL=$(bash scripts/start-postgres.sh | tail -n 1)
  export TEST_DATABASE_URL
fi
echo "test: PGlite always; PostgreSQL: ${TEST_DATABASE_URL:-not used}"

echo "test: type-check" && npx tsc --noEmit -p tsconfig.json
echo "test: format check" && npm run --silent format:check
echo "test: build portal" && npm run --silent build:web >/dev/null

report=$(mktemp --suffix=.json)
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`fairbeam: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
' "$report" || true
rm -f "$report"
exit $status
