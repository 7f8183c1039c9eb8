#!/usr/bin/env bash
# bench-statusline.sh — `tokenscope statusline` beside `ccusage statusline`
# on the same Claude Code statusline input, paired runs on one machine.
#
#   scripts/bench-statusline.sh                 # 20 paired rounds in a temporary directory
#   RUNS=50 WORK=/tmp/bsl scripts/bench-statusline.sh
#
# The session is a real one (transcripts/testdata/real/claude_code/spotter/
# 258c7280-….jsonl, 14 calls of claude-opus-4-6), copied into a projects
# tree that ccusage reads through CLAUDE_CONFIG_DIR. Each round runs, in
# turn (so load on the machine hits all alike):
#   ccusage statusline --offline                                 (its defaults: 1 s output cache)
#   ccusage statusline --offline --no-cache --cost-source ccusage (priced from the transcript every run)
#   tokenscope statusline                                        (state kept: reads appended bytes only)
#   tokenscope statusline, state dropped before each run          (reads the whole transcript)
# and the script prints median wall and CPU times with the ratio to the
# uncached ccusage run, then both lines, and fails unless both price the
# session at the same cents.
set -euo pipefail

RUNS=${RUNS:-20}
CCUSAGE_VERSION=${CCUSAGE_VERSION:-20.0.24}
. "$(dirname "$0")/lib.sh"
export CLAUDE_CONFIG_DIR="$WORK" # ccusage reads $CLAUDE_CONFIG_DIR/projects
session=258c7280-ae70-4798-800f-63464d01a85d
proj="$WORK/projects/-home-dev-spotter"
mkdir -p "$proj"
cp "$repo/transcripts/testdata/real/claude_code/spotter/$session.jsonl" "$proj/"
cat >"$WORK/in.json" <<JSON
{"session_id":"$session","transcript_path":"$proj/$session.jsonl","cwd":"/home/dev/spotter",
 "model":{"id":"claude-opus-4-6","display_name":"Opus 4.6"},
 "workspace":{"current_dir":"/home/dev/spotter","project_dir":"/home/dev/spotter"},"version":"2.1.40",
 "cost":{"total_cost_usd":0.92,"total_duration_ms":600000,"total_api_duration_ms":300000},
 "context_window":{"total_input_tokens":62943,"total_output_tokens":3000,"context_window_size":200000,
  "used_percentage":31,"remaining_percentage":69}}
JSON

build_tokenscope
install_ccusage
ts="$WORK/tokenscope"
state="$WORK/state"

names=("ccusage statusline --offline (its 1 s cache)" "ccusage statusline --offline --no-cache --cost-source ccusage"
	"tokenscope statusline (state kept)" "tokenscope statusline (no state: whole transcript)")
command_of() {
	case $1 in
	0) cmd=("$ccusage" statusline --offline) ;;
	1) cmd=("$ccusage" statusline --offline --no-cache --cost-source ccusage) ;;
	2) cmd=("$ts" statusline --state-dir "$state") ;;
	3)
		rm -rf "$WORK/state-cold"
		cmd=("$ts" statusline --state-dir "$WORK/state-cold")
		;;
	esac
}
"$ts" statusline --state-dir "$state" <"$WORK/in.json" >/dev/null # the state a running session has
out="$WORK/times"
: >"$out"
for round in $(seq "$RUNS"); do
	for i in 0 1 2 3; do
		command_of $i
		start=$(date +%s%N)
		/usr/bin/time -o "$WORK/t" -f "%U %S" "${cmd[@]}" <"$WORK/in.json" >"$WORK/o$i" 2>"$WORK/err" || {
			cat "$WORK/err" >&2
			exit 1
		}
		end=$(date +%s%N)
		read -r u s <"$WORK/t"
		echo "$round $i $(((end - start) / 1000)) $(awk -v u="$u" -v s="$s" 'BEGIN {print (u + s) * 1000}')" >>"$out"
	done
done
# ratio: median over rounds of command $1's wall time over the uncached ccusage run's, same round.
ratio() {
	awk -v a="$1" '$2 == a {x[$1] = $3} $2 == 1 {y[$1] = $3} END {for (r in x) print x[r] / y[r]}' "$out" | median
}
echo "Paired runs: $RUNS rounds on $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); ccusage $CCUSAGE_VERSION"
echo
echo "| command | median wall | wall ÷ ccusage (uncached), paired | median CPU (user+sys) |"
echo "|---|---|---|---|"
for i in 0 1 2 3; do
	wall=$(awk -v i=$i '$2 == i {print $3 / 1000}' "$out" | median)
	cpu=$(awk -v i=$i '$2 == i {print $4}' "$out" | median)
	printf '| %s | %.1f ms | %.2f× | %.0f ms |\n' "${names[$i]}" "$wall" "$(ratio $i)" "$cpu"
done
echo
echo "ccusage:    $(cat "$WORK/o1")"
echo "tokenscope: $(NO_COLOR=1 "$ts" statusline --state-dir "$state" <"$WORK/in.json")"
cents() { grep -oE '\$[0-9]+\.[0-9]+' "$1" | head -1 | tr -d '$' | awk '{printf "%.2f", $1}'; }
a=$(cents "$WORK/o1")
b=$(cents "$WORK/o2")
if [ "$a" != "$b" ]; then
	echo "session cost differs: ccusage \$$a, tokenscope \$$b" >&2
	exit 1
fi
echo "session cost identical to the cent: \$$a"
