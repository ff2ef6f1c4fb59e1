package orchestrator

import (
	"context"
	"testing"
	"time"

	"github.com/parleyhq/parley/agents"
	"github.com/parleyhq/parley/orchestrator/policy"
	"github.com/parleyhq/parley/transcripts"
)

// A resumed run's messages carry its session, so max_duration counts the
// time each session ran and not the hour between the recording and its
// resume; the recorded messages keep theirs.
func TestAResumedRunsMessagesCarryItsSession(t *testing.T) {
	ago := time.Now().Add(-time.Hour)
	prior := []transcripts.Message{
		{Speaker: "B", Content: "hello", Origin: transcripts.OriginOpening, Started: ago, Ended: ago},
		{Speaker: "A", Content: "a0", Origin: transcripts.OriginAgent, Started: ago, Ended: ago.Add(time.Second)},
	}
	var got []transcripts.Message
	cfg := Config{
		Seats:   [2]Seat{{Name: "A", Agent: agents.NewScripted([]string{"a0", "a1", "a2"}, 0)}, {Name: "B", Agent: agents.NewScripted([]string{"b1", "b2"}, 0)}},
		Prior:   prior,
		Session: 1,
		Policy:  policy.Any{policy.MaxDuration{D: time.Minute}, policy.MaxMessages{N: 4}},
	}
	stop, err := New(cfg).Run(context.Background(), SinkFunc(func(e Event) error {
		if m, ok := e.(MessageFinished); ok {
			got = append(got, m.Message)
		}
		return nil
	}))
	if err != nil || stop.Policy != "max_messages" || stop.At != 4 {
		t.Fatalf("stop %+v, %v; want max_messages at 4, not max_duration at once", stop, err)
	}
	for _, m := range got {
		if m.Session != 1 {
			t.Errorf("message %q carries session %d, want 1", m.Content, m.Session)
		}
	}
}
