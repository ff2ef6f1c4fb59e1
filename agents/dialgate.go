package agents

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/http/httptrace"
	"sync"
)

// dialGate keeps a batch from opening dozens of connections to a provider
// that needs one. Over HTTPS a provider usually speaks HTTP/2, where one
// connection carries a hundred or more conversations at once. But
// net/http starts a new connection for every request that finds none
// ready, and keeps only the first to finish: a batch that starts 1,000
// conversations at once opens a TLS connection for each request made
// before the first handshake is over, then closes all but a few. Each
// costs the provider a handshake and parley the memory of one.
//
// So while a request to an HTTPS host is making a new connection (from
// its dial to the moment it has the connection), other requests to that
// host wait, and then go on together: over HTTP/2 they share the new
// connection (a request it has no room for opens the next one, and the
// requests that come after wait for that). The gate does not know how
// many streams a connection takes: the requests it lets go together each
// open a connection of their own when the one they were waiting for has
// no room for them, as they would have without it. A host whose handshake picks HTTP/1.1 needs a
// connection per request, and its requests never wait again. Nor do they
// while the host fails: after a request fails without getting a
// connection, the others try at once, as they would without the gate,
// until one gets a connection. Cleartext hosts (http://) always speak
// HTTP/1.1 and never wait.
type dialGate struct {
	base http.RoundTripper

	mu    sync.Mutex
	hosts map[string]*hostGate
}

// hostGate is what the gate knows of one host.
type hostGate struct {
	known   bool          // a request to it has had a connection, or failed to
	http1   bool          // a handshake with it picked HTTP/1.1: nothing waits
	failing bool          // a request failed without a connection, and none has had one since: nothing waits
	busy    chan struct{} // closed when the connection being made is ready or failed; nil when none is
}

var _ http.RoundTripper = (*dialGate)(nil)

func newDialGate(base http.RoundTripper) *dialGate {
	return &dialGate{base: base, hosts: map[string]*hostGate{}}
}

// CloseIdleConnections closes the pooled connections underneath.
func (g *dialGate) CloseIdleConnections() {
	if c, ok := g.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// RoundTrip implements http.RoundTripper.
func (g *dialGate) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "https" {
		return g.base.RoundTrip(req)
	}
	h, err := g.await(req)
	if err != nil {
		return nil, err
	}
	return g.gated(req, h)
}

// await waits while another request to req's host makes a new connection
// to it. It returns the host's gate locked.
func (g *dialGate) await(req *http.Request) (*hostGate, error) {
	g.mu.Lock()
	h := g.hosts[req.URL.Host]
	if h == nil {
		h = &hostGate{}
		g.hosts[req.URL.Host] = h
	}
	for h.busy != nil && !h.http1 && !h.failing {
		busy := h.busy
		g.mu.Unlock()
		select {
		case <-busy:
		case <-req.Context().Done():
			if req.Body != nil {
				req.Body.Close()
			}
			return nil, context.Cause(req.Context())
		}
		g.mu.Lock()
	}
	return h, nil
}

// gated sends req, which waited its turn at h (locked), and holds the
// others while it makes a new connection.
func (g *dialGate) gated(req *http.Request, h *hostGate) (*http.Response, error) {
	if h.http1 || h.failing {
		g.mu.Unlock()
		return g.base.RoundTrip(req)
	}
	// The first request to a host holds the others until it has its
	// connection; so, later, does a request that starts a handshake while
	// none is in progress (the connections it could share are full, or
	// gone).
	var (
		mine      chan struct{}
		settled   bool // it has its connection, or has returned: a dial it started goes on for the pool alone
		connected bool // it had a connection
	)
	if !h.known {
		mine = make(chan struct{})
		h.busy = mine
	}
	g.mu.Unlock()
	// Once the first request has its connection, or has failed, the
	// others go on together: were they let through one at a time after a
	// failure, a provider that never answers would fail them one by one.
	release := func(settle, failed bool) {
		g.mu.Lock()
		defer g.mu.Unlock()
		h.known = true
		h.failing = h.failing || failed
		settled = settled || settle
		if mine != nil && h.busy == mine {
			close(mine)
			h.busy = nil
		}
		mine = nil
	}
	// A new connection starts with its dial (or, through a proxy or a
	// dialer of the caller's own that reports none, its handshake).
	starting := func() {
		g.mu.Lock()
		defer g.mu.Unlock()
		if h.busy == nil && mine == nil && !settled && !h.failing {
			mine = make(chan struct{})
			h.busy = mine
		}
	}
	trace := &httptrace.ClientTrace{
		ConnectStart:      func(string, string) { starting() },
		TLSHandshakeStart: starting,
		TLSHandshakeDone: func(state tls.ConnectionState, err error) {
			if err != nil {
				release(false, true)
				return
			}
			g.mu.Lock()
			if state.NegotiatedProtocol != "h2" {
				h.http1 = true
			}
			g.mu.Unlock()
		},
		// Over HTTP/2 the connection is in the pool by the time a request
		// has it, so the requests let go now find it there.
		GotConn: func(httptrace.GotConnInfo) {
			g.mu.Lock()
			h.failing, connected = false, true
			g.mu.Unlock()
			release(true, false)
		},
	}
	resp, err := g.base.RoundTrip(req.WithContext(httptrace.WithClientTrace(req.Context(), trace)))
	// It failed before it had a connection, or it is done with the one it
	// had. Either way, a dial of its own may still go on, for the pool
	// alone, and report its start only now: having no one left to report
	// its end, it holds nothing.
	g.mu.Lock()
	failed := err != nil && !connected
	g.mu.Unlock()
	release(true, failed)
	return resp, err
}
