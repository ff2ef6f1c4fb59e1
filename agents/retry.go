package agents

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

const (
	// maxBackoff caps the doubling wait between attempts.
	maxBackoff = 30 * time.Second
	// maxRetryAfter is the longest wait a server may ask for before the
	// agent gives up instead of waiting (a spent daily quota, say).
	maxRetryAfter = 10 * time.Minute
	// A refused connection (nothing listens at the address) to a server
	// that has not answered the agent yet is tried at most
	// refusedAttempts times, waiting refusedBackoff, then twice that: a
	// wrong port fails at once. Once the server has answered, a refusal is
	// a server being restarted, and gets the agent's usual retries and
	// backoff.
	refusedAttempts = 3
	refusedBackoff  = 250 * time.Millisecond
)

// backoff is the wait after failed attempt n (from 1): a server's
// Retry-After when it sent one, else Backoff doubled n-1 times, capped at
// maxBackoff, of which the upper half is random ("equal jitter").
func (a *OpenAI) backoff(n int, retryAfter time.Duration, hasRetryAfter bool) time.Duration {
	if hasRetryAfter {
		return retryAfter
	}
	base := a.cfg.Backoff
	if base <= 0 {
		base = DefaultBackoff
	}
	limit := max(maxBackoff, base)
	d := base
	for i := 1; i < n && d < limit; i++ {
		d *= 2
	}
	d = min(d, limit)
	return d/2 + time.Duration(a.jitter()*float64(d/2))
}

// parseRetryAfter reads how long a server asked the client to wait: the
// Retry-After header in seconds or as an HTTP date, or retry-after-ms as
// some providers send.
func parseRetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	if h == nil {
		return 0, false
	}
	if v := strings.TrimSpace(h.Get("Retry-After-Ms")); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && !math.IsNaN(ms) && !math.IsInf(ms, 0) {
			return seconds(ms / 1000), true
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil && !math.IsNaN(s) && !math.IsInf(s, 0) {
		return seconds(s), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// seconds converts s to a duration, clamped to [0, 30 days].
func seconds(s float64) time.Duration {
	const most = 30 * 24 * 3600
	s = min(max(s, 0), most)
	return time.Duration(s * float64(time.Second))
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// tooLong is the error when a server asks for a wait longer than
// maxRetryAfter.
func (a *OpenAI) tooLong(out outcome, wait time.Duration) error {
	return &Error{Agent: a.cfg.Name, Status: statusOf(out.fail), Err: a.scrub(out.fail),
		Sentence: fmt.Sprintf("%s: %s asks to wait %s before trying again (%s); try again later",
			a.cfg.Name, a.url, wait.Round(time.Second), out.reason)}
}
