package agents

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/parleyhq/parley/internal/phrase"
)

// Limit bounds the requests parley sends to one provider or endpoint. It is
// shared by every conversation running in the process. Zero fields mean no
// bound.
type Limit struct {
	// Concurrent is the most requests in flight at once. A streamed reply
	// is in flight until its body is closed.
	Concurrent int
	// PerMinute is the most requests started in any Window.
	PerMinute int
	// Window is the span PerMinute counts over (0: one minute).
	Window time.Duration
	// Backoff is how long a 429 that names no wait (no Retry-After or
	// retry-after-ms header) to a request no agent sent holds every
	// request to the provider (0: one second). It doubles with each 429
	// in a row, up to a minute. A 429 to an agent's request holds the
	// provider for the wait the agent announces, from its own backoff
	// (see ThrottleWait).
	Backoff time.Duration
}

// LimiterStats counts what a Limiter did.
type LimiterStats struct {
	Name        string        `json:"name"`
	Requests    int           `json:"requests"`
	Waited      int           `json:"waited"`    // requests that had to wait for a slot
	WaitTotal   time.Duration `json:"wait_ns"`   // the time they waited, summed
	Throttled   int           `json:"throttled"` // 429 responses, each of which held the whole provider
	MaxInFlight int           `json:"max_in_flight"`
}

// Limiter enforces one Limit. Its methods are safe for concurrent use.
type Limiter struct {
	name  string
	limit Limit

	mu        sync.Mutex
	inFlight  int
	starts    []time.Time // start times within the window, oldest first
	heldUntil time.Time   // a 429 holds every request until then
	strikes   int         // 429s in a row
	changed   chan struct{}
	stats     LimiterStats
}

// NewLimiter returns a limiter named name (a provider or base URL, used in
// stats and wait reasons, with any user and password redacted) enforcing l.
func NewLimiter(name string, l Limit) *Limiter {
	name = RedactURL(name)
	if l.Window <= 0 {
		l.Window = time.Minute
	}
	if l.Backoff <= 0 {
		l.Backoff = time.Second
	}
	return &Limiter{name: name, limit: l, changed: make(chan struct{}), stats: LimiterStats{Name: name}}
}

// Acquire waits until a request may start, then counts it as started and in
// flight; Release must follow. It returns ctx's error if ctx ends first.
func (l *Limiter) Acquire(ctx context.Context) error {
	waitedSince := time.Time{}
	hooks := hooksFrom(ctx)
	for {
		l.mu.Lock()
		now := time.Now()
		wait, why, blocked := l.waitLocked(now)
		if !blocked {
			l.inFlight++
			l.stats.Requests++
			l.stats.MaxInFlight = max(l.stats.MaxInFlight, l.inFlight)
			if l.limit.PerMinute > 0 {
				l.starts = append(l.starts, now)
			}
			if !waitedSince.IsZero() {
				l.stats.Waited++
				l.stats.WaitTotal += now.Sub(waitedSince)
			}
			l.mu.Unlock()
			if !waitedSince.IsZero() && hooks != nil {
				hooks.end()
			}
			return nil
		}
		changed := l.changed
		l.mu.Unlock()
		if waitedSince.IsZero() {
			waitedSince = now
			if hooks != nil {
				hooks.begin(Wait{Duration: wait, Reason: why})
			}
		}
		var timer *time.Timer
		var fired <-chan time.Time
		if wait > 0 {
			timer = time.NewTimer(wait)
			fired = timer.C
		}
		select {
		case <-ctx.Done():
		case <-changed:
		case <-fired:
		}
		if timer != nil {
			timer.Stop()
		}
		if err := ctx.Err(); err != nil {
			if hooks != nil {
				hooks.end()
			}
			return err
		}
	}
}

// waitLocked reports whether a request must wait now and, when the wait
// ends at a known time, for how long.
func (l *Limiter) waitLocked(now time.Time) (time.Duration, string, bool) {
	if now.Before(l.heldUntil) {
		return l.heldUntil.Sub(now), l.name + " is held back after a 429", true
	}
	if l.limit.PerMinute > 0 {
		cut := 0
		for cut < len(l.starts) && now.Sub(l.starts[cut]) >= l.limit.Window {
			cut++
		}
		l.starts = l.starts[cut:]
		if len(l.starts) >= l.limit.PerMinute {
			return l.starts[0].Add(l.limit.Window).Sub(now),
				fmt.Sprintf("%s allows %s a %s", l.name, phrase.Count(l.limit.PerMinute, "request", "requests"), windowName(l.limit.Window)), true
		}
	}
	if l.limit.Concurrent > 0 && l.inFlight >= l.limit.Concurrent {
		return 0, fmt.Sprintf("%s allows %s at once", l.name, phrase.Count(l.limit.Concurrent, "request", "requests")), true // until a release
	}
	return 0, "", false
}

// Release ends a request Acquire started.
func (l *Limiter) Release() {
	l.mu.Lock()
	l.inFlight--
	l.broadcastLocked()
	l.mu.Unlock()
}

func (l *Limiter) broadcastLocked() {
	close(l.changed)
	l.changed = make(chan struct{})
}

// Throttled records a 429: every request to the provider waits wait when
// named is true (as ThrottleWait gives it; 0 holds nothing back), or the
// limiter's backoff when nothing named a wait. A hold already longer is
// kept. A wait longer than an agent waits out (maxRetryAfter: a spent
// daily quota) holds nothing back: each request is told so at once, by
// its own 429, as the one that got this answer was, where held it would
// sit out its whole timeout and fail saying it was slow. It returns when
// the provider's hold ends (zero: none).
func (l *Limiter) Throttled(wait time.Duration, named bool) time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stats.Throttled++
	if wait > maxRetryAfter {
		return time.Time{}
	}
	l.strikes++
	if !named {
		wait = l.limit.Backoff << min(l.strikes-1, 6)
		wait = min(wait, time.Minute)
	}
	if until := time.Now().Add(wait); wait > 0 && until.After(l.heldUntil) {
		l.heldUntil = until
	}
	return l.heldUntil
}

// ThrottleWait is how long a 429, resp, to req holds back every request
// to its provider: the wait the answer names (Retry-After or
// retry-after-ms, of which 0 holds nothing back), else, for a request an
// agent sent, the wait the agent announces before it asks again, from its
// backoff: (so agents of one provider with backoffs of their own each hold
// it for their own). named is false when neither says: a request no agent
// sent, answered with no wait, whose holder picks the wait.
func ThrottleWait(req *http.Request, resp *http.Response) (wait time.Duration, named bool) {
	if wait, named = parseRetryAfter(resp.Header, time.Now()); named {
		return wait, true
	}
	if at, _ := req.Context().Value(attemptKey{}).(*attempt); at != nil && at.pause > 0 {
		return at.pause, true
	}
	return 0, false
}

// Succeeded records a request the provider accepted, ending a run of 429s.
func (l *Limiter) Succeeded() {
	l.mu.Lock()
	l.strikes = 0
	l.mu.Unlock()
}

// Stats returns what the limiter has counted so far.
func (l *Limiter) Stats() LimiterStats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.stats
}

// Route sends requests for one base URL through a shared Limiter and spreads
// them across replicas of the same model.
type Route struct {
	// BaseURL is the base URL agents are configured with; requests whose
	// URL starts with it take this route.
	BaseURL string
	// Replicas are the base URLs serving the same model; empty means
	// BaseURL alone. Requests go to the healthy replica with the fewest in
	// flight.
	Replicas []string
	// Limiter, when set, bounds the route's requests. Several routes may
	// share one, as every base URL of one provider does.
	Limiter *Limiter
	// CoolDown is how long a replica that refused a connection or answered
	// 5xx is left out (0: 30 seconds).
	CoolDown time.Duration
	// Key, when set, keeps the route to the requests of agents configured
	// with it (OpenAIConfig.Route): another agent addressed to the same
	// BaseURL takes the route without a key, and not these replicas.
	Key string
}

// ReplicaStats counts one replica's requests.
type ReplicaStats struct {
	BaseURL  string `json:"base_url"`
	Requests int    `json:"requests"`
	Failures int    `json:"failures"` // connection errors and 5xx answers
}

// Transport is an http.RoundTripper that applies Routes: shared limits per
// provider or endpoint, 429 backoff for the whole provider, and spreading
// across replicas with failover when a replica cannot be reached. Requests
// that match no route pass through unchanged.
type Transport struct {
	base   http.RoundTripper
	routes []*route // longest BaseURL first
}

var _ http.RoundTripper = (*Transport)(nil)

type route struct {
	prefix   string // the base URL less its query
	query    string // the base URL's query, which its agents' requests carry
	key      string // see Route.Key
	lim      *Limiter
	coolDown time.Duration

	mu       sync.Mutex
	replicas []*replica
	next     int
}

type replica struct {
	base      string // less its query
	query     string
	inFlight  int
	downUntil time.Time
	stats     ReplicaStats
}

// NewTransport returns a Transport sending through base (nil:
// http.DefaultTransport). Requests to an HTTPS host wait while another
// request's handshake with it is in progress, so that over HTTP/2 they
// share its connection instead of each opening one (see dialGate).
func NewTransport(base http.RoundTripper, routes ...Route) *Transport {
	if base == nil {
		base = http.DefaultTransport
	}
	t := &Transport{base: newDialGate(base)}
	for _, r := range routes {
		// A base URL's query (Azure's "?api-version=…") follows the path in
		// the requests sent (see Endpoint): routes match the address before
		// it, and each replica's requests carry its own.
		prefix, query := splitQuery(r.BaseURL)
		rt := &route{prefix: strings.TrimRight(prefix, "/"), query: query, key: r.Key, lim: r.Limiter, coolDown: r.CoolDown}
		if rt.coolDown <= 0 {
			rt.coolDown = 30 * time.Second
		}
		reps := r.Replicas
		if len(reps) == 0 {
			reps = []string{r.BaseURL}
		}
		for _, u := range reps {
			u = strings.TrimRight(u, "/")
			b, q := splitQuery(u)
			rt.replicas = append(rt.replicas, &replica{base: strings.TrimRight(b, "/"), query: q, stats: ReplicaStats{BaseURL: u}})
		}
		t.routes = append(t.routes, rt)
	}
	sort.SliceStable(t.routes, func(i, j int) bool { return len(t.routes[i].prefix) > len(t.routes[j].prefix) })
	return t
}

// CloseIdleConnections closes the pooled connections of the transport
// underneath, when it has any.
func (t *Transport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// Replicas returns each replica's counts, for the batch summary.
func (t *Transport) Replicas() []ReplicaStats {
	var out []ReplicaStats
	for _, r := range t.routes {
		r.mu.Lock()
		for _, rep := range r.replicas {
			out = append(out, rep.stats)
		}
		r.mu.Unlock()
	}
	return out
}

func (t *Transport) match(u, key string) (*route, string) {
	for _, r := range t.routes {
		if r.key != key {
			continue
		}
		if rest, ok := strings.CutPrefix(u, r.prefix); ok && (rest == "" || rest[0] == '/' || rest[0] == '?') {
			return r, rest
		}
	}
	if key != "" {
		return t.match(u, "") // a key no route has: the address decides
	}
	return nil, ""
}

// routeKey carries an agent's Route in its requests' contexts.
type routeKey struct{}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	key, _ := req.Context().Value(routeKey{}).(string)
	r, rest := t.match(req.URL.String(), key)
	if r == nil {
		return t.base.RoundTrip(req)
	}
	if r.lim != nil {
		if err := r.lim.Acquire(req.Context()); err != nil {
			if req.Body != nil {
				req.Body.Close()
			}
			return nil, err
		}
	}
	resp, rep, err := t.send(r, req, rest)
	if err != nil {
		if r.lim != nil {
			r.lim.Release()
		}
		return nil, err
	}
	if r.lim != nil {
		if resp.StatusCode == http.StatusTooManyRequests {
			// The wait the agent's own retry waits, so the provider
			// is held as long as the agent waits; the agent learns
			// of a longer hold, and waits that out instead.
			until := r.lim.Throttled(ThrottleWait(req, resp))
			if at, _ := req.Context().Value(attemptKey{}).(*attempt); at != nil {
				at.heldUntil = until
			}
		} else if resp.StatusCode < 300 {
			r.lim.Succeeded()
		}
	}
	resp.Body = &doneBody{ReadCloser: resp.Body, done: func(readErr error) {
		r.finish(rep, readErr != nil && req.Context().Err() == nil)
		if r.lim != nil {
			r.lim.Release()
		}
	}}
	return resp, nil
}

// send tries the healthy replicas in turn while connections fail; it
// returns the first answer any of them gives.
func (t *Transport) send(r *route, req *http.Request, rest string) (*http.Response, *replica, error) {
	// The replicas tried, in a slice rather than a map: a route has a
	// few, and a map would sit in the frame of every request.
	var tried []*replica
	var lastErr error
	for attempt := 0; ; attempt++ {
		rep := r.pick(tried)
		if rep == nil {
			return nil, nil, lastErr
		}
		tried = append(tried, rep)
		out, err := rewrite(req, rep.base+r.carry(rest, rep), attempt)
		if err != nil {
			r.finish(rep, false)
			if lastErr != nil {
				return nil, nil, lastErr
			}
			return nil, nil, err
		}
		resp, err := t.base.RoundTrip(out)
		if err == nil {
			if resp.StatusCode >= 500 {
				r.markDown(rep)
			}
			return resp, rep, nil
		}
		if req.Context().Err() != nil {
			r.finish(rep, false)
			return nil, nil, err
		}
		r.finish(rep, true)
		lastErr = err
		if req.GetBody == nil && req.Body != nil && req.Body != http.NoBody {
			return nil, nil, err // the body is spent; the caller's retry will pick another replica
		}
	}
}

// carry is what follows a replica's base URL in a request to it: rest, the
// path and query of the request addressed to the route, with the route's
// own query (which the agent added to every request) swapped for the
// replica's.
func (r *route) carry(rest string, rep *replica) string {
	if rep.query == r.query {
		return rest
	}
	if r.query != "" {
		if cut, ok := strings.CutSuffix(rest, r.query); ok && (strings.HasSuffix(cut, "?") || strings.HasSuffix(cut, "&")) {
			rest = cut[:len(cut)-1]
		}
	}
	return withQuery(rest, rep.query)
}

// rewrite clones req for target. Attempts after the first get a fresh body.
// A first attempt at the address req already has goes as it is: a batch
// holds each request for as long as its reply streams, and a copy would
// hold its headers and URL twice.
func rewrite(req *http.Request, target string, attempt int) (*http.Request, error) {
	if attempt == 0 && target == req.URL.String() {
		return req, nil
	}
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	out := req.Clone(req.Context())
	out.URL = u
	out.Host = ""
	if attempt > 0 && req.GetBody != nil {
		b, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		out.Body = b
	}
	return out, nil
}

// pick chooses the healthy replica with the fewest requests in flight,
// taking turns among equals, and counts the request on it. When every
// replica is cooling down it picks the one that comes back first.
func (r *route) pick(skip []*replica) *replica {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	var best, soonest *replica
	n := len(r.replicas)
	for i := range n {
		rep := r.replicas[(r.next+i)%n]
		if slices.Contains(skip, rep) {
			continue
		}
		if now.Before(rep.downUntil) {
			if soonest == nil || rep.downUntil.Before(soonest.downUntil) {
				soonest = rep
			}
			continue
		}
		if best == nil || rep.inFlight < best.inFlight {
			best = rep
		}
	}
	if best == nil {
		best = soonest
	}
	if best == nil {
		return nil
	}
	r.next = (r.next + 1) % n
	best.inFlight++
	best.stats.Requests++
	return best
}

func (r *route) finish(rep *replica, failed bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	rep.inFlight--
	if failed {
		rep.stats.Failures++
		rep.downUntil = time.Now().Add(r.coolDown)
	}
}

func (r *route) markDown(rep *replica) {
	r.mu.Lock()
	defer r.mu.Unlock()
	rep.stats.Failures++
	rep.downUntil = time.Now().Add(r.coolDown)
}

// doneBody calls done once, when the body is read to its end, fails or is
// closed. The end counts because go-openai reads an error answer to the
// end without closing it.
type doneBody struct {
	io.ReadCloser
	once sync.Once
	done func(readErr error)
}

func (b *doneBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil {
		var failed error
		if !errors.Is(err, io.EOF) {
			failed = err
		}
		b.once.Do(func() { b.done(failed) })
	}
	return n, err
}

func (b *doneBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(func() { b.done(nil) })
	return err
}

func windowName(w time.Duration) string {
	if w == time.Minute {
		return "minute"
	}
	return w.String()
}
