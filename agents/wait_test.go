package agents

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/agents/openaitest"
)

func TestRateLimitWaitsAreReportedAndNotIdle(t *testing.T) {
	srv := openaitest.Start(t, func(openaitest.Request) openaitest.Reply { return openaitest.Words("hi there") })
	lim := NewLimiter("local", Limit{PerMinute: 1, Window: 300 * time.Millisecond})
	client := &http.Client{Transport: NewTransport(nil, Route{BaseURL: srv.URL, Limiter: lim})}
	// An idle timeout shorter than the wait: waiting for the limit must not count as idle.
	a := NewOpenAI(OpenAIConfig{Name: "A", Model: "m", BaseURL: srv.URL, HTTPClient: client, IdleTimeout: 100 * time.Millisecond})
	history := []Message{{Role: RoleUser, Content: "hello"}}

	for i, wantWait := range []bool{false, true} {
		var waits []Wait
		var text strings.Builder
		for ch, err := range a.Reply(context.Background(), history) {
			if err != nil {
				t.Fatalf("reply %d: %v", i+1, err)
			}
			if ch.Retry != nil {
				t.Fatalf("reply %d retried (%s): a rate-limit wait counted as idle", i+1, ch.Retry.Reason)
			}
			if ch.Wait != nil {
				waits = append(waits, *ch.Wait)
			}
			text.WriteString(ch.Text)
		}
		if text.String() != "hi there" {
			t.Fatalf("reply %d = %q", i+1, text.String())
		}
		if !wantWait {
			if len(waits) != 0 {
				t.Fatalf("reply %d waited: %+v", i+1, waits)
			}
			continue
		}
		if len(waits) != 2 || waits[0].Over || !waits[1].Over {
			t.Fatalf("reply %d waits = %+v, want a start and an end", i+1, waits)
		}
		if waits[0].Duration <= 0 || waits[0].Duration > 300*time.Millisecond || waits[0].Reason != "local allows 1 request a 300ms" {
			t.Errorf("wait = %+v", waits[0])
		}
	}
}

// The clock ends an attempt when the server goes quiet, but not while it
// is paused; the request timeout ends it paused or not, whichever of the
// two comes first.
func TestIdleClockEndsAnAttempt(t *testing.T) {
	for _, c := range []struct {
		name        string
		idle, limit time.Duration
		paused      bool
		want        error
	}{
		{"quiet", 20 * time.Millisecond, time.Hour, false, errIdle},
		{"out of time", time.Hour, 20 * time.Millisecond, false, errRequestTimeout},
		{"out of time while paused", 10 * time.Millisecond, 60 * time.Millisecond, true, errRequestTimeout},
	} {
		ctx, cancel := context.WithCancelCause(context.Background())
		clock := newIdleClock(c.idle, c.limit, cancel)
		if c.paused {
			clock.pause()
		}
		select {
		case <-ctx.Done():
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: the clock never ended the attempt", c.name)
		}
		if got := context.Cause(ctx); got != c.want {
			t.Errorf("%s: ended with %v; want %v", c.name, got, c.want)
		}
		clock.stop()
	}
}
