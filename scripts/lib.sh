# scripts/lib.sh — the set-up the bench-*.sh scripts share; sourced by them,
# not run. After it: repo is the checkout, WORK exists (a temporary
# directory unless the caller set it).
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=${WORK:-$(mktemp -d)}
mkdir -p "$WORK"

# build_tokenscope builds the checkout's tokenscope as $WORK/tokenscope.
build_tokenscope() { (cd "$repo" && go build -o "$WORK/tokenscope" ./cmd/tokenscope); }

# install_ccusage installs ccusage $CCUSAGE_VERSION from npm into $WORK/npm
# when it is not there yet, and sets ccusage to its path.
install_ccusage() {
	ccusage="$WORK/npm/node_modules/.bin/ccusage"
	if [ ! -x "$ccusage" ]; then
		local platform
		platform=$(node -p 'process.platform + "-" + process.arch')
		# The native build is an optional dependency npm does not always fetch: name it.
		npm install --silent --prefix "$WORK/npm" "ccusage@$CCUSAGE_VERSION" "@ccusage/ccusage-$platform@$CCUSAGE_VERSION" >/dev/null
	fi
}

# median prints the median of the numbers on stdin, one a line.
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

# paired_rounds FORMAT [keep] runs RUNS rounds, each running every command
# once (command_of I sets cmd for I = 0 … ${#names[@]}-1), so that load on
# the machine hits all alike, under /usr/bin/time -f FORMAT; it writes
# "ROUND I TIMES…" lines to $out. With keep, command I's stdout is kept in
# $WORK/oI, else it goes to /dev/null. A command that fails ends the script
# with its stderr.
paired_rounds() {
	local format=$1 keep=${2:-} round i sink=/dev/null
	out="$WORK/times"
	: >"$out"
	for round in $(seq "$RUNS"); do
		for ((i = 0; i < ${#names[@]}; i++)); do
			command_of $i
			if [ "$keep" = keep ]; then sink="$WORK/o$i"; fi
			/usr/bin/time -o "$WORK/t" -f "$format" "${cmd[@]}" >"$sink" 2>"$WORK/err" || { cat "$WORK/err" >&2; exit 1; }
			echo "$round $i $(cat "$WORK/t")" >>"$out"
		done
	done
}
