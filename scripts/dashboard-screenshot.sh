#!/usr/bin/env bash
# The dashboard in a real headless browser (Debian's Chromium), against `margin serve --demo`:
#   bash scripts/dashboard-screenshot.sh [MARGIN_BINARY] [OUT_DIR]
# MARGIN_BINARY defaults to .build/debug/margin (this script builds nothing); OUT_DIR (default .build/dashboard,
# or $DASHBOARD_OUT) receives dashboard.png, dashboard.dom.html and server.log.
#
# Starts the server on a fresh SQLite journal and a fresh admin key file in a temporary directory, on a port the
# OS picks (--port 0; read from the server's start line), waits for /readyz, then loads
# http://127.0.0.1:PORT/#key=KEY in headless Chromium: the key travels in the URL fragment, which the browser
# never sends to the server (the page moves it to sessionStorage). It is passed on Chromium's command line, so
# it is visible to local users in the process list for those seconds; it is a throwaway key of a throwaway demo
# server, and it is never printed. The first run dumps the DOM and checks that the heat map was drawn from real
# data (`<div id="heatmap-ready" data-cells="N">`, N > 0) and that the commitment panel shows a root from
# GET /v1/commitment; the second saves the screenshot. Exits non-zero if
# the marker is absent. Installs Chromium with apt-get when missing and CI=true.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN="${1:-.build/debug/margin}"
OUT="${2:-${DASHBOARD_OUT:-.build/dashboard}}"
BUDGET_MS="${DASHBOARD_BUDGET_MS:-15000}"
started=$(date +%s)

say() { echo "== dashboard: $*"; }
fail() { echo "== dashboard: FAILED: $*" >&2; exit 1; }

[ -x "$BIN" ] || fail "no margin binary at $BIN (build first: swift build)"
command -v curl >/dev/null 2>&1 || fail "curl is required"

find_browser() {
    local b
    for b in chromium chromium-browser google-chrome; do
        if command -v "$b" >/dev/null 2>&1; then command -v "$b"; return 0; fi
    done
    return 1
}
if ! BROWSER=$(find_browser); then
    if [ "${CI:-}" = "true" ]; then
        say "installing Debian's chromium"
        apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium >/dev/null
        BROWSER=$(find_browser) || fail "chromium did not install"
    else
        fail "chromium is not installed (apt-get install -y chromium; CI=true installs it)"
    fi
fi

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/margin-dashboard.XXXXXX")
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$SERVER_PID" 2>/dev/null || true
    fi
    [ -f "$WORK/server.log" ] && cp "$WORK/server.log" "$OUT/server.log"
    rm -rf "$WORK"
}
trap cleanup EXIT

"$BIN" serve --demo --port 0 --db "$WORK/journal.sqlite" --admin-key-file "$WORK/admin.key" \
    >"$WORK/server.log" 2>&1 &
SERVER_PID=$!

port=""
for _ in $(seq 1 600); do
    kill -0 "$SERVER_PID" 2>/dev/null || { tail -20 "$WORK/server.log" >&2; fail "the server exited"; }
    port=$(grep -o 'dashboard at http://127\.0\.0\.1:[0-9]*' "$WORK/server.log" | head -1 | sed 's/.*://') || true
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || fail "the server did not report its port"
BASE="http://127.0.0.1:$port"
for _ in $(seq 1 600); do
    curl -fsS -o /dev/null "$BASE/readyz" 2>/dev/null && break
    kill -0 "$SERVER_PID" 2>/dev/null || { tail -20 "$WORK/server.log" >&2; fail "the server exited"; }
    sleep 0.1
done
curl -fsS -o /dev/null "$BASE/readyz" || fail "$BASE/readyz did not answer 200"
say "server ready on $BASE after $(( $(date +%s) - started )) s"

[ -s "$WORK/admin.key" ] || fail "no admin key file"
KEY=$(tr -d '[:space:]' < "$WORK/admin.key")
URL="$BASE/#key=$KEY"
chrome() {
    timeout 90 "$BROWSER" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run \
        --no-default-browser-check --disable-extensions --hide-scrollbars --user-data-dir="$WORK/profile" \
        --virtual-time-budget="$BUDGET_MS" "$@" "$URL" 2>>"$WORK/chromium.log"
}

chrome --dump-dom >"$OUT/dashboard.dom.html" || fail "chromium --dump-dom failed (see $WORK/chromium.log)"
cells=$(grep -o '<div id="heatmap-ready"[^>]*>' "$OUT/dashboard.dom.html" | grep -o 'data-cells="[0-9]*"' | grep -o '[0-9][0-9]*' || true)
if [ -z "$cells" ] || [ "$cells" -le 0 ]; then
    grep -o 'class="msg"[^>]*>[^<]*' "$OUT/dashboard.dom.html" | grep -v '>$' | head -5 >&2 || true
    fail "the heat map was not drawn from live data (heatmap-ready data-cells=${cells:-absent})"
fi
grep -q 'data-heatmap="'"$cells"'"' "$OUT/dashboard.dom.html" || fail "body data-heatmap marker missing"
say "heat map drawn with $cells cells"
# The commitment panel: the signed root from GET /v1/commitment (its whole 64 hex digits in the title).
grep -Eq '<code class="root" title="[0-9a-f]{64} ' "$OUT/dashboard.dom.html" || fail "the commitment panel shows no root"
say "commitment root shown"

chrome --screenshot="$OUT/dashboard.png" --window-size=1400,1000 >/dev/null || fail "chromium --screenshot failed"
[ -s "$OUT/dashboard.png" ] || fail "no screenshot written"
say "screenshot $OUT/dashboard.png; $(( $(date +%s) - started )) s in all"
