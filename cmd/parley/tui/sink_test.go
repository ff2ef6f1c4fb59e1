package tui

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"go.uber.org/goleak"

	"github.com/parleyhq/parley/agents"
	"github.com/parleyhq/parley/orchestrator"
	"github.com/parleyhq/parley/orchestrator/policy"
	"github.com/parleyhq/parley/transcripts"
)

func TestSinkJoinsDeltasAndKeepsOrder(t *testing.T) {
	defer goleak.VerifyNone(t)
	release := make(chan struct{})
	var mu sync.Mutex
	var got []item
	sends := 0
	s := NewSink(func(msg tea.Msg) {
		if sends == 0 {
			<-release // the program is busy: the first send blocks
		}
		mu.Lock()
		sends++
		got = append(got, msg.(eventsMsg)...)
		mu.Unlock()
	}, SinkOptions{Frame: time.Millisecond, Paths: func() (string, string) { return "a.md", "a.jsonl" }})

	var want strings.Builder
	handled := make(chan struct{})
	go func() {
		defer close(handled)
		s.Handle(orchestrator.TurnStarted{Index: 1, Speaker: "A"})
		for i := 0; i < 10000; i++ {
			s.Handle(orchestrator.Delta{Index: 1, Speaker: "A", Text: "tok "})
		}
		s.Handle(orchestrator.MessageFinished{Index: 1})
		s.Handle(orchestrator.Stopped{})
	}()
	select {
	case <-handled: // Handle never waited for the blocked send
	case <-time.After(10 * time.Second):
		t.Fatal("Handle blocked while the program was busy")
	}
	close(release)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		t.Fatal("the sink did not stop after Stopped")
	}
	for i := 0; i < 10000; i++ {
		want.WriteString("tok ")
	}
	var text strings.Builder
	var kinds []string
	for _, it := range got {
		switch e := it.ev.(type) {
		case orchestrator.TurnStarted:
			kinds = append(kinds, "turn")
		case orchestrator.Delta:
			if len(kinds) == 0 || kinds[len(kinds)-1] != "delta" {
				kinds = append(kinds, "delta")
			}
			text.WriteString(e.Text)
		case orchestrator.MessageFinished:
			kinds = append(kinds, "finished")
		case orchestrator.Stopped:
			kinds = append(kinds, "stopped")
			if it.md != "a.md" || it.jsonl != "a.jsonl" {
				t.Errorf("Stopped carries paths %q %q", it.md, it.jsonl)
			}
		}
	}
	if text.String() != want.String() {
		t.Errorf("delta text lost or reordered: %d bytes, want %d", text.Len(), want.Len())
	}
	if strings.Join(kinds, ",") != "turn,delta,finished,stopped" {
		t.Errorf("event order = %v", kinds)
	}
	if len(got) > 100 {
		t.Errorf("10000 deltas reached the view as %d items; they should be joined", len(got))
	}
	s.Close()
}

func TestSinkCloseStopsIt(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := NewSink(func(tea.Msg) {}, SinkOptions{})
	s.Handle(orchestrator.Delta{Index: 1, Text: "x"})
	s.Close()
	s.Close() // twice is fine
}

func TestSinkCopiesSlices(t *testing.T) {
	defer goleak.VerifyNone(t)
	got := make(chan eventsMsg, 1)
	s := NewSink(func(msg tea.Msg) { got <- msg.(eventsMsg) }, SinkOptions{})
	defer s.Close()
	ps := []policy.Progress{{Label: "messages", Count: 1, Limit: 2}}
	s.Handle(orchestrator.Progress{Index: 1, Progress: ps})
	ps[0].Count = 99 // the orchestrator may reuse its slice
	b := <-got
	if c := b[0].ev.(orchestrator.Progress).Progress[0].Count; c != 1 {
		t.Fatalf("the sink kept the caller's slice: count %d", c)
	}
}

// scriptedConfig is a small conversation with a deterministic clock, so
// two runs of it record byte-identical files.
func scriptedConfig() orchestrator.Config {
	clock := t0
	a := agents.NewScripted([]string{"Hello 👋 **there**.", "Let's talk about\n\n- lists\n- and more", "Goodbye [END]"}, time.Millisecond)
	b := agents.NewScripted([]string{"Hi! 🚀", "### A heading\nwith `code` — and ↔", "Bye [END]"}, time.Millisecond)
	a.PieceRunes, b.PieceRunes = 3, 3
	return orchestrator.Config{
		Run:    transcripts.Run{Title: "A ↔ B", Scenario: "title: A ↔ B"},
		Seats:  [2]orchestrator.Seat{{Name: "A", Agent: a, Model: "script-a"}, {Name: "B", Agent: b, Model: "script-b"}},
		Policy: policy.Any{policy.MaxMessages{N: 10}, policy.EndToken{Token: "[END]", Exchanges: 1}},
		Now:    func() time.Time { clock = clock.Add(time.Millisecond); return clock },
	}
}

// TestLiveViewRecordsWhatHeadlessRecords runs one scripted scenario twice,
// headless and through the live view driven by a real bubbletea program
// (keys pressed while it runs), and compares the transcript files.
func TestLiveViewRecordsWhatHeadlessRecords(t *testing.T) {
	headless := filepath.Join(t.TempDir(), "headless")
	rec1 := &orchestrator.Recorder{Dir: headless}
	if _, err := orchestrator.New(scriptedConfig()).Run(context.Background(), rec1); err != nil {
		t.Fatal(err)
	}

	live := filepath.Join(t.TempDir(), "live")
	rec2 := &orchestrator.Recorder{Dir: live}
	conv := orchestrator.New(scriptedConfig())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m := New(Config{Control: conv, Cancel: cancel, Renderer: renderer(0)})
	p := tea.NewProgram(m, tea.WithInput(nil), tea.WithOutput(io.Discard), tea.WithoutSignalHandler())
	sink := NewSink(p.Send, SinkOptions{Paths: rec2.Paths})
	defer sink.Close()
	progDone := make(chan error, 1)
	go func() { _, err := p.Run(); progDone <- err }()
	p.Send(tea.WindowSizeMsg{Width: 50, Height: 12})
	for _, k := range []string{"r", "?", "up", "pgup", "home", "end", "r"} {
		p.Send(keyMsg(k))
	}
	stop, err := conv.Run(ctx, rec2, sink)
	if err != nil {
		t.Fatal(err)
	}
	if stop.Kind != transcripts.StopPolicy {
		t.Fatalf("stop = %+v", stop)
	}
	<-sink.done // Stopped has reached the program
	p.Send(keyMsg("q"))
	select {
	case err := <-progDone:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the program did not quit")
	}

	for _, pair := range [][2]func(*orchestrator.Recorder) string{
		{func(r *orchestrator.Recorder) string { md, _ := r.Paths(); return md }},
		{func(r *orchestrator.Recorder) string { _, jl := r.Paths(); return jl }},
	} {
		a, err := os.ReadFile(pair[0](rec1))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(pair[0](rec2))
		if err != nil {
			t.Fatal(err)
		}
		if len(a) == 0 || string(a) != string(b) {
			t.Errorf("%s and %s differ:\n--- headless ---\n%s\n--- live ---\n%s",
				pair[0](rec1), pair[0](rec2), a, b)
		}
	}
	// And the view showed the whole conversation and the stop.
	if m.stopped == nil || len(m.entries) != 7 { // the opening and six replies
		t.Errorf("view saw %d messages, stopped %v", len(m.entries), m.stopped != nil)
	}
}
