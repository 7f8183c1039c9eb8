#!/usr/bin/env bash
# bench-vs-ccusage.sh — tokenscope beside ccusage on the same generated
# Claude Code projects tree, in one run on one machine; prints the
# Markdown table README's performance section shows.
#
#   scripts/bench-vs-ccusage.sh            # 5 paired runs in a temporary directory
#   RUNS=9 WORK=/tmp/bench scripts/bench-vs-ccusage.sh
#   TEXT=distinct scripts/bench-vs-ccusage.sh   # one of the two trees only
#
# It generates two ~100 MB trees with the repo's generator
# (synthetic.WriteClaudeCode via TestWriteClaudeCodeDir): one
# cut from the demo's passages (words that repeat, which a memo of merged
# pieces turns into speed) and one from DistinctText (-cc-text distinct:
# text that repeats as real text does, no more), and prints the first
# table for each (TEXT=demo or TEXT=distinct: one of them);
# builds tokenscope, installs ccusage from npm into $WORK/npm when absent,
# then runs each command RUNS times in turn (paired: one round runs every
# command once, so load on the machine hits all alike), with output to
# /dev/null, under /usr/bin/time -f. It reports medians of wall time, of
# CPU time (user + sys) and of peak RSS, the median of the per-round
# ratios to ccusage, and checks that `tokenscope usage` and ccusage report
# the same totals. Then peak RSS of `report` in every output format on
# that tree and on a ~600 MB one (BIG=0: not).
set -euo pipefail

RUNS=${RUNS:-5}
CCUSAGE_VERSION=${CCUSAGE_VERSION:-20.0.24}
. "$(dirname "$0")/lib.sh"
TEXTS=${TEXT:-demo distinct}
tree="$WORK/projects"
for text in $TEXTS; do
	dir=$WORK
	[ "$text" = distinct ] && dir=$WORK/distinct
	if [ ! -d "$dir/projects" ]; then
		(cd "$repo" && go test ./transcripts/synthetic -run 'TestWriteClaudeCodeDir$' -count=1 -cc-out "$dir/projects" -cc-text "$text" >/dev/null)
	fi
done
build_tokenscope
install_ccusage
ts="$WORK/tokenscope"

for text in $TEXTS; do
dir=$WORK
[ "$text" = distinct ] && dir=$WORK/distinct
export CLAUDE_CONFIG_DIR="$dir" # ccusage reads $CLAUDE_CONFIG_DIR/projects
tree="$dir/projects"
names=("ccusage daily --json --offline" "tokenscope report DIR" "tokenscope report DIR --format json" "tokenscope usage daily DIR")
command_of() { # command_of I: sets cmd to the command of index I
	case $1 in
	0) cmd=("$ccusage" daily --json --offline) ;;
	1) cmd=("$ts" report "$tree") ;;
	2) cmd=("$ts" report "$tree" --format json) ;;
	3) cmd=("$ts" usage daily "$tree") ;;
	esac
}

paired_rounds "%e %U %S %M"

ratio() { # median over rounds of command $1's column $2 over ccusage's
	awk -v i="$1" -v c="$2" '$2 == 0 {b[$1] = $c} $2 == i {x[$1] = $c} END {for (r in x) print x[r] / b[r]}' "$out" | median
}

mb=$(du -sm "$tree/" | cut -f1)
files=$(find "$tree/" -name '*.jsonl' | wc -l)
calls=$("$ts" usage daily "$tree" --format json | awk -F': ' '/"calls"/ {n = $2} END {sub(",", "", n); print n}')
cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || echo unknown)
echo
echo "Generated Claude Code projects tree ($text text): ${mb} MB, ${files} session files, ${calls} responses;"
echo "$(nproc) cores ($cpu), load average at start $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null), $RUNS paired rounds, medians."
echo
echo "| command | wall | × ccusage | CPU (user+sys) | × ccusage | peak RSS |"
echo "| --- | --- | --- | --- | --- | --- |"
for i in 0 1 2 3; do
	wall=$(awk -v i=$i '$2 == i {print $3}' "$out" | median)
	cput=$(awk -v i=$i '$2 == i {print $4 + $5}' "$out" | median)
	rss=$(awk -v i=$i '$2 == i {print $6}' "$out" | median)
	awk -v wall="$wall" -v cpu="$cput" -v rss="$rss" -v rw="$(ratio $i 3)" -v name="${names[$i]}" -v i=$i \
		-v rc="$(awk -v i=$i '$2 == 0 {b[$1] = $4 + $5} $2 == i {x[$1] = $4 + $5} END {for (r in x) print x[r] / b[r]}' "$out" | median)" \
		'BEGIN {printf "| `%s` | %.2f s | %s | %.2f s | %s | %.0f MB |\n", name, wall, (i ? sprintf("%.2f×", rw) : "1×"), cpu, (i ? sprintf("%.2f×", rc) : "1×"), rss / 1024}'
done

# Totals: identical or the run fails.
cc=$("$ccusage" daily --json --offline | awk '/"totals"/ {t = 1} t && /Tokens"|totalCost/ {gsub(/[ ,"]/, ""); print}' | sort | tr '\n' ' ')
us=$("$ts" usage daily "$tree" --format json | awk '/"totals"/ {t = 1} t && /_tokens"|"cost_usd"/ {gsub(/[ ,"]/, ""); print}' | sort | tr '\n' ' ')
echo
echo "ccusage totals: $cc"
echo "tokenscope usage totals: $us"
get() { echo "$1" | tr ' ' '\n' | awk -F: -v k="$2" '$1 == k {print $2}'; }
for pair in inputTokens:input_tokens outputTokens:output_tokens cacheReadTokens:cache_read_tokens cacheCreationTokens:cache_write_tokens; do
	a=$(get "$cc" "${pair%%:*}") b=$(get "$us" "${pair##*:}")
	if [ "$a" != "$b" ]; then
		echo "totals differ: ccusage ${pair%%:*} $a, tokenscope ${pair##*:} $b" >&2
		exit 1
	fi
done
echo "token totals identical; cost: ccusage \$$(get "$cc" totalCost), tokenscope \$$(get "$us" cost_usd)"
done
[ "${FORMATS:-1}" = 0 ] && exit 0

# Memory: peak RSS of `report` in every output format, on the 100 MB tree
# (the last of TEXT) and on one six times larger (1,200 distinct sessions,
# ~600 MB); BIG=0 leaves the large one out, FORMATS=0 the whole table.
big="$WORK/projects6"
trees=("$tree")
if [ "${BIG:-1}" != 0 ]; then
	if [ ! -d "$big" ]; then
		(cd "$repo" && go test ./transcripts/synthetic -run 'TestWriteClaudeCodeDir$' -count=1 -cc-out "$big" -cc-scale 6 >/dev/null)
	fi
	trees+=("$big")
fi
echo
echo "| tree | format | wall | peak RSS |"
echo "| --- | --- | --- | --- |"
for t in "${trees[@]}"; do
	size="$(du -sm "$t" | cut -f1) MB"
	for f in table json csv md html svg parquet otlp; do
		dest="$WORK/out/report.$f"
		[ "$f" = svg ] && dest="$WORK/out/svg"
		mkdir -p "$WORK/out"
		/usr/bin/time -o "$WORK/t" -f "%e %M" "$ts" report "$t" --format "$f" --out "$dest" 2>"$WORK/err" || { cat "$WORK/err" >&2; exit 1; }
		read -r wall rss <"$WORK/t"
		echo "| $size | $f | ${wall} s | $((rss / 1024)) MB |"
	done
	rm -rf "$WORK/out"
done
