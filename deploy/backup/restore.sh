#!/bin/sh
# Etalase Desa restore (docs/deploy.md, "Restore"): a database dump into an EMPTY
# database, then the photo mirror into the bucket. Stop every kiosk-server@ instance
# first. Usage: restore.sh /srv/backup/etalase/db/etalase-YYYYMMDDTHHMMSSZ.dump
# Settings: /etc/etalase-desa/backup.env (PGDATABASE names the empty target database).
set -eu

dump="${1:?usage: restore.sh DUMP_FILE}"
: "${PGDATABASE:?}" "${BLOBS_BUCKET:?}" "${BACKUP_DIR:?}"

if systemctl is-active --quiet 'kiosk-server@*'; then
    echo "stop the servers first: systemctl stop kiosk-server.target 'kiosk-server@*'" >&2
    exit 1
fi

# 1. The database, as it was at the dump (single transaction: all or nothing).
pg_restore --exit-on-error --single-transaction --no-owner --dbname="$PGDATABASE" "$dump"

# 2. The photos: every object of the mirror back into the bucket (what is there already
# is skipped; nothing in the bucket is deleted).
aws s3 sync --only-show-errors "$BACKUP_DIR/blobs/" "$BLOBS_BUCKET"

echo "restored $dump; now: systemctl start kiosk-server-migrate kiosk-server.target," \
    "then check https://…/readyz on every process"
