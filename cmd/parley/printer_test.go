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
