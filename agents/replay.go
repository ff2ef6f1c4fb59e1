package agents

import (
	"fmt"
	"strings"
	"time"

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
}

// NewReplay builds a replay of speaker's messages in t. source names the
// transcript in errors.
func NewReplay(t *transcripts.Transcript, source, speaker string, pace time.Duration) (*Replay, error) {
	var lines []string
	for _, m := range t.Messages {
		if m.Speaker == speaker && m.Origin != transcripts.OriginModerator && !m.Partial {
			lines = append(lines, m.Content)
		}
	}
	if len(lines) == 0 {
		return nil, fmt.Errorf("%s has no messages by %q; its speakers are %s",
			source, speaker, quoteList(t.Speakers()))
	}
	r := &Replay{Source: source, Speaker: speaker}
	r.lines, r.Pace = lines, pace
	return r, nil
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
