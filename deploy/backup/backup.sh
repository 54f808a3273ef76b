#!/bin/sh
# Etalase Desa backup: the database first (pg_dump, custom format), then the photo bucket
# (aws s3 sync into a mirror folder). In that order every photo a dump refers to is in
# the mirror: a blob's bytes are stored before its row, and objects are only added to
# the mirror (pruned weekly, below). Settings: /etc/etalase-desa/backup.env.
# Needs: pg_dump of the server's major version, the AWS CLI (v2 reads AWS_ENDPOINT_URL).
set -eu

: "${PGDATABASE:?}" "${BLOBS_BUCKET:?}" "${BACKUP_DIR:?}"
KEEP_DAYS="${KEEP_DAYS:-30}"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$BACKUP_DIR/db" "$BACKUP_DIR/blobs"

# 1. Database: a consistent snapshot, compressed, written under a temporary name.
pg_dump --format=custom --compress=6 --no-owner --file="$BACKUP_DIR/db/etalase-$stamp.dump.part" \
    "$PGDATABASE"
mv "$BACKUP_DIR/db/etalase-$stamp.dump.part" "$BACKUP_DIR/db/etalase-$stamp.dump"

# 2. Photos: objects never change under their name (their SHA-256), so a sync copies
# only the new ones.
aws s3 sync --only-show-errors "$BLOBS_BUCKET" "$BACKUP_DIR/blobs/"

# 3. Weekly (Sunday), photos the server has removed leave the mirror too: an erasure
# request (UU PDP) reaches the backups within a week; dumps older than KEEP_DAYS go.
if [ "$(date -u +%u)" = 7 ]; then
    aws s3 sync --only-show-errors --delete "$BLOBS_BUCKET" "$BACKUP_DIR/blobs/"
fi
find "$BACKUP_DIR/db" -name 'etalase-*.dump' -mtime +"$KEEP_DAYS" -delete

echo "backup $stamp: $(du -sh "$BACKUP_DIR/db/etalase-$stamp.dump" | cut -f1) database," \
    "$(find "$BACKUP_DIR/blobs" -type f | wc -l) photos"
