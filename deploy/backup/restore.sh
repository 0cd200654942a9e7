#!/bin/sh
# Restore a base backup (base-backup.sh) into a new, empty data directory and set it up to
# replay the WAL archive (archive-wal.sh) up to its end, or up to TARGET_TIME, then to
# become a primary. Start it afterwards with pg_ctl (or let Patroni bootstrap a new
# cluster from it).
#   restore.sh BACKUP_DIR WAL_ARCHIVE NEW_DATA_DIR [TARGET_TIME, e.g. '2026-11-30 18:00:00+00']
# Run it as the user PostgreSQL runs as.
set -eu
if [ $# -lt 3 ]; then
  echo "usage: $0 BACKUP_DIR WAL_ARCHIVE NEW_DATA_DIR [TARGET_TIME]" >&2
  exit 2
fi
backup=$1 archive=$2 data=$3 target_time=${4:-}
bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
if [ -e "$data" ] && [ -n "$(ls -A "$data")" ]; then
  echo "restore: $data is not empty" >&2
  exit 1
fi
"$bin/pg_verifybackup" -n "$backup" 2>/dev/null || \
  echo "restore: the manifest was not checked (pg_verifybackup cannot read tar backups before PostgreSQL 16)" >&2
mkdir -p "$data"
chmod 700 "$data"
tar -xzf "$backup/base.tar.gz" -C "$data"
tar -xzf "$backup/pg_wal.tar.gz" -C "$data/pg_wal"
{
  echo "# restore.sh: replay the WAL archive, then become a primary"
  echo "restore_command = 'cp \"$archive/%f\" \"%p\"'"
  echo "recovery_target_action = 'promote'"
  if [ -n "$target_time" ]; then echo "recovery_target_time = '$target_time'"; fi
} >> "$data/postgresql.auto.conf"
touch "$data/recovery.signal"
echo "restored into $data; start it, and it replays $archive then promotes"
