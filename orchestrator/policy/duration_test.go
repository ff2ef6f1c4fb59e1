package policy

import (
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/transcripts"
)

// max_duration counts the time a conversation ran: each session's span,
// not the hours between a run and its resume, when parley was not running
// it, nor the span of the messages a fork kept from its parent. Its reason
// says durations as people do.
func TestMaxDurationCountsTheSessionsSpans(t *testing.T) {
	t0 := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	msg := func(session int, from, to time.Duration) transcripts.Message {
		return transcripts.Message{Speaker: "A", Content: "x", Session: session, Started: t0.Add(from), Ended: t0.Add(to)}
	}
	s := time.Second
	// A run of 25 s, then a resume 90 s later that runs 30 s.
	msgs := []transcripts.Message{
		msg(0, 0, 2*s), msg(0, 2*s, 10*s), msg(0, 10*s, 25*s),
		msg(1, 115*s, 130*s), msg(1, 130*s, 145*s),
	}
	for _, c := range []struct {
		n    int
		d    time.Duration
		stop bool
		why  string
	}{
		{3, 30 * s, false, ""},
		{4, time.Minute, false, ""}, // 25 s + 15 s, not 130 s
		{5, time.Minute, false, ""}, // 25 s + 30 s
		{5, 50 * s, true, "ran for 55s, past its limit of 50s"},
		{5, 111 * s / 3, true, "ran for 55s, past its limit of 37s"},
	} {
		v := (MaxDuration{D: c.d}).Check(msgs[:c.n])
		if v.Stop != c.stop || !strings.Contains(v.Reason, c.why) {
			t.Errorf("%d messages under %s: stop %v (%s); want %v (%s)", c.n, c.d, v.Stop, v.Reason, c.stop, c.why)
		}
	}
	long := []transcripts.Message{msg(0, 0, 111*s)}
	if v := (MaxDuration{D: time.Minute}).Check(long); !strings.HasSuffix(v.Reason, "ran for 1m51s, past its limit of 1m") {
		t.Errorf("reason %q; want durations as people say them", v.Reason)
	}
	// A fork's kept messages span five hours; its own, 20 s.
	fork := []transcripts.Message{msg(3, 0, time.Hour), msg(3, 5*time.Hour, 5*time.Hour+s)}
	for i := range fork {
		fork[i].Inherited = true
	}
	fork = append(fork, msg(0, 6*time.Hour, 6*time.Hour+20*s))
	if v := (MaxDuration{D: time.Minute}).Check(fork); v.Stop || v.Progress[0].Count != 20 {
		t.Errorf("a fork's own 20 s: stop %v, %d s counted (%s)", v.Stop, v.Progress[0].Count, v.Reason)
	}
}
