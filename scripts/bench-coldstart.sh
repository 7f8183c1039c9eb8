#!/usr/bin/env bash
# bench-coldstart.sh — what a short command costs from exec to exit: this
# checkout's tokenscope beside the one built at BASE (a git revision; by
# default none, this checkout alone), release builds (-trimpath -ldflags
# "-s -w"), each command run RUNS times in turn with the two binaries
# alternated, so that load on the machine hits both alike. It prints the
# median wall time and CPU time (user+sys) of one process
# (scripts/coldstart measures them):
#   version; count of a 14-byte file; statusline (billed figures of a real
#   Claude Code session, its JSON on stdin).
#
#   scripts/bench-coldstart.sh                 # 40 runs of each
#   BASE=682eb22 RUNS=60 scripts/bench-coldstart.sh
#
# The peers are in the other scripts: `count` beside the official tiktoken
# (bench-count-vs-tiktoken.sh, CORPUS=short), `statusline` beside ccusage's
# (bench-statusline.sh).
set -euo pipefail

RUNS=${RUNS:-40}
BASE=${BASE:-}
. "$(dirname "$0")/lib.sh"
build() { # build DIR OUT
	(cd "$1" && go build -trimpath -ldflags "-s -w" -o "$2" ./cmd/tokenscope)
}
build "$repo" "$WORK/ts-now"
bins=(now)
if [ -n "$BASE" ]; then
	rm -rf "$WORK/base-src"
	git -C "$repo" worktree add -q --detach "$WORK/base-src" "$BASE"
	build "$WORK/base-src" "$WORK/ts-base"
	git -C "$repo" worktree remove --force "$WORK/base-src"
	bins=(base now)
fi
printf 'Hello, world!\n' >"$WORK/short.txt"
printf '{"transcript_path":"%s","session_id":"s1"}' "$repo/transcripts/testdata/real/claude_code/spotter/short.jsonl" >"$WORK/statusline.json"
export XDG_CACHE_HOME="$WORK/cache" NO_COLOR=1
args=()
for b in "${bins[@]}"; do args+=("$b=$WORK/ts-$b"); done
echo "Cold start, $RUNS runs of each command, binaries alternated (a Go launcher: fork and exec included); $(nproc) cores, load average at start $(cut -d' ' -f1-3 /proc/loadavg); medians${BASE:+; base is $BASE}."
echo
(cd "$repo" && go run ./scripts/coldstart -runs "$RUNS" -short "$WORK/short.txt" -statusline "$WORK/statusline.json" "${args[@]}")
