package policy

import (
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/parleyhq/parley/transcripts"
)

// A rule set kept from one conversation to the next, as `parley check`
// keeps one per worker, judges each conversation exactly as a fresh parse
// of the same set would: where it stops, which rule fires and why.
func TestASetReusedAcrossConversationsJudgesEachAsAFreshOne(t *testing.T) {
	sets := []struct{ name, yaml string }{
		{"default", DefaultYAML},
		{"loop, stricter", "loop: {threshold: 0.5, count: 3, within: 5}"},
		{"repetition", "repetition: {threshold: 0.8, count: 2}"},
		{"stagnation", "stagnation: {count: 3}"},
		{"refusal", "refusal: {in_a_row: 2}"},
		{"end token", `end_token: {token: "[END]", exchanges: 2}`},
		{"every rule that reads the messages", `any:
  - min_messages: 3
  - all: [{repetition: {count: 2}}, {stagnation: {count: 2}}]
  - refusal: {in_a_row: 3}
  - stop_pattern: {pattern: "(?i)goodbye"}
  - end_token: {token: "[END]", exchanges: 1}
  - loop: {}`},
	}
	r := rand.New(rand.NewPCG(11, 12))
	var convs [][]transcripts.Message
	for range 80 {
		c := randomConversation(r, 2+r.IntN(40))
		if r.IntN(4) == 0 && len(convs) > 0 {
			// The start of the one before, then something else: a
			// conversation that shares messages with the last one judged.
			prev := convs[len(convs)-1]
			c = append(append([]transcripts.Message(nil), prev[:r.IntN(len(prev))]...), c...)
		}
		convs = append(convs, c)
	}
	for _, s := range sets {
		t.Run(s.name, func(t *testing.T) {
			kept, err := ParseYAML([]byte(s.yaml))
			if err != nil {
				t.Fatal(err)
			}
			fired := 0
			for i, c := range convs {
				fresh, _ := ParseYAML([]byte(s.yaml))
				wantAt, want := FirstStop(fresh, c)
				gotAt, got := FirstStop(kept, c)
				if gotAt != wantAt || got.Stop != want.Stop || got.Policy != want.Policy || got.Reason != want.Reason {
					t.Fatalf("conversation %d: the kept set stops at %d (%s: %q), a fresh one at %d (%s: %q)",
						i, gotAt, got.Policy, got.Reason, wantAt, want.Policy, want.Reason)
				}
				if wantAt > 0 {
					fired++
				}
			}
			if fired == 0 {
				t.Fatalf("%s never fired on %d conversations: the comparison proves nothing", s.name, len(convs))
			}
		})
	}
}

// A running conversation holds its rules for as long as it runs, and a
// batch runs a thousand at once: the default set, having judged a
// conversation's opening, holds a few KiB, not tables sized for a long
// conversation it may never have.
func TestAFreshDefaultSetIsSmall(t *testing.T) {
	opening := []transcripts.Message{{Speaker: "B", Content: "Hello.", Origin: transcripts.OriginOpening}}
	const sets = 200
	keep := make([]Policy, 0, sets)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range sets {
		p := Default()
		p.Check(opening)
		keep = append(keep, p)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(keep)
	if per := float64(after.HeapAlloc-before.HeapAlloc) / sets / 1024; per > 6 {
		t.Errorf("a default set holds %.1f KiB once it has judged an opening; want at most 6", per)
	}
}
