package agents

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// heldStreams serves n requests that each stay open, streaming, until all
// n have arrived: a batch's conversations each waiting on a reply. A
// transport that made the requests wait for one another would never
// bring them all in.
func heldStreams(n int) (http.Handler, *atomic.Int64) {
	var arrived atomic.Int64
	all := make(chan struct{})
	var once sync.Once
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if arrived.Add(1) == int64(n) {
			once.Do(func() { close(all) })
		}
		w.Header().Set("Content-Type", "text/event-stream")
		w.(http.Flusher).Flush()
		select {
		case <-all:
		case <-r.Context().Done():
			return
		}
		io.WriteString(w, "data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\ndata: [DONE]\n\n")
	}), &arrived
}

// countingTransport is the server's own client transport, counting the
// connections it dials.
func countingTransport(srv *httptest.Server, dials *atomic.Int64) *http.Transport {
	t := srv.Client().Transport.(*http.Transport).Clone()
	t.ForceAttemptHTTP2 = true
	d := &net.Dialer{}
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		return d.DialContext(ctx, network, addr)
	}
	return t
}

// startAll sends n requests at once through rt and reads each reply to
// its end.
func startAll(t *testing.T, rt http.RoundTripper, url string, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	errs := make(chan error, n)
	for range n {
		go func() {
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, nil)
			resp, err := rt.RoundTrip(req)
			if err != nil {
				errs <- err
				return
			}
			defer resp.Body.Close()
			_, err = io.ReadAll(resp.Body)
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatalf("a request failed: %v", err)
		}
	}
}

// startHTTP2 starts a TLS server offering HTTP/2 that serves h, after
// setup (when given) adjusts it, and closes it when the test ends.
func startHTTP2(t *testing.T, h http.Handler, setup func(*httptest.Server)) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.EnableHTTP2 = true
	if setup != nil {
		setup(srv)
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// sendHeld sends n requests at once to srv, which serves them with
// heldStreams, through parley's transport over a client transport of its
// own, and returns how many connections that dialled.
func sendHeld(t *testing.T, srv *httptest.Server, n int, arrived *atomic.Int64) int64 {
	t.Helper()
	var dials atomic.Int64
	base := countingTransport(srv, &dials)
	defer base.CloseIdleConnections()
	startAll(t, NewTransport(base), srv.URL+"/v1/chat/completions", n)
	if got := arrived.Load(); got != int64(n) {
		t.Fatalf("%d of %d requests reached the server", got, n)
	}
	return dials.Load()
}

func TestRequestsStartedAtOnceShareOneHTTP2Connection(t *testing.T) {
	const n = 60
	h, arrived := heldStreams(n)
	srv := startHTTP2(t, h, nil)

	dials := sendHeld(t, srv, n, arrived)
	// All 60 fit on one connection (Go's server allows 250 streams); a
	// request that started a second before the first handshake was over
	// is the most the gate lets through.
	if dials > 2 {
		t.Errorf("%d requests started at once dialled %d connections to an HTTP/2 server; want 1 or 2", n, dials)
	}
}

func TestRequestsToAnHTTP1HostOverTLSEachGetAConnectionAtOnce(t *testing.T) {
	const n = 30
	h, arrived := heldStreams(n)
	srv := httptest.NewTLSServer(h) // HTTP/1.1 only
	defer srv.Close()

	// Each stream holds its connection until all have arrived: were the
	// requests made to wait for each other's handshakes beyond the first,
	// or to share connections, they would never all arrive.
	if dials := sendHeld(t, srv, n, arrived); dials != n {
		t.Errorf("%d concurrent requests to an HTTP/1.1 server dialled %d connections; want one each", n, dials)
	}
}

// slowHandshakes delays every connection's first read by the server, so a
// client's TLS handshake with it takes at least d.
type slowHandshakes struct {
	net.Listener
	d time.Duration
}

func (l slowHandshakes) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		time.Sleep(l.d)
	}
	return c, err
}

func TestARequestWaitingForAHandshakeGivesUpWithItsContext(t *testing.T) {
	srv := startHTTP2(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}), func(srv *httptest.Server) {
		srv.Listener = slowHandshakes{srv.Listener, 2 * time.Second}
	})
	var dials atomic.Int64
	base := countingTransport(srv, &dials)
	defer base.CloseIdleConnections()
	rt := NewTransport(base)

	first := make(chan error, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
		resp, err := rt.RoundTrip(req)
		if err == nil {
			resp.Body.Close()
		}
		first <- err
	}()
	// Wait for the first request's handshake to be under way.
	for deadline := time.Now().Add(5 * time.Second); dials.Load() == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the first request never dialled")
		}
	}
	time.Sleep(50 * time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	second := make(chan error, 1)
	go func() {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
		_, err := rt.RoundTrip(req)
		second <- err
	}()
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case err := <-second:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("the cancelled request returned %v, want context.Canceled", err)
		}
	case err := <-first:
		t.Fatalf("the first request ended (%v) before the cancelled one returned: the cancelled one waited for the handshake", err)
	}
	if err := <-first; err != nil {
		t.Fatalf("the first request: %v", err)
	}
	if got := dials.Load(); got != 1 {
		t.Errorf("%d connections dialled; the request that gave up waiting should not have dialled", got)
	}
}

// A host that accepts connections and never answers a handshake: once the
// first request has failed, the others try together, not one at a time.
func TestAfterAFailedHandshakeTheWaitingRequestsTryTogether(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var mu sync.Mutex
	open, most := 0, 0
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			open++
			most = max(most, open)
			mu.Unlock()
			go func() {
				io.Copy(io.Discard, c) // until the client gives up
				c.Close()
				mu.Lock()
				open--
				mu.Unlock()
			}()
		}
	}()
	base := &http.Transport{TLSHandshakeTimeout: 300 * time.Millisecond, ForceAttemptHTTP2: true}
	defer base.CloseIdleConnections()
	rt := NewTransport(base)
	const n = 6
	errs := make(chan error, n)
	for range n {
		go func() {
			req, _ := http.NewRequest(http.MethodGet, "https://"+ln.Addr().String()+"/v1/chat/completions", nil)
			_, err := rt.RoundTrip(req)
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err == nil {
			t.Fatal("a request to a host that never completes a handshake succeeded")
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if most < n-1 {
		t.Errorf("at most %d handshakes were under way at once; after the first failed, the other %d should have tried together", most, n-1)
	}
}

// When a connection has no room for more streams, the requests beyond it
// open the next ones, and every request gets through: none waits on a
// connection that no one is making. The server allows 20 streams to a
// connection, and each round's 60 streams stay open until all have
// arrived. Streams the server refuses are retried on new connections, and
// requests let go together onto a connection with too little room each
// open one of their own, so how many connections are dialled varies; that
// every request arrives does not.
func TestRequestsBeyondAConnectionsStreamsOpenTheNextOnes(t *testing.T) {
	const n, streams, rounds = 60, 20, 3
	srv := startHTTP2(t, nil, func(srv *httptest.Server) {
		srv.Config.HTTP2 = &http.HTTP2Config{MaxConcurrentStreams: streams}
	})

	var dials atomic.Int64
	base := countingTransport(srv, &dials)
	defer base.CloseIdleConnections()
	rt := NewTransport(base)
	for round := range rounds {
		h, arrived := heldStreams(n)
		srv.Config.Handler = h
		startAll(t, rt, srv.URL+"/v1/chat/completions", n)
		if got := arrived.Load(); got != n {
			t.Fatalf("round %d: %d of %d requests reached the server", round+1, got, n)
		}
		base.CloseIdleConnections()
	}
}
