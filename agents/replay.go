package agents

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/parleyhq/parley/internal/phrase"
	"github.com/parleyhq/parley/transcripts"
)

// Replay re-speaks one speaker's messages from a recorded transcript, in
// order, whatever the other side says. It streams each message in small
// pieces at Pace, so a live view shows it arriving; a zero pace is instant.
// When the recording runs out it yields ErrExhausted.
type Replay struct {
	Scripted
	Source  string // the transcript it replays, for messages
	Speaker string

	opening    string // the recording's message 1, when it is Speaker's
	hasOpening bool
	openingIn  bool // the opening is lines[0] (an unmarked recording)
}

// NewReplay builds a replay of speaker's messages in t. source names the
// transcript in errors.
func NewReplay(t *transcripts.Transcript, source, speaker string, pace time.Duration) (*Replay, error) {
	var lines []string
	for _, m := range t.Messages {
		// The opening was never the speaker's reply: parley hands it over
		// itself, as message 1, when the replay is staged.
		if m.Speaker == speaker && m.Origin != transcripts.OriginModerator && m.Origin != transcripts.OriginOpening && !m.Partial {
			lines = append(lines, m.Content)
		}
	}
	if len(lines) == 0 {
		return nil, noLines(t, source, speaker)
	}
	r := &Replay{Source: source, Speaker: speaker}
	r.lines, r.Pace = lines, pace
	if len(t.Messages) > 0 && t.Messages[0].Speaker == speaker && !t.Messages[0].Partial {
		switch t.Messages[0].Origin {
		case transcripts.OriginOpening:
			r.opening, r.hasOpening = t.Messages[0].Content, true
		case transcripts.OriginAgent:
			r.opening, r.hasOpening, r.openingIn = t.Messages[0].Content, true, true
		}
	}
	return r, nil
}

// TakeOpening is for a replay seated on the side that does not open: when
// the recording's message 1 is this speaker's, it is the conversation's
// opening (the seed's system records its initial message that way, and
// parley marks its own), which the other side answered. TakeOpening
// returns it and moves past it, so the replay's first reply is the
// speaker's next message, whether the opening it returns is handed over
// or a scenario's own opening takes its place. Call it before Skip.
func (r *Replay) TakeOpening() (string, bool) {
	if !r.hasOpening {
		return "", false
	}
	if r.openingIn {
		r.Skip(1)
	}
	return r.opening, true
}

// noLines says why a recording gives speaker nothing to replay: it never
// speaks (perhaps a name spelt in another case), or speaks only the
// opening, notes or a message cut off, none of which a replay re-speaks.
func noLines(t *transcripts.Transcript, source, speaker string) error {
	if len(t.Messages) == 0 {
		return fmt.Errorf("%s holds no messages, so none by %q to replay; name a recording that holds some", source, speaker)
	}
	var kinds []string
	for _, m := range t.Messages {
		if m.Speaker != speaker {
			continue
		}
		kind := "a note"
		switch {
		case m.Partial:
			kind = "a message cut off"
		case m.Origin == transcripts.OriginOpening:
			kind = "the opening"
		}
		if !slices.Contains(kinds, kind) {
			kinds = append(kinds, kind)
		}
	}
	if len(kinds) > 0 {
		return fmt.Errorf("%s has no replies by %q to replay: its only messages by %q are %s, which a replay does not say again", source, speaker, speaker, phrase.And(kinds))
	}
	for _, name := range t.Speakers() {
		if strings.EqualFold(name, speaker) {
			return fmt.Errorf("%s has no messages by %q; did you mean %q? (names are matched as written)", source, speaker, name)
		}
	}
	return fmt.Errorf("%s has no messages by %q; its speakers are %s", source, speaker, quoteList(t.Speakers()))
}

func quoteList(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}
