package agents

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	openai "github.com/sashabaranov/go-openai"
	"golang.org/x/net/http/httpproxy"

	"github.com/parleyhq/parley/agents/openaitest"
)

const testKey = "sk-test-0123456789abcdef"

// testAgent is an agent on srv whose waits are recorded instead of slept.
type testAgent struct {
	*OpenAI
	mu    sync.Mutex
	waits []time.Duration
}

func newTestAgent(t *testing.T, srv *openaitest.Server, cfg OpenAIConfig) *testAgent {
	t.Helper()
	if cfg.Name == "" {
		cfg.Name = "Alice"
	}
	if cfg.Model == "" {
		cfg.Model = "test-model"
	}
	if cfg.BaseURL == "" && srv != nil {
		cfg.BaseURL = srv.URL
	}
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	cfg.HTTPClient = &http.Client{Transport: tr}
	ta := &testAgent{OpenAI: NewOpenAI(cfg)}
	ta.sleep = func(ctx context.Context, d time.Duration) error {
		ta.mu.Lock()
		ta.waits = append(ta.waits, d)
		ta.mu.Unlock()
		return ctx.Err()
	}
	ta.jitter = func() float64 { return 0.5 }
	return ta
}

// result is what the orchestrator would make of a reply: the text of the
// last attempt, the retries announced, the final chunk fields and error.
type result struct {
	text    string
	retries []Retry
	usage   *Usage
	finish  string
	model   string
	err     error
	chunks  int
}

// Usage is shorthand in tests.
type Usage = struct{ Prompt, Completion, Total int }

func collect(ctx context.Context, a Agent, history []Message) result {
	var r result
	var b strings.Builder
	for ch, err := range a.Reply(ctx, history) {
		if err != nil {
			r.err = err
			break
		}
		r.chunks++
		if ch.Retry != nil {
			b.Reset()
			r.retries = append(r.retries, *ch.Retry)
			continue
		}
		b.WriteString(ch.Text)
		if ch.Usage != nil {
			r.usage = &Usage{ch.Usage.PromptTokens, ch.Usage.CompletionTokens, ch.Usage.TotalTokens}
		}
		if ch.FinishReason != "" {
			r.finish = ch.FinishReason
		}
		if ch.Model != "" {
			r.model = ch.Model
		}
	}
	r.text = b.String()
	return r
}

func ptr[T any](v T) *T { return &v }

var hello = []Message{{Role: RoleUser, Content: "Hello there, how are you?"}}

func TestRequestFields(t *testing.T) {
	cases := []struct {
		name    string
		cfg     OpenAIConfig
		history []Message
		// want
		messages []openai.ChatCompletionMessage
		fields   map[string]string // top-level fields as raw JSON; "" means absent
		headers  map[string]string // "" means absent
	}{
		{
			name: "every sampling field",
			cfg: OpenAIConfig{Model: "grok-4", System: "You are terse.", APIKey: testKey,
				Temperature: ptr(0.7), TopP: ptr(0.9), MaxTokens: ptr(256), Seed: ptr(42), Stop: []string{"[END]", "\n\n"},
				Headers: map[string]string{"X-Title": "parley", "HTTP-Referer": "https://example.org"}},
			history: []Message{
				{Role: RoleUser, Content: "Opening line."},
				{Role: RoleAssistant, Content: "My first answer."},
				{Role: RoleUser, Content: "Their reply."},
			},
			messages: []openai.ChatCompletionMessage{
				{Role: "system", Content: "You are terse."},
				{Role: "user", Content: "Opening line."},
				{Role: "assistant", Content: "My first answer."},
				{Role: "user", Content: "Their reply."},
			},
			fields: map[string]string{"model": `"grok-4"`, "stream": "true", "stream_options": `{"include_usage":true}`,
				"temperature": "0.7", "top_p": "0.9", "max_tokens": "256", "seed": "42", "stop": `["[END]","\n\n"]`},
			headers: map[string]string{"Authorization": "Bearer " + testKey, "X-Title": "parley",
				"Http-Referer": "https://example.org", "Accept": "text/event-stream", "Content-Type": "application/json"},
		},
		{
			name:     "no system prompt, no key, nothing optional",
			cfg:      OpenAIConfig{Model: "llama3"},
			history:  hello,
			messages: []openai.ChatCompletionMessage{{Role: "user", Content: hello[0].Content}},
			fields: map[string]string{"model": `"llama3"`, "temperature": "", "top_p": "", "max_tokens": "",
				"seed": "", "stop": ""},
			headers: map[string]string{"Authorization": ""},
		},
		{
			// Strict servers refuse a message of white space.
			name:     "a blank system prompt is none",
			cfg:      OpenAIConfig{Model: "llama3", System: "  \n\t "},
			history:  hello,
			messages: []openai.ChatCompletionMessage{{Role: "user", Content: hello[0].Content}},
		},
		{
			name:     "temperature zero is sent as zero",
			cfg:      OpenAIConfig{Temperature: ptr(0.0), TopP: ptr(0.0), Seed: ptr(0)},
			history:  hello,
			messages: []openai.ChatCompletionMessage{{Role: "user", Content: hello[0].Content}},
			fields:   map[string]string{"temperature": "0", "top_p": "0", "seed": "0"},
		},
		{
			// go-openai refuses to send max_tokens for OpenAI's reasoning
			// models, and OpenAI refuses it too.
			name:     "a reasoning model's cap goes in max_completion_tokens",
			cfg:      OpenAIConfig{Model: "gpt-5-mini", MaxTokens: ptr(200)},
			history:  hello,
			messages: []openai.ChatCompletionMessage{{Role: "user", Content: hello[0].Content}},
			fields:   map[string]string{"max_completion_tokens": "200", "max_tokens": ""},
		},
		{
			name:     "another model's cap stays in max_tokens",
			cfg:      OpenAIConfig{Model: "openai/gpt-5", MaxTokens: ptr(200)},
			history:  hello,
			messages: []openai.ChatCompletionMessage{{Role: "user", Content: hello[0].Content}},
			fields:   map[string]string{"max_completion_tokens": "", "max_tokens": "200"},
		},
		{
			// Mistral refuses seed (422 extra_forbidden).
			name:     "Mistral's seed is random_seed",
			cfg:      OpenAIConfig{Model: "mistral-large-latest", Seed: ptr(42), RandomSeed: true},
			history:  hello,
			messages: []openai.ChatCompletionMessage{{Role: "user", Content: hello[0].Content}},
			fields:   map[string]string{"random_seed": "42", "seed": ""},
		},
		{
			name:    "blank opening: a cue, never an empty user message",
			cfg:     OpenAIConfig{System: "Be kind."},
			history: nil,
			messages: []openai.ChatCompletionMessage{
				{Role: "system", Content: "Be kind."},
				{Role: "user", Content: "Hello."},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := openaitest.Start(t, openaitest.Queue(openaitest.Words("Fine, thanks.")))
			a := newTestAgent(t, srv, tc.cfg)
			r := collect(context.Background(), a, tc.history)
			if r.err != nil || r.text != "Fine, thanks." {
				t.Fatalf("reply = %q, %v; want %q", r.text, r.err, "Fine, thanks.")
			}
			reqs := srv.Requests()
			if len(reqs) != 1 {
				t.Fatalf("server saw %d requests, want 1", len(reqs))
			}
			req := reqs[0]
			if req.Method != http.MethodPost || req.Path != "/v1/chat/completions" {
				t.Errorf("request line = %s %s", req.Method, req.Path)
			}
			if len(req.Body.Messages) != len(tc.messages) {
				t.Fatalf("messages = %+v, want %+v", req.Body.Messages, tc.messages)
			}
			for i, m := range tc.messages {
				got := req.Body.Messages[i]
				if got.Role != m.Role || got.Content != m.Content {
					t.Errorf("message %d = %s %q, want %s %q", i, got.Role, got.Content, m.Role, m.Content)
				}
				if strings.TrimSpace(got.Content) == "" {
					t.Errorf("message %d is empty", i)
				}
			}
			for k, want := range tc.fields {
				got := string(req.Fields[k])
				if want == "" && got != "" {
					t.Errorf("field %s = %s, want it left out", k, got)
				}
				if want != "" && !jsonEqual(got, want) {
					t.Errorf("field %s = %s, want %s", k, got, want)
				}
			}
			for k, want := range tc.headers {
				if got := req.Header.Get(k); got != want {
					t.Errorf("header %s = %q, want %q", k, got, want)
				}
			}
		})
	}
}

func jsonEqual(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return string(xa) == string(ya)
}

func TestStreamShapes(t *testing.T) {
	huge := openaitest.Huge(4 << 20)
	cases := []struct {
		name   string
		reply  openaitest.Reply
		text   string
		finish string
		usage  *Usage // nil: none
	}{
		{name: "plain", reply: openaitest.Words("One two three."), text: "One two three.", finish: "stop",
			usage: &Usage{5, 3, 8}},
		{name: "ollama: role in every delta, capped", reply: openaitest.Reply{Pieces: []string{"Once", " upon"},
			FinishReason: "length", Quirks: openaitest.RoleEveryDelta}, text: "Once upon", finish: "length", usage: &Usage{5, 2, 7}},
		{name: "server ignores include_usage", reply: openaitest.Reply{Pieces: []string{"No", " usage"},
			Quirks: openaitest.IgnoreIncludeUsage}, text: "No usage", finish: "stop"},
		{name: "server's own usage", reply: openaitest.Reply{Pieces: []string{"x"}, Usage: &openai.Usage{PromptTokens: 11, CompletionTokens: 1, TotalTokens: 12}},
			text: "x", finish: "stop", usage: &Usage{11, 1, 12}},
		{name: "lines that are not events between events", reply: openaitest.Reply{Pieces: []string{"Still", " readable."},
			Quirks: openaitest.Garbage}, text: "Still readable.", finish: "stop", usage: &Usage{5, 2, 7}},
		{name: "no [DONE] after finish_reason", reply: openaitest.Reply{Pieces: []string{"Done", " anyway."},
			Quirks: openaitest.NoDone}, text: "Done anyway.", finish: "stop", usage: &Usage{5, 2, 7}},
		// A connection lost once finish_reason has come leaves the reply
		// whole: asking again would pay for it twice.
		{name: "connection lost after finish_reason and usage", reply: openaitest.Reply{Pieces: []string{"Whole", " reply."},
			Fault: openaitest.DropAtEnd}, text: "Whole reply.", finish: "stop", usage: &Usage{5, 2, 7}},
		{name: "connection lost right after finish_reason", reply: openaitest.Reply{Pieces: []string{"Whole."},
			Quirks: openaitest.IgnoreIncludeUsage, Fault: openaitest.DropAtEnd}, text: "Whole.", finish: "stop"},
		{name: "[DONE] without finish_reason", reply: openaitest.Reply{Pieces: []string{"Fine."},
			Quirks: openaitest.NoFinish}, text: "Fine.", usage: &Usage{5, 1, 6}},
		// Nothing after data: [DONE] is read: the reply ended there.
		{name: "[DONE] without finish_reason, then a comment", reply: openaitest.Reply{ContentType: "text/event-stream",
			Body: "data: {\"model\":\"test-model\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Whole reply.\"}}]}\n\ndata: [DONE]\n\n: bye\n\n"},
			text: "Whole reply."},
		{name: "[DONE] without a newline after it", reply: openaitest.Reply{ContentType: "text/event-stream",
			Body: "data: {\"model\":\"test-model\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Whole reply.\"}}]}\n\ndata: [DONE]"},
			text: "Whole reply."},
		{name: "one event of 4 MB", reply: huge, text: huge.Pieces[0], finish: "stop", usage: &Usage{5, 1, 6}},
		{name: "invalid UTF-8 is replaced, the rest kept", reply: openaitest.Text("caf\xc3", "\xff ok é"),
			text: "caf\ufffd\ufffd ok é", finish: "stop", usage: &Usage{5, 2, 7}},
		// The event stream format ends a line with CR alone too, and a
		// stream may begin with a byte-order mark.
		{name: "lines ended by CR alone", reply: openaitest.Reply{ContentType: "text/event-stream",
			Body: "data: {\"model\":\"test-model\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Carriage \"}}]}\r\r" +
				"data: {\"model\":\"test-model\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"returns.\"},\"finish_reason\":\"stop\"}]}\r\rdata: [DONE]\r\r"},
			text: "Carriage returns.", finish: "stop"},
		{name: "a byte-order mark first", reply: openaitest.Reply{ContentType: "text/event-stream",
			Body: "\xef\xbb\xbfdata: {\"model\":\"test-model\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"First words. \"}}]}\n\n" +
				"data: {\"model\":\"test-model\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Rest.\"},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n"},
			text: "First words. Rest.", finish: "stop"},
		// Values of other types than go-openai's in fields parley does not
		// read (a fractional created, a numeric id, usage counts written
		// 5.0) do not make the reply unreadable.
		{name: "odd types where parley reads nothing", reply: openaitest.Reply{ContentType: "text/event-stream",
			Body: "data: {\"id\":12345,\"created\":1733150000.5,\"model\":\"test-model\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Still \"}}]}\n\n" +
				"data: {\"id\":12345,\"created\":1733150000.5,\"model\":\"test-model\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"read.\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":5.0,\"completion_tokens\":2.0,\"total_tokens\":7.0}}\n\ndata: [DONE]\n\n"},
			text: "Still read.", finish: "stop", usage: &Usage{5, 2, 7}},
		// A server that ignores stream: true answers with the whole
		// completion: it is the reply, not a stream cut off to ask again.
		{name: "a whole completion in place of a stream", reply: openaitest.Reply{ContentType: "application/json",
			Body: `{"id":"c","object":"chat.completion","created":1733150000,"model":"test-model","choices":[{"index":0,"message":{"role":"assistant","content":"All at once."},"finish_reason":"length"}],"usage":{"prompt_tokens":9,"completion_tokens":3,"total_tokens":12}}`},
			text: "All at once.", finish: "length", usage: &Usage{9, 3, 12}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := openaitest.Start(t, openaitest.Queue(tc.reply))
			a := newTestAgent(t, srv, OpenAIConfig{})
			r := collect(context.Background(), a, hello)
			if r.err != nil {
				t.Fatalf("error: %v", r.err)
			}
			if r.text != tc.text {
				t.Errorf("text = %.80q (%d bytes), want %.80q (%d bytes)", r.text, len(r.text), tc.text, len(tc.text))
			}
			if !utf8.ValidString(r.text) {
				t.Errorf("text is not valid UTF-8")
			}
			if r.finish != tc.finish {
				t.Errorf("finish = %q, want %q", r.finish, tc.finish)
			}
			if (r.usage == nil) != (tc.usage == nil) || r.usage != nil && *r.usage != *tc.usage {
				t.Errorf("usage = %v, want %v", r.usage, tc.usage)
			}
			if r.model != "test-model" {
				t.Errorf("model = %q, want the server's test-model", r.model)
			}
			if len(r.retries) != 0 || len(srv.Requests()) != 1 {
				t.Errorf("%d retries, %d requests; want none and 1", len(r.retries), len(srv.Requests()))
			}
		})
	}
}

func TestRetries(t *testing.T) {
	ok := openaitest.Words("The answer.")
	fixedNow := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name    string
		cfg     OpenAIConfig
		replies []openaitest.Reply
		reasons []string
		waits   []time.Duration
	}{
		{name: "429 with Retry-After in seconds", replies: []openaitest.Reply{openaitest.RateLimited("7"), ok},
			reasons: []string{"429 Too Many Requests"}, waits: []time.Duration{7 * time.Second}},
		{name: "429 with Retry-After as an HTTP date", replies: []openaitest.Reply{
			openaitest.RateLimited(fixedNow.Add(90 * time.Second).Format(http.TimeFormat)), ok},
			reasons: []string{"429 Too Many Requests"}, waits: []time.Duration{90 * time.Second}},
		{name: "429 without Retry-After backs off", replies: []openaitest.Reply{openaitest.RateLimited(""), openaitest.RateLimited(""), ok},
			reasons: []string{"429 Too Many Requests", "429 Too Many Requests"}, waits: []time.Duration{750 * time.Millisecond, 1500 * time.Millisecond}},
		{name: "500, 502, 503 then success", replies: []openaitest.Reply{openaitest.Error(500, ""), openaitest.Error(502, ""),
			{Status: 503, RetryAfter: "2"}, ok},
			reasons: []string{"500 Internal Server Error", "502 Bad Gateway", "503 Service Unavailable"},
			waits:   []time.Duration{750 * time.Millisecond, 1500 * time.Millisecond, 2 * time.Second}},
		{name: "502 with an HTML body from a proxy", replies: []openaitest.Reply{{Status: 502, Body: "<html>Bad Gateway</html>", ContentType: "text/html"}, ok},
			reasons: []string{"502 Bad Gateway"}, waits: []time.Duration{750 * time.Millisecond}},
		{name: "stream cut off mid-way is retried from scratch", replies: []openaitest.Reply{openaitest.Cut(2, "Partial", " text", " lost"), ok},
			reasons: []string{"stream cut off"}, waits: []time.Duration{750 * time.Millisecond}},
		{name: "body ends without finish_reason or [DONE]", replies: []openaitest.Reply{{Pieces: []string{"Half"}, Quirks: openaitest.NoDone | openaitest.NoFinish}, ok},
			reasons: []string{"stream cut off"}, waits: []time.Duration{750 * time.Millisecond}},
		{name: "stall hits the idle timeout", cfg: OpenAIConfig{IdleTimeout: 50 * time.Millisecond},
			replies: []openaitest.Reply{openaitest.Stalled(1, "Thinking", " forever"), ok},
			reasons: []string{"no data for 50ms"}, waits: []time.Duration{750 * time.Millisecond}},
		{name: "slow reply hits the request timeout", cfg: OpenAIConfig{Timeout: 100 * time.Millisecond},
			replies: []openaitest.Reply{{Pieces: []string{"a", "b", "c", "d", "e", "f"}, Delay: 30 * time.Millisecond}, ok},
			reasons: []string{"no complete reply within 100ms"}, waits: []time.Duration{750 * time.Millisecond}},
		{name: "an event that is not JSON mid-stream", replies: []openaitest.Reply{{Pieces: []string{"Half", " a reply"}, Quirks: openaitest.BadEvent}, ok},
			reasons: []string{"an event parley could not read"}, waits: []time.Duration{750 * time.Millisecond}},
		{name: "an event of the wrong shape", replies: []openaitest.Reply{{ContentType: "text/event-stream",
			Body: "data: {\"choices\": \"none\"}\n\ndata: [DONE]\n\n"}, ok},
			reasons: []string{"an event parley could not read"}, waits: []time.Duration{750 * time.Millisecond}},
		{name: "error event mid-stream", replies: []openaitest.Reply{{ContentType: "text/event-stream",
			Body: "data: {\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}\n\n"}, ok},
			reasons: []string{"error reported mid-stream"}, waits: []time.Duration{750 * time.Millisecond}},
		// OpenRouter sends an error that comes mid-reply as a chunk that
		// carries it beside its choices, finished "error"; vLLM as an
		// object of its own. Neither is a finished message.
		{name: "an error in a chunk, as OpenRouter sends it", replies: []openaitest.Reply{{ContentType: "text/event-stream",
			Body: "data: {\"id\":\"g\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Half an ans\"}}]}\n\n" +
				"data: {\"id\":\"g\",\"object\":\"chat.completion.chunk\",\"error\":{\"code\":502,\"message\":\"Provider disconnected\"},\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\"},\"finish_reason\":\"error\"}]}\n\ndata: [DONE]\n\n"}, ok},
			reasons: []string{"502 Bad Gateway"}, waits: []time.Duration{750 * time.Millisecond}},
		// OpenRouter gives the upstream's HTTP status as the error's code:
		// a rate limit reported mid-stream is waited out, not taken for
		// the context ("too many tokens").
		{name: "a rate limit reported mid-stream, as OpenRouter sends it", replies: []openaitest.Reply{{ContentType: "text/event-stream",
			Body: ": OPENROUTER PROCESSING\n\n" +
				"data: {\"id\":\"g\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}\n\n" +
				"data: {\"id\":\"g\",\"object\":\"chat.completion.chunk\",\"error\":{\"code\":429,\"message\":\"Too many tokens per minute, please slow down\"},\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\"},\"finish_reason\":\"error\"}]}\n\n"}, ok},
			reasons: []string{"429 Too Many Requests"}, waits: []time.Duration{750 * time.Millisecond}},
		{name: "an error event with its status as its code", replies: []openaitest.Reply{{ContentType: "text/event-stream",
			Body: "data: {\"error\":{\"code\":503,\"message\":\"upstream overloaded\"}}\n\n"}, ok},
			reasons: []string{"503 Service Unavailable"}, waits: []time.Duration{750 * time.Millisecond}},
		{name: "an error object, as vLLM sends it", replies: []openaitest.Reply{{ContentType: "text/event-stream",
			Body: "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Half\"}}]}\n\ndata: {\"object\":\"error\",\"message\":\"boom\",\"code\":500}\n\ndata: [DONE]\n\n"}, ok},
			reasons: []string{"error reported mid-stream"}, waits: []time.Duration{750 * time.Millisecond}},
		// OpenRouter sends an SSE comment while it waits for the model; an
		// error event after it is the server's error all the same.
		{name: "an error event after an SSE comment, as OpenRouter sends it", replies: []openaitest.Reply{{ContentType: "text/event-stream",
			Body: ": OPENROUTER PROCESSING\n\ndata: {\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}\n\n"}, ok},
			reasons: []string{"error reported mid-stream"}, waits: []time.Duration{750 * time.Millisecond}},
		{name: "an error event after an event: error line", replies: []openaitest.Reply{{ContentType: "text/event-stream",
			Body: "event: error\ndata: {\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}\n\n"}, ok},
			reasons: []string{"error reported mid-stream"}, waits: []time.Duration{750 * time.Millisecond}},
		{name: "an error event written with spaces", replies: []openaitest.Reply{{ContentType: "text/event-stream",
			Body: "data: { \"error\": { \"message\": \"rate limited upstream\" } }\n\n"}, ok},
			reasons: []string{"error reported mid-stream"}, waits: []time.Duration{750 * time.Millisecond}},
		{name: "a reply finished with finish_reason error", replies: []openaitest.Reply{{Pieces: []string{"Half"}, FinishReason: "error"}, ok},
			reasons: []string{"error reported mid-stream"}, waits: []time.Duration{750 * time.Millisecond}},
		{name: "custom backoff doubles", cfg: OpenAIConfig{Backoff: 10 * time.Millisecond},
			replies: []openaitest.Reply{openaitest.Error(500, ""), openaitest.Error(500, ""), openaitest.Error(500, ""), ok},
			reasons: []string{"500 Internal Server Error", "500 Internal Server Error", "500 Internal Server Error"},
			waits:   []time.Duration{7500 * time.Microsecond, 15 * time.Millisecond, 30 * time.Millisecond}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := openaitest.Start(t, openaitest.Queue(tc.replies...))
			a := newTestAgent(t, srv, tc.cfg)
			a.now = func() time.Time { return fixedNow }
			r := collect(context.Background(), a, hello)
			if r.err != nil {
				t.Fatalf("error: %v", r.err)
			}
			if r.text != "The answer." {
				t.Errorf("text = %q, want only the successful attempt's %q", r.text, "The answer.")
			}
			if got := len(srv.Requests()); got != len(tc.replies) {
				t.Errorf("server saw %d requests, want %d", got, len(tc.replies))
			}
			if len(r.retries) != len(tc.reasons) {
				t.Fatalf("retries = %+v, want %d", r.retries, len(tc.reasons))
			}
			for i, rt := range r.retries {
				want := Retry{Attempt: i + 1, Max: DefaultAttempts, Wait: tc.waits[i], Reason: tc.reasons[i]}
				if rt != want {
					t.Errorf("retry %d = %+v, want %+v", i, rt, want)
				}
			}
			if len(a.waits) != len(tc.waits) {
				t.Fatalf("waited %v, want %v", a.waits, tc.waits)
			}
			for i := range tc.waits {
				if a.waits[i] != tc.waits[i] {
					t.Errorf("wait %d = %s, want %s", i, a.waits[i], tc.waits[i])
				}
			}
		})
	}
}

// badJSON is a stream whose one event is not JSON, as a broken proxy
// sends.
var badJSON = openaitest.Reply{ContentType: "text/event-stream", Body: "data: {not json\n\ndata: [DONE]\n\n"}

func TestFailures(t *testing.T) {
	cases := []struct {
		name     string
		cfg      OpenAIConfig
		replies  []openaitest.Reply
		requests int
		status   int
		contains []string
		is       error
	}{
		// An error a server sends with 200, as one JSON document without a
		// newline after it (FastAPI's way): its message, asked once.
		{name: "an error sent whole with 200", replies: []openaitest.Reply{{ContentType: "application/json", Body: `{"error":{"message":"model is loading"}}`}},
			requests: 1, status: 200, contains: []string{"model is loading"}},
		{name: "JSON that is neither a completion nor an error", replies: []openaitest.Reply{{ContentType: "application/json", Body: `{"status":"ok"}`}},
			requests: 1, contains: []string{"did not answer with an OpenAI-compatible event stream", `status`}, is: errNotStream},
		{name: "401", cfg: OpenAIConfig{KeyEnv: "XAI_API_KEY", APIKey: testKey}, replies: []openaitest.Reply{openaitest.Error(401, "")},
			requests: 1, status: 401, contains: []string{"Alice: ", "refused the key in XAI_API_KEY (401 Unauthorized)", "/v1"}},
		{name: "401 with an Authorization header in the key's place", cfg: OpenAIConfig{KeyEnv: "XAI_API_KEY", APIKey: testKey, Headers: map[string]string{"authorization": "Bearer sk-other-0123456789"}},
			replies:  []openaitest.Reply{openaitest.Error(401, "")},
			requests: 1, status: 401, contains: []string{"refused the Authorization header in headers: (401 Unauthorized); check that it is set to a valid key"}},
		{name: "401 without a key", replies: []openaitest.Reply{openaitest.Error(401, "")},
			requests: 1, status: 401, contains: []string{"carried no API key (401 Unauthorized); name the variable holding a key with api_key_env:"}},
		{name: "403", cfg: OpenAIConfig{KeyEnv: "XAI_API_KEY", APIKey: testKey}, replies: []openaitest.Reply{openaitest.Error(403, "")},
			requests: 1, status: 403, contains: []string{`refused access to model "test-model" (403 Forbidden)`}},
		{name: "404", replies: []openaitest.Reply{openaitest.Error(404, "")},
			requests: 1, status: 404, contains: []string{`model "test-model" not found at`, "(404); check model: and base_url:"}},
		{name: "400 says what the server said", replies: []openaitest.Reply{openaitest.Error(400, "max_tokens is too large")},
			requests: 1, status: 400, contains: []string{"rejected the request (400): max_tokens is too large"}},
		{name: "context length", replies: []openaitest.Reply{openaitest.ContextLengthExceeded()},
			requests: 1, status: 400, contains: []string{"longer than model \"test-model\"'s context"}, is: ErrContextLength},
		// Servers that speak other shapes of error than OpenAI's, as each
		// sends it: the sentence quotes what they said.
		{name: "context length in an error event after an SSE comment, as OpenRouter sends it", replies: []openaitest.Reply{{ContentType: "text/event-stream",
			Body: ": OPENROUTER PROCESSING\n\ndata: {\"error\":{\"message\":\"This model's maximum context length is 8192 tokens\"}}\n\n"}},
			requests: 1, contains: []string{"longer than model \"test-model\"'s context"}, is: ErrContextLength},
		{name: "vLLM's error", replies: []openaitest.Reply{{Status: 400, ContentType: "application/json",
			Body: `{"object":"error","message":"temperature must be non-negative, got -1.0.","type":"BadRequestError","param":null,"code":400}`}},
			requests: 1, status: 400, contains: []string{"rejected the request (400): temperature must be non-negative, got -1.0."}},
		{name: "Mistral's validation error", replies: []openaitest.Reply{{Status: 422, ContentType: "application/json",
			Body: `{"object":"error","message":{"detail":[{"type":"extra_forbidden","loc":["body","seed"],"msg":"Extra inputs are not permitted","input":-1}]},"type":"invalid_request_error","param":null,"code":null}`}},
			requests: 1, status: 422, contains: []string{"rejected the request (422): body.seed: Extra inputs are not permitted"}},
		{name: "Gemini's error in a list", replies: []openaitest.Reply{{Status: 400, ContentType: "application/json",
			Body: `[{"error":{"code":400,"message":"Invalid JSON payload received. Unknown name \"seed\": Cannot find field.","status":"INVALID_ARGUMENT"}}]`}},
			requests: 1, status: 400, contains: []string{`rejected the request (400): Invalid JSON payload received. Unknown name "seed": Cannot find field.`}},
		{name: "context length in vLLM's shape", replies: []openaitest.Reply{{Status: 400, ContentType: "application/json",
			Body: `{"object":"error","message":"This model's maximum context length is 4096 tokens. However, you requested 5000 tokens in the messages, Please reduce the length of the messages.","type":"BadRequestError","param":null,"code":400}`}},
			requests: 1, status: 400, contains: []string{"longer than model \"test-model\"'s context"}, is: ErrContextLength},
		// Ollama's {"error": "text"}: go-openai begins an APIError it
		// cannot fill, and wraps it, with the status, in a RequestError.
		{name: "Ollama's 404", replies: []openaitest.Reply{{Status: 404, ContentType: "application/json",
			Body: `{"error":"model \"llama9\" not found, try pulling it first"}`}},
			requests: 1, status: 404, contains: []string{`model "test-model" not found at`}},
		{name: "Ollama's 500 is retried and quoted", cfg: OpenAIConfig{Retries: ptr(2)}, replies: []openaitest.Reply{
			{Status: 500, ContentType: "application/json", Body: `{"error":"llama runner process has terminated"}`},
			{Status: 500, ContentType: "application/json", Body: `{"error":"llama runner process has terminated"}`}},
			requests: 2, status: 500, contains: []string{"failed with 500 Internal Server Error: llama runner process has terminated (gave up after 2 attempts)"}},
		{name: "context length in Ollama's shape", replies: []openaitest.Reply{{Status: 400, ContentType: "application/json",
			Body: `{"error":"prompt is too long: context window exceeded"}`}},
			requests: 1, status: 400, contains: []string{"longer than model \"test-model\"'s context"}, is: ErrContextLength},
		{name: "context length in Gemini's words", replies: []openaitest.Reply{{Status: 400, ContentType: "application/json",
			Body: `[{"error":{"code":400,"message":"The input token count (5000) exceeds the maximum number of tokens allowed (4096).","status":"INVALID_ARGUMENT"}}]`}},
			requests: 1, status: 400, contains: []string{"longer than model \"test-model\"'s context"}, is: ErrContextLength},
		{name: "context length in plain text", replies: []openaitest.Reply{{Status: 413, ContentType: "text/plain",
			Body: "Request Entity Too Large: prompt is too long\n"}},
			requests: 1, status: 413, contains: []string{"longer than model \"test-model\"'s context"}, is: ErrContextLength},
		{name: "a plain-text error is quoted", cfg: OpenAIConfig{Retries: ptr(1)}, replies: []openaitest.Reply{{Status: 500, ContentType: "text/plain",
			Body: "upstream crashed\n"}},
			requests: 1, status: 500, contains: []string{"failed with 500 Internal Server Error: upstream crashed"}},
		{name: "too many tokens a minute is a rate limit, not the context", cfg: OpenAIConfig{Retries: ptr(1)}, replies: []openaitest.Reply{{Status: 429, ContentType: "application/json",
			Body: `{"error":{"message":"Rate limit reached: too many tokens per minute","type":"tokens","code":"rate_limit_exceeded"}}`}},
			requests: 1, status: 429, contains: []string{"is rate limiting requests (429 Too Many Requests)"}},
		{name: "too many tokens a minute reported mid-stream is a rate limit, not the context", cfg: OpenAIConfig{Retries: ptr(1)},
			replies: []openaitest.Reply{{ContentType: "text/event-stream",
				Body: "data: {\"id\":\"g\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}\n\n" +
					"data: {\"id\":\"g\",\"object\":\"chat.completion.chunk\",\"error\":{\"code\":429,\"message\":\"Too many tokens per minute, please slow down\"},\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\"},\"finish_reason\":\"error\"}]}\n\n"}},
			requests: 1, status: 429, contains: []string{"is rate limiting requests (429 Too Many Requests)"}},
		{name: "a refusal reported mid-stream with its status as its code", replies: []openaitest.Reply{{ContentType: "text/event-stream",
			Body: "data: {\"error\":{\"code\":402,\"message\":\"Insufficient credits\"}}\n\n"}},
			requests: 1, status: 402, contains: []string{"rejected the request (402): Insufficient credits"}},
		{name: "200 with HTML", replies: []openaitest.Reply{openaitest.HTML()},
			requests: 1, contains: []string{"answered with HTML, not an OpenAI-compatible stream; check base_url"}, is: errHTML},
		{name: "200 with HTML but no content type", replies: []openaitest.Reply{{Body: "<html><body>hi</body></html>\n"}},
			requests: 1, contains: []string{"answered with HTML"}, is: errHTML},
		{name: "200 with text that is not a stream", replies: []openaitest.Reply{{Body: "data: hello\n\ndata: world\n\n"}},
			requests: 1, contains: []string{`did not answer with an OpenAI-compatible event stream (its first event was "hello")`}, is: errNotStream},
		{name: "an event that is not JSON, then [DONE], is not an empty reply", cfg: OpenAIConfig{Retries: ptr(2)},
			replies: []openaitest.Reply{badJSON, badJSON}, requests: 2,
			contains: []string{`sent a stream event parley could not read ("{not json"), so the reply was not taken (gave up after 2 attempts)`}},
		{name: "a long event is quoted short, its secrets redacted", cfg: OpenAIConfig{Retries: ptr(1), APIKey: testKey},
			replies:  []openaitest.Reply{{ContentType: "text/event-stream", Body: "data: {\"echo\": \"Bearer " + testKey + "\", " + strings.Repeat("x", 600) + "\n\n"}},
			requests: 1, contains: []string{`sent a stream event parley could not read ("{\"echo\": \"Bearer [redacted]\", xxx`, `xxx…"), so the reply was not taken`}},
		{name: "retries run out", cfg: OpenAIConfig{Retries: ptr(3)},
			replies:  []openaitest.Reply{openaitest.Error(503, ""), openaitest.Error(503, ""), openaitest.Error(503, ""), openaitest.Words("never")},
			requests: 3, status: 503, contains: []string{"failed with 503 Service Unavailable: The server had an error while processing your request. Sorry about that! (gave up after 3 attempts)"}},
		{name: "500 says what the server said", cfg: OpenAIConfig{Retries: ptr(1)}, replies: []openaitest.Reply{openaitest.Error(500, "internal boom")},
			requests: 1, status: 500, contains: []string{"failed with 500 Internal Server Error: internal boom"}},
		{name: "a 502 page from a proxy is not quoted", cfg: OpenAIConfig{Retries: ptr(1)}, replies: []openaitest.Reply{{Status: 502, Body: "<html>Bad Gateway</html>", ContentType: "text/html"}},
			requests: 1, status: 502, contains: []string{"failed with 502 Bad Gateway"}},
		{name: "cut streams run out", cfg: OpenAIConfig{Retries: ptr(2)},
			replies:  []openaitest.Reply{openaitest.Cut(1, "a", "b"), openaitest.Cut(1, "a", "b")},
			requests: 2, contains: []string{"was cut off before it finished (gave up after 2 attempts)"}, is: errStreamCut},
		{name: "Retries of 1 makes one attempt", cfg: OpenAIConfig{Retries: ptr(1)},
			replies: []openaitest.Reply{openaitest.RateLimited("1")}, requests: 1, status: 429,
			contains: []string{"is rate limiting requests (429 Too Many Requests)"}},
		{name: "a wait longer than ten minutes is not waited", replies: []openaitest.Reply{openaitest.RateLimited("86400")},
			requests: 1, status: 429, contains: []string{"asks to wait 24h0m0s before trying again (429 Too Many Requests); try again later"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := openaitest.Start(t, openaitest.Queue(tc.replies...))
			a := newTestAgent(t, srv, tc.cfg)
			r := collect(context.Background(), a, hello)
			if r.err == nil {
				t.Fatalf("no error; text %q", r.text)
			}
			var ae *Error
			if !errors.As(r.err, &ae) {
				t.Fatalf("error %T %v is not an *Error", r.err, r.err)
			}
			for _, s := range tc.contains {
				if !strings.Contains(ae.Sentence, s) {
					t.Errorf("sentence %q does not contain %q", ae.Sentence, s)
				}
			}
			if !strings.Contains(ae.Sentence, srv.URL) {
				t.Errorf("sentence %q does not name %s", ae.Sentence, srv.URL)
			}
			if ae.Agent != "Alice" || ae.Status != tc.status {
				t.Errorf("agent, status = %q, %d; want Alice, %d", ae.Agent, ae.Status, tc.status)
			}
			if tc.is != nil && !errors.Is(r.err, tc.is) {
				t.Errorf("errors.Is(%v, %v) is false", r.err, tc.is)
			}
			if tc.is != ErrContextLength && errors.Is(r.err, ErrContextLength) {
				t.Errorf("error %v claims a context-length failure", r.err)
			}
			if got := len(srv.Requests()); got != tc.requests {
				t.Errorf("server saw %d requests, want %d", got, tc.requests)
			}
			if len(r.retries) != tc.requests-1 {
				t.Errorf("%d retries announced, want %d", len(r.retries), tc.requests-1)
			}
		})
	}
}

func TestStreamOptionsRejected(t *testing.T) {
	rej := openaitest.Reply{Pieces: []string{"Hi."}, Quirks: openaitest.RejectStreamOptions}
	srv := openaitest.Start(t, func(openaitest.Request) openaitest.Reply { return rej })
	a := newTestAgent(t, srv, OpenAIConfig{})
	for i := range 2 {
		r := collect(context.Background(), a, hello)
		if r.err != nil || r.text != "Hi." || len(r.retries) != 0 {
			t.Fatalf("reply %d = %q, %v, retries %v; want Hi. with no retry", i, r.text, r.err, r.retries)
		}
		if r.usage != nil {
			t.Errorf("reply %d has usage %v from a server that was not asked for it", i, r.usage)
		}
	}
	reqs := srv.Requests()
	if len(reqs) != 3 {
		t.Fatalf("server saw %d requests, want 3 (rejected, again without, then without from the start)", len(reqs))
	}
	for i, want := range []bool{true, false, false} {
		if got := reqs[i].Fields["stream_options"] != nil; got != want {
			t.Errorf("request %d has stream_options = %v, want %v", i, got, want)
		}
	}
}

func TestKeyNeverLeaks(t *testing.T) {
	const headerSecret = "hdr-secret-abcdef123456"
	const shortSecret = "S3CR7" // a header value as short as RedactSecrets hides
	cases := []struct {
		name  string
		reply openaitest.Reply
	}{
		{"401 echoing the header", openaitest.Reply{Status: 401, EchoAuthorization: true}},
		{"400 echoing the header", openaitest.Reply{Status: 400, EchoAuthorization: true}},
		{"500 echoing the header until retries run out", openaitest.Reply{Status: 500, EchoAuthorization: true}},
		{"502 plain body echoing the key", openaitest.Reply{Status: 502, Body: "upstream refused key " + testKey + " and " + headerSecret}},
		{"error event mid-stream echoing the key", openaitest.Reply{ContentType: "text/event-stream",
			Body: "data: {\"error\":{\"message\":\"bad key " + testKey + "\"}}\n\n"}},
		{"400 echoing a short header value", openaitest.Error(400, "unknown X-Custom: "+shortSecret)},
		{"502 plain body echoing a short header value", openaitest.Reply{Status: 502, Body: "upstream refused X-Custom " + shortSecret}},
		{"error event mid-stream echoing a short header value", openaitest.Reply{ContentType: "text/event-stream",
			Body: "data: {\"error\":{\"message\":\"bad X-Custom " + shortSecret + "\"}}\n\n"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := openaitest.Start(t, func(openaitest.Request) openaitest.Reply { return tc.reply })
			a := newTestAgent(t, srv, OpenAIConfig{APIKey: testKey, KeyEnv: "TEST_KEY", Retries: ptr(2),
				Headers: map[string]string{"X-Secret": headerSecret, "X-Custom": shortSecret}})
			r := collect(context.Background(), a, hello)
			if r.err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(string(srv.Requests()[0].Header.Get("Authorization")), testKey) {
				t.Fatal("the key was not sent, so the test proves nothing")
			}
			var texts []string
			texts = append(texts, r.err.Error())
			var ae *Error
			if errors.As(r.err, &ae) {
				texts = append(texts, ae.Sentence)
			}
			var apiErr *openai.APIError
			if errors.As(r.err, &apiErr) {
				texts = append(texts, apiErr.Message, apiErr.Error())
			}
			var reqErr *openai.RequestError
			if errors.As(r.err, &reqErr) {
				texts = append(texts, string(reqErr.Body), reqErr.Error())
			}
			for _, s := range texts {
				if strings.Contains(s, testKey) || strings.Contains(s, headerSecret) || strings.Contains(s, shortSecret) {
					t.Errorf("a secret leaked: %q", s)
				}
			}
			if !strings.Contains(r.err.Error(), "[redacted]") {
				t.Errorf("error %q shows no sign of the echoed secret being redacted", r.err)
			}
		})
	}
}

// A header written as SCHEME CREDENTIAL is hidden whole and in its parts:
// a server that quotes only the token, or for Basic the user:password it
// encodes or the password alone, shows none of them.
func TestHeaderCredentialsAreHiddenWhereQuotedAlone(t *testing.T) {
	const token = "tok-SECRET-1234567890"
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("ada:pass-0987654321"))
	for _, tc := range []struct {
		name, header, quoted, secret string
	}{
		{"a bearer token quoted alone", "Bearer " + token, "bad token " + token, token},
		{"a bearer token and its scheme", "Bearer " + token, "got Bearer " + token, token},
		{"a basic user and password", basic, "user ada:pass-0987654321 refused", "pass-0987654321"},
		{"a basic password alone", basic, "wrong password pass-0987654321", "pass-0987654321"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := openaitest.Start(t, func(openaitest.Request) openaitest.Reply { return openaitest.Error(400, tc.quoted) })
			a := newTestAgent(t, srv, OpenAIConfig{APIKey: testKey, KeyEnv: "TEST_KEY", Retries: ptr(1),
				Headers: map[string]string{"X-Upstream-Auth": tc.header}})
			r := collect(context.Background(), a, hello)
			if r.err == nil {
				t.Fatal("no error")
			}
			if got := srv.Requests()[0].Header.Get("X-Upstream-Auth"); got != tc.header {
				t.Fatalf("the header was sent as %q, so the test proves nothing", got)
			}
			if msg := r.err.Error(); strings.Contains(msg, tc.secret) || !strings.Contains(msg, "[redacted]") {
				t.Errorf("error %q; want the credential redacted", msg)
			}
		})
	}
}

// A password or a key a base URL holds is never shown in an error: not
// in the URL the sentence names, not in the error a failed request quotes,
// not in a server's answer that echoes it.
func TestURLSecretsNeverLeak(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String() + "/v1"
	l.Close()
	const pass, key = "pw-URL-SECRET2", "sk-query-SECRET1"
	echo := openaitest.Start(t, func(openaitest.Request) openaitest.Reply {
		return openaitest.Error(http.StatusBadRequest, "you sent the password "+pass)
	})
	// A server that echoes the Authorization header, which carries the
	// URL's user and password as Basic credentials when there is no key.
	echoAuth := openaitest.Start(t, func(openaitest.Request) openaitest.Reply {
		return openaitest.Reply{Status: http.StatusBadRequest, EchoAuthorization: true}
	})
	basic := base64.StdEncoding.EncodeToString([]byte("u:" + pass))
	cases := []struct {
		name, base string
	}{
		{"a key in the query of an unreachable URL", closed + "?key=" + key},
		{"a password echoed by the server", strings.Replace(echo.URL, "http://", "http://u:"+pass+"@", 1)},
		{"a password echoed as Basic credentials", strings.Replace(echoAuth.URL, "http://", "http://u:"+pass+"@", 1)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := newTestAgent(t, nil, OpenAIConfig{BaseURL: c.base, Retries: ptr(1)})
			r := collect(context.Background(), a, hello)
			if r.err == nil {
				t.Fatal("no error")
			}
			texts := []string{r.err.Error()}
			if ae, ok := errors.AsType[*Error](r.err); ok {
				texts = append(texts, ae.Sentence)
				if ae.Err != nil {
					texts = append(texts, ae.Err.Error())
				}
			}
			for _, s := range texts {
				if strings.Contains(s, pass) || strings.Contains(s, key) || strings.Contains(s, basic) {
					t.Errorf("a secret leaked: %q", s)
				}
			}
			if !strings.Contains(r.err.Error(), "REDACTED") {
				t.Errorf("error %q does not name the URL with its secrets hidden", r.err)
			}
		})
	}
}

func TestUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + l.Addr().String() + "/v1"
	l.Close()
	a := newTestAgent(t, nil, OpenAIConfig{BaseURL: url, Retries: ptr(2)})
	r := collect(context.Background(), a, hello)
	var ae *Error
	if !errors.As(r.err, &ae) {
		t.Fatalf("error %v is not an *Error", r.err)
	}
	want := "Alice: cannot reach " + url + "; check base_url: and that the server is running (gave up after 2 attempts)"
	if ae.Sentence != want {
		t.Errorf("sentence = %q, want %q", ae.Sentence, want)
	}
	if len(r.retries) != 1 || r.retries[0].Reason != "connection refused" {
		t.Errorf("retries = %+v, want one for the refused connection", r.retries)
	}

	// However many retries are allowed, a refused connection is tried
	// three times, a quarter and a half second apart.
	a = newTestAgent(t, nil, OpenAIConfig{BaseURL: url, Retries: ptr(8), Backoff: 5 * time.Second})
	r = collect(context.Background(), a, hello)
	if len(r.retries) != 2 || r.retries[0].Wait > 250*time.Millisecond || r.retries[1].Wait > 500*time.Millisecond {
		t.Errorf("retries = %+v, want two short ones", r.retries)
	}
	// Each says how many attempts there will be: three, not the nine
	// the settings allow a server that answers.
	for _, rt := range r.retries {
		if rt.Max != 3 {
			t.Errorf("retry %+v counts %d attempts; a refused connection gets 3", rt, rt.Max)
		}
	}
	if !errors.As(r.err, &ae) || !strings.Contains(ae.Sentence, "gave up after 3 attempts") {
		t.Errorf("err = %v", r.err)
	}
}

// A server that is still starting (a local Ollama) refuses the first
// connections; once it answers, the agent's own retries: and backoff
// start from the beginning: the quick tries on a refused connection spend
// none of them.
func TestAServerThatStartsLateGetsEveryRetry(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	var requests atomic.Int32
	var srv *http.Server
	t.Cleanup(func() {
		if srv != nil {
			srv.Close()
		}
	})
	a := newTestAgent(t, nil, OpenAIConfig{BaseURL: "http://" + addr + "/v1", Retries: ptr(4), Backoff: time.Second})
	var waits []time.Duration
	a.sleep = func(ctx context.Context, d time.Duration) error {
		waits = append(waits, d)
		if len(waits) == 2 { // it starts listening during the second wait
			l, err := net.Listen("tcp", addr)
			if err != nil {
				t.Errorf("the port was taken meanwhile: %v", err)
				return err
			}
			srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				requests.Add(1)
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusInternalServerError)
				w.Write([]byte(`{"error":{"message":"still loading","type":"server_error"}}`))
			})}
			go srv.Serve(l)
		}
		return ctx.Err()
	}
	r := collect(context.Background(), a, hello)
	if r.err == nil {
		t.Fatal("a server that always fails gave a reply")
	}
	if got := requests.Load(); got != 4 {
		t.Errorf("the server saw %d requests; retries: 4 allows it 4 (retries %+v)", got, r.retries)
	}
	var got []string
	for _, rt := range r.retries {
		got = append(got, fmt.Sprintf("%s %d/%d", rt.Reason, rt.Attempt, rt.Max))
	}
	want := []string{"connection refused 1/3", "connection refused 2/3", "500 Internal Server Error 1/4", "500 Internal Server Error 2/4", "500 Internal Server Error 3/4"}
	if !slices.Equal(got, want) {
		t.Errorf("retries:\n got %q\nwant %q", got, want)
	}
	// A quarter and a half second while nothing listens, then the usual
	// backoff from one second (the tests' jitter takes its middle).
	wantWaits := []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, 750 * time.Millisecond, 1500 * time.Millisecond, 3 * time.Second}
	if !slices.Equal(waits, wantWaits) {
		t.Errorf("waits = %v, want %v", waits, wantWaits)
	}
	var ae *Error
	if !errors.As(r.err, &ae) || !strings.Contains(ae.Sentence, "gave up after 6 attempts") {
		t.Errorf("err = %v; want it to count all 6 attempts", r.err)
	}
}

// Once the server has answered, a refused connection is a server being
// restarted: the agent keeps to its usual retries and backoff, where a
// server that never answered (TestUnreachable) gets three quick tries.
func TestRefusedAfterAnAnswerIsARestart(t *testing.T) {
	serve := func(l net.Listener) *http.Server {
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/event-stream")
			w.Write([]byte(`data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"up"},"finish_reason":"stop"}]}` + "\n\ndata: [DONE]\n\n"))
		})}
		go srv.Serve(l)
		return srv
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	first := serve(l)
	a := newTestAgent(t, nil, OpenAIConfig{BaseURL: "http://" + addr + "/v1", Retries: ptr(6), Backoff: time.Second})
	if r := collect(context.Background(), a, hello); r.err != nil || r.text != "up" {
		t.Fatalf("first reply: %q, %v", r.text, r.err)
	}
	first.Close() // the server goes away…

	// …and is back on the same port after the agent's fourth wait.
	var back *http.Server
	t.Cleanup(func() {
		if back != nil {
			back.Close()
		}
	})
	var waits []time.Duration
	a.sleep = func(ctx context.Context, d time.Duration) error {
		waits = append(waits, d)
		if len(waits) == 4 {
			l, err := net.Listen("tcp", addr)
			if err != nil {
				t.Errorf("the port was taken meanwhile: %v", err)
				return err
			}
			back = serve(l)
		}
		return ctx.Err()
	}
	r := collect(context.Background(), a, hello)
	if r.err != nil || r.text != "up" {
		t.Fatalf("after the restart: %q, %v; retries %+v", r.text, r.err, r.retries)
	}
	// The first attempt may meet the closed pooled connection instead.
	if len(r.retries) != 4 {
		t.Fatalf("retries = %+v; want four", r.retries)
	}
	for i, rt := range r.retries {
		if rt.Reason != "connection refused" && !(i == 0 && rt.Reason == "connection failed") {
			t.Errorf("retry %d: %q; want the refused connection (all: %+v)", i+1, rt.Reason, r.retries)
		}
	}
	// The usual backoff from one second, doubling, the upper half random
	// (the tests' jitter takes its middle), not a quarter then half second.
	for i, want := range []time.Duration{750 * time.Millisecond, 1500 * time.Millisecond, 3 * time.Second, 6 * time.Second} {
		if waits[i] != want {
			t.Errorf("wait %d = %v, want %v (all: %v)", i+1, waits[i], want, waits)
		}
	}
}

func TestStopReading(t *testing.T) {
	slow := openaitest.Reply{Pieces: []string{"one", " two", " three", " four"}, Delay: 20 * time.Millisecond}
	cases := []struct {
		name  string
		reply openaitest.Reply
		stop  func(cancel context.CancelFunc) bool // called after the first text chunk; true: break out
		err   error
	}{
		{name: "break out of the loop", reply: slow, stop: func(context.CancelFunc) bool { return true }},
		{name: "cancel the context mid-stream", reply: slow,
			stop: func(cancel context.CancelFunc) bool { cancel(); return false }, err: context.Canceled},
		{name: "cancel during a stall", reply: openaitest.Stalled(1, "one", " two"),
			stop: func(cancel context.CancelFunc) bool { cancel(); return false }, err: context.Canceled},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := openaitest.Start(t, openaitest.Queue(tc.reply))
			a := newTestAgent(t, srv, OpenAIConfig{})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var gotErr error
			texts := 0
			for ch, err := range a.Reply(ctx, hello) {
				if err != nil {
					gotErr = err
					break
				}
				if ch.Text != "" {
					texts++
					if tc.stop(cancel) {
						break
					}
				}
			}
			if !errors.Is(gotErr, tc.err) || (tc.err == nil) != (gotErr == nil) {
				t.Errorf("error = %v, want %v", gotErr, tc.err)
			}
			if texts != 1 {
				t.Errorf("%d text chunks after stopping at the first", texts)
			}
			req, ok := srv.WaitEnded(0, 5*time.Second)
			if !ok {
				t.Fatal("the server is still answering: the connection was not closed")
			}
			if !req.ClientGone {
				t.Errorf("the server did not see the client go away (sent %d pieces)", req.Sent)
			}
			if req.Sent >= len(tc.reply.Pieces) {
				t.Errorf("the server sent all %d pieces", req.Sent)
			}
		})
	}
}

func TestEventTooLarge(t *testing.T) {
	defer func(n int) { maxEventBytes = n }(maxEventBytes)
	maxEventBytes = 1 << 20
	srv := openaitest.Start(t, openaitest.Queue(openaitest.Huge(3<<20)))
	a := newTestAgent(t, srv, OpenAIConfig{})
	r := collect(context.Background(), a, hello)
	var ae *Error
	if !errors.As(r.err, &ae) || !errors.Is(r.err, errEventTooLarge) {
		t.Fatalf("error = %v, want an *Error for the oversized event", r.err)
	}
	if !strings.Contains(ae.Sentence, "sent a single stream event larger than 1 MB") {
		t.Errorf("sentence = %q", ae.Sentence)
	}
	if len(srv.Requests()) != 1 {
		t.Errorf("an oversized event was retried")
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name   string
		header map[string]string
		want   time.Duration
		ok     bool
	}{
		{"none", nil, 0, false},
		{"seconds", map[string]string{"Retry-After": "3"}, 3 * time.Second, true},
		{"fractional seconds", map[string]string{"Retry-After": "1.5"}, 1500 * time.Millisecond, true},
		{"negative seconds", map[string]string{"Retry-After": "-4"}, 0, true},
		{"HTTP date", map[string]string{"Retry-After": "Sat, 01 Mar 2025 12:00:30 GMT"}, 30 * time.Second, true},
		{"date in the past", map[string]string{"Retry-After": "Sat, 01 Mar 2025 11:00:00 GMT"}, 0, true},
		{"milliseconds win", map[string]string{"Retry-After": "3", "Retry-After-Ms": "250"}, 250 * time.Millisecond, true},
		{"nonsense", map[string]string{"Retry-After": "soon"}, 0, false},
		{"NaN", map[string]string{"Retry-After": "NaN"}, 0, false},
		{"huge is clamped", map[string]string{"Retry-After": "1e300"}, 30 * 24 * time.Hour, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tc.header {
				h.Set(k, v)
			}
			got, ok := parseRetryAfter(h, now)
			if got != tc.want || ok != tc.ok {
				t.Errorf("parseRetryAfter = %s, %v; want %s, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	cases := []struct {
		name   string
		base   time.Duration
		jitter float64
		n      int
		want   time.Duration
	}{
		{"first wait, no jitter", 0, 0, 1, 500 * time.Millisecond},
		{"first wait, most jitter", 0, 0.999999, 1, 999999500 * time.Nanosecond},
		{"third wait doubles twice", 0, 0.5, 3, 3 * time.Second},
		{"capped at 30 seconds", 0, 1, 20, 30 * time.Second},
		{"large n does not overflow", time.Second, 0, 1000, 15 * time.Second},
		{"base above the cap", time.Minute, 0, 3, 30 * time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := NewOpenAI(OpenAIConfig{Backoff: tc.base})
			a.jitter = func() float64 { return tc.jitter }
			if got := a.backoff(tc.n, 0, false); got != tc.want {
				t.Errorf("backoff(%d) = %s, want %s", tc.n, got, tc.want)
			}
		})
	}
	a := NewOpenAI(OpenAIConfig{})
	if got := a.backoff(1, 42*time.Second, true); got != 42*time.Second {
		t.Errorf("Retry-After 42s gave a wait of %s", got)
	}
}

func TestSlowConsumerIsNotIdle(t *testing.T) {
	srv := openaitest.Start(t, openaitest.Queue(openaitest.Words("one two three")))
	// The idle timeout is short, but not so short that a loaded machine
	// keeps the server from sending within it.
	a := newTestAgent(t, srv, OpenAIConfig{IdleTimeout: 100 * time.Millisecond})
	var text strings.Builder
	for ch, err := range a.Reply(context.Background(), hello) {
		if err != nil {
			t.Fatal(err)
		}
		if ch.Retry != nil {
			t.Fatalf("retried while the consumer, not the server, was slow: %+v", ch.Retry)
		}
		text.WriteString(ch.Text)
		time.Sleep(300 * time.Millisecond) // a consumer slower than the idle timeout
	}
	if text.String() != "one two three" {
		t.Errorf("text = %q", text.String())
	}
}

// The password of the proxy the environment names (HTTP_PROXY) is never
// shown, though the proxy is sent it, as Basic credentials in
// Proxy-Authorization, and a proxy's error may echo that header.
func TestProxySecretsNeverLeak(t *testing.T) {
	const pass = "pw-PROXY-SECRET3"
	basic := base64.StdEncoding.EncodeToString([]byte("puser:" + pass))
	cases := []struct {
		name  string
		reply func(openaitest.Request) openaitest.Reply
	}{
		{"a refusal echoing Proxy-Authorization", func(r openaitest.Request) openaitest.Reply {
			return openaitest.Error(http.StatusBadRequest, "you sent Proxy-Authorization: "+r.Header.Get("Proxy-Authorization"))
		}},
		{"a 502 page echoing the proxy's URL", func(r openaitest.Request) openaitest.Reply {
			return openaitest.Reply{Status: http.StatusBadGateway, Body: "proxy http://puser:" + pass + "@proxy could not reach upstream"}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// The server is the proxy: it is sent the whole URL of a
			// request to a host that need not exist.
			proxy := openaitest.Start(t, c.reply)
			t.Setenv("HTTP_PROXY", strings.Replace(proxy.URL, "http://", "http://puser:"+pass+"@", 1))
			t.Setenv("NO_PROXY", "")
			tr := &http.Transport{Proxy: func(r *http.Request) (*url.URL, error) {
				return httpproxy.FromEnvironment().ProxyFunc()(r.URL)
			}}
			t.Cleanup(tr.CloseIdleConnections)
			a := NewOpenAI(OpenAIConfig{Name: "Alice", Model: "m", BaseURL: "http://api.example.invalid/v1", Retries: ptr(1),
				HTTPClient: &http.Client{Transport: tr}})
			r := collect(context.Background(), a, hello)
			if r.err == nil {
				t.Fatal("no error")
			}
			if got := proxy.Requests(); len(got) == 0 || got[0].Header.Get("Proxy-Authorization") != "Basic "+basic {
				t.Fatal("the proxy was not sent its credentials, so the test proves nothing")
			}
			texts := []string{r.err.Error()}
			if ae, ok := errors.AsType[*Error](r.err); ok {
				texts = append(texts, ae.Sentence)
			}
			for _, s := range texts {
				if strings.Contains(s, pass) || strings.Contains(s, basic) {
					t.Errorf("a secret leaked: %q", s)
				}
			}
			if !strings.Contains(r.err.Error(), "[redacted]") && !strings.Contains(r.err.Error(), "REDACTED") {
				t.Errorf("error %q shows no sign of what the proxy echoed", r.err)
			}
		})
	}
}

// A redirect parley cannot follow is explained without the secrets of
// the URL it pointed to: the agent's own key, kept in the query, and a
// password or token the server put there.
func TestARedirectsSecretsNeverLeak(t *testing.T) {
	const key, pass, token = "sk-query-SECRET4", "pw-REDIRECT-SECRET5", "tok-REDIRECT-SECRET6"
	cases := []struct {
		name     string
		location func(r *http.Request) string
	}{
		{"the request's own query, key and all", func(r *http.Request) string { return "http://127.0.0.1:notaport" + r.URL.RequestURI() }},
		{"a password and a token of the server's", func(*http.Request) string {
			return "http://ruser:" + pass + "@127.0.0.1:notaport/v1?token=" + token
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Location", c.location(r))
				w.WriteHeader(http.StatusMovedPermanently)
			}))
			t.Cleanup(srv.Close)
			a := newTestAgent(t, nil, OpenAIConfig{BaseURL: srv.URL + "/v1?api-version=1&key=" + key, Retries: ptr(1)})
			r := collect(context.Background(), a, hello)
			if r.err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(r.err.Error(), "Location") {
				t.Fatalf("error %q does not quote the Location, so the test proves nothing", r.err)
			}
			for _, s := range []string{key, pass, token} {
				if strings.Contains(r.err.Error(), s) {
					t.Errorf("error holds %q: %s", s, r.err)
				}
			}
		})
	}
}

// A reasoning model's agent with a cap gets its reply from a server as
// strict as OpenAI's: go-openai refused to send its request at all.
func TestAReasoningModelsCapReachesAStrictServer(t *testing.T) {
	srv := openaitest.Start(t, openaitest.Strict(openaitest.Queue(openaitest.Words("Fine, thanks."))))
	a := newTestAgent(t, srv, OpenAIConfig{Model: "gpt-5-mini", MaxTokens: ptr(300)})
	if r := collect(context.Background(), a, hello); r.err != nil || r.text != "Fine, thanks." {
		t.Fatalf("reply = %q, %v; want %q", r.text, r.err, "Fine, thanks.")
	}
	if reqs := srv.Requests(); len(reqs) != 1 || string(reqs[0].Fields["max_completion_tokens"]) != "300" {
		t.Fatalf("requests = %+v; want one with max_completion_tokens 300", reqs)
	}
}
