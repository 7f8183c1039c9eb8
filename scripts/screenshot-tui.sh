#!/usr/bin/env bash
# docs/tui.png: the TUI on the embedded demo, rendered for real in tmux at
# 120×34, its cells turned into HTML (aha) and photographed by headless
# Chromium. Needs tmux, aha and chromium (apt-get install tmux aha chromium).
# Usage: scripts/screenshot-tui.sh [KEYS...]   (tmux key names sent first)
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'tmux kill-session -t tsshot 2>/dev/null || true; rm -rf "$tmp"' EXIT
go build -o "$tmp/tokenscope" ./cmd/tokenscope
tmux new -d -s tsshot -x 120 -y 34 "TERM=xterm-256color COLORTERM=truecolor $tmp/tokenscope"
sleep 2
for k in "$@"; do tmux send-keys -t tsshot "$k"; sleep 0.3; done
sleep 1
tmux capture-pane -t tsshot -p -e > "$tmp/screen.ansi"
{
	echo '<!doctype html><meta charset="utf-8"><style>'
	echo 'body{margin:0;background:#1e1e2e;color:#ddd}'
	echo 'pre{margin:12px;font:14px/1.2 "DejaVu Sans Mono",monospace}</style><pre>'
	aha --no-header --black < "$tmp/screen.ansi"
	echo '</pre>'
} > "$tmp/screen.html"
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
	--window-size=1040,600 --screenshot="$PWD/docs/tui.png" "file://$tmp/screen.html" 2>/dev/null
echo docs/tui.png
