#!/bin/sh
# PostgreSQL's archive_command: copy one finished WAL segment into the archive directory.
#   archive_command = '/srv/betrokken/deploy/backup/archive-wal.sh %p %f /var/backups/betrokken/wal'
# The copy is written under a temporary name, flushed and then renamed, so the archive
# never holds half a segment. A segment already archived with the same content counts as
# done (PostgreSQL may ask twice after a crash); with other content the script fails, and
# PostgreSQL keeps the segment and asks again: an operator must look.
set -eu
if [ $# -ne 3 ]; then
  echo "usage: $0 WAL_PATH WAL_NAME ARCHIVE_DIR" >&2
  exit 2
fi
path=$1 name=$2 archive=$3
target="$archive/$name"
if [ -e "$target" ]; then
  cmp -s "$path" "$target" && exit 0
  echo "archive-wal: $target exists with other content" >&2
  exit 1
fi
mkdir -p "$archive"
cp "$path" "$target.archiving"
sync "$target.archiving" 2>/dev/null || sync
mv "$target.archiving" "$target"
