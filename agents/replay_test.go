package agents

import (
	"strings"
	"testing"

	"github.com/parleyhq/parley/transcripts"
)

// A speaker a recording gives nothing to replay is named with the reason.
func TestNewReplaySaysWhyASpeakerHasNothingToReplay(t *testing.T) {
	rec := &transcripts.Transcript{Messages: []transcripts.Message{
		{Speaker: "Bob", Content: "Hello.", Origin: transcripts.OriginOpening},
		{Speaker: "Alice", Content: "hi there", Origin: transcripts.OriginAgent},
		{Speaker: "Carol", Content: "half a", Origin: transcripts.OriginAgent, Partial: true},
	}}
	cases := []struct {
		name, speaker, want string
		rec                 *transcripts.Transcript
	}{
		{"only the opening", "Bob", `rec.md has no replies by "Bob" to replay: its only messages by "Bob" are the opening, which a replay does not say again`, rec},
		{"only a message cut off", "Carol", `its only messages by "Carol" are a message cut off`, rec},
		{"the opening, a note and a message cut off", "Eve", `its only messages by "Eve" are the opening, a note and a message cut off, which a replay does not say again`,
			&transcripts.Transcript{Messages: []transcripts.Message{
				{Speaker: "Eve", Content: "Hello.", Origin: transcripts.OriginOpening},
				{Speaker: "Alice", Content: "hi there", Origin: transcripts.OriginAgent},
				{Speaker: "Eve", Content: "a note", Origin: transcripts.OriginModerator},
				{Speaker: "Eve", Content: "half a", Origin: transcripts.OriginAgent, Partial: true},
			}}},
		{"a name in another case", "alice", `rec.md has no messages by "alice"; did you mean "Alice"? (names are matched as written)`, rec},
		{"nobody of that name", "Dave", `rec.md has no messages by "Dave"; its speakers are "Bob", "Alice", "Carol"`, rec},
		// An export's conversation may hold none: it has no speakers to list.
		{"a recording of no messages", "Dave", `rec.md holds no messages, so none by "Dave" to replay; name a recording that holds some`, &transcripts.Transcript{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewReplay(tc.rec, "rec.md", tc.speaker, 0)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v; want %q", err, tc.want)
			}
		})
	}
	if r, err := NewReplay(rec, "rec.md", "Alice", 0); err != nil || r.Remaining() != 1 {
		t.Fatalf("Alice's replay: %v", err)
	}
}
