#!/usr/bin/env bash
# kill -9 soak of the proxy: the tokenscope binary proxies calls from 20
# concurrent clients to an in-process upstream on 127.0.0.1 and is killed
# with SIGKILL at a random moment, ROUNDS times (default 20) on the same
# log; every call a client saw answered in full must be in the log, and the
# log must read back. Not part of CI's default run (it takes a minute or
# more).
#
#   scripts/proxy-kill9-soak.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
TOKENSCOPE_SOAK=1 TOKENSCOPE_SOAK_ROUNDS="${1:-20}" go test ./proxy -run '^TestKill9Soak$' -count 1 -v -timeout 30m
