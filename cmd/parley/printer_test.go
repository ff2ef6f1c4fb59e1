package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/parleyhq/parley/orchestrator"
	"github.com/parleyhq/parley/orchestrator/batch"
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
		{"a judge's retry after a finished message", []orchestrator.Event{
			orchestrator.TurnStarted{Index: 2, Speaker: "A"},
			orchestrator.Delta{Index: 2, Speaker: "A", Text: "hi"},
			orchestrator.MessageFinished{Index: 2, Message: transcripts.Message{Speaker: "A", Content: "hi"}},
			orchestrator.Retrying{Index: 2, Speaker: "judge", Reason: "429 Too Many Requests", Attempt: 1, Max: 2, Wait: 3 * time.Second},
		}, "### A\n\nhi\n\n---\n\n\n[judge: 429 Too Many Requests; retrying in 3s (attempt 2 of 2)]\n\n"},
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

// A headless run prints model text as written when its output is piped
// (it is the transcript's layout), but on a terminal it drops the bytes
// the terminal would act on: a model's OSC 52 must not reach the
// clipboard, nor its escapes the screen. The transcript keeps them all.
func TestHeadlessRunOnATerminalDropsControlSequences(t *testing.T) {
	dir := t.TempDir()
	scenario := filepath.Join(dir, "s.yaml")
	os.WriteFile(scenario, []byte(`agents:
  - {name: A, type: scripted, lines: ["copy \e]52;c;aGk=\a this \e[2J\e[H now"]}
  - {name: B, type: scripted, lines: ["plain reply"]}
termination: {max_messages: 3}
`), 0o600)
	const sequence = "\x1b]52;c;aGk=\x07"

	var piped, errOut bytes.Buffer
	if code := run(context.Background(), []string{"run", scenario, "--no-tui", "--out", filepath.Join(dir, "piped")}, strings.NewReader(""), &piped, &errOut); code != exitOK {
		t.Fatalf("piped run: exit %d\n%s%s", code, piped.String(), errOut.String())
	}
	if !strings.Contains(piped.String(), sequence) {
		t.Fatalf("piped, the text is not printed as written:\n%q", piped.String())
	}

	t.Setenv("TERM", "xterm")
	shown := onTerminal(t, "run", scenario, "--no-tui", "--out", filepath.Join(dir, "tty"))
	if strings.ContainsAny(shown, "\x1b\x07") {
		t.Fatalf("control sequences reached the terminal:\n%q", shown)
	}
	if !strings.Contains(shown, "copy ]52;c;aGk= this [2J[H now") || !strings.Contains(shown, "plain reply") {
		t.Fatalf("the text around them is not shown:\n%q", shown)
	}
	mds, _ := filepath.Glob(filepath.Join(dir, "tty", "*.md"))
	if len(mds) != 1 {
		t.Fatalf("recorded %v", mds)
	}
	if md, _ := os.ReadFile(mds[0]); !strings.Contains(string(md), sequence) {
		t.Fatalf("the transcript lost the model's bytes:\n%q", md)
	}
	// show --no-tui prints the recording the same way.
	if shown := onTerminal(t, "show", mds[0], "--no-tui"); strings.ContainsAny(shown, "\x1b\x07") || !strings.Contains(shown, "copy ]52;c;aGk= this") {
		t.Fatalf("show printed to a terminal:\n%q", shown)
	}
}

// onTerminal runs parley with a pseudo-terminal as its standard output and
// returns what the terminal was sent; it skips the test where there is no
// pseudo-terminal, and fails it when parley does not exit 0.
func onTerminal(t *testing.T, args ...string) string {
	t.Helper()
	shown, errOut, code := runOnTerminal(t, false, args...)
	if code != exitOK {
		t.Fatalf("parley %s on a terminal: exit %d\n%s%s", strings.Join(args, " "), code, shown, errOut)
	}
	return shown
}

// runOnTerminal runs parley with a pseudo-terminal as its standard output
// (as its standard error, with stderr) and returns what the terminal was
// sent, what the other stream was, and the exit code; it skips the test
// where there is no pseudo-terminal.
func runOnTerminal(t *testing.T, stderr bool, args ...string) (shown, other string, code int) {
	t.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	read := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(ptmx)
		read <- b
	}()
	var rest bytes.Buffer
	out, errOut := io.Writer(tty), io.Writer(&rest)
	if stderr {
		out, errOut = &rest, tty
	}
	code = run(context.Background(), args, strings.NewReader(""), out, errOut)
	tty.Close()
	return string(<-read), rest.String(), code
}

// parley's last line, the error that ended the command, can quote what a
// provider or a file's name holds; on a terminal, bytes a terminal acts on
// are dropped from it, as from everything else parley prints there.
func TestTheErrorOnATerminalDropsControlSequences(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no\x1b]0;PWNED\x07such")
	t.Setenv("TERM", "xterm")
	shown, _, code := runOnTerminal(t, true, "check", missing)
	if code == exitOK || !strings.Contains(shown, "no]0;PWNEDsuch") {
		t.Fatalf("exit %d; the error does not name the path without its control bytes:\n%q", code, shown)
	}
	if strings.ContainsAny(shown, "\x1b\x07") {
		t.Fatalf("control sequences reached the terminal:\n%q", shown)
	}
}

// check's rows name speakers, and a transcript from elsewhere may name one
// with bytes a terminal acts on: piped, check prints the name as the file
// holds it; on a terminal it drops them, as a headless run and show do.
func TestCheckOnATerminalDropsControlSequences(t *testing.T) {
	const name = "Alpha\x1b]0;retitled\x07"
	var sb strings.Builder
	for range 20 {
		sb.WriteString("### " + name + " ###\nThank you so much, goodbye my friend, farewell [END]\n\n### Beta ###\nThank you, goodbye, farewell friend [END]\n\n")
	}
	path := filepath.Join(t.TempDir(), "looped.md")
	if err := os.WriteFile(path, []byte(sb.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	code, piped, errOut := parley(t, "check", path)
	if code != exitOK || !strings.Contains(piped, name+", ") {
		t.Fatalf("piped check: exit %d, the name not in its row as the file holds it:\n%q\n%s", code, piped, errOut)
	}
	t.Setenv("TERM", "xterm")
	shown := onTerminal(t, "check", path)
	if strings.ContainsAny(shown, "\x1b\x07") {
		t.Fatalf("control sequences reached the terminal:\n%q", shown)
	}
	if !strings.Contains(shown, "Alpha]0;retitled, ") {
		t.Fatalf("the name's text is not shown:\n%q", shown)
	}
}

// A batch's progress lines quote what providers and judges wrote (a failed
// conversation's error body, a judge's reason): on a terminal, among the
// sequences parley draws its own line with, those keep none of theirs.
func TestBatchProgressDropsControlSequencesFromWhatOthersWrote(t *testing.T) {
	for _, tty := range []bool{true, false} {
		var b bytes.Buffer
		r := &batch.Runner{}
		stop := showProgress(&b, &batch.Progress{}, r, tty, nil)
		r.OnFinish(batch.Result{ID: "0001", Title: "A ↔ B\x1b]0;title\x07", State: batch.StateFailed,
			Error: "bad gateway: \x1b]52;c;aGk=\x07 \x1b[2J", Stop: transcripts.Stop{Reason: "the judge says \x1b[31mstop\x1b[0m"}})
		stop()
		got := strings.ReplaceAll(b.String(), "\r\x1b[K", "") // parley's own redraw
		if strings.ContainsAny(got, "\x1b\x07\r") {
			t.Errorf("tty %v: the progress output holds control characters: %q", tty, got)
		}
		if want := "]52;c;aGk="; tty && !strings.Contains(got, want) {
			t.Errorf("tty %v: the error's text is gone, not only its escapes: %q", tty, got)
		}
		if want := "the judge says [31mstop[0m"; !tty && !strings.Contains(got, want) {
			t.Errorf("tty %v: the reason's text is gone, not only its escapes: %q", tty, got)
		}
	}
}

// On a terminal, a conversation that ended with empty replies is named
// above the progress line, as a failed one is; its count goes in the
// line printed elsewhere.
func TestBatchProgressNamesAConversationWithEmptyReplies(t *testing.T) {
	for _, tty := range []bool{true, false} {
		var b bytes.Buffer
		r := &batch.Runner{}
		stop := showProgress(&b, &batch.Progress{}, r, tty, nil)
		r.OnFinish(batch.Result{ID: "0001", Title: "A ↔ B", State: batch.StateDone, Messages: 5, EmptyReplies: 1})
		r.OnFinish(batch.Result{ID: "0002", Title: "A ↔ B", Run: 2, State: batch.StateDone, Messages: 5})
		stop()
		got := b.String()
		if want := "0001 (A ↔ B, run 1) done"; !strings.Contains(got, want) || !strings.Contains(got, "5 messages, 1 of them an empty reply") {
			t.Errorf("tty %v: the output does not name the conversation with its empty reply: %q", tty, got)
		}
		if strings.Contains(got, "0002 (A ↔ B, run 2) done with") {
			t.Errorf("tty %v: a conversation without an empty reply is named for one: %q", tty, got)
		}
	}
}
