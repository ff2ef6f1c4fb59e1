package openaitest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const chatBody = `{"model":"m1","stream":true,"stream_options":{"include_usage":true},` +
	`"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Say hi"}]}`

func post(t *testing.T, srv *Server, body string, header map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/chat/completions", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestStreamBytes(t *testing.T) {
	head := `data: {"id":"chatcmpl-openaitest-0","object":"chat.completion.chunk","created":EPOCH,"model":"m1","system_fingerprint":"fp_openaitest","choices":[`
	cases := []struct {
		name  string
		body  string
		reply Reply
		want  []string // events, without "data: " and the blank line
	}{
		{
			name: "include_usage", body: chatBody, reply: Text("Hi", " there"),
			want: []string{
				head + `{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"usage":null}`,
				head + `{"index":0,"delta":{"content":"Hi"},"logprobs":null,"finish_reason":null}],"usage":null}`,
				head + `{"index":0,"delta":{"content":" there"},"logprobs":null,"finish_reason":null}],"usage":null}`,
				head + `{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null}`,
				head + `],"usage":{"prompt_tokens":4,"completion_tokens":2,"total_tokens":6}}`,
				`data: [DONE]`,
			},
		},
		{
			name: "no usage asked, ollama's role in every delta, capped", body: `{"model":"m1","stream":true,"messages":[]}`,
			reply: Reply{Pieces: []string{"a\"b\n"}, Quirks: RoleEveryDelta, FinishReason: "length"},
			want: []string{
				head + `{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}`,
				head + `{"index":0,"delta":{"role":"assistant","content":"a\"b\n"},"logprobs":null,"finish_reason":null}]}`,
				head + `{"index":0,"delta":{"role":"assistant"},"logprobs":null,"finish_reason":"length"}]}`,
				`data: [DONE]`,
			},
		},
		{
			name: "include_usage ignored, no [DONE]", body: chatBody, reply: Reply{Pieces: []string{"x"}, Quirks: IgnoreIncludeUsage | NoDone},
			want: []string{
				head + `{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}`,
				head + `{"index":0,"delta":{"content":"x"},"logprobs":null,"finish_reason":null}]}`,
				head + `{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]}`,
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := Start(t, Queue(tc.reply))
			resp := post(t, srv, tc.body, nil)
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
				t.Fatalf("status %d, content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			raw, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			want := strings.ReplaceAll(strings.Join(tc.want, "\n\n")+"\n\n", "EPOCH", itoa(srv.epoch))
			if string(raw) != want {
				t.Errorf("stream =\n%s\nwant\n%s", raw, want)
			}
			for _, ev := range strings.Split(strings.TrimSpace(string(raw)), "\n\n") {
				if p := strings.TrimPrefix(ev, "data: "); p != "[DONE]" && !json.Valid([]byte(p)) {
					t.Errorf("event is not JSON: %s", p)
				}
			}
		})
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestRecordsRequests(t *testing.T) {
	srv := Start(t, Queue(Words("ok")))
	before := time.Now()
	resp := post(t, srv, chatBody, map[string]string{"Authorization": "Bearer k", "X-Title": "parley"})
	io.Copy(io.Discard, resp.Body)
	req, ok := srv.WaitEnded(0, 5*time.Second)
	if !ok {
		t.Fatal("request 0 never ended")
	}
	if req.N != 0 || req.Method != "POST" || req.Path != "/v1/chat/completions" || string(req.Raw) != chatBody {
		t.Errorf("recorded %d %s %s %s", req.N, req.Method, req.Path, req.Raw)
	}
	if req.Body.Model != "m1" || len(req.Body.Messages) != 2 || req.Body.Messages[0].Role != "system" || !req.IncludeUsage() {
		t.Errorf("decoded body = %+v", req.Body)
	}
	if req.Header.Get("Authorization") != "Bearer k" || req.Header.Get("X-Title") != "parley" {
		t.Errorf("headers = %v", req.Header)
	}
	if req.Time.Before(before) || req.End.Before(req.Time) || req.Sent != 1 || req.ClientGone {
		t.Errorf("time %v, end %v, sent %d, gone %v", req.Time, req.End, req.Sent, req.ClientGone)
	}
	if len(req.Fields) != 4 || string(req.Fields["stream_options"]) != `{"include_usage":true}` {
		t.Errorf("fields = %v", req.Fields)
	}
}

func TestFaults(t *testing.T) {
	cases := []struct {
		name    string
		reply   Reply
		status  int
		header  map[string]string
		body    string // substring of the body
		readErr error  // the error reading the body ends with
	}{
		{name: "429", reply: RateLimited("3"), status: 429, header: map[string]string{"Retry-After": "3"},
			body: `"code":"rate_limit_exceeded"`},
		{name: "404 names the model", reply: Error(404, ""), status: 404, body: "The model `m1` does not exist"},
		{name: "context length", reply: ContextLengthExceeded(), status: 400, body: `"code":"context_length_exceeded"`},
		{name: "echo authorization", reply: Reply{Status: 401, EchoAuthorization: true}, status: 401, body: "Bearer sekrit"},
		{name: "html", reply: HTML(), status: 200, header: map[string]string{"Content-Type": "text/html; charset=utf-8"}, body: "<html>"},
		{name: "cut off", reply: Cut(1, "a", "b"), status: 200, body: `"content":"a"`, readErr: io.ErrUnexpectedEOF},
		{name: "dropped at the end", reply: Reply{Pieces: []string{"a"}, Fault: DropAtEnd}, status: 200, body: `"finish_reason":"stop"`,
			readErr: io.ErrUnexpectedEOF},
		{name: "reject stream_options", reply: Reply{Quirks: RejectStreamOptions}, status: 400, body: "stream_options"},
		{name: "garbage", reply: Reply{Pieces: []string{"a"}, Quirks: Garbage}, status: 200, body: "event: ping\n"},
		{name: "an event that is not JSON", reply: Reply{Pieces: []string{"a"}, Quirks: BadEvent}, status: 200, body: "data: {not json\n"},
		{name: "invalid utf-8 goes out raw", reply: Text("\xff"), status: 200, body: "\"content\":\"\xff\""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := Start(t, Queue(tc.reply))
			resp := post(t, srv, chatBody, map[string]string{"Authorization": "Bearer sekrit"})
			if resp.StatusCode != tc.status {
				t.Errorf("status = %d, want %d", resp.StatusCode, tc.status)
			}
			for k, v := range tc.header {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
			raw, err := io.ReadAll(resp.Body)
			if !errors.Is(err, tc.readErr) || (err == nil) != (tc.readErr == nil) {
				t.Errorf("reading the body ended with %v, want %v", err, tc.readErr)
			}
			if !strings.Contains(string(raw), tc.body) {
				t.Errorf("body %q does not contain %q", raw, tc.body)
			}
		})
	}
}

func TestStallEndsWhenClientLeaves(t *testing.T) {
	srv := Start(t, Queue(Stalled(1, "a", "b")))
	resp := post(t, srv, chatBody, nil)
	r := bufio.NewReader(resp.Body)
	for i := 0; i < 2; i++ { // the role chunk and "a"
		if _, err := r.ReadString('\n'); err != nil {
			t.Fatal(err)
		}
		r.ReadString('\n')
	}
	resp.Body.Close()
	req, ok := srv.WaitEnded(0, 5*time.Second)
	if !ok || !req.ClientGone || req.Sent != 1 {
		t.Errorf("ended %v, gone %v, sent %d; want the stall to end when the client left", ok, req.ClientGone, req.Sent)
	}
}

func TestQueueRunsOut(t *testing.T) {
	srv := Start(t, Queue())
	resp := post(t, srv, chatBody, nil)
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 400 || !strings.Contains(string(raw), "no reply is scripted for request 0") {
		t.Errorf("%d %s", resp.StatusCode, raw)
	}
}

func TestSplitWords(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"one", []string{"one"}},
		{"Hello there.", []string{"Hello", " there."}},
		{"  lead  and trail ", []string{"  lead", "  and", " trail", " "}},
		{"line\n\nbreak", []string{"line", "\n\nbreak"}},
	}
	for _, tc := range cases {
		got := SplitWords(tc.in)
		if strings.Join(got, "|") != strings.Join(tc.want, "|") || len(got) != len(tc.want) {
			t.Errorf("SplitWords(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestNonStreaming(t *testing.T) {
	srv := Start(t, Queue(Words("Hello you")))
	resp := post(t, srv, `{"model":"m1","messages":[{"role":"user","content":"hi"}]}`, nil)
	var got struct {
		Object  string
		Choices []struct{ Message struct{ Content string } }
		Usage   struct {
			TotalTokens int `json:"total_tokens"`
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if got.Object != "chat.completion" || len(got.Choices) != 1 || got.Choices[0].Message.Content != "Hello you" || got.Usage.TotalTokens != 3 {
		t.Errorf("completion = %+v", got)
	}
}

func TestStrictRefusesMaxTokensForAReasoningModel(t *testing.T) {
	srv := Start(t, Strict(Queue(Words("fine"), Words("fine"))))
	for _, c := range []struct {
		body   string
		status int
	}{
		{`{"model":"gpt-5-mini","stream":true,"max_tokens":10,"messages":[{"role":"user","content":"hi"}]}`, 400},
		{`{"model":"gpt-5-mini","stream":true,"max_completion_tokens":10,"messages":[{"role":"user","content":"hi"}]}`, 200},
		{`{"model":"gpt-4o","stream":true,"max_tokens":10,"messages":[{"role":"user","content":"hi"}]}`, 200},
	} {
		resp, err := http.Post(srv.URL+"/chat/completions", "application/json", strings.NewReader(c.body))
		if err != nil {
			t.Fatal(err)
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status || (c.status == 400 && !strings.Contains(string(out), "max_completion_tokens")) {
			t.Errorf("%s: status %d: %s; want %d", c.body, resp.StatusCode, out, c.status)
		}
	}
}

func TestStrictRejectsWhatStrictProvidersReject(t *testing.T) {
	sys := openai.ChatCompletionMessage{Role: "system", Content: "be brief"}
	u := func(c string) openai.ChatCompletionMessage {
		return openai.ChatCompletionMessage{Role: "user", Content: c}
	}
	a := func(c string) openai.ChatCompletionMessage {
		return openai.ChatCompletionMessage{Role: "assistant", Content: c}
	}
	cases := []struct {
		name string
		msgs []openai.ChatCompletionMessage
		want string
	}{
		{"well formed", []openai.ChatCompletionMessage{sys, u("hi"), a("yo"), u("so?")}, ""},
		{"last is assistant", []openai.ChatCompletionMessage{sys, u("hi"), a("yo")}, "the last message is assistant"},
		{"starts with assistant", []openai.ChatCompletionMessage{sys, a("yo"), u("hi")}, "the first turn is assistant"},
		{"two user in a row", []openai.ChatCompletionMessage{u("hi"), u("hi again")}, "two user messages in a row"},
		{"empty content", []openai.ChatCompletionMessage{u("hi"), a(""), u("x")}, "empty or only whitespace"},
		{"whitespace content", []openai.ChatCompletionMessage{u(" \n\t")}, "empty or only whitespace"},
		{"system only", []openai.ChatCompletionMessage{sys}, "no user message"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := Start(t, Strict(Queue(Words("fine"))))
			body, _ := json.Marshal(openai.ChatCompletionRequest{Model: "m", Messages: c.msgs, Stream: true})
			resp, err := http.Post(srv.URL+"/chat/completions", "application/json", bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			out, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if c.want == "" {
				if resp.StatusCode != 200 {
					t.Fatalf("status %d: %s", resp.StatusCode, out)
				}
				return
			}
			if resp.StatusCode != 400 || !strings.Contains(string(out), c.want) {
				t.Fatalf("status %d: %s; want 400 naming %q", resp.StatusCode, out, c.want)
			}
		})
	}
}
