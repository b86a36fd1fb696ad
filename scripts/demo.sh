#!/usr/bin/env bash
# README command (a): install everything, start the databases, load the bundled sample into a fresh source
# database and migrate it into a fresh target database with the whole offline workflow, printing each
# step's summary. KEEP_DATABASES=1 keeps both databases (and the export dir) for a look afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
bash scripts/services.sh

T=.venv/bin/transship
suffix=$(date +%s)_$$
SRC=transship_demo_src_$suffix
TGT=transship_demo_tgt_$suffix
EXPORT_DIR=$(mktemp -d -t transship-demo-XXXXXX)
BACKUP_DIR=$(mktemp -d -t transship-demo-backup-XXXXXX)
export PGHOST=127.0.0.1 PGPORT=5432 PGUSER=postgres
cleanup() {
  if [ "${KEEP_DATABASES:-}" != 1 ]; then
    dropdb --if-exists --force "$SRC" 2>/dev/null || true
    dropdb --if-exists --force "$TGT" 2>/dev/null || true
    rm -rf "$EXPORT_DIR" "$BACKUP_DIR"
  else
    echo "kept: source $SRC, target $TGT, export dir $EXPORT_DIR, backups $BACKUP_DIR"
  fi
}
trap cleanup EXIT
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "load examples/sample-postgres into a fresh source database $SRC"
createdb "$SRC"
psql -q -v ON_ERROR_STOP=1 -d "$SRC" -f examples/sample-postgres/schema.sql -f examples/sample-postgres/data.sql >/dev/null
createdb "$TGT"

SOURCE=(--source-db-type postgresql --source-db-host 127.0.0.1 --source-db-user postgres --source-db-name "$SRC" --source-db-schema public,inventory)
TARGET=(--target-db-host 127.0.0.1 --target-db-user postgres --target-db-name "$TGT")

step "transship export schema";   $T export schema -e "$EXPORT_DIR" "${SOURCE[@]}"
step "transship analyze-schema";  $T analyze-schema -e "$EXPORT_DIR" --output-format txt,json
step "transship export data";     $T export data -e "$EXPORT_DIR" "${SOURCE[@]}" --parallel-jobs 2
step "transship export data status"; $T export data status -e "$EXPORT_DIR"
step "transship import schema";   $T import schema -e "$EXPORT_DIR" "${TARGET[@]}"
step "transship import data";     $T import data -e "$EXPORT_DIR" "${TARGET[@]}" --parallel-jobs 2
step "transship import data status"; $T import data status -e "$EXPORT_DIR"
step "transship finalize-schema-post-data-import"
$T finalize-schema-post-data-import -e "$EXPORT_DIR" "${TARGET[@]}" --refresh-mviews true
step "transship verify"
$T verify -e "$EXPORT_DIR" "${TARGET[@]}"
step "transship end migration"
$T end migration -e "$EXPORT_DIR" "${TARGET[@]}" --yes --backup-dir "$BACKUP_DIR" \
  --backup-schema-files true --backup-data-files true --save-migration-reports true --backup-log-files true
echo
echo "Demo migration finished: $SRC -> $TGT."
