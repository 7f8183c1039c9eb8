// Command coldstart runs short tokenscope commands as fresh processes,
// binaries alternated, and prints the median wall and CPU time of each
// (scripts/bench-coldstart.sh builds the binaries and calls it).
//
//	go run ./scripts/coldstart -runs 40 -short FILE -statusline FILE name=BINARY…
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"
)

func main() {
	runs := flag.Int("runs", 40, "runs of each command with each binary")
	short := flag.String("short", "", "the short text `FILE` count reads")
	status := flag.String("statusline", "", "the statusline's JSON input `FILE`")
	flag.Parse()
	in, err := os.ReadFile(*status)
	if err != nil {
		fail(err)
	}
	type bin struct{ name, path string }
	var bins []bin
	for _, a := range flag.Args() {
		name, path, ok := strings.Cut(a, "=")
		if !ok {
			fail(fmt.Errorf("%q: want name=binary", a))
		}
		bins = append(bins, bin{name, path})
	}
	commands := []struct {
		name  string
		args  []string
		stdin []byte
	}{
		{"version", []string{"version"}, nil},
		{"count", []string{"count", *short}, nil},
		{"statusline", []string{"statusline"}, in},
	}
	wall := map[string][]float64{}
	cpu := map[string][]float64{}
	for range *runs {
		for _, c := range commands {
			for _, b := range bins {
				cmd := exec.Command(b.path, c.args...)
				cmd.Stdin = bytes.NewReader(c.stdin)
				start := time.Now()
				if out, err := cmd.Output(); err != nil {
					fail(fmt.Errorf("%s %s: %v: %s", b.name, c.name, err, out))
				}
				k := b.name + " " + c.name
				wall[k] = append(wall[k], float64(time.Since(start).Microseconds())/1000)
				st := cmd.ProcessState
				cpu[k] = append(cpu[k], float64((st.UserTime()+st.SystemTime()).Microseconds())/1000)
			}
		}
	}
	fmt.Print("| command |")
	for _, b := range bins {
		fmt.Printf(" wall (%s) | CPU (%s) |", b.name, b.name)
	}
	fmt.Print("\n| --- |")
	for range bins {
		fmt.Print(" --- | --- |")
	}
	fmt.Println()
	for _, c := range commands {
		fmt.Printf("| `%s` |", c.name)
		for _, b := range bins {
			k := b.name + " " + c.name
			fmt.Printf(" %.1f ms | %.1f ms |", median(wall[k]), median(cpu[k]))
		}
		fmt.Println()
	}
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "coldstart:", err)
	os.Exit(1)
}
