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

// A loop rule given one conversation after another, as each of check's
// workers is, keeps each message's words, shapes and frames in room the
// conversations before it left: judging a conversation again allocates
// almost nothing, where a fresh rule allocates for every message.
func TestALoopRuleReusesItsRoom(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	a, b := randomConversation(r, 60), randomConversation(r, 40)
	kept := &Loop{}
	kept.Check(a)
	kept.Check(b)
	again := testing.AllocsPerRun(20, func() {
		kept.Check(a)
		kept.Check(b)
	})
	fresh := testing.AllocsPerRun(20, func() {
		p := &Loop{}
		p.Check(a)
		p.Check(b)
	})
	// A fresh rule allocates at least once for each of the 100 messages.
	if fresh < 100 || again > fresh-100 {
		t.Errorf("judging two conversations allocates %.0f times with a kept rule and %.0f with a fresh one; want at least one fewer for each of the 100 messages", again, fresh)
	}
	// And judges alike.
	at, v := FirstStop(kept, a)
	wantAt, want := FirstStop(&Loop{}, a)
	if at != wantAt || v.Reason != want.Reason {
		t.Errorf("the kept rule stops at %d (%q), a fresh one at %d (%q)", at, v.Reason, wantAt, want.Reason)
	}
}
