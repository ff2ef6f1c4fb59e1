package queue

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/parleyhq/parley/agents"
	"github.com/parleyhq/parley/configs"
	"github.com/parleyhq/parley/internal/lazy"
	"github.com/parleyhq/parley/internal/phrase"
)

// SharedLimiter bounds the requests every worker sends to one provider: at
// most PerMinute requests start in any Window (a sliding window, the same
// rule agents.Limiter applies within one process).
//
// The scheme is a sliding log kept in one key of the parley-limits bucket:
// the value lists the start times of the requests granted within the last
// Window, and when a 429 came, the time until which every worker holds off.
// To start a request a worker reads the key, drops the times older than
// Window, and, when fewer than PerMinute remain, appends now and writes the
// value back with the revision it read (compare-and-set). When another
// worker wrote first the write fails and the worker reads again; when the
// log is full it sleeps until the oldest time leaves the window. So no two
// workers ever both take the last free place, and the bound holds across
// every machine. Times are the workers' clocks: keep them synchronized
// (NTP); a clock that runs d ahead lets its requests start at most d early.
//
// The log holds at most PerMinute times, so each request moves one value
// of that size; the scheme suits provider limits up to a few thousand
// requests a minute.
type SharedLimiter struct {
	kv     jetstream.KeyValue
	key    string // the bucket key
	name   string // the provider or base URL
	limit  int
	window time.Duration

	mu    sync.Mutex
	stats SharedLimiterStats

	onGrant func(time.Time) // tests: hears each start as recorded
}

// SharedLimiterStats counts what one worker's SharedLimiter did.
type SharedLimiterStats struct {
	Name      string        `json:"name"`
	Requests  int           `json:"requests"`
	Waited    int           `json:"waited"`    // requests that waited for a free place
	WaitTotal time.Duration `json:"wait_ns"`   // the time they waited, summed
	Conflicts int           `json:"conflicts"` // writes another worker beat, each retried
	Throttled int           `json:"throttled"` // 429s this worker passed on to every worker
}

// limitState is the value stored for one provider.
type limitState struct {
	Starts    []int64 `json:"starts"`               // Unix nanoseconds, oldest first
	HeldUntil int64   `json:"held_until,omitempty"` // Unix nanoseconds
}

// NewSharedLimiter returns the limiter for name (a provider or base URL)
// allowing perMinute request starts in any window (0: one minute).
func (q *Queue) NewSharedLimiter(name string, perMinute int, window time.Duration) *SharedLimiter {
	if window <= 0 {
		window = time.Minute
	}
	shown := agents.RedactURL(name) // the key hashes the whole name; what is shown hides its secrets
	return &SharedLimiter{kv: q.limits, key: limitKey(name), name: shown, limit: perMinute, window: window,
		stats: SharedLimiterStats{Name: shown}}
}

var keyUnsafe = lazy.Regexp(`[^A-Za-z0-9_-]+`)

// limitKey makes a bucket key from a provider name or base URL: readable,
// and unique thanks to a short hash of the whole name.
func limitKey(name string) string {
	sum := sha256.Sum256([]byte(name))
	s := strings.Trim(keyUnsafe().ReplaceAllString(name, "_"), "_")
	if len(s) > 80 {
		s = s[:80]
	}
	return s + "-" + hex.EncodeToString(sum[:6])
}

// Acquire waits until a request may start under the shared limit and
// records its start. It returns ctx's error if ctx ends first.
func (l *SharedLimiter) Acquire(ctx context.Context) error {
	var waitedSince time.Time
	begin, end := agents.WaitHooks(ctx)
	defer func() {
		if !waitedSince.IsZero() {
			end()
		}
	}()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		st, rev, err := l.read(ctx)
		if err != nil {
			return err
		}
		now := time.Now()
		wait := st.wait(now, l.limit, l.window)
		if wait > 0 {
			if waitedSince.IsZero() {
				waitedSince = now
				begin(agents.Wait{Duration: wait, Reason: fmt.Sprintf("%s allows %s a minute across all workers", l.name, phrase.Count(l.limit, "request", "requests"))})
			}
			// A little jitter keeps the waiting workers from all writing
			// in the same instant.
			wait += time.Duration(rand.Int64N(int64(2 * time.Millisecond)))
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			case <-t.C:
			}
			continue
		}
		st.Starts = append(st.Starts, now.UnixNano())
		ok, err := l.write(ctx, st, rev)
		if err != nil {
			return err
		}
		if !ok {
			l.count(func(s *SharedLimiterStats) { s.Conflicts++ })
			continue
		}
		if l.onGrant != nil {
			l.onGrant(now)
		}
		l.count(func(s *SharedLimiterStats) {
			s.Requests++
			if !waitedSince.IsZero() {
				s.Waited++
				s.WaitTotal += now.Sub(waitedSince)
			}
		})
		return nil
	}
}

// wait drops the starts that left the window and says how long a new
// request must wait (0: it may start now).
func (st *limitState) wait(now time.Time, limit int, window time.Duration) time.Duration {
	n := now.UnixNano()
	if st.HeldUntil > n {
		return time.Duration(st.HeldUntil - n)
	}
	cut := sort.Search(len(st.Starts), func(i int) bool { return n-st.Starts[i] < int64(window) })
	st.Starts = st.Starts[cut:]
	if limit > 0 && len(st.Starts) >= limit {
		return time.Duration(st.Starts[len(st.Starts)-limit] + int64(window) - n)
	}
	return 0
}

// Throttled passes a 429 on to every worker: none starts a request to the
// provider for wait (0 holds none back). A hold already longer is kept.
func (l *SharedLimiter) Throttled(ctx context.Context, wait time.Duration) error {
	l.count(func(s *SharedLimiterStats) { s.Throttled++ })
	if wait <= 0 {
		return nil
	}
	until := time.Now().Add(wait).UnixNano()
	for {
		st, rev, err := l.read(ctx)
		if err != nil {
			return err
		}
		if st.HeldUntil >= until {
			return nil
		}
		st.HeldUntil = until
		ok, err := l.write(ctx, st, rev)
		if err != nil || ok {
			return err
		}
	}
}

func (l *SharedLimiter) read(ctx context.Context) (limitState, uint64, error) {
	var st limitState
	e, err := l.kv.Get(ctx, l.key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return st, 0, nil
	}
	if err != nil {
		return st, 0, fmt.Errorf("reading the shared limit for %s: %w", l.name, err)
	}
	if err := json.Unmarshal(e.Value(), &st); err != nil {
		// A value parley cannot read is replaced, not obeyed.
		return limitState{}, e.Revision(), nil
	}
	return st, e.Revision(), nil
}

// write stores st if the key is still at rev; ok is false when another
// worker wrote first.
func (l *SharedLimiter) write(ctx context.Context, st limitState, rev uint64) (bool, error) {
	data, err := json.Marshal(st)
	if err != nil {
		return false, err
	}
	if rev == 0 {
		_, err = l.kv.Create(ctx, l.key, data)
	} else {
		_, err = l.kv.Update(ctx, l.key, data, rev)
	}
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, jetstream.ErrKeyExists), errors.Is(err, jetstream.ErrKeyRevisionMismatch):
		return false, nil
	case isWrongLastSequence(err):
		return false, nil
	}
	return false, fmt.Errorf("updating the shared limit for %s: %w", l.name, err)
}

func isWrongLastSequence(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && (apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence || apiErr.ErrorCode == 10164)
}

func (l *SharedLimiter) count(f func(*SharedLimiterStats)) {
	l.mu.Lock()
	f(&l.stats)
	l.mu.Unlock()
}

// Stats returns what this worker's limiter counted.
func (l *SharedLimiter) Stats() SharedLimiterStats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.stats
}

// sharedRoute sends requests whose URL starts with prefix through lim.
type sharedRoute struct {
	prefix string
	lim    *SharedLimiter
}

// sharedTransport applies shared limits to each request it sends. It sits
// under agents.Transport (see batch.NewHTTPClientVia), so a request takes
// its shared place only once it holds its local slot and its replica is
// chosen: the start the limit counts is the request leaving.
type sharedTransport struct {
	base   http.RoundTripper
	routes []sharedRoute // longest prefix first
}

var _ http.RoundTripper = (*sharedTransport)(nil)

func (t *sharedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var lim *SharedLimiter
	u := req.URL.String()
	for _, r := range t.routes {
		if rest, ok := strings.CutPrefix(u, r.prefix); ok && (rest == "" || rest[0] == '/' || rest[0] == '?') {
			lim = r.lim
			break
		}
	}
	if lim == nil {
		return t.base.RoundTrip(req)
	}
	if err := lim.Acquire(req.Context()); err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	resp, err := t.base.RoundTrip(req)
	if err == nil && resp.StatusCode == http.StatusTooManyRequests {
		// Best effort: the local transport backs off this worker anyway.
		// The hold is the local one's: the wait the answer names, else
		// the one the agent that sent the request announces.
		wait, named := agents.ThrottleWait(req, resp)
		if !named {
			wait = time.Second // a request no agent sent
		}
		_ = lim.Throttled(req.Context(), wait)
	}
	return resp, err
}

// CloseIdleConnections passes on to the pooled transport underneath.
func (t *sharedTransport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// sharedLimits finds the per-minute limits the scenarios declare and the
// base URLs (and replicas) each applies to, keyed the way
// batch.NewHTTPClient keys its local limits: by base URL when the
// scenarios bound that URL, otherwise by the agent's provider. It also
// returns copies of the scenarios with per_minute removed, for the local
// client: the shared limiter enforces those across every worker.
func sharedLimits(scenarios []*configs.Scenario) (map[string]int, map[string]string, []*configs.Scenario) {
	perMinute := map[string]int{}
	for _, s := range scenarios {
		for k, l := range s.Limits {
			k = strings.TrimRight(k, "/")
			if l.PerMinute <= 0 {
				continue
			}
			if cur, ok := perMinute[k]; !ok || l.PerMinute < cur {
				perMinute[k] = l.PerMinute
			}
		}
	}
	prefixes := map[string]string{} // URL prefix → limit name
	for _, s := range scenarios {
		for _, a := range s.Agents {
			if a.Type != configs.TypeOpenAI {
				continue
			}
			base := a.Endpoint()
			name := ""
			if _, ok := perMinute[base]; ok {
				name = base
			} else if p := strings.ToLower(a.Provider); p != "" {
				if _, ok := perMinute[p]; ok {
					name = p
				}
			}
			if name == "" {
				continue
			}
			for _, u := range append([]string{base}, a.BaseURLs...) {
				u = strings.TrimRight(u, "/")
				if _, taken := prefixes[u]; !taken && u != "" {
					prefixes[u] = name
				}
			}
		}
	}
	var local []*configs.Scenario
	for _, s := range scenarios {
		c := *s
		c.Limits = map[string]configs.Limit{}
		for k, l := range s.Limits {
			l.PerMinute = 0
			c.Limits[k] = l
		}
		local = append(local, &c)
	}
	return perMinute, prefixes, local
}
