package transcripts

import (
	"io"
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
// The Markdown writer marks it (see markdownSpeaker) and the reader reads
// the mark back into Origin (see parseSpeaker).
const markOpening = "(opening)"

// AppendMessage writes one message block in parley's Markdown layout, with
// its marks: (opening), (injected), (interrupted).
func AppendMessage(w io.Writer, m Message) error {
	return AppendMarkdownMessage(w, m)
}

// WriteFile writes a whole transcript in parley's Markdown layout, as a file
// made after the fact (convert, export): a **Started:** or **Ended:** line
// is written only when that time is known.
func WriteFile(w io.Writer, t *Transcript) error { return writeMarkdown(w, t, false) }
