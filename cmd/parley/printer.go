package main

import (
	"bufio"
	"fmt"
	"io"

	"github.com/parleyhq/parley/orchestrator"
	"github.com/parleyhq/parley/transcripts"
)

// printer is the headless sink: it streams the conversation as plain text
// in the transcript's own Markdown layout, retries and notices on their own
// lines. Output is buffered and flushed at each message boundary and at
// each delta's end, so a fast stream costs one write per delta at most.
type printer struct {
	w        *bufio.Writer
	streamed bool // text of the message in flight has been printed
}

func newPrinter(w io.Writer) *printer { return &printer{w: bufio.NewWriterSize(w, 64<<10)} }

var _ orchestrator.Sink = (*printer)(nil)

func (p *printer) Handle(e orchestrator.Event) error {
	switch e := e.(type) {
	case orchestrator.Started:
		fmt.Fprintf(p.w, "# %s\n\n", e.Run.Title)
		for _, m := range e.Prior {
			transcripts.AppendMessage(p.w, m)
		}
	case orchestrator.TurnStarted:
		fmt.Fprintf(p.w, "### %s\n\n", e.Speaker)
		p.streamed = false
	case orchestrator.Delta:
		p.w.WriteString(e.Text)
		p.streamed = p.streamed || e.Text != ""
	case orchestrator.Retrying:
		discarded := ""
		if p.streamed {
			discarded = "; the text above is discarded"
		}
		p.streamed = false
		fmt.Fprintf(p.w, "\n[%s: %s; retrying in %s (attempt %d of %d)%s]\n\n",
			e.Speaker, e.Reason, e.Wait.Round(100*1e6), e.Attempt+1, e.Max, discarded)
	case orchestrator.MessageFinished:
		if e.Message.Origin != transcripts.OriginAgent {
			transcripts.AppendMessage(p.w, e.Message)
			break
		}
		p.w.WriteString("\n\n---\n\n")
	case orchestrator.Notice:
		fmt.Fprintf(p.w, "[%s: %s]\n\n", e.Kind, e.Detail)
	case orchestrator.Stopped:
		if e.Partial != nil {
			p.w.WriteString("\n\n[interrupted]\n\n---\n\n")
		}
	}
	return p.w.Flush()
}
