package main

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/orchestrator"
	"github.com/parleyhq/parley/transcripts"
)

// countingWriter counts the writes it is handed.
type countingWriter struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	writes int
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writes++
	return w.buf.Write(p)
}

func (w *countingWriter) state() (string, int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String(), w.writes
}

func TestPrinterCoalescesDeltas(t *testing.T) {
	w := &countingWriter{}
	p := newPrinter(w)
	p.Handle(orchestrator.TurnStarted{Index: 1, Speaker: "A"})
	_, before := w.state()
	for range 2000 {
		p.Handle(orchestrator.Delta{Index: 1, Speaker: "A", Text: "word "})
	}
	// Each message's end is written before Handle returns.
	p.Handle(orchestrator.MessageFinished{Index: 1, Message: transcripts.Message{Speaker: "A", Content: strings.Repeat("word ", 2000)}})
	out, writes := w.state()
	if !strings.Contains(out, strings.Repeat("word ", 2000)+"\n\n---\n\n") {
		t.Fatalf("the message is not all out when it finished:\n%q", out)
	}
	// One write per delta would be 2,000; a burst is written every few ms.
	if n := writes - before; n > 200 {
		t.Fatalf("2,000 deltas took %d writes; want them coalesced", n)
	}
	p.Handle(orchestrator.Stopped{})
}

func TestPrinterWritesAPausedStream(t *testing.T) {
	w := &countingWriter{}
	p := newPrinter(w)
	p.Handle(orchestrator.TurnStarted{Index: 1, Speaker: "A"})
	p.Handle(orchestrator.Delta{Index: 1, Speaker: "A", Text: "half a sentence"})
	// The stream pauses: what arrived is written soon all the same.
	deadline := time.Now().Add(5 * time.Second)
	for {
		if out, _ := w.state(); strings.HasSuffix(out, "half a sentence") {
			break
		}
		if time.Now().After(deadline) {
			out, _ := w.state()
			t.Fatalf("a delta followed by a pause was not written: %q", out)
		}
		time.Sleep(time.Millisecond)
	}
	p.Handle(orchestrator.Stopped{})
}

// A turn's heading is printed with the first thing the turn prints: a seat
// that has nothing left to say ends the run without a heading left
// dangling, and an empty reply still shows whose it was.
func TestPrinterHeadsOnlyTurnsThatPrint(t *testing.T) {
	cases := []struct {
		name   string
		events []orchestrator.Event
		want   string
	}{
		{"a reply", []orchestrator.Event{
			orchestrator.TurnStarted{Index: 2, Speaker: "A"},
			orchestrator.Delta{Index: 2, Speaker: "A", Text: "hi"},
			orchestrator.MessageFinished{Index: 2, Message: transcripts.Message{Speaker: "A", Content: "hi"}},
			orchestrator.Stopped{},
		}, "### A\n\nhi\n\n---\n\n"},
		{"a seat with nothing left", []orchestrator.Event{
			orchestrator.TurnStarted{Index: 2, Speaker: "A"},
			orchestrator.Stopped{Stop: transcripts.Stop{Kind: transcripts.StopExhausted}},
		}, ""},
		{"an empty reply", []orchestrator.Event{
			orchestrator.TurnStarted{Index: 2, Speaker: "A"},
			orchestrator.MessageFinished{Index: 2, Message: transcripts.Message{Speaker: "A"}},
		}, "### A\n\n\n\n---\n\n"},
		{"a retry before any text", []orchestrator.Event{
			orchestrator.TurnStarted{Index: 2, Speaker: "A"},
			orchestrator.Retrying{Index: 2, Speaker: "A", Reason: "the server answered 500", Attempt: 1, Max: 3, Wait: time.Second},
		}, "### A\n\n\n[A: the server answered 500; retrying in 1s (attempt 2 of 3)]\n\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			p := newPrinter(&b)
			for _, e := range c.events {
				if err := p.Handle(e); err != nil {
					t.Fatal(err)
				}
			}
			if b.String() != c.want {
				t.Errorf("printed %q; want %q", b.String(), c.want)
			}
		})
	}
}
