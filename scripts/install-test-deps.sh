#!/usr/bin/env bash
# Installs the system parts the full test suite uses, if missing: PostgreSQL 15 (real server tests),
# Chromium (browser tests), hdf5-tools + python3-h5py (containers must open without fairbeam),
# poppler-utils (pdftotext), libxml2-utils (xmllint). Needs root and Debian's apt; prints what it did.
set -euo pipefail
need=()
command -v pg_ctlcluster >/dev/null 2>&1 || need+=(postgresql)
[ -x /usr/lib/postgresql/15/bin/postgres ] || need+=(postgresql)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v h5dump >/dev/null 2>&1 || need+=(hdf5-tools)
/usr/bin/python3 -c 'import h5py' >/dev/null 2>&1 || need+=(python3-h5py)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
command -v xmllint >/dev/null 2>&1 || need+=(libxml2-utils)
command -v unzip >/dev/null 2>&1 || need+=(unzip)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "install-test-deps: missing ${need[*]}; run as root or install them with apt" >&2
    exit 1
  fi
  echo "install-test-deps: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
