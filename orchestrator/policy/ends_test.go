package policy

import (
	"testing"

	"github.com/parleyhq/parley/transcripts"
)

// FirstStop stops a conversation only after one of its own messages: the
// messages a fork kept from its parent are read, but a rule they fire
// stops the fork only once its own messages fire it too.
func TestFirstStopPassesOverKeptMessages(t *testing.T) {
	msg := func(content string, kept bool) transcripts.Message {
		return transcripts.Message{Speaker: "A", Content: content, Inherited: kept}
	}
	cases := []struct {
		name string
		msgs []transcripts.Message
		want int
	}{
		{"no kept messages", []transcripts.Message{msg("hi", false), msg("STOP", false), msg("more", false)}, 2},
		{"the rule fires on a kept message only", []transcripts.Message{msg("hi", true), msg("STOP", true), msg("more", false)}, 0},
		{"and again on the fork's own", []transcripts.Message{msg("STOP", true), msg("new", false), msg("STOP again", false)}, 3},
		{"a rule still firing at the fork's first message", []transcripts.Message{msg("hi", true), msg("STOP", true), msg("STOP", false)}, 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := ParseYAML([]byte("stop_pattern: STOP"))
			if err != nil {
				t.Fatal(err)
			}
			if at, v := FirstStop(p, c.msgs); at != c.want {
				t.Errorf("stops at %d (%s); want %d", at, v.Reason, c.want)
			}
		})
	}
}
