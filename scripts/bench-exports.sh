#!/bin/sh
# Figures of README "Taking the numbers out": streamed vs whole JSON on a
# 2,000-call report, and Parquet at a million rows.
set -e
cd "$(dirname "$0")/.."
go test ./report -run XXX -bench 'BenchmarkJSON|BenchmarkParquet1M' -benchmem -benchtime 5x -count 3
