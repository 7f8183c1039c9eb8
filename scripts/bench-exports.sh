#!/bin/sh
# Figures of README "Taking the numbers out": streamed vs whole JSON on a
# 2,000-call report and Parquet at a million rows (go test benchmarks), and
# with a Claude Code projects directory as $1 (e.g. the 100 MB one made by
# `go test ./transcripts/synthetic -run TestWriteClaudeCodeDir -cc-out DIR`), time and
# peak RSS of `report` in the table, json and parquet formats.
set -e
cd "$(dirname "$0")/.."
go test ./report -run XXX -bench 'BenchmarkJSON|BenchmarkParquet1M' -benchmem -benchtime 3x -count 3
if [ -n "$1" ]; then
	bin=$(mktemp -d)/tokenscope
	out=$(mktemp -d)
	go build -o "$bin" ./cmd/tokenscope
	for f in table json parquet; do
		/usr/bin/time -f "report --format $f: %e s, %M KB max RSS" "$bin" report "$1" --format "$f" --out "$out/report.$f"
		ls -l "$out/report.$f" | awk '{print "  " $5 " bytes"}'
	done
fi
