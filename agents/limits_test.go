package agents

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleyhq/parley/agents/openaitest"
)

func TestLimiterPerWindow(t *testing.T) {
	l := NewLimiter("p", Limit{PerMinute: 3, Window: 150 * time.Millisecond})
	// Each request's start is the time the limiter let it start, as it
	// recorded it: a clock read after Acquire returns can be late on a
	// loaded machine, and would make starts a window apart look closer.
	var starts []time.Time
	for range 7 {
		if err := l.Acquire(context.Background()); err != nil {
			t.Fatal(err)
		}
		l.mu.Lock()
		starts = append(starts, l.starts[len(l.starts)-1])
		l.mu.Unlock()
		l.Release()
	}
	// In any window of 150ms at most 3 requests started.
	for i := range starts {
		n := 0
		for _, s := range starts[i:] {
			if s.Sub(starts[i]) < 150*time.Millisecond {
				n++
			}
		}
		if n > 3 {
			t.Errorf("%d requests started within 150ms of request %d; the limit is 3", n, i)
		}
	}
	if got := starts[6].Sub(starts[0]); got < 300*time.Millisecond {
		t.Errorf("7 requests at 3 per 150ms took %s; want at least 300ms", got)
	}
	if st := l.Stats(); st.Requests != 7 || st.Waited != 2 {
		t.Errorf("stats = %+v; want 7 requests, 2 of which waited (the 4th and the 7th, each for a window)", st)
	}
}

func TestLimiterConcurrent(t *testing.T) {
	l := NewLimiter("p", Limit{Concurrent: 2})
	var mu sync.Mutex
	now, most := 0, 0
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := l.Acquire(context.Background()); err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			now++
			most = max(most, now)
			mu.Unlock()
			time.Sleep(5 * time.Millisecond)
			mu.Lock()
			now--
			mu.Unlock()
			l.Release()
		}()
	}
	wg.Wait()
	if most != 2 {
		t.Errorf("%d requests ran at once; want exactly the limit, 2", most)
	}
}

// A wait's reason counts the requests a limit allows as a sentence
// counts: 1 request, 2 requests.
func TestLimiterWaitReasons(t *testing.T) {
	for _, c := range []struct {
		name  string
		limit Limit
		want  string
	}{
		{"one at once", Limit{Concurrent: 1}, "p allows 1 request at once"},
		{"two at once", Limit{Concurrent: 2}, "p allows 2 requests at once"},
		{"one a minute", Limit{PerMinute: 1}, "p allows 1 request a minute"},
		{"sixty a minute", Limit{PerMinute: 60}, "p allows 60 requests a minute"},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := NewLimiter("p", c.limit)
			n := max(c.limit.Concurrent, c.limit.PerMinute)
			for range n {
				if err := l.Acquire(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			var reason string
			ctx, cancel := context.WithCancel(context.Background())
			ctx = withWaitHooks(ctx, func(w Wait) { reason = w.Reason; cancel() }, func() {})
			if err := l.Acquire(ctx); !errors.Is(err, context.Canceled) {
				t.Fatalf("Acquire past the limit = %v; want it to wait", err)
			}
			if reason != c.want {
				t.Errorf("the wait's reason is %q; want %q", reason, c.want)
			}
		})
	}
}

func TestLimiterAcquireHonoursContext(t *testing.T) {
	l := NewLimiter("p", Limit{Concurrent: 1})
	if err := l.Acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := l.Acquire(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Acquire with the slot taken = %v; want the context's error", err)
	}
	l.Release()
}

func TestThrottledHoldsEveryRequest(t *testing.T) {
	tests := []struct {
		name     string
		wait     time.Duration
		named    bool
		strikes  int
		min, max time.Duration
	}{
		{"the wait named", 120 * time.Millisecond, true, 1, 110 * time.Millisecond, time.Hour},
		{"a wait of 0 named", 0, true, 1, 0, 40 * time.Millisecond},
		{"the backoff when none", 0, false, 1, 40 * time.Millisecond, time.Hour},
		{"the backoff doubles", 0, false, 2, 90 * time.Millisecond, time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := NewLimiter("p", Limit{Backoff: 50 * time.Millisecond})
			start := time.Now()
			for range tt.strikes {
				l.Throttled(tt.wait, tt.named)
			}
			if err := l.Acquire(context.Background()); err != nil {
				t.Fatal(err)
			}
			l.Release()
			if got := time.Since(start); got < tt.min || got > tt.max {
				t.Errorf("a request after the 429 started after %s; want between %s and %s", got, tt.min, tt.max)
			}
		})
	}
}

// A provider that asks for a wait no agent waits out (a spent daily
// quota) holds no other request back: each gets its own 429 at once and
// gives up saying so, where held it sat out its whole timeout and failed
// saying the provider was slow.
func TestAWaitTooLongHoldsNothingBack(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Retry-After", "86400")
		w.WriteHeader(http.StatusTooManyRequests)
		io.WriteString(w, `{"error":{"message":"daily quota spent"}}`)
	}))
	t.Cleanup(srv.Close)
	lim := NewLimiter("p", Limit{})
	tr := NewTransport(nil, Route{BaseURL: srv.URL, Limiter: lim})
	for i := range 2 {
		// Not newTestAgent, which gives each agent a transport of its own.
		a := NewOpenAI(OpenAIConfig{Name: "A", Model: "m", BaseURL: srv.URL, Retries: ptr(2), Timeout: 5 * time.Second,
			HTTPClient: &http.Client{Transport: tr}})
		a.sleep = func(ctx context.Context, d time.Duration) error { return ctx.Err() }
		start := time.Now()
		r := collect(context.Background(), a, hello)
		if took := time.Since(start); took > 4*time.Second {
			t.Errorf("conversation %d took %s: held until its timeout", i+1, took)
		}
		if r.err == nil || !strings.Contains(r.err.Error(), "asks to wait") {
			t.Errorf("conversation %d: %v; want the provider's wait said", i+1, r.err)
		}
	}
	if got := n.Load(); got != 2 {
		t.Errorf("%d requests reached the server; want one from each conversation", got)
	}
}

// A 429 that names its wait in retry-after-ms alone, as OpenAI sends it,
// holds every request to the provider for that wait, as the agent that
// got it waits, not for the limiter's own backoff.
func TestThrottledHoldsForRetryAfterMs(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.Header().Set("Retry-After-Ms", "300")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		io.WriteString(w, "ok")
	}))
	t.Cleanup(srv.Close)
	tr := NewTransport(nil, Route{BaseURL: srv.URL, Limiter: NewLimiter("p", Limit{Backoff: 10 * time.Millisecond})})
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	if _, status := get(t, c, srv.URL+"/v1/chat/completions"); status != http.StatusTooManyRequests {
		t.Fatalf("first answer %d; want the 429", status)
	}
	start := time.Now()
	if _, status := get(t, c, srv.URL+"/v1/chat/completions"); status != http.StatusOK {
		t.Fatalf("second answer %d; want 200", status)
	}
	if got := time.Since(start); got < 280*time.Millisecond {
		t.Errorf("the request after a 429 with retry-after-ms: 300 was sent after %s; want at least 300ms", got)
	}
}

// replicaServer answers with its name; status, when set, is its answer.
func replicaServer(t *testing.T, name string, status int) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if status != 0 {
			w.WriteHeader(status)
			return
		}
		io.WriteString(w, name+" "+r.URL.RequestURI())
	}))
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, c *http.Client, url string) (string, int) {
	t.Helper()
	resp, err := c.Post(url, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b), resp.StatusCode
}

func TestTransportSpreadsAcrossReplicas(t *testing.T) {
	a, b := replicaServer(t, "a", 0), replicaServer(t, "b", 0)
	tr := NewTransport(nil, Route{BaseURL: a.URL + "/v1", Replicas: []string{a.URL + "/v1", b.URL + "/v1"}})
	c := &http.Client{Transport: tr}
	defer tr.CloseIdleConnections()
	seen := map[string]int{}
	for range 10 {
		body, _ := get(t, c, a.URL+"/v1/chat/completions")
		seen[body]++
	}
	if seen["a /v1/chat/completions"] != 5 || seen["b /v1/chat/completions"] != 5 {
		t.Errorf("answers = %v; want 5 from each replica, the path kept", seen)
	}
}

func TestTransportLeavesOutAFailingReplica(t *testing.T) {
	good := replicaServer(t, "good", 0)
	bad := replicaServer(t, "bad", http.StatusBadGateway)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	down := "http://" + ln.Addr().String() + "/v1" // nothing answers here
	ln.Close()
	tr := NewTransport(nil, Route{BaseURL: down, Replicas: []string{down, bad.URL + "/v1", good.URL + "/v1"}, CoolDown: time.Minute})
	c := &http.Client{Transport: tr}
	defer tr.CloseIdleConnections()
	var statuses []int
	for range 6 {
		_, status := get(t, c, down+"/chat/completions")
		statuses = append(statuses, status)
	}
	// The refused connection fails over at once; the 502 is answered once
	// and its replica is then left out; every later request goes to good.
	bad502 := 0
	for _, s := range statuses {
		if s == http.StatusBadGateway {
			bad502++
		}
	}
	if bad502 != 1 || statuses[5] != http.StatusOK {
		t.Errorf("statuses = %v; want one 502 and then only 200", statuses)
	}
	stats := tr.Replicas()
	if stats[0].Failures != 1 || stats[1].Failures != 1 || stats[2].Requests < 4 {
		t.Errorf("replica stats = %+v; want one failure each on the two broken ones and the rest on good", stats)
	}
}

func TestTransportPassesOtherRequestsThrough(t *testing.T) {
	a := replicaServer(t, "a", 0)
	lim := NewLimiter("x", Limit{Concurrent: 1})
	tr := NewTransport(nil, Route{BaseURL: "http://127.0.0.1:1/v1", Limiter: lim})
	c := &http.Client{Transport: tr}
	defer tr.CloseIdleConnections()
	if body, _ := get(t, c, a.URL+"/v1/models"); body != "a /v1/models" {
		t.Errorf("a request to another server got %q", body)
	}
	if lim.Stats().Requests != 0 {
		t.Errorf("the limiter counted a request for another server")
	}
}

func TestTransportCountsAStreamInFlightUntilClosed(t *testing.T) {
	a := replicaServer(t, "a", 0)
	lim := NewLimiter("a", Limit{Concurrent: 1})
	tr := NewTransport(nil, Route{BaseURL: a.URL, Limiter: lim})
	c := &http.Client{Transport: tr}
	defer tr.CloseIdleConnections()
	resp, err := c.Post(a.URL+"/v1/chat/completions", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, a.URL+"/v1/chat/completions", strings.NewReader("{}"))
	if _, err := c.Do(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a second request while the first body is open: %v; want it held until the deadline", err)
	}
	resp.Body.Close()
	if body, _ := get(t, c, a.URL+"/v1/chat/completions"); body == "" {
		t.Errorf("after the first body closed, a request got no answer")
	}
}

// An error answer that is read to its end but never closed, as go-openai
// leaves one, must still give its slot back.
func TestTransportReleasesABodyReadToItsEnd(t *testing.T) {
	a := replicaServer(t, "a", http.StatusTooManyRequests)
	lim := NewLimiter("a", Limit{Concurrent: 1, Backoff: time.Millisecond})
	tr := NewTransport(nil, Route{BaseURL: a.URL, Limiter: lim})
	c := &http.Client{Transport: tr}
	defer tr.CloseIdleConnections()
	for i := range 3 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, a.URL+"/v1/chat/completions", strings.NewReader("{}"))
		resp, err := c.Do(req)
		if err != nil {
			cancel()
			t.Fatalf("request %d: %v; the slot of an unclosed but finished body was not released", i+1, err)
		}
		io.ReadAll(resp.Body) // and no Close
		cancel()
	}
	if st := lim.Stats(); st.Requests != 3 || st.Throttled != 3 {
		t.Errorf("stats = %+v; want 3 requests, 3 throttled", st)
	}
}

// A 429 that names no wait holds the provider for the wait the agent that
// got it announces, from its backoff:, and its retry is sent then, not
// after the limiter's second; a 429 to an agent whose provider another
// request's 429 holds for longer makes its retry say that hold, the wait
// its next attempt meets, where it said its own backoff and then waited
// again for the hold.
func TestA429HoldsAsTheAgentsRetrySays(t *testing.T) {
	tests := []struct {
		name      string
		other     time.Duration // another request's hold, set as the 429 is answered
		min, most time.Duration
	}{
		{"its own backoff", 0, 10 * time.Millisecond, 20 * time.Millisecond},
		{"a longer hold", 400 * time.Millisecond, 380 * time.Millisecond, 400 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lim := NewLimiter("p", Limit{})
			srv := openaitest.Start(t, func(r openaitest.Request) openaitest.Reply {
				if r.N == 0 {
					if tt.other > 0 {
						lim.Throttled(tt.other, true)
					}
					return openaitest.RateLimited("")
				}
				return openaitest.Words("ok")
			})
			tr := NewTransport(nil, Route{BaseURL: srv.URL, Limiter: lim})
			t.Cleanup(tr.CloseIdleConnections)
			a := NewOpenAI(OpenAIConfig{Name: "A", Model: "m", BaseURL: srv.URL, Backoff: 20 * time.Millisecond,
				HTTPClient: &http.Client{Transport: tr}})
			var said time.Duration
			var waits []Wait
			for ch, err := range a.Reply(context.Background(), hello) {
				if err != nil {
					t.Fatal(err)
				}
				if ch.Retry != nil {
					said = ch.Retry.Wait
				}
				if ch.Wait != nil && !ch.Wait.Over {
					waits = append(waits, *ch.Wait)
				}
			}
			if said < tt.min || said > tt.most {
				t.Errorf("the retry said it waits %s; want between %s and %s", said, tt.min, tt.most)
			}
			if len(waits) > 0 {
				t.Errorf("the retry then waited again: %+v", waits)
			}
			reqs := srv.Requests()
			if len(reqs) != 2 {
				t.Fatalf("%d requests; want the 429 and its retry", len(reqs))
			}
			if gap := reqs[1].Time.Sub(reqs[0].Time); gap < said || gap > said+500*time.Millisecond {
				t.Errorf("the retry was sent %s after the 429; it said %s", gap, said)
			}
		})
	}
}
