#!/usr/bin/env bash
# The single-server install on Debian, as root, from the repository's root: every role in one process, SQLite.
#   deploy/install.sh            publish, create the user and folders, install the unit, migrate, check, start
# Each step is also in deploy/README.md ("One server"). Running it again upgrades: the settings file is kept.
# Needs the .NET 10 SDK (to publish) and /usr/bin/dotnet (to run).
set -euo pipefail

APP_DIR=/opt/alerts
DATA_DIR=/var/lib/alerts
SETTINGS=/etc/alerts/alerts-single.env
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

log() { echo "install.sh: $*" >&2; }

[ "$(id -u)" -eq 0 ] || { log "run as root"; exit 1; }
[ -x /usr/bin/dotnet ] || { log "/usr/bin/dotnet is missing: install the .NET 10 SDK (or runtime) from Microsoft's Debian packages"; exit 1; }

log "1. publish to $APP_DIR"
dotnet publish "$REPO_ROOT/src/Server" -c Release -o "$APP_DIR" --nologo -v quiet

log "2. the alerts system user, and $DATA_DIR (its working folder: data/alerts.db, data/mail)"
id -u alerts >/dev/null 2>&1 || useradd --system --home-dir "$DATA_DIR" --shell /usr/sbin/nologin alerts
install -d -o alerts -g alerts -m 0750 "$DATA_DIR"

log "3. settings in $SETTINGS (kept when present)"
install -d -m 0755 /etc/alerts
[ -f "$SETTINGS" ] || install -m 0600 "$REPO_ROOT/deploy/systemd/alerts-single.env" "$SETTINGS"

log "4. the unit"
install -m 0644 "$REPO_ROOT/deploy/systemd/alerts.service" /etc/systemd/system/alerts.service
systemctl daemon-reload

log "5. first run: migrate and check, as the service will run (user, folder, settings)"
# systemd-run reads the settings file as the unit does (EnvironmentFile syntax, not the shell's).
as_service() {
  systemd-run --quiet --wait --pipe --collect -p User=alerts -p Group=alerts -p WorkingDirectory="$DATA_DIR" \
    -p EnvironmentFile=-"$SETTINGS" -p Environment="ASPNETCORE_ENVIRONMENT=Production DOTNET_NOLOGO=1" \
    /usr/bin/dotnet "$APP_DIR/alerts.dll" "$@"
}
as_service migrate
as_service check || log "check found something to fix (above); edit $SETTINGS, then: systemctl restart alerts"

log "6. start"
systemctl enable --now alerts
log "done: curl http://127.0.0.1:8080/healthz; a Dashboard login: deploy/install.sh's as_service, or"
log "  systemd-run --wait --pipe -p User=alerts -p WorkingDirectory=$DATA_DIR -p EnvironmentFile=-$SETTINGS /usr/bin/dotnet $APP_DIR/alerts.dll createuser --email you@example.com"
