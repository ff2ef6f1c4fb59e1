package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// peakHeap runs parley with args and returns the most heap it held while
// it ran, sampled every millisecond, with the collector run often so that
// the samples are close to what was live.
func peakHeap(t *testing.T, args ...string) uint64 {
	t.Helper()
	t.Setenv("GOGC", "20") // check keeps the setting it finds
	defer debug.SetGCPercent(debug.SetGCPercent(20))
	runtime.GC()
	var peak atomic.Uint64
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > peak.Load() {
				peak.Store(ms.HeapAlloc)
			}
			select {
			case <-done:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	code, out, errOut := parley(t, args...)
	close(done)
	<-sampled
	if code != exitOK && code != exitFailure {
		t.Fatalf("%q: exit %d\n%s%s", args, code, out, errOut)
	}
	return peak.Load()
}

// A sweep's memory does not grow with its grid: each point's rules are
// renewed for every transcript and dropped once it is judged, not kept by
// every worker, each grown to the longest transcript.
func TestSweepMemoryDoesNotGrowWithTheGrid(t *testing.T) {
	if testing.Short() {
		t.Skip("measures memory over a sweep of 200 points")
	}
	dir := t.TempDir()
	for i := range 4 {
		msgs := make([]string, 300)
		for j := range msgs {
			var b strings.Builder
			for k := range 40 {
				fmt.Fprintf(&b, "w%dx%dx%d ", i, j, k)
			}
			msgs[j] = b.String()
		}
		writeCase(t, dir, fmt.Sprintf("long%d", i), msgs, "stop_after: 300\nstop_by: null\n")
	}
	few := peakHeap(t, "check", "--sweep", "max_messages=1000..1009", dir)
	many := peakHeap(t, "check", "--sweep", "max_messages=1000..1199", dir)
	t.Logf("peak heap: %d KiB over 10 points, %d KiB over 200", few>>10, many>>10)
	if many > 2*few+16<<20 {
		t.Errorf("a sweep of 200 points held %d MiB at its peak, one of 10 held %d MiB: memory grows with the grid", many>>20, few>>20)
	}
}

// A loop model swept by --sweep is looked for beside the policy file, as
// the file's own model: is, from any folder.
func TestSweptLoopModelIsFoundBesideThePolicyFile(t *testing.T) {
	dir := t.TempDir()
	model, err := os.ReadFile(filepath.Join("..", "..", "orchestrator", "policy", "loopmodel.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a.json", "b.json"} {
		if err := os.WriteFile(filepath.Join(dir, name), model, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	writeCase(t, dir, "echo", append(words(4), "bye [END]", "bye [END]", "[END]", "[END]", "[END]", "[END]", "[END]", "[END]"), "stop_after: 4\nstop_by: 8\n")
	pol := filepath.Join(dir, "policy.yaml")
	os.WriteFile(pol, []byte("termination:\n  any:\n    - max_messages: 50\n    - loop: {model: a.json}\n"), 0o600)
	code, out, errOut := parley(t, "check", "--policy", pol, "--sweep", "loop.model=a.json,b.json", dir)
	if code != exitOK || strings.Count(out, "1/1") != 2 {
		t.Fatalf("exit %d; want both models found and passing:\n%s%s", code, out, errOut)
	}
}
