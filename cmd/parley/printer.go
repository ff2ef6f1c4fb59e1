package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/parleyhq/parley/internal/controls"
	"github.com/parleyhq/parley/internal/phrase"
	"github.com/parleyhq/parley/orchestrator"
	"github.com/parleyhq/parley/transcripts"
)

// printInterval is how long streamed text may wait in the printer's buffer:
// short enough that the stream looks continuous, long enough that a fast
// stream costs one write every few milliseconds rather than one per delta.
const printInterval = 5 * time.Millisecond

// printer is the headless sink: it streams the conversation as plain text
// in the transcript's own Markdown layout, retries and notices on their own
// lines. Streamed text is buffered and written at most every printInterval
// (a timer writes what a pause in the stream leaves behind); every other
// event, and each message's end, is written before Handle returns.
type printer struct {
	mu       sync.Mutex
	w        *bufio.Writer
	timer    *time.Timer
	armed    bool   // the timer will flush
	err      error  // a write error from the timer, reported by the next Handle
	streamed bool   // text of the message in flight has been printed (none once it is finished)
	heading  string // the turn's "### Speaker" line, printed with its first text
}

func newPrinter(w io.Writer) *printer {
	p := &printer{w: bufio.NewWriterSize(w, 64<<10)}
	p.timer = time.AfterFunc(time.Hour, p.tick)
	p.timer.Stop()
	return p
}

var _ orchestrator.Sink = (*printer)(nil)

// head prints the turn's heading, once, before the first thing the turn
// prints.
func (p *printer) head() {
	if p.heading != "" {
		p.w.WriteString(p.heading)
		p.heading = ""
	}
}

func (p *printer) tick() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.armed = false
	if err := p.w.Flush(); err != nil && p.err == nil {
		p.err = err
	}
}

func (p *printer) Handle(e orchestrator.Event) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err != nil {
		return p.err
	}
	switch e := e.(type) {
	case orchestrator.Started:
		fmt.Fprintf(p.w, "# %s\n\n", e.Run.Title)
		for _, m := range e.Prior {
			transcripts.AppendMessage(p.w, m)
		}
	case orchestrator.TurnStarted:
		// Held until the turn brings something to print: a seat with
		// nothing left to say ends the run without a heading of its own.
		p.heading = fmt.Sprintf("### %s\n\n", e.Speaker)
		p.streamed = false
	case orchestrator.Delta:
		if e.Text != "" {
			p.head()
		}
		p.w.WriteString(e.Text)
		p.streamed = p.streamed || e.Text != ""
		if !p.armed {
			p.armed = true
			p.timer.Reset(printInterval)
		}
		return nil
	case orchestrator.Retrying:
		p.head()
		// A judge's retry comes between turns: the message it asks
		// about is finished and recorded, and nothing is discarded.
		discarded := ""
		if p.streamed && !e.Judge {
			discarded = "; the text above is discarded"
		}
		p.streamed = false
		fmt.Fprintf(p.w, "\n[%s: %s; retrying in %s (attempt %d of %d)%s]\n\n",
			e.Speaker, e.Reason, phrase.Wait(e.Wait), e.Attempt+1, e.Max, discarded)
	case orchestrator.MessageFinished:
		p.streamed = false
		if e.Message.Origin != transcripts.OriginAgent {
			transcripts.AppendMessage(p.w, e.Message)
			break
		}
		p.head()
		p.w.WriteString("\n\n---\n\n")
	case orchestrator.Notice:
		fmt.Fprintf(p.w, "[%s: %s]\n\n", e.Kind, e.Detail)
	case orchestrator.Stopped:
		if e.Partial != nil {
			p.head()
			p.w.WriteString("\n\n[interrupted]\n\n---\n\n")
		}
		p.heading = ""
		p.timer.Stop()
		p.armed = false
	}
	return p.w.Flush()
}

// terminalSafe returns w, or, when w is a terminal, a writer that passes on
// what w would show and drops what it would act on (see controls.Filter).
// Transcripts hold model text as the model wrote it, escape sequences
// included; piped or redirected, the text stays byte for byte what the
// transcript holds. Every command's standard error passes through one
// (newRoot).
func terminalSafe(w io.Writer) io.Writer {
	if isTerminal(w) {
		return controls.NewFilter(w)
	}
	return w
}

// isTerminal reports whether w is a terminal, whatever TERM says: a
// terminal TERM=dumb names cannot draw the live view (tui.CanDraw), but it
// still acts on the escape sequences it is sent.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
