package agents

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	openai "github.com/sashabaranov/go-openai"

	"github.com/parleyhq/parley/transcripts"
)

// Reading a stream's events. Decoding each event with encoding/json into
// go-openai's ChatCompletionStreamResponse is most of what a streamed
// reply costs the client: reflection over a struct of a dozen fields per
// one-word delta. decodeEvent reads the few fields parley uses straight
// from the event's bytes, and hands every event it is not sure of to
// encoding/json (decodeEventSlow), so the two decode every event alike:
// FuzzDecodeEvent holds them to that.

// streamEvent is what the agent takes from one event of a stream.
type streamEvent struct {
	model  string
	text   string // the content of choice 0's deltas, in order
	finish string // choice 0's finish reason, the last one given
	usage  *transcripts.Usage
}

// readEvent reads the next event of a stream. model is the model the last
// event named: the same name is not allocated again.
func readEvent(events *eventReader, model string) (streamEvent, error) {
	raw, err := events.next()
	if err != nil {
		return streamEvent{}, withStatus(err)
	}
	ev, ok := decodeEvent(raw, model)
	if !ok {
		// An error the server sends inside the stream, in a shape other
		// than the {"error": event the reader reports: OpenRouter's, a
		// chunk that carries an "error" beside its choices; vLLM's,
		// {"object": "error", "message": …}; one written with spaces.
		if apiErr := eventError(raw); apiErr != nil {
			return streamEvent{}, withStatus(fmt.Errorf("error, %w", apiErr))
		}
		if ev, err = decodeEventSlow(raw); err != nil {
			return ev, &badEvent{head: eventHead(raw), err: err}
		}
	}
	if ev.finish == "error" {
		// The reply ended on an error the server names no more.
		return streamEvent{}, fmt.Errorf("error, %w", &openai.APIError{Message: `the reply ended with finish_reason "error"`})
	}
	return ev, nil
}

// withStatus gives a server's error reported in its stream, after the 200
// that began it, the HTTP status its code names: OpenRouter reports an
// upstream's failure mid-stream as {"error": {"code": 429, …}}. It is then
// told and retried as that status is before a stream: a 429 or a 5xx is
// asked again, and a 429's "too many tokens" a minute is not taken for
// the context.
func withStatus(err error) error {
	var apiErr *openai.APIError
	if errors.As(err, &apiErr) && apiErr.HTTPStatusCode == 0 {
		if code, ok := apiErr.Code.(int); ok && code >= 400 && code <= 599 {
			apiErr.HTTPStatusCode, apiErr.HTTPStatus = code, statusPhrase(code)
		}
	}
	return err
}

// eventError is the error an event reports in place of (or beside) a
// chunk, or nil.
func eventError(raw []byte) *openai.APIError {
	var e struct {
		Error   *openai.APIError `json:"error"`
		Object  string           `json:"object"`
		Message string           `json:"message"`
	}
	switch {
	case json.Unmarshal(raw, &e) != nil:
		return nil
	case e.Error != nil:
		if e.Error.Message == "" {
			e.Error.Message = "the server reported an error and said no more"
		}
		return e.Error
	case e.Object == "error":
		return &openai.APIError{Message: e.Message}
	}
	return nil
}

// badEvent is a data event that is not the JSON of a chunk: head is how
// it began, for a sentence that quotes it (once its secrets are redacted,
// which is why it keeps more than the sentence quotes).
type badEvent struct {
	head string
	err  error
}

func (e *badEvent) Error() string { return "a stream event parley could not read: " + e.err.Error() }
func (e *badEvent) Unwrap() error { return e.err }

// eventHead is the start of an event, at most 512 bytes of it, with "…"
// when there was more.
func eventHead(raw []byte) string {
	const most = 512
	if len(raw) <= most {
		return string(raw)
	}
	return string(raw[:most]) + "…"
}

// decodeEventSlow decodes an event as go-openai's Recv does, plus the cost.
// An event whose JSON holds a value of another type than go-openai's in a
// field parley does not read (a fractional "created", a numeric "id", a
// tool call's arguments as an object), which Recv would reject, is read
// for the fields parley does read.
func decodeEventSlow(raw []byte) (streamEvent, error) {
	resp, cost, err := decodeResponse(raw)
	if _, mistyped := errors.AsType[*json.UnmarshalTypeError](err); mistyped {
		if ev, _, ok := decodeLoose(raw); ok {
			return ev, nil
		}
	}
	if err != nil {
		return streamEvent{}, err
	}
	ev := streamEvent{model: resp.Model}
	if resp.Usage != nil {
		ev.usage = &transcripts.Usage{PromptTokens: resp.Usage.PromptTokens,
			CompletionTokens: resp.Usage.CompletionTokens, TotalTokens: resp.Usage.TotalTokens, Cost: cost}
	}
	for _, c := range resp.Choices {
		if c.Index != 0 {
			continue
		}
		ev.text += c.Delta.Content
		if c.FinishReason != "" {
			ev.finish = string(c.FinishReason)
		}
	}
	return ev, nil
}

// looseCompletion is what parley reads of a chunk of a stream (its
// choices' delta) or of a whole completion (their message), and nothing
// else, with numbers read as numbers of any form (5 or 5.0).
type looseCompletion struct {
	Model   string `json:"model"`
	Choices []struct {
		Index float64 `json:"index"`
		Delta struct {
			Content string `json:"content"`
		} `json:"delta"`
		Message struct {
			Content string `json:"content"`
		} `json:"message"`
		FinishReason string `json:"finish_reason"`
	} `json:"choices"`
	Usage *struct {
		PromptTokens     float64  `json:"prompt_tokens"`
		CompletionTokens float64  `json:"completion_tokens"`
		TotalTokens      float64  `json:"total_tokens"`
		Cost             *float64 `json:"cost"`
	} `json:"usage"`
}

// decodeLoose reads raw as a looseCompletion: choice 0's text (a chunk's
// delta or a completion's message), its finish reason, the model and the
// usage, and how many choices it held. ok is false when raw is not JSON
// or one of those fields is of another type.
func decodeLoose(raw []byte) (ev streamEvent, choices int, ok bool) {
	var e looseCompletion
	if json.Unmarshal(raw, &e) != nil {
		return streamEvent{}, 0, false
	}
	ev.model = e.Model
	if u := e.Usage; u != nil {
		ev.usage = &transcripts.Usage{PromptTokens: int(u.PromptTokens), CompletionTokens: int(u.CompletionTokens), TotalTokens: int(u.TotalTokens), Cost: u.Cost}
	}
	for _, c := range e.Choices {
		if c.Index != 0 {
			continue
		}
		ev.text += c.Delta.Content + c.Message.Content
		if c.FinishReason != "" {
			ev.finish = c.FinishReason
		}
	}
	return ev, len(e.Choices), true
}

// The keys encoding/json would match, at each level of an event, to a
// field of go-openai's types (it matches keys case-insensitively). A key
// decodeEvent does not read itself but that folds to one of these sends
// the event to encoding/json, which may reject its value's type; any
// other key is skipped, as encoding/json skips it.
var (
	topKeys    = []string{"id", "object", "created", "model", "choices", "system_fingerprint", "prompt_annotations", "prompt_filter_results", "usage"}
	choiceKeys = []string{"index", "delta", "logprobs", "finish_reason", "content_filter_results"}
	deltaKeys  = []string{"content", "role", "function_call", "tool_calls", "refusal", "reasoning_content"}
	usageKeys  = []string{"prompt_tokens", "completion_tokens", "total_tokens", "prompt_tokens_details", "completion_tokens_details", "cost"}
)

// maxEventDepth bounds the nesting decodeEvent skips through; deeper
// events go to encoding/json.
const maxEventDepth = 64

// eventScanner reads one event's JSON. Any method returning false means
// "not sure": the event goes to encoding/json.
type eventScanner struct {
	b []byte
	i int
}

// decodeEvent reads an event the way decodeEventSlow does, without
// reflection. ok is false when it is not sure the two agree: malformed
// JSON, a value of an unexpected type, a duplicated or differently cased
// key, anything deeper than it needs. The caller then decodes the event
// with decodeEventSlow.
func decodeEvent(raw []byte, model string) (ev streamEvent, ok bool) {
	s := eventScanner{b: raw}
	s.space()
	if !s.object(func(key []byte) bool {
		switch string(key) {
		case "model":
			v, ok := s.stringOrNull()
			switch {
			case v == nil:
			case string(v) == model:
				ev.model = model
			default:
				ev.model = string(v)
			}
			return ok
		case "id", "system_fingerprint":
			_, ok := s.stringOrNull()
			return ok
		case "object":
			// {"object": "error"} is vLLM's error, eventError's to read.
			v, ok := s.stringOrNull()
			return ok && string(v) != "error"
		case "error":
			return false // a server's error, eventError's to read
		case "created":
			return s.intOrNull(nil)
		case "choices":
			return s.choices(&ev)
		case "usage":
			return s.usage(&ev)
		case "prompt_annotations", "prompt_filter_results":
			return s.null()
		}
		return s.other(key, topKeys, 1)
	}, "model", "choices", "usage") {
		return streamEvent{}, false
	}
	s.space()
	if s.i != len(s.b) {
		return streamEvent{}, false
	}
	return ev, true
}

func (s *eventScanner) choices(ev *streamEvent) bool {
	if s.null() {
		return true
	}
	if !s.lit('[') {
		return false
	}
	s.space()
	if s.lit(']') {
		return true
	}
	for {
		s.space()
		if !s.choice(ev) {
			return false
		}
		s.space()
		if s.lit(']') {
			return true
		}
		if !s.lit(',') {
			return false
		}
	}
}

func (s *eventScanner) choice(ev *streamEvent) bool {
	if s.null() {
		return true // a zero choice: index 0, nothing in it
	}
	index := 0
	var content, finish []byte
	if !s.object(func(key []byte) bool {
		switch string(key) {
		case "index":
			return s.intOrNull(&index)
		case "delta":
			if s.null() {
				return true
			}
			return s.object(func(key []byte) bool {
				switch string(key) {
				case "content":
					v, ok := s.stringOrNull()
					if v != nil {
						content = v
					}
					return ok
				case "role", "refusal", "reasoning_content":
					_, ok := s.stringOrNull()
					return ok
				case "function_call", "tool_calls":
					return s.null()
				}
				return s.other(key, deltaKeys, 3)
			}, "content")
		case "finish_reason":
			v, ok := s.stringOrNull()
			if v != nil {
				finish = v
			}
			return ok
		case "logprobs", "content_filter_results":
			return s.null()
		}
		return s.other(key, choiceKeys, 2)
	}, "index", "delta", "finish_reason") {
		return false
	}
	if index != 0 {
		return true
	}
	if len(content) > 0 {
		if ev.text == "" {
			ev.text = string(content)
		} else {
			ev.text += string(content)
		}
	}
	if len(finish) > 0 {
		ev.finish = string(finish)
	}
	return true
}

func (s *eventScanner) usage(ev *streamEvent) bool {
	if s.null() {
		return true
	}
	u := &transcripts.Usage{}
	if !s.object(func(key []byte) bool {
		switch string(key) {
		case "prompt_tokens":
			return s.intOrNull(&u.PromptTokens)
		case "completion_tokens":
			return s.intOrNull(&u.CompletionTokens)
		case "total_tokens":
			return s.intOrNull(&u.TotalTokens)
		case "cost":
			if s.null() {
				return true
			}
			start := s.i
			if !s.number() {
				return false
			}
			f, err := strconv.ParseFloat(string(s.b[start:s.i]), 64)
			if err != nil {
				return false
			}
			u.Cost = &f
			return true
		case "prompt_tokens_details", "completion_tokens_details":
			return s.null()
		}
		return s.other(key, usageKeys, 2)
	}, "prompt_tokens", "completion_tokens", "total_tokens", "cost") {
		return false
	}
	ev.usage = u
	return true
}

// object reads an object, calling field for each key with the scanner at
// the key's value; field reads the value. A key among once seen twice is
// not sure: encoding/json merges duplicates in ways not worth copying.
func (s *eventScanner) object(field func(key []byte) bool, once ...string) bool {
	if !s.lit('{') {
		return false
	}
	var seen uint8
	s.space()
	if s.lit('}') {
		return true
	}
	for {
		s.space()
		key, escaped, ok := s.strEscaped()
		if !ok || escaped {
			// encoding/json unescapes and folds keys in ways not worth
			// copying, and the cost is looked for in the raw bytes.
			return false
		}
		for k, name := range once {
			if string(key) == name {
				if seen&(1<<k) != 0 {
					return false
				}
				seen |= 1 << k
			}
		}
		s.space()
		if !s.lit(':') {
			return false
		}
		s.space()
		if !field(key) {
			return false
		}
		s.space()
		if s.lit('}') {
			return true
		}
		if !s.lit(',') {
			return false
		}
	}
}

// other skips the value of a key decodeEvent does not read, unless
// encoding/json would match the key to one of known.
func (s *eventScanner) other(key []byte, known []string, depth int) bool {
	for _, k := range known {
		if foldASCII(key, k) {
			return false
		}
	}
	for _, c := range key {
		if c >= utf8.RuneSelf {
			return false // encoding/json folds some non-ASCII letters to ASCII ones
		}
	}
	return s.skip(depth)
}

// foldASCII reports whether key equals name, ignoring ASCII case.
func foldASCII(key []byte, name string) bool {
	if len(key) != len(name) {
		return false
	}
	for i := range key {
		a, b := key[i], name[i]
		if 'A' <= a && a <= 'Z' {
			a += 'a' - 'A'
		}
		if a != b {
			return false
		}
	}
	return true
}

// skip reads any JSON value, checking that it is well formed.
func (s *eventScanner) skip(depth int) bool {
	if depth > maxEventDepth || s.i >= len(s.b) {
		return false
	}
	switch c := s.b[s.i]; {
	case c == '{':
		return s.object(func([]byte) bool { return s.skip(depth + 1) })
	case c == '[':
		s.i++
		s.space()
		if s.lit(']') {
			return true
		}
		for {
			s.space()
			if !s.skip(depth + 1) {
				return false
			}
			s.space()
			if s.lit(']') {
				return true
			}
			if !s.lit(',') {
				return false
			}
		}
	case c == '"':
		_, ok := s.str()
		return ok
	case c == '-' || '0' <= c && c <= '9':
		return s.number()
	case c == 't':
		return s.word("true")
	case c == 'f':
		return s.word("false")
	case c == 'n':
		return s.word("null")
	}
	return false
}

func (s *eventScanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// lit consumes c if it comes next.
func (s *eventScanner) lit(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

func (s *eventScanner) word(w string) bool {
	if len(s.b)-s.i >= len(w) && string(s.b[s.i:s.i+len(w)]) == w {
		s.i += len(w)
		return true
	}
	return false
}

// null consumes null if it comes next.
func (s *eventScanner) null() bool { return s.word("null") }

// number reads a JSON number.
func (s *eventScanner) number() bool {
	b, i := s.b, s.i
	digits := func() int {
		n := 0
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case digits() == 0:
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	s.i = i
	return true
}

// intOrNull reads an integer into *dst (nil: only checks it), or null,
// which leaves *dst as it was. A number that is not an integer an int
// holds is not sure: encoding/json rejects it.
func (s *eventScanner) intOrNull(dst *int) bool {
	if s.null() {
		return true
	}
	start := s.i
	if !s.number() {
		return false
	}
	n, err := strconv.ParseInt(string(s.b[start:s.i]), 10, 64)
	if err != nil {
		return false
	}
	if dst != nil {
		*dst = int(n)
	}
	return true
}

// stringOrNull reads a string (nil for null). The bytes are valid only
// until the next read.
func (s *eventScanner) stringOrNull() ([]byte, bool) {
	if s.null() {
		return nil, true
	}
	v, ok := s.str()
	if ok && v == nil {
		v = []byte{}
	}
	return v, ok
}

// str reads a string, unescaped. Without escapes it is a slice of the
// event; with them, a new slice. Invalid UTF-8 is replaced with U+FFFD,
// as encoding/json does.
func (s *eventScanner) str() ([]byte, bool) {
	v, _, ok := s.strEscaped()
	return v, ok
}

// strEscaped is str, also telling whether the string was not plain: it
// held escapes or bytes that are not valid UTF-8.
func (s *eventScanner) strEscaped() (v []byte, escaped, ok bool) {
	if !s.lit('"') {
		return nil, false, false
	}
	start := s.i
	backslash, wide := false, false
	for i := start; i < len(s.b); i++ {
		switch c := s.b[i]; {
		case c == '"':
			s.i = i + 1
			v := s.b[start:i]
			if !backslash && (!wide || utf8.Valid(v)) {
				return v, false, true
			}
			v, ok := unescape(v)
			return v, true, ok
		case c == '\\':
			backslash = true
			i++ // the escaped byte cannot end the string
		case c < 0x20:
			return nil, false, false
		case c >= utf8.RuneSelf:
			wide = true
		}
	}
	return nil, false, false
}

// unescape decodes a JSON string's body, escapes and all.
func unescape(b []byte) ([]byte, bool) {
	out := make([]byte, 0, len(b)+8)
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c == '\\':
			if i+1 >= len(b) {
				return nil, false
			}
			switch e := b[i+1]; e {
			case '"', '\\', '/':
				out = append(out, e)
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				r, ok := hex4(b[i+2:])
				if !ok {
					return nil, false
				}
				i += 6
				if utf16.IsSurrogate(r) {
					r2, ok2 := rune(-1), false
					if len(b) >= i+6 && b[i] == '\\' && b[i+1] == 'u' {
						r2, ok2 = hex4(b[i+2:])
					}
					if dec := utf16.DecodeRune(r, r2); ok2 && dec != utf8.RuneError {
						r = dec
						i += 6
					} else {
						r = utf8.RuneError
					}
				}
				out = utf8.AppendRune(out, r)
				continue
			default:
				return nil, false
			}
			i += 2
		case c < utf8.RuneSelf:
			out = append(out, c)
			i++
		default:
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size == 1 {
				out = utf8.AppendRune(out, utf8.RuneError)
			} else {
				out = append(out, b[i:i+size]...)
			}
			i += size
		}
	}
	return out, true
}

// hex4 reads the four hex digits of a \u escape.
func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r*16 + rune(c)
	}
	return r, true
}
