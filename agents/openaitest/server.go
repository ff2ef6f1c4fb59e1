// Package openaitest is an in-process OpenAI-compatible chat-completions
// server on 127.0.0.1, for parley's tests and benchmarks.
//
// It speaks the protocol the way providers do: POST …/chat/completions
// with "stream": true is answered with server-sent events, one
// `data: {json}` line and a blank line per chat.completion.chunk, the role
// in the first delta, a chunk carrying finish_reason, a usage chunk with
// "choices": [] when the request sets stream_options.include_usage, and
// `data: [DONE]` last.
//
// Every request is recorded (decoded body, raw body, headers, time, and how
// the answer ended) so tests can assert exactly what a client sent. Each
// answer is scripted: a Script maps a request to a Reply, and Queue plays a
// fixed list in order. A Reply is a normal stream or a fault: an HTTP error
// with an OpenAI-style JSON body and optional Retry-After, a stream cut off
// mid-way, a stall that lasts until the client goes away, a slow stream,
// garbage lines, a missing [DONE], an arbitrary body such as HTML, and the
// quirks real servers have (see Quirk).
//
//	srv := openaitest.Start(t, openaitest.Queue(
//		openaitest.RateLimited("1"),
//		openaitest.Words("Hello there."),
//	))
//	// point a client at srv.URL, then inspect srv.Requests()
//
// With Delay zero a stream is written as fast as the connection takes it,
// so the server can serve as the peer in benchmarks.
package openaitest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// Request is one request the server received.
type Request struct {
	N      int       // the order of arrival, from 0
	Time   time.Time // when it arrived
	Method string
	Path   string
	Query  string // the URL's query, as sent
	Header http.Header
	Raw    []byte                       // the body as sent
	Body   openai.ChatCompletionRequest // the body decoded
	// Fields holds the body's top-level fields as sent, so a test can tell
	// a field that was left out from one sent as zero.
	Fields map[string]json.RawMessage

	// Set once the answer has ended (see Server.WaitEnded).
	End        time.Time
	Sent       int  // content pieces written
	ClientGone bool // the client went away before the answer was complete
}

// IncludeUsage reports whether the request asked for a usage chunk.
func (r Request) IncludeUsage() bool {
	return r.Body.StreamOptions != nil && r.Body.StreamOptions.IncludeUsage
}

// IncludeCost reports whether the request asked for its cost in the
// usage, with OpenRouter's "usage": {"include": true}.
func (r Request) IncludeCost() bool {
	var u struct {
		Include bool `json:"include"`
	}
	return json.Unmarshal(r.Fields["usage"], &u) == nil && u.Include
}

// Fault is a way a stream breaks off.
type Fault int

const (
	// NoFault streams the whole reply.
	NoFault Fault = iota
	// CutOff streams At pieces, then drops the connection: no finish_reason,
	// no usage, no [DONE], and an unterminated chunked body.
	CutOff
	// Stall streams At pieces, then sends nothing until the client goes
	// away or the server is closed.
	Stall
	// DropAtEnd streams the whole reply, its finish_reason and usage, then
	// drops the connection: no [DONE], and an unterminated chunked body,
	// as when a connection is lost at a reply's very end.
	DropAtEnd
)

// Quirk is a deviation from the OpenAI stream that real servers show.
// Quirks combine with |.
type Quirk uint

const (
	// RoleEveryDelta repeats "role":"assistant" in every delta, as Ollama does.
	RoleEveryDelta Quirk = 1 << iota
	// IgnoreIncludeUsage never sends a usage chunk, whatever the request asks.
	IgnoreIncludeUsage
	// RejectStreamOptions answers a request that has stream_options with 400
	// and an error naming stream_options, as some older servers do; a
	// request without it gets the reply.
	RejectStreamOptions
	// NoDone ends the body cleanly without data: [DONE].
	NoDone
	// NoFinish leaves out the chunk carrying finish_reason.
	NoFinish
	// Garbage writes lines that are not OpenAI events around every chunk: a
	// stray text line, an SSE comment and an event: line, which SSE clients
	// skip.
	Garbage
	// BadEvent writes a data event that is not JSON after the content
	// pieces, before the finish: a stream no client can read whole.
	BadEvent
)

// Reply is the scripted answer to one request. The zero Reply streams an
// empty message that finishes with "stop".
type Reply struct {
	Pieces       []string      // streamed as content deltas, in order; a piece that is not valid UTF-8 goes out raw
	Model        string        // the model named in the chunks; "": the requested model
	FinishReason string        // "": "stop"
	Usage        *openai.Usage // nil: prompt tokens = words in the request's messages, completion tokens = pieces
	// Cost, when set, goes in the usage chunk as usage.cost (US dollars)
	// if the request asked for it with "usage": {"include": true}, as
	// OpenRouter does.
	Cost   *float64
	Delay  time.Duration // pause before each piece (a slow stream)
	Quirks Quirk
	Fault  Fault
	At     int // for CutOff and Stall: how many pieces go out first

	// Status, when neither 0 nor 200, answers with that status and an
	// OpenAI-style JSON error body built from Code, Type and Message
	// (defaults suit the status) unless Body is set.
	Status  int
	Code    string
	Type    string
	Message string
	// RetryAfter, when set, is sent as the Retry-After header.
	RetryAfter string
	// EchoAuthorization appends the request's Authorization header to the
	// error message, as careless servers do.
	EchoAuthorization bool
	// Body, when set, is sent as is with ContentType (default text/plain)
	// and Status (default 200) instead of a stream or JSON error.
	Body        string
	ContentType string
}

// Text streams pieces as they are.
func Text(pieces ...string) Reply { return Reply{Pieces: pieces} }

// Words streams s one word at a time, each piece carrying the spaces before
// its word, so the pieces concatenate to s.
func Words(s string) Reply { return Reply{Pieces: SplitWords(s)} }

// SplitWords splits s into pieces that each start with the whitespace
// before a word; they concatenate to s.
func SplitWords(s string) []string {
	var out []string
	start := 0
	for i := 1; i < len(s); i++ {
		if isSpaceByte(s[i]) && !isSpaceByte(s[i-1]) {
			out = append(out, s[start:i])
			start = i
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

func isSpaceByte(b byte) bool { return b == ' ' || b == '\n' || b == '\t' || b == '\r' }

// Error answers with status and an OpenAI-style JSON error body carrying
// message ("" picks one that suits the status).
func Error(status int, message string) Reply { return Reply{Status: status, Message: message} }

// RateLimited answers 429 with the given Retry-After ("" sends none).
func RateLimited(retryAfter string) Reply {
	return Reply{Status: http.StatusTooManyRequests, RetryAfter: retryAfter}
}

// ContextLengthExceeded answers 400 with code context_length_exceeded, as
// OpenAI does when the prompt is longer than the model's context.
func ContextLengthExceeded() Reply {
	return Reply{Status: http.StatusBadRequest, Code: "context_length_exceeded", Type: "invalid_request_error",
		Message: "This model's maximum context length is 8192 tokens. However, your messages resulted in 9120 tokens. Please reduce the length of the messages."}
}

// Cut streams the first at pieces, then drops the connection.
func Cut(at int, pieces ...string) Reply { return Reply{Pieces: pieces, Fault: CutOff, At: at} }

// Stalled streams the first at pieces, then sends nothing more until the
// client goes away.
func Stalled(at int, pieces ...string) Reply { return Reply{Pieces: pieces, Fault: Stall, At: at} }

// HTML answers 200 OK with an HTML page, as a web server or captive portal
// at the wrong base URL does.
func HTML() Reply {
	return Reply{Status: http.StatusOK, ContentType: "text/html; charset=utf-8",
		Body: "<!DOCTYPE html>\n<html><head><title>Welcome</title></head>\n<body><h1>It works!</h1></body></html>\n"}
}

// Huge streams one content event of n bytes of text.
func Huge(n int) Reply {
	const word = "lorem ipsum "
	var b strings.Builder
	b.Grow(n)
	for b.Len() < n {
		b.WriteString(word[:min(len(word), n-b.Len())])
	}
	return Reply{Pieces: []string{b.String()}}
}

// Script decides the reply to each request.
type Script func(Request) Reply

// Queue answers requests with replies in order. A request beyond the last
// reply is answered 400 with a message saying no reply was scripted for it.
func Queue(replies ...Reply) Script {
	var mu sync.Mutex
	next := 0
	return func(r Request) Reply {
		mu.Lock()
		defer mu.Unlock()
		if next >= len(replies) {
			return Reply{Status: http.StatusBadRequest, Code: "openaitest_unscripted", Type: "invalid_request_error",
				Message: fmt.Sprintf("openaitest: no reply is scripted for request %d", r.N)}
		}
		next++
		return replies[next-1]
	}
}

// Server is a running test server.
type Server struct {
	// URL is the base URL to give clients, ending in /v1.
	URL string
	// Models is what GET /v1/models lists. Key, when set, is the only API
	// key GET /v1/models accepts; any other gets a 401. Set both before
	// the first request.
	Models []string
	Key    string
	// Query, when set, is a query parameter (such as "api-version=2024-10-21")
	// every request must carry, as some providers ask of every request:
	// one without it gets a 400. Set it before the first request.
	Query string

	srv    *httptest.Server
	script Script
	epoch  int64

	mu      sync.Mutex
	reqs    []*record
	arrived chan struct{} // closed and replaced on every arrival

	closed    chan struct{}
	closeOnce sync.Once
}

type record struct {
	Request
	done chan struct{}
}

// New starts a server that answers with script. Close it when done.
func New(script Script) *Server {
	s := &Server{script: script, epoch: time.Now().Unix(), arrived: make(chan struct{}), closed: make(chan struct{})}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL + "/v1"
	return s
}

// Cleaner is what Start needs of a test: *testing.T and *testing.B are ones.
type Cleaner interface{ Cleanup(func()) }

// Start is New with Close registered as tb's cleanup.
func Start(tb Cleaner, script Script) *Server {
	s := New(script)
	tb.Cleanup(s.Close)
	return s
}

// Close ends stalled answers and shuts the server down, waiting for every
// answer in progress to end.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.closed)
		s.srv.CloseClientConnections()
		s.srv.Close()
	})
}

// Requests returns the requests received so far, in order of arrival.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.reqs))
	for i, r := range s.reqs {
		out[i] = r.Request
	}
	return out
}

// WaitEnded waits up to d for request n (from 0) to arrive and its answer
// to end, and returns it. ok is false when d passed first.
func (s *Server) WaitEnded(n int, d time.Duration) (req Request, ok bool) {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		var rec *record
		if n < len(s.reqs) {
			rec = s.reqs[n]
		}
		arrived := s.arrived
		s.mu.Unlock()
		if rec == nil {
			select {
			case <-arrived:
				continue
			case <-deadline.C:
				return Request{}, false
			}
		}
		select {
		case <-rec.done:
			s.mu.Lock()
			defer s.mu.Unlock()
			return rec.Request, true
		case <-deadline.C:
			return Request{}, false
		}
	}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	rec := &record{Request: Request{Time: time.Now(), Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Raw: raw},
		done: make(chan struct{})}
	_ = json.Unmarshal(raw, &rec.Body)
	_ = json.Unmarshal(raw, &rec.Fields)
	s.mu.Lock()
	rec.N = len(s.reqs)
	s.reqs = append(s.reqs, rec)
	close(s.arrived)
	s.arrived = make(chan struct{})
	req := rec.Request
	s.mu.Unlock()

	sent, gone := 0, false
	defer func() {
		s.mu.Lock()
		rec.End, rec.Sent, rec.ClientGone = time.Now(), sent, gone
		s.mu.Unlock()
		close(rec.done)
	}()

	if s.Query != "" && !slices.Contains(strings.Split(r.URL.RawQuery, "&"), s.Query) {
		writeError(w, Reply{Status: http.StatusBadRequest, Type: "invalid_request_error", Code: "missing_query",
			Message: fmt.Sprintf("The request must carry the query parameter %s.", s.Query)}, req)
		return
	}
	if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/models") {
		s.models(w, r, req)
		return
	}
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/chat/completions") {
		writeError(w, Reply{Status: http.StatusNotFound, Type: "invalid_request_error", Code: "unknown_url",
			Message: fmt.Sprintf("Unknown request URL: %s %s", r.Method, r.URL.Path)}, req)
		return
	}
	rep := s.script(req)
	if rep.Quirks&RejectStreamOptions != 0 && rec.Fields["stream_options"] != nil {
		writeError(w, Reply{Status: http.StatusBadRequest, Type: "invalid_request_error", Code: "invalid_request_error",
			Message: "Unrecognized request argument supplied: stream_options"}, req)
		return
	}
	switch {
	case rep.Body != "":
		ct := rep.ContentType
		if ct == "" {
			ct = "text/plain; charset=utf-8"
		}
		w.Header().Set("Content-Type", ct)
		if rep.RetryAfter != "" {
			w.Header().Set("Retry-After", rep.RetryAfter)
		}
		w.WriteHeader(orDefault(rep.Status, http.StatusOK))
		io.WriteString(w, rep.Body)
		return
	case rep.Status != 0 && rep.Status != http.StatusOK:
		writeError(w, rep, req)
		return
	}
	if !req.Body.Stream {
		writeCompletion(w, rep, req)
		sent = len(rep.Pieces)
		return
	}
	sent, gone = s.stream(w, r.Context(), rep, req)
}

// models answers GET /v1/models as OpenAI does: the model list, or a 401
// for a key other than Key.
func (s *Server) models(w http.ResponseWriter, r *http.Request, req Request) {
	if s.Key != "" && r.Header.Get("Authorization") != "Bearer "+s.Key {
		writeError(w, Reply{Status: http.StatusUnauthorized, Type: "invalid_request_error", Code: "invalid_api_key",
			Message: "Incorrect API key provided."}, req)
		return
	}
	type model struct {
		ID      string `json:"id"`
		Object  string `json:"object"`
		Created int64  `json:"created"`
		OwnedBy string `json:"owned_by"`
	}
	list := struct {
		Object string  `json:"object"`
		Data   []model `json:"data"`
	}{Object: "list", Data: []model{}}
	for _, id := range s.Models {
		list.Data = append(list.Data, model{ID: id, Object: "model", Created: s.epoch, OwnedBy: "openaitest"})
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(list)
}

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// stream writes rep as server-sent events. It returns how many pieces went
// out and whether the client went away first.
func (s *Server) stream(w http.ResponseWriter, ctx context.Context, rep Reply, req Request) (sent int, gone bool) {
	fl, _ := w.(http.Flusher)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("Connection", "keep-alive")
	w.WriteHeader(http.StatusOK)

	c := chunker{
		id:      "chatcmpl-openaitest-" + strconv.Itoa(req.N),
		model:   cmpStr(rep.Model, req.Body.Model),
		created: s.epoch,
		usage:   req.IncludeUsage() && rep.Quirks&IgnoreIncludeUsage == 0,
		role:    rep.Quirks&RoleEveryDelta != 0,
		garbage: rep.Quirks&Garbage != 0,
	}
	if rep.Cost != nil && req.IncludeCost() {
		c.cost = rep.Cost
	}
	flush := func() bool {
		if _, err := w.Write(c.buf); err != nil {
			return false
		}
		c.buf = c.buf[:0]
		if fl != nil {
			fl.Flush()
		}
		return true
	}
	wait := func(d time.Duration) bool {
		if d <= 0 {
			return ctx.Err() == nil
		}
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			return true
		case <-ctx.Done():
			return false
		case <-s.closed:
			return false
		}
	}

	c.event(true, nil, "", nil)
	if !flush() {
		return 0, true
	}
	limit := len(rep.Pieces)
	if rep.Fault == CutOff || rep.Fault == Stall {
		limit = min(rep.At, limit)
	}
	for _, p := range rep.Pieces[:limit] {
		if !wait(rep.Delay) {
			return sent, ctx.Err() != nil
		}
		c.event(false, &p, "", nil)
		if !flush() {
			return sent, true
		}
		sent++
	}
	switch rep.Fault {
	case CutOff:
		// Abort the handler: the server closes the connection without
		// ending the chunked body.
		panic(http.ErrAbortHandler)
	case Stall:
		select {
		case <-ctx.Done():
			return sent, true
		case <-s.closed:
			return sent, false
		}
	}
	if rep.Quirks&BadEvent != 0 {
		c.buf = append(c.buf, "data: {not json\n\n"...)
	}
	if rep.Quirks&NoFinish == 0 {
		c.event(false, nil, cmpStr(rep.FinishReason, "stop"), nil)
	}
	if c.usage {
		u := rep.Usage
		if u == nil {
			u = countUsage(req, rep)
		}
		c.event(false, nil, "", u)
	}
	if rep.Fault == DropAtEnd {
		flush()
		panic(http.ErrAbortHandler)
	}
	if rep.Quirks&NoDone == 0 {
		c.buf = append(c.buf, "data: [DONE]\n\n"...)
	}
	if !flush() {
		return sent, true
	}
	return sent, ctx.Err() != nil
}

func cmpStr(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// countUsage is the default usage: words in the request's messages, and
// one token per piece.
func countUsage(req Request, rep Reply) *openai.Usage {
	p := 0
	for _, m := range req.Body.Messages {
		p += len(strings.Fields(m.Content))
	}
	return &openai.Usage{PromptTokens: p, CompletionTokens: len(rep.Pieces), TotalTokens: p + len(rep.Pieces)}
}

// chunker appends chat.completion.chunk events to buf, encoding JSON by
// hand so that invalid UTF-8 in a piece goes out as is and streams stay
// fast.
type chunker struct {
	buf     []byte
	id      string
	model   string
	created int64
	usage   bool     // include_usage is in effect: "usage":null on every chunk, then a usage chunk
	cost    *float64 // usage.cost in the usage chunk
	role    bool     // role in every delta
	garbage bool
}

var garbageLines = "this line is not an event\n: a comment line\nevent: ping\n\n"

// event appends one chunk: the first (role) chunk, a content chunk, a
// finish chunk, or (u != nil) the usage chunk with "choices": [].
func (c *chunker) event(first bool, content *string, finish string, u *openai.Usage) {
	if c.garbage {
		c.buf = append(c.buf, garbageLines...)
	}
	b := append(c.buf, `data: {"id":`...)
	b = appendString(b, c.id)
	b = append(b, `,"object":"chat.completion.chunk","created":`...)
	b = strconv.AppendInt(b, c.created, 10)
	b = append(b, `,"model":`...)
	b = appendString(b, c.model)
	b = append(b, `,"system_fingerprint":"fp_openaitest","choices":[`...)
	if u == nil {
		b = append(b, `{"index":0,"delta":{`...)
		sep := ""
		if first || c.role {
			b = append(b, `"role":"assistant"`...)
			sep = ","
		}
		switch {
		case content != nil:
			b = append(b, sep+`"content":`...)
			b = appendString(b, *content)
		case first:
			b = append(b, sep+`"content":""`...)
		}
		b = append(b, `},"logprobs":null,"finish_reason":`...)
		if finish == "" {
			b = append(b, "null"...)
		} else {
			b = appendString(b, finish)
		}
		b = append(b, '}')
	}
	b = append(b, ']')
	if u != nil {
		b = append(b, `,"usage":{"prompt_tokens":`...)
		b = strconv.AppendInt(b, int64(u.PromptTokens), 10)
		b = append(b, `,"completion_tokens":`...)
		b = strconv.AppendInt(b, int64(u.CompletionTokens), 10)
		b = append(b, `,"total_tokens":`...)
		b = strconv.AppendInt(b, int64(u.TotalTokens), 10)
		if c.cost != nil {
			b = append(b, `,"cost":`...)
			b = strconv.AppendFloat(b, *c.cost, 'g', -1, 64)
		}
		b = append(b, '}')
	} else if c.usage {
		b = append(b, `,"usage":null`...)
	}
	c.buf = append(b, "}\n\n"...)
}

// appendString appends s as a JSON string, escaping only what JSON
// requires; bytes that are not valid UTF-8 pass through unchanged.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

type apiError struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    any     `json:"code"`
}

// writeError answers with rep.Status and an OpenAI-style error body.
func writeError(w http.ResponseWriter, rep Reply, req Request) {
	e := apiError{Message: rep.Message, Type: rep.Type, Code: nil}
	if rep.Code != "" {
		e.Code = rep.Code
	}
	var defMsg, defType, defCode string
	switch rep.Status {
	case http.StatusUnauthorized:
		defMsg, defType, defCode = "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.", "invalid_request_error", "invalid_api_key"
	case http.StatusForbidden:
		defMsg, defType, defCode = "You are not allowed to use this model.", "invalid_request_error", "model_not_allowed"
	case http.StatusNotFound:
		defMsg, defType, defCode = fmt.Sprintf("The model `%s` does not exist or you do not have access to it.", req.Body.Model), "invalid_request_error", "model_not_found"
	case http.StatusTooManyRequests:
		defMsg, defType, defCode = "Rate limit reached for requests. Please try again later.", "requests", "rate_limit_exceeded"
	case http.StatusBadRequest:
		defMsg, defType = "Invalid request.", "invalid_request_error"
	default:
		if rep.Status >= 500 {
			defMsg, defType = "The server had an error while processing your request. Sorry about that!", "server_error"
		} else {
			defMsg, defType = http.StatusText(rep.Status), "invalid_request_error"
		}
	}
	if e.Message == "" {
		e.Message = defMsg
	}
	if e.Type == "" {
		e.Type = defType
	}
	if e.Code == nil && defCode != "" {
		e.Code = defCode
	}
	if rep.EchoAuthorization {
		e.Message += " (you sent Authorization: " + req.Header.Get("Authorization") + ")"
	}
	body, _ := json.Marshal(map[string]apiError{"error": e})
	w.Header().Set("Content-Type", "application/json")
	if rep.RetryAfter != "" {
		w.Header().Set("Retry-After", rep.RetryAfter)
	}
	w.WriteHeader(rep.Status)
	w.Write(append(body, '\n'))
}

// writeCompletion answers a request that did not ask to stream.
func writeCompletion(w http.ResponseWriter, rep Reply, req Request) {
	var text bytes.Buffer
	for _, p := range rep.Pieces {
		text.WriteString(p)
	}
	resp := openai.ChatCompletionResponse{
		ID: "chatcmpl-openaitest-" + strconv.Itoa(req.N), Object: "chat.completion", Created: time.Now().Unix(),
		Model: cmpStr(rep.Model, req.Body.Model),
		Choices: []openai.ChatCompletionChoice{{Index: 0,
			Message:      openai.ChatCompletionMessage{Role: openai.ChatMessageRoleAssistant, Content: text.String()},
			FinishReason: openai.FinishReason(cmpStr(rep.FinishReason, "stop"))}},
	}
	if rep.Usage != nil {
		resp.Usage = *rep.Usage
	} else {
		resp.Usage = *countUsage(req, rep)
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(resp)
}

// Strict wraps script with the checks strict providers make before they
// answer: a request whose messages a strict provider rejects is answered
// 400 invalid_request_error naming the fault (see Malformed), and script is
// not asked for it.
func Strict(script Script) Script {
	return func(r Request) Reply {
		if msg := Malformed(r.Body.Messages); msg != "" {
			return Reply{Status: http.StatusBadRequest, Type: "invalid_request_error", Code: "invalid_request_error",
				Message: "openaitest (strict): " + msg}
		}
		// OpenAI's reasoning models take their cap in
		// max_completion_tokens and refuse max_tokens.
		if reasoningModel(r.Body.Model) && r.Fields["max_tokens"] != nil {
			return Reply{Status: http.StatusBadRequest, Type: "invalid_request_error", Code: "unsupported_parameter",
				Message: "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead."}
		}
		return script(r)
	}
}

// reasoningModel reports whether OpenAI serves model as a reasoning model
// (o1, o3, o4 and gpt-5, by name).
func reasoningModel(model string) bool {
	for _, p := range []string{"o1", "o3", "o4", "gpt-5"} {
		if strings.HasPrefix(model, p) {
			return true
		}
	}
	return false
}

// Malformed names what a strict provider rejects in a request's messages,
// or returns "": system messages only first; then at least one turn; turns
// that alternate user and assistant, starting and ending with user; no
// empty or whitespace-only content.
func Malformed(msgs []openai.ChatCompletionMessage) string {
	i := 0
	for i < len(msgs) && msgs[i].Role == openai.ChatMessageRoleSystem {
		if strings.TrimSpace(msgs[i].Content) == "" {
			return fmt.Sprintf("messages[%d]: the system message is empty", i)
		}
		i++
	}
	turns := msgs[i:]
	if len(turns) == 0 {
		return "messages: no user message"
	}
	for j, m := range turns {
		n := i + j
		switch m.Role {
		case openai.ChatMessageRoleUser, openai.ChatMessageRoleAssistant:
		default:
			return fmt.Sprintf("messages[%d]: role %q here; want user or assistant", n, m.Role)
		}
		if strings.TrimSpace(m.Content) == "" {
			return fmt.Sprintf("messages[%d]: %s content is empty or only whitespace", n, m.Role)
		}
		if j > 0 && m.Role == turns[j-1].Role {
			return fmt.Sprintf("messages[%d]: two %s messages in a row", n, m.Role)
		}
	}
	if turns[0].Role != openai.ChatMessageRoleUser {
		return fmt.Sprintf("messages[%d]: the first turn is %s; want user", i, turns[0].Role)
	}
	if last := turns[len(turns)-1]; last.Role != openai.ChatMessageRoleUser {
		return fmt.Sprintf("messages[%d]: the last message is %s; want user", len(msgs)-1, last.Role)
	}
	return ""
}
