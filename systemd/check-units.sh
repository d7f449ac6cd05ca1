#!/usr/bin/env bash
# Offline checks of ShipTrack's systemd units; needs systemd-analyze (>= 250 for security --offline)
# but no running systemd. Usage: bash systemd/check-units.sh [UNIT_DIR]   (default: this script's dir)
# Prints one line per check and "N passed, M failed"; exits non-zero on any failure.
set -uo pipefail

dir=${1:-$(dirname "${BASH_SOURCE[0]}")}
cd "$dir" || { echo "FAIL - cannot enter $dir"; echo "0 passed, 1 failed"; exit 2; }
MAX_EXPOSURE=${MAX_EXPOSURE:-2.0}   # per service, on systemd-analyze's 0-10 scale

pass=0; fail=0
ok()  { echo "ok   - $1"; pass=$((pass + 1)); }
bad() { echo "FAIL - $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/       /'; fail=$((fail + 1)); }

if ! command -v systemd-analyze >/dev/null 2>&1; then
  bad "systemd-analyze not found (install the systemd package)"; echo "$pass passed, $fail failed"; exit 1
fi
version=$(systemd-analyze --version | sed -n '1s/^systemd \([0-9]*\).*/\1/p')
echo "# systemd-analyze $version in $(pwd)"

services=(shiptrack-web.service shiptrack-worker.service shiptrack-digest.service shiptrack-migrate.service shiptrack-backup.service
  shiptrack-web@.service)
timer=shiptrack-digest.timer
backup_timer=shiptrack-backup.timer
for f in "${services[@]}" "$timer" "$backup_timer"; do
  [ -f "$f" ] || bad "missing unit file $f"
done

# 1. verify. systemd 252 exits 0 on unknown keys, bad values and unknown sections, so any output at
#    all is a failure. It checks that ExecStart's binary (/usr/bin/node) exists, not the script
#    argument, so no stub dist/ is needed. All units together so Requires=/Unit= references resolve.
out=$(systemd-analyze verify --man=no ./*.service ./*.timer 2>&1); rc=$?
if [ "$rc" -eq 0 ] && [ -z "$out" ]; then ok "systemd-analyze verify (clean)"; else bad "systemd-analyze verify rc=$rc" "$out"; fi

# 2. exposure per service; --threshold is exposure x 10 (exit 1 above it).
threshold=$(awk -v m="$MAX_EXPOSURE" 'BEGIN { printf "%d", m * 10 + 0.5 }')
if [ "${version:-0}" -lt 250 ]; then
  bad "systemd $version is too old for 'security --offline' (needs >= 250)"
else
  for u in "${services[@]}"; do
    [ -f "$u" ] || continue
    report=$(systemd-analyze security --offline=true --threshold="$threshold" "./$u" 2>&1); rc=$?
    score=$(printf '%s\n' "$report" | sed -n 's/.*Overall exposure level for [^:]*: //p')
    if [ "$rc" -eq 0 ] && [ -n "$score" ]; then ok "security $u $score (<= $MAX_EXPOSURE)"
    else bad "security $u ${score:-?} (> $MAX_EXPOSURE, rc=$rc)" "$(printf '%s\n' "$report" | grep -E '✗|Overall|rror' | head -20)"; fi
  done
fi

# 3. Node-specific traps the exposure score does not catch (docs/systemd.md §2.1): without
#    SystemCallErrorNumber=EPERM node dies with SIGSYS (pkey_alloc); MemoryDenyWriteExecute=yes
#    aborts V8's JIT. Plus the restart policy the bins' exit codes rely on.
for u in "${services[@]}"; do
  [ -f "$u" ] || continue
  problems=""
  grep -qx 'SystemCallErrorNumber=EPERM' "$u" || problems+="missing SystemCallErrorNumber=EPERM; "
  grep -Eqi '^MemoryDenyWriteExecute=(yes|true|1|on)$' "$u" && problems+="MemoryDenyWriteExecute must not be enabled for node; "
  grep -qx 'User=shiptrack' "$u" || problems+="not User=shiptrack; "
  grep -qx 'EnvironmentFile=/etc/shiptrack/env' "$u" || problems+="no EnvironmentFile=/etc/shiptrack/env; "
  case "$u" in
    shiptrack-web.service) grep -qx 'RestartPreventExitStatus=78' "$u" || problems+="web needs RestartPreventExitStatus=78; " ;;
    shiptrack-web@.service)
      grep -qx 'RestartPreventExitStatus=78' "$u" || problems+="web needs RestartPreventExitStatus=78; "
      grep -q '^ExecStart=/usr/bin/env PORT=%i ' "$u" || problems+="the web template must set PORT=%i on the command line; " ;;
    shiptrack-worker.service)
      grep -qx 'RestartPreventExitStatus=78 79 80' "$u" || problems+="worker needs RestartPreventExitStatus=78 79 80; "
      grep -qx 'NotifyAccess=all' "$u" || problems+="worker needs NotifyAccess=all (systemd-notify is a child); " ;;
  esac
  case "$u" in
    shiptrack-migrate.service) grep -qx 'RemainAfterExit=yes' "$u" || problems+="migrate needs RemainAfterExit=yes; " ;;
    # The backup runs before an upgrade's migrations and after a failed one (docs/systemd.md §1.9).
    shiptrack-backup.service)
      grep -q '^Requires=.*shiptrack-migrate' "$u" && problems+="backup must not require shiptrack-migrate.service; "
      grep -qx 'StateDirectory=shiptrack/backups' "$u" || problems+="backup needs StateDirectory=shiptrack/backups (its only writable path); "
      grep -qx 'Type=oneshot' "$u" || problems+="backup needs Type=oneshot; " ;;
    *) { grep -qx 'Requires=shiptrack-migrate.service' "$u" && grep -qx 'After=shiptrack-migrate.service' "$u"; } \
         || problems+="needs Requires= and After=shiptrack-migrate.service; " ;;
  esac
  if [ -z "$problems" ]; then ok "policy $u"; else bad "policy $u: ${problems%; }"; fi
done

# 4. the timer's own OnCalendar lands on the next Mondays 09:00 UTC (fixed base time: deterministic).
#    Evaluated in a non-UTC zone so a schedule that forgot its "UTC" suffix (host zone) fails too.
spec=$(sed -n 's/^OnCalendar=//p' "$timer" 2>/dev/null)
cal=$(TZ=America/New_York systemd-analyze calendar --base-time='2026-11-28 00:00:00 UTC' --iterations=3 "$spec" 2>&1)
next=$(printf '%s\n' "$cal" | sed -n 's/^ *(in UTC): //p' | tr '\n' '|')
if [ -z "$next" ]; then   # no tzdata: everything prints in UTC, so insist on the explicit suffix
  next=$(printf '%s\n' "$cal" | sed -n 's/^ *\(Next elapse\|Iter. #[0-9]*\): //p' | tr '\n' '|')
  case "$spec" in *" UTC") ;; *) next="no explicit UTC in '$spec'" ;; esac
fi
expected="Mon 2026-11-30 09:00:00 UTC|Mon 2026-12-07 09:00:00 UTC|Mon 2026-12-14 09:00:00 UTC|"
if [ -n "$spec" ] && [ "$next" = "$expected" ]; then shown=${next%|}; ok "calendar '$spec' -> ${shown//|/, }"
else bad "calendar '$spec' gave '$next' (expected '$expected')"; fi
grep -qx 'Persistent=true' "$timer" 2>/dev/null && ok "timer is Persistent" || bad "timer is not Persistent=true"
# The optional daily backup timer: a daily schedule in explicit UTC, Persistent=, a randomized delay.
bspec=$(sed -n 's/^OnCalendar=//p' "$backup_timer" 2>/dev/null)
bnext=$(TZ=America/New_York systemd-analyze calendar --base-time='2026-11-28 00:00:00 UTC' --iterations=2 "$bspec" 2>&1 \
  | sed -n 's/^ *\(Next elapse\|Iter. #[0-9]*\|(in UTC)\): //p' | grep 'UTC$' | tr '\n' '|')
case "$bspec" in *" UTC") ;; *) bnext="no explicit UTC in '$bspec'" ;; esac
if [ "$bnext" = "Sat 2026-11-28 03:00:00 UTC|Sun 2026-11-29 03:00:00 UTC|" ] && grep -qx 'Persistent=true' "$backup_timer" \
  && grep -q '^RandomizedDelaySec=[1-9]' "$backup_timer" && grep -qx 'Unit=shiptrack-backup.service' "$backup_timer"; then
  ok "backup timer daily '$bspec', Persistent, randomized"
else bad "backup timer '$bspec' gave '$bnext' (expected daily 03:00 UTC, Persistent=true, RandomizedDelaySec=, Unit=shiptrack-backup.service)"; fi

# 5. the sysusers file parses and declares the shiptrack user (into a throwaway root). In a checkout
# it sits next to the units; install.sh puts it in /etc/sysusers.d/ beside /etc/systemd/system/.
sysusers=shiptrack.sysusers.conf
[ -f "$sysusers" ] || [ ! -f ../../sysusers.d/shiptrack.conf ] || sysusers=../../sysusers.d/shiptrack.conf
if [ -f "$sysusers" ]; then
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  mkdir -p "$tmp/etc"
  out=$(systemd-sysusers --root="$tmp" --dry-run "$(realpath "$sysusers")" 2>&1); rc=$?
  if [ "$rc" -eq 0 ] && printf '%s\n' "$out" | grep -q "shiptrack"; then ok "sysusers declares user shiptrack"
  else bad "systemd-sysusers --dry-run rc=$rc" "$out"; fi
else
  bad "missing shiptrack.sysusers.conf (or ../../sysusers.d/shiptrack.conf in an installed layout)"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
