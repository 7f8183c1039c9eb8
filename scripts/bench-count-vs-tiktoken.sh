#!/usr/bin/env bash
# bench-count-vs-tiktoken.sh — `tokenscope count` beside the official
# tiktoken (npm, WASM) on the same 10 MiB mixed corpus, in one run on one
# machine; prints the Markdown tables docs/performance.md shows.
#
#   scripts/bench-count-vs-tiktoken.sh          # 3 paired rounds in a temporary directory
#   RUNS=5 WORK=/tmp/bcount CORPUS=distinct scripts/bench-count-vs-tiktoken.sh
#   CORPUS=short scripts/bench-count-vs-tiktoken.sh   # the cold start of one short text
#
# Two corpora of 10 MiB (CORPUS=distinct or repeated for one of them):
#  - distinct: DistinctText (transcripts/synthetic/distinct.go, seed 1), words drawn
#    from a Zipf law over a million made-up words in prose of four scripts,
#    CJK, code, JSON and logs: text that repeats as real text does, no more;
#  - repeated: the 1 MiB parity corpus (prose, Go, JSON, CJK, Cyrillic,
#    Arabic, emoji, logs; TestCorpusParity -corpus-out) ten times over, each
#    copy's lines prefixed with its number: its passages repeat, which a
#    memo of pieces turns into speed. Each
# round runs every command once (paired, so load on the machine hits all
# alike); it reports medians and fails when the counts differ. Then
# (CORPUS=short alone, or by default) a 14-byte text: each round runs each
# command SHORT times (default 50) in a loop and reports the wall time of
# one process, start-up included.
set -euo pipefail

RUNS=${RUNS:-3}
TIKTOKEN_VERSION=${TIKTOKEN_VERSION:-1.0.22}
. "$(dirname "$0")/lib.sh"
CORPORA=${CORPUS:-distinct repeated short}
SHORT=${SHORT:-50}
if [[ " $CORPORA " == *" repeated "* && ! -f "$WORK/repeated.txt" ]]; then
	(cd "$repo" && go test ./profile/tokenize -run 'TestCorpusParity$' -count=1 -corpus-out "$WORK/corpus1.txt" >/dev/null)
	# Ten copies, each line of copy k prefixed with "k ": no two lines
	# alike, so nothing is counted once for two copies.
	for k in $(seq 10); do sed "s/^/$k /" "$WORK/corpus1.txt"; done >"$WORK/repeated.txt"
fi
if [[ " $CORPORA " == *" distinct "* && ! -f "$WORK/distinct.txt" ]]; then
	(cd "$repo" && go test ./transcripts/synthetic -run 'TestWriteDistinctText$' -count=1 -distinct-out "$WORK/distinct.txt" >/dev/null)
fi
build_tokenscope
if [ ! -d "$WORK/npm/node_modules/tiktoken" ]; then
	npm install --silent --prefix "$WORK/npm" "tiktoken@$TIKTOKEN_VERSION" >/dev/null
fi
cat >"$WORK/count.mjs" <<'JS'
import { get_encoding } from "tiktoken";
import fs from "fs";
console.log(get_encoding(process.argv[3]).encode_ordinary(fs.readFileSync(process.argv[2], "utf8")).length);
JS
ln -sf "$WORK/npm/node_modules" "$WORK/node_modules"

for name in $CORPORA; do
[ "$name" = short ] && continue
corpus="$WORK/$name.txt"
names=("official tiktoken $TIKTOKEN_VERSION (npm, WASM): node count.mjs corpus.txt o200k_base" "official: cl100k_base"
	"tokenscope count --model gpt-4o corpus.txt" "tokenscope count --model gpt-4 corpus.txt")
command_of() {
	case $1 in
	0) cmd=(node "$WORK/count.mjs" "$corpus" o200k_base) ;;
	1) cmd=(node "$WORK/count.mjs" "$corpus" cl100k_base) ;;
	2) cmd=("$WORK/tokenscope" count --model gpt-4o "$corpus") ;;
	3) cmd=("$WORK/tokenscope" count --model gpt-4 "$corpus") ;;
	esac
}
paired_rounds "%e %M" keep
count() { grep -oE '[0-9][0-9,]*' "$WORK/o$1" | head -1 | tr -d ,; }
for pair in "0 2" "1 3"; do
	set -- $pair
	if [ "$(count "$1")" != "$(count "$2")" ]; then
		echo "counts differ: ${names[$1]} $(count "$1"), ${names[$2]} $(count "$2")" >&2
		exit 1
	fi
done
mb=$(awk -v b="$(wc -c <"$corpus")" 'BEGIN {printf "%.1f", b / 1048576}')
echo "Corpus $name: ${mb} MiB; o200k_base $(count 0) tokens, cl100k_base $(count 1), identical in both;"
echo "$(nproc) cores, load average at start $(cut -d' ' -f1-3 /proc/loadavg), $RUNS paired rounds, medians."
echo
echo "| | o200k_base | cl100k_base |"
echo "| --- | --- | --- |"
row() { # row NAME I J
	local a b
	a=$(awk -v i="$2" '$2 == i {print $3}' "$out" | median)
	b=$(awk -v i="$3" '$2 == i {print $3}' "$out" | median)
	ra=$(awk -v i="$2" '$2 == i {print $4}' "$out" | median)
	rb=$(awk -v i="$3" '$2 == i {print $4}' "$out" | median)
	oa=$(awk '$2 == 0 {print $3}' "$out" | median)
	ob=$(awk '$2 == 1 {print $3}' "$out" | median)
	awk -v n="$1" -v a="$a" -v b="$b" -v ra="$ra" -v rb="$rb" -v oa="$oa" -v ob="$ob" -v mb="$mb" \
		'BEGIN {printf "| %s | %.2f s (%.0f MB/s, %.0f×), %.0f MB RSS | %.2f s (%.0f MB/s, %.0f×), %.0f MB RSS |\n", n, a, mb / a, oa / a, ra / 1024, b, mb / b, ob / b, rb / 1024}'
}
row "official tiktoken $TIKTOKEN_VERSION (npm, WASM, Node $(node -v)): \`node count.mjs corpus.txt ENC\`" 0 1
row "\`tokenscope count --model gpt-4o\` / \`--model gpt-4\`" 2 3
echo
done

if [[ " $CORPORA " == *" short "* ]]; then
	printf 'Hello, world!\n' >"$WORK/short.txt"
	names=("official o200k_base" "official cl100k_base" "tokenscope gpt-4o" "tokenscope gpt-4")
	command_of() { # a loop of SHORT processes counting the short text
		local c
		case $1 in
		0) c="node $WORK/count.mjs $WORK/short.txt o200k_base" ;;
		1) c="node $WORK/count.mjs $WORK/short.txt cl100k_base" ;;
		2) c="$WORK/tokenscope count --model gpt-4o $WORK/short.txt" ;;
		3) c="$WORK/tokenscope count --model gpt-4 $WORK/short.txt" ;;
		esac
		cmd=(sh -c "for i in \$(seq $SHORT); do $c >/dev/null || exit 1; done")
	}
	paired_rounds "%e"
	per() { awk -v i="$1" -v n="$SHORT" '$2 == i {print 1000 * $3 / n}' "$out" | median; }
	echo "A 14-byte text, one process each ($SHORT in a loop a round, start-up included);"
	echo "$(nproc) cores, load average at start $(cut -d' ' -f1-3 /proc/loadavg), $RUNS paired rounds, medians."
	echo
	echo "| | o200k_base | cl100k_base |"
	echo "| --- | --- | --- |"
	awk -v a="$(per 0)" -v b="$(per 1)" -v v="$(node -v)" -v t="$TIKTOKEN_VERSION" 'BEGIN {printf "| official tiktoken %s (npm, WASM, Node %s) | %.1f ms | %.1f ms |\n", t, v, a, b}'
	awk -v a="$(per 2)" -v b="$(per 3)" -v oa="$(per 0)" -v ob="$(per 1)" 'BEGIN {printf "| `tokenscope count --model gpt-4o` / `--model gpt-4` | %.1f ms (%.1f× faster) | %.1f ms (%.1f× faster) |\n", a, oa / a, b, ob / b}'
fi
