package transcripts

import (
	"fmt"
	"io"
	"slices"

	"github.com/parleyhq/parley/internal/phrase"
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

// MarkdownLacks lists what t holds that parley's Markdown has no place
// for, a sentence each, so that a command writing t as Markdown says what
// the file leaves out rather than drop it without a word: an imported
// conversation's system prompt, the text before its first message, and
// the models its messages name. A run parley staged names its models in
// its JSONL, beside which its Markdown is written, and is not told of
// them. Each sentence ends with keep, a clause given "it" or "them" for
// its %s (such as "convert to .jsonl to keep %s").
func (t *Transcript) MarkdownLacks(keep string) []string {
	var out []string
	if t.Run != nil && t.Run.System != "" {
		out = append(out, "the system prompt has no place in Markdown; "+fmt.Sprintf(keep, "it"))
	}
	if t.Run != nil && t.Run.Preamble != "" {
		out = append(out, "the text before the first message has no place in Markdown; "+fmt.Sprintf(keep, "it"))
	}
	if t.Run != nil && t.Run.Footer != "" {
		out = append(out, "the exporter's footer after the last message has no place in Markdown; "+fmt.Sprintf(keep, "it"))
	}
	if t.Run == nil || len(t.Run.Agents) == 0 {
		var models []string
		for _, m := range t.Messages {
			if m.Model != "" && !slices.Contains(models, m.Model) {
				models = append(models, m.Model)
			}
		}
		if len(models) > 0 {
			out = append(out, fmt.Sprintf("the %s its messages name (%s) %s no place in Markdown; %s",
				phrase.Noun(len(models), "model", "models"), phrase.And(phrase.Quote(models)), phrase.Noun(len(models), "has", "have"), fmt.Sprintf(keep, phrase.Noun(len(models), "it", "them"))))
		}
	}
	return out
}
