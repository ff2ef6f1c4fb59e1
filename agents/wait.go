package agents

import (
	"context"
	"time"
)

// Wait is a pause before a request leaves parley: a rate limit, or a
// provider held back after a 429. Agents report it as a Chunk so the wait
// is shown live and recorded.
type Wait struct {
	Duration time.Duration // how long the wait is expected to last; 0 when it lasts until a request finishes
	Reason   string        // such as "openai allows 60 requests a minute"
	Over     bool          // the wait has ended and the request is leaving
}

// waitHooks are called around a wait by whatever makes a request wait.
type waitHooks struct {
	begin func(Wait)
	end   func()
}

type waitKey struct{}

// withWaitHooks returns ctx carrying hooks that a Limiter calls, on the
// requesting goroutine, when a request starts and stops waiting.
func withWaitHooks(ctx context.Context, begin func(Wait), end func()) context.Context {
	return context.WithValue(ctx, waitKey{}, &waitHooks{begin: begin, end: end})
}

func hooksFrom(ctx context.Context) *waitHooks {
	h, _ := ctx.Value(waitKey{}).(*waitHooks)
	return h
}

// WaitHooks returns what a limiter outside this package calls when it makes
// a request wait: begin when the wait starts, end when it is over (or ctx
// ends). Both are no-ops when the request came from no agent.
func WaitHooks(ctx context.Context) (begin func(Wait), end func()) {
	if h := hooksFrom(ctx); h != nil {
		return h.begin, h.end
	}
	return func(Wait) {}, func() {}
}
