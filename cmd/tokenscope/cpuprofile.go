package main

import (
	"fmt"
	"os"
	"runtime/pprof"
)

// startCPUProfile writes a CPU profile of the whole command to the file
// TOKENSCOPE_CPUPROFILE names (hidden: for docs/performance.md's
// measurements, not a user feature). The returned func stops it; it is a
// no-op when the variable is unset.
func startCPUProfile() func() {
	path := os.Getenv("TOKENSCOPE_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tokenscope: TOKENSCOPE_CPUPROFILE:", err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintln(os.Stderr, "tokenscope: TOKENSCOPE_CPUPROFILE:", err)
		f.Close()
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}
