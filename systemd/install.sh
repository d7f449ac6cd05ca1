#!/usr/bin/env bash
# Installs (or upgrades, or removes) ShipTrack as systemd services. Idempotent: a second run with
# the same checkout changes nothing. Run as root from a checkout. The database is only read: an
# upgrade of a configured install takes a backup (shiptrack-backup.service) before the migrations
# run, and stops without restarting anything if that backup fails.
#
#   sudo bash systemd/install.sh                 build, install to /opt/shiptrack, enable + start
#   sudo bash systemd/install.sh --no-build      use the checkout's existing dist/, skip every npm step
#   bash systemd/install.sh --root DIR --no-build   lay everything out under DIR (image builds, tests):
#                                                no systemctl, no user creation, no chown by name
#   sudo bash systemd/install.sh --uninstall [--purge]   remove units and /opt/shiptrack; keep
#                                                /etc/shiptrack/env unless --purge
# Options: --source DIR (checkout to install from; default: this script's parent directory);
#          --no-backup (upgrade without the pre-upgrade backup; docs/operations.md §4).
set -euo pipefail
umask 022

APP=shiptrack
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROOT=""; BUILD=1; MODE=install; PURGE=0; BACKUP=1

# The header comment above, up to the first line that is not a comment.
usage() { awk 'NR == 1 { next } !/^#/ { exit } { sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}"; }
die() { echo "install.sh: $*" >&2; exit 1; }
say() { echo "==> $*"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --root) [ $# -ge 2 ] || die "--root needs a directory"; ROOT=$2; shift 2 ;;
    --root=*) ROOT=${1#--root=}; shift ;;
    --source) [ $# -ge 2 ] || die "--source needs a directory"; SRC=$(cd "$2" && pwd); shift 2 ;;
    --source=*) SRC=$(cd "${1#--source=}" && pwd); shift ;;
    --no-build) BUILD=0; shift ;;
    --uninstall) MODE=uninstall; shift ;;
    --purge) PURGE=1; shift ;;
    --no-backup) BACKUP=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option: $1 (see --help)" ;;
  esac
done
# Refuse bad combinations before anything is created.
[ "$PURGE" -eq 0 ] || [ "$MODE" = uninstall ] || die "--purge only goes with --uninstall"

# LIVE = install onto this machine (systemctl, users, ownership); otherwise a DESTDIR-style tree.
if [ -z "$ROOT" ] || [ "$(realpath -m "$ROOT")" = / ]; then
  LIVE=1; R=""
  [ "$(id -u)" -eq 0 ] || die "run as root (or use --root DIR for a staged install)"
else
  LIVE=0; R=$(realpath -m "$ROOT")
  mkdir -p "$R"
fi

APP_DIR=$R/opt/$APP
ETC_DIR=$R/etc/$APP
ENV_FILE=$ETC_DIR/env
UNIT_DIR=$R/etc/systemd/system
SYSUSERS_FILE=$R/etc/sysusers.d/$APP.conf
ADMIN_CMD=$R/usr/local/bin/$APP
UNITS=(shiptrack-migrate.service shiptrack-web.service shiptrack-worker.service shiptrack-digest.service shiptrack-digest.timer
  shiptrack-backup.service shiptrack-backup.timer shiptrack-web@.service)
# Test seam (test/integration/install-script.test.ts): with --root, run the service steps through
# this command instead of stopping after the layout. A live install always uses systemctl.
SYSTEMCTL=${SHIPTRACK_INSTALL_SYSTEMCTL:-}
[ "$LIVE" -eq 0 ] || SYSTEMCTL=""
CHANGED=0   # did this run change code or units? (decides whether running services restart)

# Installs one file with a mode; leaves it alone (mtime included) when content and mode match.
put() {
  local mode=$1 src=$2 dst=$3
  if [ -f "$dst" ] && cmp -s "$src" "$dst" && [ "$(stat -c %a "$dst")" = "${mode#0}" ]; then return 0; fi
  install -D -m "$mode" "$src" "$dst"
  echo "    installed $dst"
  CHANGED=1
}

# Replaces directory $2 with a copy of $1 (dirs 0755, files 0644) unless the content is identical.
sync_tree() {
  local src=$1 dst=$2 stage
  stage="$(dirname "$dst")/.$(basename "$dst").new"
  rm -rf "$stage"
  cp -R "$src" "$stage"
  find "$stage" -type d -exec chmod 0755 {} + && find "$stage" -type f -exec chmod 0644 {} +
  if [ -d "$dst" ] && diff -r -q "$stage" "$dst" >/dev/null 2>&1; then rm -rf "$stage"; return 0; fi
  rm -rf "$dst"
  mv "$stage" "$dst"
  echo "    installed $dst/"
  CHANGED=1
}

uninstall() {
  say "Uninstalling ShipTrack from ${R:-/} (the database is never touched)"
  if [ "$LIVE" -eq 1 ] && command -v systemctl >/dev/null; then
    systemctl disable --now shiptrack-web.service shiptrack-worker.service shiptrack-digest.timer shiptrack-backup.timer 2>/dev/null || true
    # Extra web processes (shiptrack-web@PORT.service): the enabled ones by name (disable takes no
    # patterns), then whatever still runs (stop matches loaded units against a pattern).
    for l in "$UNIT_DIR"/*.wants/shiptrack-web@*.service; do
      [ -L "$l" ] && systemctl disable "$(basename "$l")" 2>/dev/null || true
    done
    systemctl stop 'shiptrack-web@*.service' 2>/dev/null || true
    systemctl stop shiptrack-digest.service shiptrack-backup.service shiptrack-migrate.service 2>/dev/null || true
    systemctl clean --what=state shiptrack-digest.timer shiptrack-backup.timer 2>/dev/null || true   # the Persistent= stamps
  fi
  for u in "${UNITS[@]}"; do
    if [ -e "$UNIT_DIR/$u" ]; then rm -f "$UNIT_DIR/$u"; echo "    removed $UNIT_DIR/$u"; fi
  done
  # Enablement symlinks (systemctl disable removes them on a live system; a staged root may have them).
  for l in "$UNIT_DIR"/*.wants/shiptrack-* "$UNIT_DIR"/*.requires/shiptrack-*; do
    if [ -L "$l" ]; then rm -f "$l"; echo "    removed $l"; fi
  done
  if [ -e "$APP_DIR" ]; then rm -rf "$APP_DIR"; echo "    removed $APP_DIR"; fi
  if [ -e "$SYSUSERS_FILE" ]; then rm -f "$SYSUSERS_FILE"; echo "    removed $SYSUSERS_FILE"; fi
  if [ -e "$ADMIN_CMD" ]; then rm -f "$ADMIN_CMD"; echo "    removed $ADMIN_CMD"; fi
  if [ "$PURGE" -eq 1 ]; then
    rm -rf "$ETC_DIR" "$UNIT_DIR"/shiptrack-*.service.d "$UNIT_DIR"/shiptrack-*.timer.d
    echo "    purged $ETC_DIR and local drop-ins"
  elif [ -e "$ENV_FILE" ]; then
    echo "    kept $ENV_FILE (secrets; remove with --uninstall --purge)"
  fi
  if [ "$LIVE" -eq 1 ] && command -v systemctl >/dev/null; then
    systemctl daemon-reload
    systemctl reset-failed 'shiptrack-*' 2>/dev/null || true
  fi
  echo "The system user '$APP', the PostgreSQL database and the backups in $R/var/lib/$APP/backups were left in place."
  echo "Remove them by hand if you really want to: userdel $APP; dropdb <name> (after pg_dump!)."
}

if [ "$MODE" = uninstall ]; then uninstall; exit 0; fi

# ---------------------------------------------------------------------------- checks
for f in package.json package-lock.json .env.example; do [ -f "$SRC/$f" ] || die "missing $SRC/$f"; done
[ -d "$SRC/sql" ] || die "missing $SRC/sql/"
for u in "${UNITS[@]}"; do [ -f "$SRC/systemd/$u" ] || die "missing $SRC/systemd/$u"; done
if [ "$LIVE" -eq 1 ]; then
  # The units run /usr/bin/node (an absolute path is required by systemd).
  [ -x /usr/bin/node ] && /usr/bin/node -e 'process.exit(parseInt(process.versions.node, 10) >= 20 ? 0 : 1)' \
    || die "need Node.js >= 20 at /usr/bin/node"
  command -v systemctl >/dev/null || die "systemctl not found: this script targets systemd hosts"
fi

# ---------------------------------------------------------------------------- build
if [ "$BUILD" -eq 1 ]; then
  say "Building in $SRC (npm ci && npm run build)"
  (cd "$SRC" && npm ci --no-audit --no-fund && npm run build)
fi
for b in web worker digest migrate backup; do
  [ -f "$SRC/dist/bin/$b.js" ] || die "missing $SRC/dist/bin/$b.js (run npm run build, or drop --no-build)"
done

# ---------------------------------------------------------------------------- user
say "System user '$APP'"
put 0644 "$SRC/systemd/shiptrack.sysusers.conf" "$SYSUSERS_FILE"
if [ "$LIVE" -eq 1 ]; then
  if command -v systemd-sysusers >/dev/null; then
    systemd-sysusers "$SYSUSERS_FILE"
  elif ! getent passwd "$APP" >/dev/null; then
    useradd --system --user-group --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin --comment "ShipTrack Discord bot" "$APP"
  fi
  getent passwd "$APP" >/dev/null || die "could not create user $APP"
else
  echo "    staged only: systemd-sysusers.service creates the user when that root boots"
fi

# ---------------------------------------------------------------------------- code
say "Code in $APP_DIR (root-owned, read-only to the service)"
# An upgrade replaces an installed tree; a first install has nothing to back up yet.
UPGRADE=0; [ -d "$APP_DIR/dist" ] && UPGRADE=1
install -d -m 0755 "$APP_DIR"
sync_tree "$SRC/dist" "$APP_DIR/dist"
sync_tree "$SRC/sql" "$APP_DIR/sql"
put 0644 "$SRC/package.json" "$APP_DIR/package.json"
put 0644 "$SRC/package-lock.json" "$APP_DIR/package-lock.json"
[ -f "$SRC/README.md" ] && put 0644 "$SRC/README.md" "$APP_DIR/README.md"
put 0755 "$SRC/systemd/shiptrack" "$ADMIN_CMD"   # `shiptrack status` etc., as the service user
if [ "$BUILD" -eq 1 ]; then
  say "Production dependencies (npm ci --omit=dev in $APP_DIR)"
  # Only when the lockfile changed or node_modules is missing: npm ci always rewrites the tree.
  stamp="$APP_DIR/node_modules/.shiptrack-lock.sha256"
  want=$(sha256sum "$APP_DIR/package-lock.json" | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    (cd "$APP_DIR" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund)
    echo "$want" > "$stamp"
    CHANGED=1
  else
    echo "    unchanged"
  fi
elif [ ! -d "$APP_DIR/node_modules" ]; then
  echo "    note: --no-build skipped npm; run 'npm ci --omit=dev' in $APP_DIR before starting"
fi
[ "$LIVE" -eq 1 ] && chown -R root:root "$APP_DIR"

# ---------------------------------------------------------------------------- config
say "Configuration $ENV_FILE"
ENV_CREATED=0
if [ "$LIVE" -eq 1 ]; then install -d -m 0750 -o root -g "$APP" "$ETC_DIR"; else install -d -m 0750 "$ETC_DIR"; fi
if [ -e "$ENV_FILE" ]; then
  echo "    exists, left untouched"
  [ "$(( 0$(stat -c %a "$ENV_FILE") & 4 ))" -eq 0 ] || echo "    WARNING: $ENV_FILE is world-readable; it holds secrets (chmod 0640)"
else
  if [ "$LIVE" -eq 1 ]; then install -m 0640 -o root -g "$APP" "$SRC/.env.example" "$ENV_FILE"
  else install -m 0640 "$SRC/.env.example" "$ENV_FILE"; fi
  echo "    created from .env.example (mode 0640$([ "$LIVE" -eq 1 ] && echo " root:$APP")): fill it in"
  ENV_CREATED=1
fi

# ---------------------------------------------------------------------------- units
say "Units in $UNIT_DIR"
for u in "${UNITS[@]}"; do put 0644 "$SRC/systemd/$u" "$UNIT_DIR/$u"; done

if [ "$LIVE" -eq 1 ]; then
  # shiptrack-backup.service's StateDirectory= creates it too; `shiptrack backup` (systemd-run) needs it now.
  install -d -m 0755 /var/lib/$APP
  install -d -m 0700 -o "$APP" -g "$APP" /var/lib/$APP/backups
fi

if [ "$LIVE" -eq 0 ] && [ -z "$SYSTEMCTL" ]; then
  say "Staged under $R (nothing enabled or started)."
  echo "    enable later with: systemctl --root=$R enable shiptrack-web.service shiptrack-worker.service shiptrack-digest.timer"
  echo "    optional daily backups: systemctl --root=$R enable shiptrack-backup.timer"
  exit 0
fi
sc() { ${SYSTEMCTL:-systemctl} "$@"; }

sc daemon-reload
sc enable shiptrack-web.service shiptrack-worker.service shiptrack-digest.timer
sc start shiptrack-digest.timer
if [ "$ENV_CREATED" -eq 1 ]; then
  cat <<EOF

ShipTrack is installed and enabled but NOT started: $ENV_FILE is still the example.
  1. Fill in $ENV_FILE (DATABASE_URL, DISCORD_BOT_TOKEN, DISCORD_PUBLIC_KEY,
     DISCORD_APPLICATION_ID, SHIPPED_CHANNEL_ID, ANNOUNCEMENTS_CHANNEL_ID, PORT).
  2. Start:   systemctl start shiptrack-web.service shiptrack-worker.service
     (migrations run first, once, via shiptrack-migrate.service)
  3. Check:   systemctl status shiptrack-migrate shiptrack-web shiptrack-worker shiptrack-digest.timer
              journalctl -u 'shiptrack-*' -p warning --since today
  4. Point your HTTPS reverse proxy at 127.0.0.1:\$PORT and set the Interactions Endpoint URL.
EOF
  exit 0
fi

# Upgrade of a configured host: back up before the new code's migrations run (docs/operations.md §4).
# If it fails nothing is restarted: the old processes keep running on the old schema.
if [ "$CHANGED" -eq 1 ] && [ "$UPGRADE" -eq 1 ]; then
  if ! grep -Eq '^[[:space:]]*DATABASE_URL=[^[:space:]]' "$ENV_FILE"; then
    say "No DATABASE_URL in $ENV_FILE: no pre-upgrade backup"
  elif [ "$BACKUP" -eq 0 ]; then
    say "Pre-upgrade backup skipped (--no-backup)"
  else
    say "Pre-upgrade backup (shiptrack-backup.service; --no-backup skips it)"
    if ! sc start shiptrack-backup.service; then
      [ "$LIVE" -eq 1 ] && journalctl --no-pager -o cat -u shiptrack-backup.service -n 5 >&2 || true
      die "the pre-upgrade backup failed, so no migration ran and nothing was restarted (the old
processes keep running; the new code is in place for their next restart). Fix the cause
(journalctl -u shiptrack-backup; pg_dump comes with the postgresql-client package) and run
install.sh again, or run it with --no-backup to upgrade without a backup."
    fi
    [ "$LIVE" -eq 1 ] && journalctl --no-pager -o cat -u shiptrack-backup.service -n 20 | grep 'backup.done' | tail -1 | sed 's/^/    /' || true
  fi
fi

# Configured host: (re)start. Restarting migrate re-runs migrations before web/worker come back.
if [ "$CHANGED" -eq 1 ]; then
  say "Restarting (migrations first)"
  verb=restart
else
  say "Nothing changed; making sure services run"
  verb=start
fi
if ! sc "$verb" shiptrack-migrate.service shiptrack-web.service shiptrack-worker.service; then
  sc --no-pager --lines=20 status shiptrack-migrate.service shiptrack-web.service shiptrack-worker.service || true
  die "services failed to start; see journalctl -u 'shiptrack-*' -e"
fi
sc --no-pager --lines=0 status shiptrack-web.service shiptrack-worker.service shiptrack-digest.timer || true
echo
echo "Check: journalctl -u shiptrack-worker -p warning --since today; systemctl list-timers shiptrack-digest.timer"
echo "Daily backups (optional): systemctl enable --now shiptrack-backup.timer (docs/operations.md §1)"
