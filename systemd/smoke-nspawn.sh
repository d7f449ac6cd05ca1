#!/usr/bin/env bash
# Optional runtime smoke test: boots the ShipTrack units under a real systemd (PID 1 of a throw-away
# Debian 12 container, systemd-nspawn) against the host's PostgreSQL and a fake Discord on the host.
# NOT part of CI or `npm test` (needs root, debootstrap, ~400 MB, a few minutes). Recipe:
# docs/systemd.md §4.6, except that the container shares the host network (no --private-network)
# so it reaches Postgres at 127.0.0.1:5432 and the fake Discord; results go to docs/systemd-smoke.md.
#
#   sudo bash systemd/smoke-nspawn.sh            set up, boot, run every check, tear everything down
#   KEEP=1 sudo bash systemd/smoke-nspawn.sh     same, but leave the container running for poking
#                                                (then: sudo bash systemd/smoke-nspawn.sh down)
#   sudo bash systemd/smoke-nspawn.sh down       power off, stop fake Discord, drop DB + role, remove rootfs
#
# It walks the first-install path from an empty PostgreSQL: the role and the database are created
# exactly as README "Create the database" says, then install, migrate, web, worker, digest, and
# the operations of docs/operations.md: `shiptrack backup`, a restore (docs/operations.md §1.2),
# an upgrade with install.sh's pre-upgrade backup (docs/operations.md §4.1), rotating the bot token
# (the fake Discord resets it) and the database password (docs/operations.md §3), a move to a new
# server (docs/operations.md §2, simulated with a second database in the same container) and the
# rollback of a real upgrade (docs/operations.md §4.2): the release before the newest sql/
# migration is built from a git worktree, installed, upgraded to this checkout, then rolled back.
#
# Env: ROOTFS (default /tmp/rootfs), WORK (default /tmp/shiptrack-smoke: nspawn debs, logs, pids),
#      PGURL_ADMIN (default postgres://postgres@127.0.0.1:5432/test; a superuser, standing in for
#      `sudo -u postgres`), DB (default shiptrack_smoke: database and role), DB_PASSWORD,
#      WEB_PORT (default 3077), OLD_REV (the old release for the rollback; default: the parent of
#      the newest commit that added a file under sql/), OLD_TREE (its worktree, default
#      /tmp/shiptrack-old, removed at the end). Idempotent-ish: an existing debootstrap root is reused.
set -uo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROOTFS=${ROOTFS:-/tmp/rootfs}
WORK=${WORK:-/tmp/shiptrack-smoke}
PGURL_ADMIN=${PGURL_ADMIN:-postgres://postgres@127.0.0.1:5432/test}
DB=${DB:-shiptrack_smoke}
DB_PASSWORD=${DB_PASSWORD:-smoke-$(date +%s)-pw}
PGURL_BASE=${PGURL_ADMIN%/*}   # the admin URL without its database
DBURL="postgres://$DB:$DB_PASSWORD@127.0.0.1:5432/$DB"
WEB_PORT=${WEB_PORT:-3077}
OLD_TREE=${OLD_TREE:-/tmp/shiptrack-old}
DBS=("$DB" "${DB}_restore" "${DB}_old" "${DB}_moved" "${DB}_rb" "${DB}_rb_restore" "${DB}_rb_old")
MIRROR=http://deb.debian.org/debian
FAILS=0

say() { printf '\n==> %s\n' "$*"; }
ok() { echo "ok   - $*"; }
bad() { echo "FAIL - $*"; FAILS=$((FAILS + 1)); }
die() { echo "smoke-nspawn: $*" >&2; exit 1; }
# Runs a command inside the container (all of its namespaces, via its init's PID).
cin() { nsenter -t "$(cat "$WORK/leader.pid")" -a "$@"; }

# ------------------------------------------------------------------------------------- teardown
down() {
  say "Teardown"
  if [ -f "$WORK/leader.pid" ] && kill -0 "$(cat "$WORK/leader.pid")" 2>/dev/null; then
    cin systemctl poweroff || true
    for _ in $(seq 1 60); do kill -0 "$(cat "$WORK/nspawn.pid")" 2>/dev/null || break; sleep 1; done
    if kill -0 "$(cat "$WORK/nspawn.pid")" 2>/dev/null; then
      echo "    nspawn still running after 60 s; SIGKILL to its process group"
      kill -KILL -- "-$(cat "$WORK/nspawn.pid")" 2>/dev/null || true
    fi
    echo "    container powered off"
  fi
  rm -f "$WORK/leader.pid" "$WORK/nspawn.pid"
  if [ -f "$WORK/fake.pid" ]; then
    # setsid made the fake Discord's npm the leader of its own process group: end exactly that group.
    g=$(cat "$WORK/fake.pid")
    kill -TERM -- "-$g" 2>/dev/null || true
    for _ in $(seq 1 20); do kill -0 -- "-$g" 2>/dev/null || break; sleep 0.5; done
    if kill -0 -- "-$g" 2>/dev/null; then echo "    fake Discord group $g still alive after 10 s"
    else rm -f "$WORK/fake.pid"; echo "    fake Discord stopped (process group $g)"; fi
  fi
  for d in "${DBS[@]}"; do psql "$PGURL_ADMIN" -qc "DROP DATABASE IF EXISTS $d WITH (FORCE)"; done
  psql "$PGURL_ADMIN" -qc "DROP ROLE IF EXISTS $DB" && echo "    dropped databases ${DBS[*]} and role $DB"
  if [ -d "$OLD_TREE" ]; then
    git -C "$SRC" worktree remove --force "$OLD_TREE" 2>/dev/null || rm -rf "$OLD_TREE"
    git -C "$SRC" worktree prune; echo "    removed the old release's worktree $OLD_TREE"
  fi
  # nspawn leaves these on a non-systemd host (docs/systemd.md §4.6).
  rm -rf /run/systemd/nspawn "$ROOTFS"
  echo "    removed /run/systemd/nspawn and $ROOTFS (kept $WORK for the logs)"
}
if [ "${1:-}" = down ]; then down; exit 0; fi
[ "$(id -u)" -eq 0 ] || die "run as root"
mkdir -p "$WORK"

# ------------------------------------------------------------------------------------- 1. rootfs
say "1. Debian 12 minbase root in $ROOTFS"
command -v debootstrap >/dev/null || { apt-get update -qq && apt-get install -y -qq debootstrap; } || die "no debootstrap"
if [ ! -x "$ROOTFS/usr/lib/systemd/systemd" ]; then
  debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus,procps,iproute2,ca-certificates,curl,postgresql-client \
    bookworm "$ROOTFS" "$MIRROR" > "$WORK/debootstrap.log" 2>&1 || die "debootstrap failed: $WORK/debootstrap.log"
else
  echo "    reusing existing root"
fi
# pg_dump for shiptrack-backup (an older root may lack it; Debian's mirror is reachable).
chroot "$ROOTFS" sh -c 'command -v pg_dump >/dev/null || { apt-get update -qq && apt-get install -y -qq postgresql-client; }' \
  > "$WORK/pgclient.log" 2>&1 || die "could not install postgresql-client in the root: $WORK/pgclient.log"
chroot "$ROOTFS" pg_dump --version
cp /usr/bin/node "$ROOTFS/usr/bin/node"
echo '127.0.0.1 localhost' > "$ROOTFS/etc/hosts"   # minbase has no /etc/hosts
chroot "$ROOTFS" getent passwd shiptrack >/dev/null || \
  chroot "$ROOTFS" useradd --system --user-group --no-create-home --home-dir /nonexistent \
    --shell /usr/sbin/nologin shiptrack

# ------------------------------------------------------------------------------------- 2. nspawn
# systemd-nspawn extracted from Debian packages, not installed on the host: the candidate
# systemd-container needs the same libsystemd-shared version, so both are unpacked side by side.
say "2. systemd-nspawn (unpacked from .debs into $WORK/x)"
if [ ! -x "$WORK/x/usr/bin/systemd-nspawn" ]; then
  ver=$(apt-cache policy systemd-container | awk '/Candidate:/ {print $2}')
  (cd "$WORK" && rm -f ./*.deb && apt-get download "systemd-container=$ver" "libsystemd-shared=$ver" \
    && for d in ./*.deb; do dpkg -x "$d" x; done) || die "could not fetch systemd-container $ver"
fi
NSPAWN=(env LD_LIBRARY_PATH="$WORK/x/usr/lib/x86_64-linux-gnu/systemd" "$WORK/x/usr/bin/systemd-nspawn")
"${NSPAWN[@]}" --version | head -1

# ------------------------------------------------------------------------------------- 3. host side
say "3. Role and database $DB from nothing (README \"Create the database\"), fake Discord on the host"
for d in "${DBS[@]}"; do psql "$PGURL_ADMIN" -qc "DROP DATABASE IF EXISTS $d WITH (FORCE)" || die "psql"; done
psql "$PGURL_ADMIN" -qc "DROP ROLE IF EXISTS $DB" || die "psql"
# The README's two statements, as the superuser (`sudo -u postgres psql -c ...` on a real host).
psql "$PGURL_ADMIN" -c "CREATE ROLE $DB LOGIN PASSWORD '$DB_PASSWORD'" | sed "s/$DB_PASSWORD/[redacted]/" || die "create role"
psql "$PGURL_ADMIN" -c "CREATE DATABASE $DB OWNER $DB" || die "create database"
psql "$DBURL" -Atc "SELECT 'connects as ' || current_user || ' to ' || current_database() || ', tables: ' || count(*) FROM pg_tables WHERE schemaname = 'public'" \
  || die "the new role cannot connect"
if [ -f "$WORK/fake.pid" ]; then kill -TERM -- "-$(cat "$WORK/fake.pid")" 2>/dev/null; rm -f "$WORK/fake.pid"; fi
# `setsid` (not a group leader here, so it execs without forking) makes npm the leader of a new
# process group whose id is $!: teardown signals exactly that group (npm, sh, tsx, node).
(cd "$SRC" || exit 1; setsid npm run --silent fake-discord -- --port 0 > "$WORK/fake.env" 2> "$WORK/fake.log" & echo $! > "$WORK/fake.pid")
for _ in $(seq 1 60); do grep -q '^FAKE_DISCORD_CONTROL_URL=' "$WORK/fake.env" 2>/dev/null && break; sleep 0.5; done
grep -q '^FAKE_DISCORD_CONTROL_URL=' "$WORK/fake.env" || die "fake Discord did not start: $WORK/fake.log"
FAKE_DISCORD_CONTROL_URL=$(sed -n 's/^FAKE_DISCORD_CONTROL_URL=//p' "$WORK/fake.env")
cat "$WORK/fake.env"

# ------------------------------------------------------------------------------------- 4. install
say "4. Build and install into $ROOTFS"
(cd "$SRC" && npm run --silent build) || die "npm run build failed"
# The old release for 6q, built now (on the host, like this checkout): a git worktree of the commit
# before the newest migration was added, so the upgrade in 6q applies a real schema change.
OLD_REV=${OLD_REV:-$(git -C "$SRC" rev-parse "$(git -C "$SRC" log -1 --format=%H --diff-filter=A -- sql/)^")}
echo "    old release for 6q: $(git -C "$SRC" log -1 --format='%h %s' "$OLD_REV" | cut -c1-110)"
if [ -d "$OLD_TREE" ]; then git -C "$SRC" worktree remove --force "$OLD_TREE" 2>/dev/null || rm -rf "$OLD_TREE"; fi
git -C "$SRC" worktree prune
git -C "$SRC" worktree add --detach "$OLD_TREE" "$OLD_REV" > "$WORK/old-build.log" 2>&1 || die "git worktree add failed: $WORK/old-build.log"
t0=$(date +%s)
(cd "$OLD_TREE" && npm ci --prefer-offline --no-audit --no-fund && npm run --silent build) >> "$WORK/old-build.log" 2>&1 \
  || die "building the old release failed: $WORK/old-build.log"
echo "    built $OLD_TREE in $(( $(date +%s) - t0 )) s (npm ci --prefer-offline, npm run build); its newest migration: $(ls "$OLD_TREE/sql" | tail -1)"
bash "$SRC/systemd/install.sh" --root "$ROOTFS" --no-build || die "install.sh failed"
# Production dependencies, installed on the host into the root's app dir. Only Debian's mirror is
# reachable here, so npm must be served from its cache (--prefer-offline).
if [ ! -d "$ROOTFS/opt/shiptrack/node_modules/pg" ]; then
  (cd "$ROOTFS/opt/shiptrack" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --prefer-offline) || die "npm ci failed"
fi
{ cat "$WORK/fake.env"
  echo "DATABASE_URL=$DBURL"
  echo "PORT=$WEB_PORT"
  echo "LOG_LEVEL=info"; } > "$ROOTFS/etc/shiptrack/env"
chmod 0640 "$ROOTFS/etc/shiptrack/env"
chroot "$ROOTFS" chown root:shiptrack /etc/shiptrack /etc/shiptrack/env
systemctl --root="$ROOTFS" enable shiptrack-web.service shiptrack-worker.service shiptrack-digest.timer

# ------------------------------------------------------------------------------------- 5. boot
say "5. Boot (host network shared, no D-Bus on the host: --register=no --keep-unit)"
[ -f "$WORK/nspawn.pid" ] && kill -0 "$(cat "$WORK/nspawn.pid")" 2>/dev/null && die "a container is already running; run '$0 down' first"
rm -rf /run/systemd/nspawn
setsid "${NSPAWN[@]}" -D "$ROOTFS" -b --register=no --keep-unit --console=pipe --link-journal=no \
  --resolv-conf=off --timezone=off -M shipsmoke > "$WORK/console.log" 2>&1 < /dev/null &
echo $! > "$WORK/nspawn.pid"
L=""
for _ in $(seq 1 60); do   # the container's init is nspawn's child; wait until its manager answers
  L=$(pgrep -P "$(cat "$WORK/nspawn.pid")" | head -1)
  [ -n "$L" ] && nsenter -t "$L" -a systemctl is-system-running 2>/dev/null | grep -qvE '^(offline|unknown)?$' && break
  sleep 1
done
[ -n "$L" ] || die "container did not start: $WORK/console.log"
timeout 180 nsenter -t "$L" -a systemctl is-system-running --wait >/dev/null 2>&1   # running or degraded
echo "$L" > "$WORK/leader.pid"
echo "    container init PID $L; system state: $(cin systemctl is-system-running)"

# ------------------------------------------------------------------------------------- 6. checks
prop() { cin systemctl show -P "$2" "$1"; }
say "6a. shiptrack-migrate ran once, exited 0, before web and worker"
cin systemctl --no-pager status shiptrack-migrate.service | sed -n 1,12p
cin journalctl --no-pager -o short-monotonic -u shiptrack-migrate -u shiptrack-web -u shiptrack-worker \
  -t systemd | grep -E 'shiptrack|Started|Finished' | head -30
m_exit=$(prop shiptrack-migrate.service ExecMainStatus)
m_runs=$(cin journalctl -u shiptrack-migrate -o cat | grep -c '^Starting shiptrack-migrate.service')
echo "    'Starting shiptrack-migrate.service' lines in the journal: $m_runs" 
m_done=$(prop shiptrack-migrate.service ExecMainExitTimestampMonotonic)
w_start=$(prop shiptrack-web.service ExecMainStartTimestampMonotonic); k_start=$(prop shiptrack-worker.service ExecMainStartTimestampMonotonic)
echo "    migrate ExecMainStatus=$m_exit exit@${m_done}us; web start@${w_start}us; worker start@${k_start}us"
[ "$m_runs" = 1 ] && [ "$m_exit" = 0 ] && [ "$m_done" -gt 0 ] && [ "$w_start" -gt "$m_done" ] && [ "$k_start" -gt "$m_done" ] \
  && ok "migrate exited 0 before web/worker started" || bad "migrate ordering/exit"

say "6b. shiptrack-web active (READY=1) and /healthz from the host"
cin systemctl --no-pager status shiptrack-web.service | sed -n 1,14p
code=$(curl -s -o "$WORK/healthz.body" -w '%{http_code}' "http://127.0.0.1:$WEB_PORT/healthz")
echo "    curl /healthz -> $code $(cat "$WORK/healthz.body")"
[ "$(prop shiptrack-web.service ActiveState)" = active ] && [ "$code" = 200 ] && ok "web active, healthz 200" || bad "web"

say "6c. shiptrack-worker active, Status from spawned systemd-notify"
for _ in $(seq 1 30); do [ "$(prop shiptrack-worker.service ActiveState)" = active ] && break; sleep 1; done
cin systemctl --no-pager status shiptrack-worker.service | sed -n 1,14p
st=$(prop shiptrack-worker.service StatusText); echo "    StatusText=$st"
[ "$(prop shiptrack-worker.service ActiveState)" = active ] && [[ "$st" == *"connected: READY"* ]] \
  && ok "worker active, status '$st'" || bad "worker not active/ready"

say "6d. SIGKILL the worker: restart after ~5 s and RESUME"
curl -s "$FAKE_DISCORD_CONTROL_URL/state"; echo
before=$(curl -s "$FAKE_DISCORD_CONTROL_URL/state" | node -pe 'JSON.parse(require("fs").readFileSync(0)).resumeCount')
n0=$(prop shiptrack-worker.service NRestarts); pid0=$(prop shiptrack-worker.service MainPID)
t0=$(date +%s.%N)
cin systemctl kill -s SIGKILL shiptrack-worker.service
for _ in $(seq 1 60); do
  [ "$(prop shiptrack-worker.service NRestarts)" != "$n0" ] && [ "$(prop shiptrack-worker.service ActiveState)" = active ] && break; sleep 0.5
done
t1=$(date +%s.%N)
echo "    MainPID $pid0 -> $(prop shiptrack-worker.service MainPID), NRestarts $n0 -> $(prop shiptrack-worker.service NRestarts), active again after $(node -pe "($t1-$t0).toFixed(1)") s"
cin journalctl --no-pager -o short-monotonic -u shiptrack-worker -n 25
after=$(curl -s "$FAKE_DISCORD_CONTROL_URL/state" | node -pe 'JSON.parse(require("fs").readFileSync(0)).resumeCount')
curl -s "$FAKE_DISCORD_CONTROL_URL/state"; echo
echo "    StatusText=$(prop shiptrack-worker.service StatusText)"
[ "$(prop shiptrack-worker.service ActiveState)" = active ] && [ "$after" -gt "$before" ] \
  && ok "worker restarted and resumed (resumeCount $before -> $after)" || bad "worker restart/resume (resumeCount $before -> $after)"

say "6e. systemctl start shiptrack-digest.service"
cin systemctl start shiptrack-digest.service; rc=$?
cin journalctl --no-pager -o short-monotonic -u shiptrack-digest -n 15
d_exit=$(prop shiptrack-digest.service ExecMainStatus); echo "    systemctl rc=$rc ExecMainStatus=$d_exit Result=$(prop shiptrack-digest.service Result)"
[ "$rc" = 0 ] && [ "$d_exit" = 0 ] && ok "digest ran, exit 0" || bad "digest"

say "6f. Timer schedule"
cin systemctl --no-pager list-timers shiptrack-digest.timer
next=$(cin systemctl show -P NextElapseUSecRealtime shiptrack-digest.timer); echo "    NextElapseUSecRealtime=$next"
nextutc=$(cin env TZ=UTC systemctl --no-pager list-timers shiptrack-digest.timer | awk 'NR==2')
echo "    (TZ=UTC) $nextutc"
[[ "$nextutc" == Mon*" 09:00:00 UTC"* ]] && ok "next run Monday 09:00 UTC" || bad "timer next elapse"

say "6g. shiptrack status (wrapper via systemd-run)"
cin /usr/local/bin/shiptrack status; rc=$?
echo "    rc=$rc"; [ "$rc" = 0 ] && ok "shiptrack status rc 0" || bad "shiptrack status rc $rc"

# WatchdogSec=90s and the worker pings every 45 s only while gateway heartbeats are ACKed (fake
# Discord: 41.25 s interval), so surviving 100 s proves WATCHDOG=1 from systemd-notify is accepted.
# WATCHDOG_WAIT=0 skips it.
say "6g2. Watchdog: worker survives ${WATCHDOG_WAIT:=100} s with WatchdogSec=90s"
if [ "$WATCHDOG_WAIT" -gt 0 ]; then
  n0=$(prop shiptrack-worker.service NRestarts); pid0=$(prop shiptrack-worker.service MainPID)
  wd0=$(prop shiptrack-worker.service WatchdogTimestampMonotonic)
  sleep "$WATCHDOG_WAIT"
  cin systemctl show -p MainPID -p NRestarts -p ActiveState -p WatchdogUSec -p WatchdogTimestamp -p StatusText shiptrack-worker.service
  wd1=$(prop shiptrack-worker.service WatchdogTimestampMonotonic)
  [ "$(prop shiptrack-worker.service MainPID)" = "$pid0" ] && [ "$(prop shiptrack-worker.service NRestarts)" = "$n0" ] \
    && [ "$wd1" -gt "$wd0" ] && ok "no watchdog kill in ${WATCHDOG_WAIT}s, WATCHDOG=1 accepted (stamp moved)" || bad "watchdog"
fi

say "6h. systemctl stop shiptrack-worker within 10 s, exit 0"
t0=$(date +%s.%N); cin systemctl stop shiptrack-worker.service; rc=$?; t1=$(date +%s.%N)
secs=$(node -pe "($t1-$t0).toFixed(2)")
cin journalctl --no-pager -o short-monotonic -u shiptrack-worker -n 8
echo "    rc=$rc took ${secs}s ExecMainCode=$(prop shiptrack-worker.service ExecMainCode) ExecMainStatus=$(prop shiptrack-worker.service ExecMainStatus) Result=$(prop shiptrack-worker.service Result)"
[ "$rc" = 0 ] && node -e "process.exit($secs < 10 ? 0 : 1)" && [ "$(prop shiptrack-worker.service ExecMainStatus)" = 0 ] \
  && [ "$(prop shiptrack-worker.service Result)" = success ] && ok "worker stopped in ${secs}s, exit 0" || bad "worker stop"

# ---------------------------------------------------------------- operations (docs/operations.md)
launch_ids() { psql "$DBURL" -Atc "SELECT string_agg(interaction_id::text || ':' || user_name, ',' ORDER BY interaction_id) FROM launches"; }
wait_active() { for _ in $(seq 1 60); do [ "$(prop "$1" ActiveState)" = active ] && return 0; sleep 1; done; return 1; }

say "6j. shiptrack backup (wrapper) and shiptrack-backup.service (the unit, hardened)"
# /ship launches (source slash): a channel launch would make the worker owe the fake message a 🚀.
psql "$DBURL" -qc "INSERT INTO launches (source, user_id, user_name, content, urls, interaction_id, created_at)
  VALUES ('slash', 3, 'kept-by-backup', 'shipped https://a.example', '{https://a.example}', 9001, now())" || bad "insert"
echo "    launches before the backup: $(launch_ids)"
# The unit first: its StateDirectory= creates /var/lib/shiptrack/backups in this staged root (a live
# install.sh creates it), which the wrapper's systemd-run (no StateDirectory=) then writes to.
cin systemctl start shiptrack-backup.service; rc2=$?
cin /usr/local/bin/shiptrack backup; rc1=$?
cin journalctl --no-pager -o short-monotonic -u shiptrack-backup -n 6
ls -l "$ROOTFS/var/lib/shiptrack" "$ROOTFS/var/lib/shiptrack/backups"
leak=$(cin journalctl --no-pager -o cat | grep -c -- "$DB_PASSWORD")
n=$(find "$ROOTFS/var/lib/shiptrack/backups" -name 'shiptrack-*.dump' | wc -l)
echo "    unit rc=$rc2, wrapper rc=$rc1 Result=$(prop shiptrack-backup.service Result), archives=$n, journal lines with the DB password: $leak"
[ "$rc1" = 0 ] && [ "$rc2" = 0 ] && [ "$n" = 2 ] && [ "$leak" = 0 ] && ok "backup via wrapper and unit, 2 archives, password not in the journal" || bad "backup"
BACKUP_FILE=$(ls -1 "$ROOTFS"/var/lib/shiptrack/backups/shiptrack-*.dump | sort | tail -1)

say "6k. Restore per docs/operations.md §1.2 (into a new database, then swap names)"
psql "$DBURL" -qc "DELETE FROM launches WHERE interaction_id = 9001" \
  -c "INSERT INTO launches (source, user_id, user_name, content, urls, interaction_id, created_at) VALUES ('slash', 4, 'after-backup', 'launched https://b.example', '{https://b.example}', 9002, now())"
echo "    launches after the change: $(launch_ids)"
t0=$(date +%s.%N)
cin systemctl stop shiptrack-web shiptrack-worker shiptrack-digest.timer shiptrack-backup.timer
psql "$PGURL_ADMIN" -c "CREATE DATABASE ${DB}_restore OWNER $DB" \
  && cat "$BACKUP_FILE" | pg_restore --dbname="$PGURL_BASE/${DB}_restore" --no-owner --role="$DB" --single-transaction --exit-on-error \
  && psql "$PGURL_ADMIN" -c "ALTER DATABASE $DB RENAME TO ${DB}_old" -c "ALTER DATABASE ${DB}_restore RENAME TO $DB"; rrc=$?
cin systemctl restart shiptrack-migrate.service
cin systemctl start shiptrack-web shiptrack-worker shiptrack-digest.timer
wait_active shiptrack-web.service; wait_active shiptrack-worker.service
t1=$(date +%s.%N)
after=$(launch_ids)
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$WEB_PORT/healthz")
echo "    restore rc=$rrc; launches after the restore: $after; healthz $code; web $(prop shiptrack-web.service ActiveState), worker $(prop shiptrack-worker.service ActiveState) ($(prop shiptrack-worker.service StatusText)); took $(node -pe "($t1-$t0).toFixed(1)") s"
cin journalctl --no-pager -o cat -u shiptrack-migrate -n 2
[ "$rrc" = 0 ] && [[ "$after" == *"9001:kept-by-backup"* ]] && [[ "$after" != *"after-backup"* ]] && [ "$code" = 200 ] \
  && [ "$(prop shiptrack-worker.service ActiveState)" = active ] && ok "restored: the deleted launch is back, the later one gone, services up" || bad "restore"

say "6l. Upgrade with install.sh: pre-upgrade backup first, then migrate and restart"
printf '#!/bin/sh\nexec nsenter -t %s -a systemctl "$@"\n' "$(cat "$WORK/leader.pid")" > "$WORK/systemctl-in-container"
chmod 0755 "$WORK/systemctl-in-container"
echo "# smoke upgrade $(date +%s)" >> "$ROOTFS/opt/shiptrack/README.md"   # a changed file makes it an upgrade
n0=$(find "$ROOTFS/var/lib/shiptrack/backups" -name 'shiptrack-*.dump' | wc -l)
SHIPTRACK_INSTALL_SYSTEMCTL="$WORK/systemctl-in-container" bash "$SRC/systemd/install.sh" --root "$ROOTFS" --no-build > "$WORK/upgrade.log" 2>&1; irc=$?
grep -E '^==>|installed|backup' "$WORK/upgrade.log"
cin journalctl --no-pager -o cat -u shiptrack-backup.service -n 3 | grep backup.done
n1=$(find "$ROOTFS/var/lib/shiptrack/backups" -name 'shiptrack-*.dump' | wc -l)
# The order as systemd logged it (an inactive oneshot is unloaded, so its Exec* properties are gone).
order=$(cin journalctl --no-pager -o short-monotonic -t systemd | grep -E 'Finished shiptrack-backup.service|Starting shiptrack-migrate.service' | tail -2)
printf '%s\n' "$order"
wait_active shiptrack-worker.service
echo "    install.sh rc=$irc; archives $n0 -> $n1; worker $(prop shiptrack-worker.service ActiveState)"
[ "$irc" = 0 ] && [ "$n1" -gt "$n0" ] && [[ "$(printf '%s\n' "$order" | head -1)" == *"Finished shiptrack-backup.service"* ]] \
  && [[ "$(printf '%s\n' "$order" | tail -1)" == *"Starting shiptrack-migrate.service"* ]] && [ "$(prop shiptrack-web.service ActiveState)" = active ] \
  && ok "upgrade took a backup before the migrations and came back up" || bad "upgrade with pre-upgrade backup"

# ------------------------------------------------------- secrets, move, rollback (docs/operations.md §2, §3, §4)
ENVF="$ROOTFS/etc/shiptrack/env"
# KEY=value in the container's env file, as `sudoedit /etc/shiptrack/env` would leave it.
setenv() { sed -i "s|^$1=.*|$1=$2|" "$ENVF"; grep -q "^$1=" "$ENVF" || echo "$1=$2" >> "$ENVF"; }
fake_state() { curl -s "$FAKE_DISCORD_CONTROL_URL/state" | node -pe "JSON.parse(require('fs').readFileSync(0)).$1"; }
status_text() { prop shiptrack-worker.service StatusText; }
wait_status() {   # until the worker's Status= matches $1 (a regex), up to 40 s
  for _ in $(seq 1 80); do [[ "$(status_text)" =~ $1 ]] && return 0; sleep 0.5; done; return 1
}
icu="$WORK/systemctl-in-container"

say "6m. Rotate the bot token (docs/operations.md §3): the fake Discord resets it, the worker stops with exit 79"
wait_status 'connected: (READY|RESUMED)'
n0=$(prop shiptrack-worker.service NRestarts); ident0=$(fake_state identifyCount)
echo "    before: worker $(prop shiptrack-worker.service ActiveState) ($(status_text)), NRestarts $n0"
NEW_TOKEN=$(curl -s -XPOST "$FAKE_DISCORD_CONTROL_URL/rotate-token" | node -pe 'JSON.parse(require("fs").readFileSync(0)).botToken')
for _ in $(seq 1 40); do [ "$(prop shiptrack-worker.service ActiveState)" = failed ] && break; sleep 0.5; done
sleep 7   # RestartSec=5s: a restart would have happened by now
cin journalctl --no-pager -o short-monotonic -u shiptrack-worker -n 6
k_state=$(prop shiptrack-worker.service ActiveState); k_exit=$(prop shiptrack-worker.service ExecMainStatus); n1=$(prop shiptrack-worker.service NRestarts)
echo "    after the reset: ActiveState=$k_state ExecMainStatus=$k_exit NRestarts $n0 -> $n1 (7 s after it stopped)"
# A digest run with the old token (the timer's next run would be the same): exit 78, recorded for status.
cin systemctl start shiptrack-digest.service; d_rc=$?; d_exit=$(prop shiptrack-digest.service ExecMainStatus)
cin journalctl --no-pager -o cat -u shiptrack-digest -n 3 | grep -E 'token' | cut -c1-300
echo "    digest with the old token: systemctl rc=$d_rc ExecMainStatus=$d_exit"
cin /usr/local/bin/shiptrack status > "$WORK/status-token.txt" 2>&1; s_rc=$?
sed 's/^/    | /' "$WORK/status-token.txt"; echo "    shiptrack status rc=$s_rc"
[ "$k_state" = failed ] && [ "$k_exit" = 79 ] && [ "$n1" = "$n0" ] && [ "$d_exit" = 78 ] && [ "$s_rc" != 0 ] \
  && grep -q '^worker:   fatal' "$WORK/status-token.txt" && grep -q 'rejected the bot token' "$WORK/status-token.txt" \
  && ok "token reset: worker exit 79 and not restarted, digest exit 78, shiptrack status shows both" || bad "token reset not detected as documented"

say "6m2. The new token into /etc/shiptrack/env, restart what docs/operations.md §3 says"
setenv DISCORD_BOT_TOKEN "$NEW_TOKEN"
cin systemctl restart shiptrack-worker; r_rc=$?
wait_status 'connected: READY'; echo "    systemctl restart shiptrack-worker rc=$r_rc; StatusText=$(status_text); IDENTIFYs $ident0 -> $(fake_state identifyCount)"
cin systemctl start shiptrack-digest.service; d_rc=$?; d_exit=$(prop shiptrack-digest.service ExecMainStatus)
cin journalctl --no-pager -o cat -u shiptrack-digest -n 2 | cut -c1-200
cin /usr/local/bin/shiptrack status > "$WORK/status-token2.txt" 2>&1; s_rc=$?
sed 's/^/    | /' "$WORK/status-token2.txt"
leak=$(cin journalctl --no-pager -o cat | grep -cF -- "$NEW_TOKEN")
echo "    digest rc=$d_rc ExecMainStatus=$d_exit; shiptrack status rc=$s_rc; journal lines with the new token: $leak"
[ "$r_rc" = 0 ] && [[ "$(status_text)" == *"connected: READY"* ]] && [ "$d_rc" = 0 ] && [ "$d_exit" = 0 ] && [ "$s_rc" = 0 ] \
  && grep -q '^worker:   ready' "$WORK/status-token2.txt" && [ "$leak" = 0 ] \
  && ok "new token: worker re-IDENTIFYed (connected: READY), digest exit 0, status OK" || bad "after the new token"

say "6n. Rotate the database password (docs/operations.md §3): env file first, then the role, then restart migrate"
NEW_PW=smoke-$(date +%s)-pw2
h0=$(psql "$PGURL_ADMIN" -Atc "SELECT md5(rolpassword) FROM pg_authid WHERE rolname = '$DB'")
w0=$(prop shiptrack-web.service MainPID); k0=$(prop shiptrack-worker.service MainPID)
DBURL="postgres://$DB:$NEW_PW@127.0.0.1:5432/$DB"
setenv DATABASE_URL "$DBURL"                                    # 1. sudoedit /etc/shiptrack/env
psql "$PGURL_ADMIN" -qc "ALTER ROLE $DB PASSWORD '$NEW_PW'"      # 2. what psql's \password sends (as a hash)
h1=$(psql "$PGURL_ADMIN" -Atc "SELECT md5(rolpassword) FROM pg_authid WHERE rolname = '$DB'")
cin systemctl restart shiptrack-migrate; m_rc=$?                # 3. migrate, then web and worker
wait_active shiptrack-web.service; wait_active shiptrack-worker.service; wait_status 'connected: (READY|RESUMED)'
w1=$(prop shiptrack-web.service MainPID); k1=$(prop shiptrack-worker.service MainPID)
cin /usr/local/bin/shiptrack status > "$WORK/status-pw.txt" 2>&1; s_rc=$?
sed 's/^/    | /' "$WORK/status-pw.txt"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$WEB_PORT/healthz")
cin systemctl start shiptrack-backup.service; b_rc=$?
leak=$(cin journalctl --no-pager -o cat | grep -cF -- "$NEW_PW")
echo "    role password hash changed: $([ "$h0" != "$h1" ] && echo yes || echo no); restart migrate rc=$m_rc ExecMainStatus=$(prop shiptrack-migrate.service ExecMainStatus)"
echo "    web MainPID $w0 -> $w1, worker MainPID $k0 -> $k1 ($(status_text)); healthz $code; status rc=$s_rc; backup unit rc=$b_rc; journal lines with the new password: $leak"
[ "$h0" != "$h1" ] && [ "$m_rc" = 0 ] && [ "$w1" != "$w0" ] && [ "$k1" != "$k0" ] && [ "$code" = 200 ] && [ "$s_rc" = 0 ] && [ "$b_rc" = 0 ] && [ "$leak" = 0 ] \
  && ok "database password rotated: restarting migrate restarted web and worker, status OK, backup OK" || bad "database password rotation"

say "6p. Move to a new server (docs/operations.md §2), simulated: same container and PostgreSQL, new database ${DB}_moved"
rows_before=$(launch_ids); cnt_before=$(psql "$DBURL" -Atc 'SELECT count(*) FROM launches')
ident0=$(fake_state identifyCount); res0=$(fake_state resumeCount)
t0=$(date +%s.%N)
# Old server, step 2: stop and disable, then a last backup.
cin systemctl disable --now shiptrack-web shiptrack-worker shiptrack-digest.timer shiptrack-backup.timer; s1=$?
cin /usr/local/bin/shiptrack backup > "$WORK/move-backup.txt" 2>&1; b_rc=$?
cat "$WORK/move-backup.txt"
F=$(ls -1t "$ROOTFS"/var/lib/shiptrack/backups/shiptrack-*.dump | head -1); echo "    archive: ${F#"$ROOTFS"}"
# New server, step 1 (README "Create the database"; the role already exists on this PostgreSQL) and
# install.sh's enable (undoing the old server's disable, since both are this container).
psql "$PGURL_ADMIN" -qc "CREATE DATABASE ${DB}_moved OWNER $DB"
cin systemctl enable shiptrack-web shiptrack-worker shiptrack-digest.timer 2>&1 | sed 's/^/    /'
# Step 3: the env file (DATABASE_URL names the new database), the archive restored with the pg_restore line of docs/operations.md §1.2, start.
DBURL="postgres://$DB:$NEW_PW@127.0.0.1:5432/${DB}_moved"
setenv DATABASE_URL "$DBURL"
cat "$F" | pg_restore --dbname="$PGURL_BASE/${DB}_moved" --no-owner --role="$DB" --single-transaction --exit-on-error; r_rc=$?
cin systemctl start shiptrack-web shiptrack-worker; st_rc=$?
wait_active shiptrack-web.service; wait_active shiptrack-worker.service; wait_status 'connected: (READY|RESUMED)'
t1=$(date +%s.%N)
cin systemctl start shiptrack-digest.timer
rows_after=$(launch_ids); cnt_after=$(psql "$DBURL" -Atc 'SELECT count(*) FROM launches')
on_old=$(psql "$PGURL_ADMIN" -Atc "SELECT count(*) FROM pg_stat_activity WHERE datname = '$DB'")
cin journalctl --no-pager -o cat -u shiptrack-migrate -n 1
cin /usr/local/bin/shiptrack status > "$WORK/status-move.txt" 2>&1; s_rc=$?
sed 's/^/    | /' "$WORK/status-move.txt"
echo "    disable rc=$s1 backup rc=$b_rc restore rc=$r_rc start rc=$st_rc; launches $cnt_before -> $cnt_after ($rows_after)"
echo "    worker: $(status_text); fake Discord IDENTIFYs $ident0 -> $(fake_state identifyCount), RESUMEs $res0 -> $(fake_state resumeCount); sessions on the old database: $on_old; took $(node -pe "($t1-$t0).toFixed(1)") s"
[ "$s1" = 0 ] && [ "$b_rc" = 0 ] && [ "$r_rc" = 0 ] && [ "$st_rc" = 0 ] && [ "$rows_after" = "$rows_before" ] && [ "$cnt_after" = "$cnt_before" ] \
  && [[ "$(status_text)" =~ connected:\ (READY|RESUMED) ]] && [ "$on_old" = 0 ] && [ "$s_rc" = 0 ] \
  && ok "moved: every launch row on the new database, worker $(status_text | grep -oE 'READY|RESUMED'), nothing on the old one" || bad "move"

say "6q. Roll back a real upgrade (docs/operations.md §4.2): old release $(git -C "$SRC" rev-parse --short "$OLD_REV") -> this checkout (new migration) -> old again"
RB=${DB}_rb
migs() { psql "$PGURL_BASE/$RB" -Atc "SELECT string_agg(to_char(id, 'FM0000'), ',' ORDER BY id) FROM schema_migrations"; }
# The table the newest migration creates (it exists after the upgrade and is gone after the
# rollback); named from the file, so the check follows whichever migration this checkout adds.
NEW_TABLE_NAME=$(grep -oiE 'CREATE TABLE (IF NOT EXISTS )?[a-z_0-9]+' "$SRC/sql/$(ls "$SRC/sql" | grep -E '^[0-9]{4}_.*\.sql$' | tail -1)" | awk '{print $NF}' | head -1)
NEW_TABLE_NAME=${NEW_TABLE_NAME:?the newest migration creates no table for the rollback check to look for}
has_table() { psql "$PGURL_BASE/$RB" -Atc "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename = '$NEW_TABLE_NAME'"; }
rb_launches() { psql "$PGURL_BASE/$RB" -Atc "SELECT coalesce(string_agg(interaction_id::text || ':' || user_name, ',' ORDER BY interaction_id), '') FROM launches"; }
same_dist() { diff -rq "$1/dist" "$ROOTFS/opt/shiptrack/dist" >/dev/null && diff -rq "$1/sql" "$ROOTFS/opt/shiptrack/sql" >/dev/null; }
# An installation of the old release with its own database, as if installed before this release.
cin systemctl stop shiptrack-web shiptrack-worker shiptrack-digest.timer shiptrack-backup.timer
psql "$PGURL_ADMIN" -qc "CREATE DATABASE $RB OWNER $DB"
setenv DATABASE_URL "postgres://$DB:$NEW_PW@127.0.0.1:5432/$RB"
SHIPTRACK_INSTALL_SYSTEMCTL="$icu" bash "$OLD_TREE/systemd/install.sh" --root "$ROOTFS" --no-build > "$WORK/rb-old.log" 2>&1; o_rc=$?
wait_active shiptrack-worker.service; wait_status 'connected: (READY|RESUMED)'
OLD_MIGS=$(migs)
psql "$PGURL_BASE/$RB" -qc "INSERT INTO launches (source, user_id, user_name, content, urls, interaction_id, created_at)
  VALUES ('slash', 5, 'before-upgrade', 'shipped https://c.example', '{https://c.example}', 9101, now())"
echo "    old release installed: install.sh rc=$o_rc, /opt/shiptrack = the old build: $(same_dist "$OLD_TREE" && echo yes || echo no), migrations $OLD_MIGS, worker $(status_text)"
# The upgrade to this checkout (docs/operations.md §4.1): pre-upgrade backup, then migrate applies the new migration.
SHIPTRACK_INSTALL_SYSTEMCTL="$icu" bash "$SRC/systemd/install.sh" --root "$ROOTFS" --no-build > "$WORK/rb-upgrade.log" 2>&1; u_rc=$?
grep -E '^==>|backup' "$WORK/rb-upgrade.log" | sed 's/^/    /'
wait_active shiptrack-worker.service; wait_status 'connected: (READY|RESUMED)'
cin systemctl start shiptrack-digest.service; ud_rc=$?   # the new code writes its new table
NEW_MIGS=$(migs); NEW_TABLE=$(has_table)
cin journalctl --no-pager -o cat -u shiptrack-migrate -n 3 | grep -E 'migrate\.(applied|done)' | cut -c1-200
psql "$PGURL_BASE/$RB" -qc "INSERT INTO launches (source, user_id, user_name, content, urls, interaction_id, created_at)
  VALUES ('slash', 6, 'after-upgrade', 'shipped https://d.example', '{https://d.example}', 9102, now())"
echo "    upgraded: install.sh rc=$u_rc, /opt/shiptrack = this checkout: $(same_dist "$SRC" && echo yes || echo no), migrations $NEW_MIGS, $NEW_TABLE_NAME tables: $NEW_TABLE, digest rc=$ud_rc, launches $(rb_launches)"
# The rollback, as docs/operations.md §4.2 says.
t0=$(date +%s.%N)
cin systemctl stop shiptrack-web shiptrack-worker shiptrack-digest.timer shiptrack-backup.timer
PRE=$(cin journalctl -u shiptrack-backup -o cat | grep backup.done | tail -1 | grep -oE 'file=[^ ]+' | cut -d= -f2 | tr -d '"')
echo "    pre-upgrade archive (the last backup.done): $PRE"
psql "$PGURL_ADMIN" -qc "CREATE DATABASE ${RB}_restore OWNER $DB" \
  && cat "$ROOTFS$PRE" | pg_restore --dbname="$PGURL_BASE/${RB}_restore" --no-owner --role="$DB" --single-transaction --exit-on-error \
  && psql "$PGURL_ADMIN" -qc "ALTER DATABASE $RB RENAME TO ${RB}_old" -c "ALTER DATABASE ${RB}_restore RENAME TO $RB"; rr_rc=$?
SHIPTRACK_INSTALL_SYSTEMCTL="$icu" bash "$OLD_TREE/systemd/install.sh" --root "$ROOTFS" --no-build > "$WORK/rb-rollback.log" 2>&1; rb_rc=$?
grep -E '^==>|backup' "$WORK/rb-rollback.log" | sed 's/^/    /'
wait_active shiptrack-web.service; wait_active shiptrack-worker.service; wait_status 'connected: (READY|RESUMED)'
t1=$(date +%s.%N)
cin journalctl --no-pager -o cat -u shiptrack-migrate -n 2 | grep -E 'migrate\.' | cut -c1-200
RB_MIGS=$(migs); RB_TABLE=$(has_table); RB_ROWS=$(rb_launches)
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$WEB_PORT/healthz")
DBURL="postgres://$DB:$NEW_PW@127.0.0.1:5432/$RB"
cin /usr/local/bin/shiptrack status > "$WORK/status-rb.txt" 2>&1; s_rc=$?
sed 's/^/    | /' "$WORK/status-rb.txt"
echo "    rolled back: restore rc=$rr_rc, install.sh rc=$rb_rc, /opt/shiptrack = the old build: $(same_dist "$OLD_TREE" && echo yes || echo no), migrations $RB_MIGS, $NEW_TABLE_NAME tables: $RB_TABLE"
echo "    launches $RB_ROWS; web $(prop shiptrack-web.service ActiveState) healthz $code, worker $(prop shiptrack-worker.service ActiveState) ($(status_text)), digest.timer $(prop shiptrack-digest.timer ActiveState); status rc=$s_rc; took $(node -pe "($t1-$t0).toFixed(1)") s"
[ "$o_rc" = 0 ] && [ "$u_rc" = 0 ] && [ "$NEW_MIGS" != "$OLD_MIGS" ] && [ "$NEW_TABLE" = 1 ] && [ -n "$PRE" ] && [ "$rr_rc" = 0 ] && [ "$rb_rc" = 0 ] \
  && same_dist "$OLD_TREE" && [ "$RB_MIGS" = "$OLD_MIGS" ] && [ "$RB_TABLE" = 0 ] && [ "$RB_ROWS" = "9101:before-upgrade" ] && [ "$code" = 200 ] \
  && [ "$(prop shiptrack-worker.service ActiveState)" = active ] && [ "$(prop shiptrack-digest.timer ActiveState)" = active ] \
  && ok "rolled back: old code, schema_migrations $RB_MIGS again, the pre-upgrade launch kept, web and worker active" || bad "rollback"
git -C "$SRC" worktree remove --force "$OLD_TREE" && git -C "$SRC" worktree prune && echo "    removed the worktree $OLD_TREE"

say "6i. Sandbox trouble anywhere in the journal (SIGSYS, EPERM, notify, watchdog)"
cin journalctl --no-pager -o short-monotonic | grep -iE 'sigsys|seccomp|EPERM|operation not permitted|notification message|watchdog|core-dump|code=killed|code=dumped' \
  | grep -v 'status=9/KILL' || echo "    (none)"
cin journalctl --no-pager -p warning -o short-monotonic -u 'shiptrack-*' | tail -20

say "Result: $FAILS check(s) failed"
if [ "${KEEP:-0}" = 1 ]; then
  echo "KEEP=1: container left running (init PID $(cat "$WORK/leader.pid")); '$0 down' cleans up"
else
  down
fi
[ "$FAILS" -eq 0 ]
