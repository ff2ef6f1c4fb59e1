package queue

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/parleyhq/parley/agents"
)

// Embedded is a NATS server with JetStream running inside the parley
// process: the same queue as a standalone nats-server -js, with no setup.
type Embedded struct {
	srv *server.Server
}

// StartEmbedded starts a server storing its streams in dir. With listen
// empty it takes no network connections (Connect reaches it in-process);
// otherwise it listens there, such as "127.0.0.1:4222" or "127.0.0.1:0"
// for a free port.
func StartEmbedded(dir, listen string) (*Embedded, error) {
	opts := &server.Options{
		ServerName: "parley",
		JetStream:  true,
		StoreDir:   dir,
		NoLog:      true,
		NoSigs:     true,
		DontListen: listen == "",
	}
	if listen != "" {
		host, port, err := net.SplitHostPort(listen)
		if err != nil {
			return nil, fmt.Errorf("the queue's listen address %q is not HOST:PORT: %v", listen, err)
		}
		opts.Host = host
		if opts.Port, err = strconv.Atoi(port); err != nil {
			return nil, fmt.Errorf("the queue's listen address %q has no port number", listen)
		}
		if opts.Port == 0 {
			opts.Port = server.RANDOM_PORT
		}
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("starting the embedded queue in %s: %w", dir, err)
	}
	srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		srv.Shutdown()
		srv.WaitForShutdown()
		return nil, fmt.Errorf("the embedded queue in %s did not start within 10s", dir)
	}
	return &Embedded{srv: srv}, nil
}

// URL is the address other processes connect to ("" when not listening).
func (e *Embedded) URL() string {
	if e.srv.Addr() == nil {
		return ""
	}
	return e.srv.ClientURL()
}

// Connect opens a connection to the server, in-process.
func (e *Embedded) Connect() (*nats.Conn, error) {
	return nats.Connect("", nats.InProcessServer(e.srv), nats.Name("parley"))
}

// Shutdown stops the server and waits until it has.
func (e *Embedded) Shutdown() {
	e.srv.Shutdown()
	e.srv.WaitForShutdown()
}

// UnreachableError is Dial's when no queue answers at the URL (shown with
// its secrets hidden). Its sentence says how to start one; each command
// adds what else it can do (Hint).
type UnreachableError struct {
	URL, Reason string
	Hint        string // what the command could do instead, or ""
}

func (e *UnreachableError) Error() string {
	s := fmt.Sprintf("cannot reach the queue at %s: %s; start one with nats-server -js", e.URL, e.Reason)
	if e.Hint != "" {
		s += ", or " + e.Hint
	}
	return s
}

// ShownURL is a queue's address as parley shows it: each server's URL of
// a comma-separated list without its password or token.
func ShownURL(url string) string {
	if !strings.Contains(url, ",") {
		return agents.RedactURL(url)
	}
	parts := strings.Split(url, ",")
	for i, u := range parts {
		parts[i] = agents.RedactURL(u)
	}
	return strings.Join(parts, ",")
}

// urlSecrets is the passwords and tokens of every server's URL in url.
func urlSecrets(url string) []string {
	var out []string
	for u := range strings.SplitSeq(url, ",") {
		out = append(out, agents.URLSecrets(u)...)
	}
	return out
}

// CheckURL says what is wrong with url as a queue's address, or returns
// nil: one NATS server's URL, or several joined by commas, each with a
// scheme a NATS client dials (nats://, tls://, ws:// or wss://). An
// address in another scheme (http://HOST:4222) or none (HOST:4222) would
// be dialled as a server that cannot be reached; it is refused first,
// quoted without its password.
func CheckURL(url string) error {
	for u := range strings.SplitSeq(url, ",") {
		scheme, _, ok := strings.Cut(strings.TrimSpace(u), "://")
		switch strings.ToLower(scheme) {
		case "nats", "tls", "ws", "wss":
			if ok {
				continue
			}
		}
		return fmt.Errorf("%q is not a NATS server's address; give it as nats://HOST:4222 (or tls://, ws://, wss://)", agents.RedactURL(strings.TrimSpace(u)))
	}
	return nil
}

// Dial connects to the NATS server at url and opens parley's queue on it.
// Its sentences name the server without the user, password or token the
// URL holds.
// The connection keeps reconnecting while the server restarts; say, when
// set, hears a sentence when the queue is lost, when it is back, and for
// any error the connection reports on its own.
func Dial(ctx context.Context, url, name string, say func(string)) (*nats.Conn, *Queue, error) {
	if say == nil {
		say = func(string) {}
	}
	shown := ShownURL(url)
	// The client's errors may quote the URL (a port it cannot read, a
	// server it lost), with its password or token.
	secrets := urlSecrets(url)
	hide := func(err error) string { return agents.RedactSecrets(err.Error(), secrets...) }
	nc, err := nats.Connect(url, nats.Name(name), nats.MaxReconnects(-1), nats.ReconnectWait(time.Second),
		nats.Timeout(10*time.Second),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				say(fmt.Sprintf("lost the queue at %s (%s); reconnecting every second", shown, hide(err)))
			}
		}),
		nats.ReconnectHandler(func(*nats.Conn) { say("reconnected to the queue at " + shown) }),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			say(fmt.Sprintf("the queue at %s: %s", shown, hide(err)))
		}))
	if err != nil {
		return nil, nil, &UnreachableError{URL: shown, Reason: hide(err)}
	}
	q, err := OpenConn(ctx, nc)
	if err != nil {
		nc.Close()
		return nil, nil, err
	}
	return nc, q, nil
}

// OpenConn opens parley's queue on a connection.
func OpenConn(ctx context.Context, nc *nats.Conn) (*Queue, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, err
	}
	q, err := Open(ctx, js)
	if err != nil {
		if ctx.Err() != nil {
			return nil, err // cancelled, not refused: the hint would mislead
		}
		return nil, fmt.Errorf("%w (is JetStream enabled? start the server with nats-server -js)", err)
	}
	return q, nil
}
