#!/usr/bin/env bash
# The project's single test command: installs missing test dependencies
# (quietly, idempotently), then runs the whole test suite.
#   scripts/test.sh [extra dotnet test args...]
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS_DIR="$REPO_ROOT/.tools"
export DEBIAN_FRONTEND=noninteractive

APT_UPDATED=0

log() { echo "test.sh: $*" >&2; }

# Runs a command as root (directly, or through sudo when not root).
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo -n env DEBIAN_FRONTEND=noninteractive "$@"
  else
    log "need root to run: $*"
    return 1
  fi
}

# apt-get install the given Debian packages; `apt-get update` once per run, only when needed.
apt_install() {
  if [ "$APT_UPDATED" -eq 0 ]; then
    log "apt-get update"
    as_root apt-get update -qq >/dev/null
    APT_UPDATED=1
  fi
  log "apt-get install $*"
  as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# --- one function per dependency ---------------------------------------------

# aiosmtpd: STARTTLS / SMTPS test server (Debian's python3 only).
ensure_aiosmtpd() {
  if ! /usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1; then
    apt_install python3-aiosmtpd
  fi
}

# Django: the clients/django package and its test project (Debian's python3 only).
ensure_django() {
  if ! /usr/bin/python3 -c 'import django' >/dev/null 2>&1; then
    apt_install python3-django
  fi
}

# The official Python Sentry SDK: the Python SDK tests report a Django app through it (Debian's python3 only).
ensure_sentry_python() {
  if ! /usr/bin/python3 -c 'import sentry_sdk' >/dev/null 2>&1; then
    apt_install python3-sentry-sdk
  fi
}

# openssl: generates the self-signed test certificate.
ensure_openssl() {
  if [ ! -x /usr/bin/openssl ]; then
    apt_install openssl
  fi
}

# MailDev 3: SMTP (plain / implicit TLS / AUTH) test server with a REST API, in .tools/.
ensure_maildev() {
  if [ ! -x "$TOOLS_DIR/node_modules/.bin/maildev" ]; then
    if ! command -v npm >/dev/null 2>&1; then
      log "npm is required to install MailDev (install Node.js 20+)"
      return 1
    fi
    log "npm install maildev@3 into .tools/"
    mkdir -p "$TOOLS_DIR"
    npm install --prefix "$TOOLS_DIR" maildev@3 --no-audit --no-fund --silent --loglevel=error >/dev/null
  fi
}

# @sentry/node 11: the real Node SDK the end-to-end tests report through (node report.cjs), in .tools/.
ensure_sentry_node() {
  if [ ! -f "$TOOLS_DIR/node_modules/@sentry/node/package.json" ]; then
    if ! command -v npm >/dev/null 2>&1; then
      log "npm is required to install @sentry/node (install Node.js 20.19+)"
      return 1
    fi
    log "npm install @sentry/node@11 into .tools/"
    mkdir -p "$TOOLS_DIR"
    npm install --prefix "$TOOLS_DIR" @sentry/node@11 --no-audit --no-fund --silent --loglevel=error >/dev/null
  fi
}

# Chromium: the browser the Dashboard's Playwright tests drive (never `playwright install`).
ensure_chromium() {
  if [ ! -x /usr/bin/chromium ]; then
    apt_install chromium
  fi
}

# Keeps apt's postinst from starting system services: the tests start their own servers on free loopback ports,
# and a system PostgreSQL/RabbitMQ would only take memory (they could not clash: other ports, other node name).
without_service_start() {
  local policy=/usr/sbin/policy-rc.d created=0
  if [ ! -e "$policy" ] && [ "$(id -u)" -eq 0 ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && created=1
  fi
  "$@" || { [ "$created" -eq 1 ] && rm -f "$policy"; return 1; }
  if [ "$created" -eq 1 ]; then rm -f "$policy"; fi
}

# PostgreSQL: the scale-out tests run their own server (initdb into a temporary folder, as the postgres user).
ensure_postgresql() {
  if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    without_service_start apt_install postgresql
  fi
}

# RabbitMQ: the scale-out tests run their own node (own port mapper, node name and folder).
ensure_rabbitmq() {
  if [ ! -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || [ ! -x /usr/bin/epmd ]; then
    without_service_start apt_install rabbitmq-server
  fi
}

# nginx, PyYAML and systemd-analyze: the deployment files are checked with `nginx -t`, a YAML parse and
# `systemd-analyze verify`.
ensure_deploy_checkers() {
  if [ ! -x /usr/bin/systemd-analyze ]; then
    without_service_start apt_install systemd
  fi
  if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
    without_service_start apt_install nginx-light
  fi
  if ! /usr/bin/python3 -c 'import yaml' >/dev/null 2>&1; then
    apt_install python3-yaml
  fi
}

ensure_dependencies() {
  ensure_openssl
  ensure_chromium
  ensure_postgresql
  ensure_rabbitmq
  ensure_deploy_checkers
  ensure_aiosmtpd
  ensure_django
  ensure_sentry_python
  ensure_maildev
  ensure_sentry_node
}

run_tests() {
  cd "$REPO_ROOT"
  local rc=0 out
  out="$(mktemp)"
  dotnet test Alerts.sln -c Release "$@" 2>&1 | tee "$out" || rc=$?
  # One closing line over every test assembly: "N passed, N failed, N skipped".
  awk '/(Passed|Failed)! +- +Failed:/ {
         for (i = 1; i <= NF; i++) { gsub(",", "", $(i+1));
           if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) } }
       END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$out"
  rm -f "$out"
  return "$rc"
}

main() {
  ensure_dependencies
  run_tests "$@"
}

main "$@"
