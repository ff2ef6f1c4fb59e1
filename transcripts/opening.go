package transcripts

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// The opening is message 1 of a conversation parley stages: what the first
// speaker was shown first (the scenario's opening:, or the cue parley sends
// when the opening is blank), recorded under the other seat's name, since it
// is handed over as if that side had said it. The system that recorded
// the seed numbers its initial message 1 the same way, so message numbers
// in parley's recordings, in the seed and in the labelled corpus agree.
//
// In Markdown the opening's heading is marked like injected messages:
//
//	### grok-4 (opening)
//
// Every Markdown writer in this package marks it and Parse reads the mark
// back into Origin.
const markOpening = "(opening)"

// withOpeningMark is m as its Markdown heading needs it.
func withOpeningMark(m Message) Message {
	if m.Origin == OriginOpening {
		m.Speaker += " " + markOpening
	}
	return m
}

// readOpeningMarks turns "Speaker (opening)" headings back into openings.
func readOpeningMarks(t *Transcript) {
	for i := range t.Messages {
		m := &t.Messages[i]
		if s, ok := strings.CutSuffix(m.Speaker, " "+markOpening); ok && m.Origin == OriginAgent {
			m.Speaker, m.Origin = s, OriginOpening
		}
	}
}

// AppendMessage writes one message block in parley's Markdown layout, with
// its marks: (opening), (injected), (interrupted).
func AppendMessage(w io.Writer, m Message) error {
	return AppendMarkdownMessage(w, withOpeningMark(m))
}

// WriteFile writes a whole transcript in parley's Markdown layout, as a file
// made after the fact (convert, export): a **Started:** or **Ended:** line
// is written only when that time is known.
func WriteFile(w io.Writer, t *Transcript) error { return writeMarkdown(w, t, false) }

// writeMarkdown writes t. live keeps blank **Started:**/**Ended:** lines,
// the layout of a recording still being written.
func writeMarkdown(w io.Writer, t *Transcript, live bool) error {
	bw := bufio.NewWriter(w)
	var err error
	if live {
		err = MarkdownHeader(bw, t.Title, t.Started, t.Ended, len(t.Messages))
	} else {
		fmt.Fprintf(bw, "# %s\n\n", t.Title)
		if !t.Started.IsZero() {
			fmt.Fprintf(bw, "**Started:** %s\n", formatTime(t.Started))
		}
		if !t.Ended.IsZero() {
			fmt.Fprintf(bw, "**Ended:** %s\n", formatTime(t.Ended))
		}
		// A bufio.Writer keeps its first error; Flush below reports it.
		fmt.Fprintf(bw, "**Messages:** %d\n\n---\n\n", len(t.Messages))
	}
	if err != nil {
		return err
	}
	for _, m := range t.Messages {
		if err := AppendMessage(bw, m); err != nil {
			return err
		}
	}
	return bw.Flush()
}
