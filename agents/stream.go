package agents

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// Limits on what a server may send.
const (
	// emptyMessagesLimit is how many lines that are not data events (SSE
	// comments, keep-alives, blank lines) may come in a row.
	emptyMessagesLimit = 10000
)

// maxEventBytes bounds a single line of a stream (a variable for tests).
var maxEventBytes = 32 << 20

// Failures an attempt can end with besides the server's own errors.
var (
	errStreamCut      = errors.New("the stream ended before the reply was complete")
	errIdle           = errors.New("the server sent nothing for longer than the idle timeout")
	errRequestTimeout = errors.New("the reply took longer than the request timeout")
	errHTML           = errors.New("the server answered with HTML")
	errNotStream      = errors.New("the server's answer is not an OpenAI-compatible event stream")
	errEventTooLarge  = errors.New("a single stream event exceeded the size limit")
)

// notStream is a stream whose first event is not JSON at all: head is how
// that event began. It is errNotStream to errors.Is.
type notStream struct{ head string }

func (e *notStream) Error() string        { return errNotStream.Error() }
func (e *notStream) Is(target error) bool { return target == errNotStream }

// attempt is the state of one request, shared with doer through the
// request's context.
type attempt struct {
	body   []byte // the request body to send; nil: go-openai's own
	idle   time.Duration
	clock  *idleClock  // cancels the attempt when the server goes quiet
	header http.Header // the response's headers
	status int
	resp   *watchedBody
	served string // the replica that answered, for an agent with several

	req         *openai.ChatCompletionRequest // until it is sent
	sent        chan struct{}                 // closed once the sender has the headers, or failed
	waits       chan Wait                     // waits the sender met, for open to yield
	stream      *openai.ChatCompletionStream  // the sender's
	sendErr     error
	stopped     bool            // the consumer stopped reading while the request waited
	ctx         context.Context // the request's
	cancel      context.CancelCauseFunc
	withOptions bool // the request asked for stream_options
	open        bool // resp is the stream, closed on release
	// pause is the wait the agent announces before it asks again when the
	// attempt fails and the server names no wait: a 429 without
	// Retry-After holds the provider for as long (see ThrottleWait).
	pause time.Duration
	// heldUntil is when the hold a 429 to the attempt put on its provider
	// ends, the longer hold of another request's 429 included: the agent
	// waits that out before asking again, and says so.
	heldUntil time.Time
}

// release closes the attempt's stream and stops its clock and contexts.
func (at *attempt) release() {
	if at.open {
		at.resp.Close()
	}
	at.clock.stop()
	at.cancel(nil)
}

type attemptKey struct{}

// doer carries go-openai's requests: it sends the agent's own body and
// headers, and watches the response for activity, its end and its size.
type doer struct {
	client  *http.Client
	headers map[string]string
	route   string // OpenAIConfig.Route
	base    string // OpenAIConfig.BaseURL less its query, where requests are addressed
	query   string // the base URL's query, which every request carries
}

func (d *doer) Do(req *http.Request) (*http.Response, error) {
	if d.query != "" {
		// go-openai puts its path after the base URL as written; with the
		// query taken off that, the query goes after the path.
		if req.URL.RawQuery != "" {
			req.URL.RawQuery += "&"
		}
		req.URL.RawQuery += d.query
	}
	for k, v := range d.headers {
		req.Header.Set(k, v)
	}
	if d.route != "" {
		req = req.WithContext(context.WithValue(req.Context(), routeKey{}, d.route))
	}
	at, _ := req.Context().Value(attemptKey{}).(*attempt)
	if at != nil && at.body != nil {
		body := at.body
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		req.ContentLength = int64(len(body))
	}
	resp, err := d.client.Do(req)
	if err != nil || at == nil {
		return resp, err
	}
	at.status, at.header = resp.StatusCode, resp.Header
	if d.route != "" && resp.Request != nil {
		at.served = servedBy(resp.Request.URL, req.URL, d.base)
	}
	at.clock.touch()
	at.resp = &watchedBody{rc: resp.Body, at: at}
	resp.Body = at.resp
	return resp, nil
}

// servedBy names the replica a request addressed to asked (under base)
// was sent to, as sent: the same path under the replica's base URL, less
// that path, with any user and password removed.
func servedBy(sent, asked *url.URL, base string) string {
	// The query is the replica's own (see route.carry): it follows the
	// path, and is named after the base URL as base_urls writes it.
	s, a := *sent, *asked
	query := s.RawQuery
	s.RawQuery, a.RawQuery = "", ""
	path := strings.TrimPrefix(a.String(), strings.TrimRight(base, "/"))
	return RedactURL(withQuery(strings.TrimSuffix(s.String(), path), query))
}

// watchedBody is a response body that marks the idle clock on every read,
// remembers how the body began, and refuses a line longer than
// maxEventBytes.
type watchedBody struct {
	rc   io.ReadCloser
	at   *attempt
	head []byte
	line int   // bytes since the last newline
	err  error // errEventTooLarge, once hit
}

const watchKeep = 64 // bytes of the head a watchedBody remembers

func (w *watchedBody) Read(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	n, err := w.rc.Read(p)
	if n > 0 {
		w.at.clock.touch()
		b := p[:n]
		if len(w.head) < watchKeep {
			w.head = append(w.head, b[:min(n, watchKeep-len(w.head))]...)
		}
		if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
			w.line = n - 1 - i
		} else {
			w.line += n
		}
		if w.line > maxEventBytes {
			w.err = errEventTooLarge
			return n, w.err
		}
	}
	return n, err
}

func (w *watchedBody) Close() error { return w.rc.Close() }

// looksHTML reports whether the body began like an HTML page.
func (w *watchedBody) looksHTML() bool {
	return bytes.HasPrefix(bytes.TrimSpace(w.head), []byte("<"))
}

// idleClock cancels an attempt with errIdle when the server has sent
// nothing for idle, or with errRequestTimeout once the attempt has run for
// its limit, whichever comes first. Reads mark activity with one atomic
// store; the timer re-arms itself for the time left when it fires early,
// rather than being reset on every read. While paused (the consumer is
// handling a chunk, or a rate limit holds the request) the idle clock does
// not run: it measures the server alone. The limit runs all along.
type idleClock struct {
	idle    time.Duration
	limit   int64        // nanoseconds after base at which the attempt has run out of time
	base    time.Time    // the monotonic origin of last
	last    atomic.Int64 // nanoseconds after base of the last activity
	paused  atomic.Int32 // above 0: paused
	stopped atomic.Bool
	timer   *time.Timer
	cancel  context.CancelCauseFunc
}

func newIdleClock(idle, limit time.Duration, cancel context.CancelCauseFunc) *idleClock {
	c := &idleClock{idle: idle, limit: int64(limit), base: time.Now(), cancel: cancel}
	c.timer = time.AfterFunc(min(idle, limit), c.check)
	return c
}

func (c *idleClock) since() int64 { return int64(time.Since(c.base)) }

// touch records activity now.
func (c *idleClock) touch() { c.last.Store(c.since()) }

// pause stops the clock until resume; pauses nest.
func (c *idleClock) pause() { c.paused.Add(1) }

// resume restarts the clock, counting from now.
func (c *idleClock) resume() {
	c.last.Store(c.since())
	c.paused.Add(-1)
}

// stop ends the clock for good.
func (c *idleClock) stop() {
	c.stopped.Store(true)
	c.timer.Stop()
}

func (c *idleClock) check() {
	if c.stopped.Load() {
		return
	}
	now := c.since()
	left := time.Duration(c.limit - now)
	if left <= 0 {
		c.cancel(errRequestTimeout)
		return
	}
	if c.paused.Load() > 0 {
		c.timer.Reset(min(c.idle, left))
		return
	}
	quiet := time.Duration(now - c.last.Load())
	if quiet >= c.idle {
		c.cancel(errIdle)
		return
	}
	c.timer.Reset(min(c.idle-quiet, left))
}
