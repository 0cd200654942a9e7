#!/bin/sh
# A base backup of the running cluster into BACKUP_ROOT/base-<UTC time>/, as compressed tar
# files with the WAL needed to make it consistent (pg_basebackup -X stream), and a
# manifest pg_verifybackup checks. Together with the WAL archive (archive-wal.sh) it
# restores to any moment after it (restore.sh).
#   base-backup.sh BACKUP_ROOT [pg_basebackup connection options, e.g. -h HOST -p PORT -U USER]
# Run it as a user with the REPLICATION attribute, e.g. from cron each night; keep the
# backups and the WAL archive on another machine, and the audit log's latest signed
# checkpoint apart from both (docs/operations.md).
set -eu
if [ $# -lt 1 ]; then
  echo "usage: $0 BACKUP_ROOT [connection options]" >&2
  exit 2
fi
root=$1
shift
bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
target="$root/base-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$root"
"$bin/pg_basebackup" -D "$target.partial" -Ft -z -X stream -c fast --manifest-checksums=SHA256 "$@"
mv "$target.partial" "$target"
echo "$target"
