package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/agents/openaitest"
	"github.com/parleyhq/parley/transcripts"
)

const (
	keyAlpha = "sk-alpha-e2e-5f3c9a7b1d"
	keyBeta  = "sk-beta-e2e-8e2d4c6a0f"
)

// e2eServer answers each model with distinct sentences and remembers what
// it streamed for each request. It is strict, as some providers are: a
// request whose turns do not alternate, end with user or hold blank
// content is answered 400.
type e2eServer struct {
	*openaitest.Server
	mu       sync.Mutex
	streamed map[int]string // request N -> the text streamed
	fault    func(req openaitest.Request) (openaitest.Reply, bool)
}

func startE2E(t *testing.T, fault func(openaitest.Request) (openaitest.Reply, bool)) *e2eServer {
	s := &e2eServer{streamed: map[int]string{}, fault: fault}
	s.Server = openaitest.Start(t, openaitest.Strict(func(req openaitest.Request) openaitest.Reply {
		if s.fault != nil {
			if r, ok := s.fault(req); ok {
				return r
			}
		}
		text := fmt.Sprintf("%s speaks, turn %d:\n\n### a heading inside\n\n---\nand a rule above, with ünïcödé.", req.Body.Model, req.N)
		if req.N%2 == 1 {
			text = fmt.Sprintf("Reply %d from %s. Short and plain.", req.N, req.Body.Model)
		}
		s.mu.Lock()
		s.streamed[req.N] = text
		s.mu.Unlock()
		return openaitest.Words(text)
	}))
	return s
}

type e2eScenario struct {
	URLAlpha, URLBeta string
	Opening           string
	Window            int
	Max               int
	Extra             string // appended to Alpha's settings
	ExtraBeta         string // appended to Beta's settings
}

func writeScenario(t *testing.T, dir string, sc e2eScenario) string {
	t.Helper()
	if sc.URLBeta == "" {
		sc.URLBeta = sc.URLAlpha
	}
	y := fmt.Sprintf(`title: Alpha and Beta
agents:
  - name: Alpha
    base_url: %s
    api_key_env: PARLEY_E2E_KEY_ALPHA
    model: model-alpha
    system: You are Alpha. Be brief.
    temperature: 0.3
    max_tokens: 64%s
  - name: Beta
    base_url: %s
    api_key_env: PARLEY_E2E_KEY_BETA
    model: model-beta
    system: You are Beta. Ask questions.%s
first: Alpha
opening: %q
history:
  max_messages: %d
termination:
  max_messages: %d
`, sc.URLAlpha, sc.Extra, sc.URLBeta, sc.ExtraBeta, sc.Opening, sc.Window, sc.Max)
	path := filepath.Join(dir, "scenario.yaml")
	if err := os.WriteFile(path, []byte(y), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// runParley runs `parley run` in-process with both keys set.
func runParley(t *testing.T, scenario, out string) (int, string, string) {
	t.Helper()
	t.Setenv("PARLEY_E2E_KEY_ALPHA", keyAlpha)
	t.Setenv("PARLEY_E2E_KEY_BETA", keyBeta)
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"run", scenario, "--no-tui", "--out", out}, strings.NewReader(""), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// recorded reads the Markdown and the JSONL parley wrote to dir.
func recorded(t *testing.T, dir string) (md, jl *transcripts.Transcript) {
	t.Helper()
	mds, _ := filepath.Glob(filepath.Join(dir, "*.md"))
	jls, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if len(mds) != 1 || len(jls) != 1 {
		t.Fatalf("recorded %v and %v; want one of each", mds, jls)
	}
	md, err := transcripts.Read(mds[0])
	if err != nil {
		t.Fatal(err)
	}
	jl, err = transcripts.Read(jls[0])
	if err != nil {
		t.Fatal(err)
	}
	return md, jl
}

// noKeys fails if either key appears in any file in dir or in the output.
func noKeys(t *testing.T, dir string, outputs ...string) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, f := range files {
		if filepath.Base(f) == "scenario.yaml" {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		outputs = append(outputs, string(data))
	}
	for i, s := range outputs {
		for _, k := range []string{keyAlpha, keyBeta} {
			if strings.Contains(s, k) {
				t.Errorf("output %d holds an API key", i)
			}
		}
	}
}

// perspective is what seat self must have been sent for message i (0-based)
// of msgs, message 0 being the opening: every earlier message in the
// window, its own as assistant and the other's as user, consecutive roles
// joined, starting with the other side. The opening's nominal speaker
// never saw it.
func perspective(msgs []transcripts.Message, i int, self string, window int) [][2]string {
	var seen []transcripts.Message
	for _, m := range msgs[:i] {
		if m.Origin == transcripts.OriginOpening && m.Speaker == self {
			continue
		}
		seen = append(seen, m)
	}
	if window > 0 && len(seen) > window {
		seen = seen[len(seen)-window:]
	}
	var out [][2]string
	for _, m := range seen {
		role := "user"
		if m.Speaker == self {
			role = "assistant"
		}
		if n := len(out); n > 0 && out[n-1][0] == role {
			out[n-1][1] += "\n\n" + m.Content
			continue
		}
		if len(out) == 0 && role == "assistant" {
			continue
		}
		out = append(out, [2]string{role, m.Content})
	}
	return out
}

func TestRunAgainstOpenAIServer(t *testing.T) {
	cases := []struct {
		name    string
		opening string
		window  int
		max     int
	}{
		{name: "opening and a sliding window", opening: "Tell me about rivers.", window: 3, max: 7},
		{name: "blank opening, as in the seed", opening: " ", window: 2, max: 4},
		{name: "whole history", opening: "Go.", window: 0, max: 5},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			srv := startE2E(t, nil)
			sc := writeScenario(t, dir, e2eScenario{URLAlpha: srv.URL, Opening: tc.opening, Window: tc.window, Max: tc.max})
			code, out, errOut := runParley(t, sc, dir)
			if code != exitOK {
				t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
			}
			md, jl := recorded(t, dir)
			reqs := srv.Requests()
			if len(reqs) != tc.max-1 || len(md.Messages) != tc.max || len(jl.Messages) != tc.max {
				t.Fatalf("%d requests, %d Markdown and %d JSONL messages; want %d messages, the opening and a reply to each request", len(reqs), len(md.Messages), len(jl.Messages), tc.max)
			}
			// Message 1 is what Alpha was shown first, under Beta's name:
			// the opening, or the cue when it is blank.
			opening := tc.opening
			if strings.TrimSpace(opening) == "" {
				opening = "Hello."
			}
			for name, m := range map[string]transcripts.Message{"Markdown": md.Messages[0], "JSONL": jl.Messages[0]} {
				if m.Origin != transcripts.OriginOpening || m.Speaker != "Beta" || m.Content != opening {
					t.Errorf("%s message 1 = %+v, want Beta's opening %q", name, m, opening)
				}
			}
			all := jl.Messages
			md.Messages, jl.Messages = md.Messages[1:], jl.Messages[1:]
			for i, req := range reqs {
				self, model, key, system := "Alpha", "model-alpha", keyAlpha, "You are Alpha. Be brief."
				if i%2 == 1 {
					self, model, key, system = "Beta", "model-beta", keyBeta, "You are Beta. Ask questions."
				}
				// (a) exactly what the server streamed, in both files.
				want := srv.streamed[req.N]
				for name, got := range map[string]transcripts.Message{"Markdown": md.Messages[i], "JSONL": jl.Messages[i]} {
					if got.Speaker != self || got.Content != want {
						t.Errorf("%s message %d = %s %q, want %s %q", name, i+1, got.Speaker, got.Content, self, want)
					}
				}
				m := jl.Messages[i]
				if m.Model != model || m.FinishReason != "stop" || m.Usage == nil || m.Usage.Estimated ||
					m.Usage.CompletionTokens != len(openaitest.SplitWords(want)) {
					t.Errorf("JSONL message %d: model %q, finish %q, usage %+v", i+1, m.Model, m.FinishReason, m.Usage)
				}
				// (b) each agent's own perspective.
				if req.Body.Model != model || req.Header.Get("Authorization") != "Bearer "+key {
					t.Errorf("request %d went out as model %q with the wrong key", i, req.Body.Model)
				}
				if (self == "Alpha") != (string(req.Fields["temperature"]) == "0.3" && string(req.Fields["max_tokens"]) == "64") {
					t.Errorf("request %d (%s) sampling fields: temperature %s, max_tokens %s", i, self, req.Fields["temperature"], req.Fields["max_tokens"])
				}
				msgs := req.Body.Messages
				if len(msgs) < 2 || msgs[0].Role != "system" || msgs[0].Content != system {
					t.Fatalf("request %d does not start with %s's system prompt: %+v", i, self, msgs)
				}
				for j := 1; j < len(msgs); j++ {
					if msgs[j].Role == msgs[j-1].Role {
						t.Errorf("request %d: messages %d and %d are both %s", i, j-1, j, msgs[j].Role)
					}
					if strings.TrimSpace(msgs[j].Content) == "" {
						t.Errorf("request %d: message %d is blank", i, j)
					}
				}
				if msgs[len(msgs)-1].Role != "user" {
					t.Errorf("request %d does not end with a user message", i)
				}
				wantView := perspective(all, i+1, self, tc.window)
				gotView := msgs[1:]
				if len(gotView) != len(wantView) {
					t.Fatalf("request %d sent %d messages, want %d: %+v", i, len(gotView), len(wantView), gotView)
				}
				for j, w := range wantView {
					if gotView[j].Role != w[0] || gotView[j].Content != w[1] {
						t.Errorf("request %d message %d = %s %q, want %s %q", i, j+1, gotView[j].Role, gotView[j].Content, w[0], w[1])
					}
				}
			}
			if jl.Run.Stop == nil || jl.Run.Stop.Kind != transcripts.StopPolicy || jl.Run.Stop.At != tc.max {
				t.Errorf("stop = %+v", jl.Run.Stop)
			}
			noKeys(t, dir, out, errOut)
		})
	}
}

func TestRunStopsOnRefusal(t *testing.T) {
	cases := []struct {
		name     string
		reply    openaitest.Reply
		sentence string
	}{
		{name: "401 echoing the key", reply: openaitest.Reply{Status: 401, EchoAuthorization: true},
			sentence: "Beta: URL refused the key in PARLEY_E2E_KEY_BETA (401 Unauthorized); check that it is set to a valid key"},
		{name: "404", reply: openaitest.Error(404, ""),
			sentence: `Beta: model "model-beta" not found at URL (404); check model: and base_url: for this agent`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			// Beta is refused on its second turn, after three messages are recorded.
			srv := startE2E(t, func(req openaitest.Request) (openaitest.Reply, bool) {
				return tc.reply, req.N == 3
			})
			sc := writeScenario(t, dir, e2eScenario{URLAlpha: srv.URL, Opening: "Begin.", Window: 10, Max: 10})
			code, out, errOut := runParley(t, sc, dir)
			sentence := strings.ReplaceAll(tc.sentence, "URL", srv.URL)
			if code != exitFailure {
				t.Fatalf("exit %d, want %d\n%s\n%s", code, exitFailure, out, errOut)
			}
			if !strings.Contains(errOut, sentence) {
				t.Errorf("stderr %q lacks %q", errOut, sentence)
			}
			if strings.Contains(errOut, `{"error"`) {
				t.Errorf("stderr dumps the raw error body: %q", errOut)
			}
			md, jl := recorded(t, dir)
			if len(md.Messages) != 4 || len(jl.Messages) != 4 {
				t.Fatalf("%d Markdown and %d JSONL messages on disk, want the opening and the 3 completed", len(md.Messages), len(jl.Messages))
			}
			for i := range 3 {
				if jl.Messages[i+1].Content != srv.streamed[i] || md.Messages[i+1].Content != srv.streamed[i] {
					t.Errorf("message %d differs from what was streamed", i+2)
				}
			}
			st := jl.Run.Stop
			if st == nil || st.Kind != transcripts.StopError || st.Reason != sentence || st.At != 4 {
				t.Errorf("JSONL stop = %+v, want an error stop at 4 with %q", st, sentence)
			}
			if n := len(srv.Requests()); n != 4 {
				t.Errorf("%d requests; a refusal must not be retried", n)
			}
			noKeys(t, dir, out, errOut)
		})
	}
}

func TestRunUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + l.Addr().String() + "/v1"
	l.Close()
	dir := t.TempDir()
	// The default retries (their waits are agents' TestUnreachable's to
	// pin, without a clock), then one sentence.
	sc := writeScenario(t, dir, e2eScenario{URLAlpha: url, Opening: "Hi.", Window: 4, Max: 4})
	code, out, errOut := runParley(t, sc, dir)
	want := "Alpha: cannot reach " + url + "; check base_url: and that the server is running"
	if code != exitFailure || !strings.Contains(errOut, want) {
		t.Errorf("exit %d, stderr %q; want %d and %q", code, errOut, exitFailure, want)
	}
	if n := strings.Count(out+errOut, want); n != 1 {
		t.Errorf("the error is printed %d times:\n%s%s", n, out, errOut)
	}
	if strings.Contains(out, "text above is discarded") {
		t.Errorf("a retry with no text says text is discarded:\n%s", out)
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "*.*")); len(files) != 1 {
		t.Errorf("files left behind: %v; want only the scenario", files)
	}
	noKeys(t, dir, out, errOut)
}

func TestRunRetriesVisibly(t *testing.T) {
	dir := t.TempDir()
	srv := startE2E(t, func(req openaitest.Request) (openaitest.Reply, bool) {
		switch req.N {
		case 1:
			return openaitest.RateLimited("0"), true
		case 2:
			return openaitest.Reply{Status: 503, RetryAfter: "0"}, true
		}
		return openaitest.Reply{}, false
	})
	sc := writeScenario(t, dir, e2eScenario{URLAlpha: srv.URL, Opening: "Begin.", Window: 4, Max: 4})
	code, out, errOut := runParley(t, sc, dir)
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	_, jl := recorded(t, dir)
	if len(jl.Messages) != 4 || jl.Messages[2].Content != srv.streamed[3] || jl.Messages[3].Content != srv.streamed[4] {
		t.Fatalf("messages = %+v", jl.Messages)
	}
	var retries []string
	for _, e := range jl.Run.Events {
		if e.Kind == "retry" {
			retries = append(retries, e.Speaker+": "+e.Detail)
		}
	}
	want := []string{"Beta: attempt 1 of 5 failed (429 Too Many Requests); retrying in 0s",
		"Beta: attempt 2 of 5 failed (503 Service Unavailable); retrying in 0s"}
	if strings.Join(retries, "\n") != strings.Join(want, "\n") {
		t.Errorf("JSONL retry events =\n%s\nwant\n%s", strings.Join(retries, "\n"), strings.Join(want, "\n"))
	}
	if !strings.Contains(out, "429 Too Many Requests; retrying") {
		t.Errorf("stdout does not show the retry:\n%s", out)
	}
	noKeys(t, dir, out, errOut)
}

// A 429 that names no wait holds the endpoint for the wait its agent's
// backoff: gives, the one the retry says, and a Retry-After: 0 holds it
// for none: each retry is sent when its line says, and no wait for the
// held endpoint follows it.
func TestRunA429WaitsAsItsRetrySays(t *testing.T) {
	dir := t.TempDir()
	srv := startE2E(t, func(req openaitest.Request) (openaitest.Reply, bool) {
		switch req.N {
		case 1, 2:
			return openaitest.RateLimited(""), true
		case 3:
			return openaitest.RateLimited("0"), true
		}
		return openaitest.Reply{}, false
	})
	settings := "\n    backoff: 50ms\n    retries: 5"
	sc := writeScenario(t, dir, e2eScenario{URLAlpha: srv.URL, Opening: "Begin.", Window: 4, Max: 3, Extra: settings, ExtraBeta: settings})
	t.Setenv("PARLEY_E2E_KEY_ALPHA", keyAlpha)
	t.Setenv("PARLEY_E2E_KEY_BETA", keyBeta)
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"run", sc, "--json", "--out", dir}, strings.NewReader(""), &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout.String(), stderr.String())
	}
	var waits []time.Duration
	for line := range strings.Lines(stdout.String()) {
		var ev struct {
			Type   string  `json:"type"`
			Kind   string  `json:"kind"`
			Detail string  `json:"detail"`
			WaitMS float64 `json:"wait_ms"`
		}
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		switch {
		case ev.Type == "retry":
			waits = append(waits, time.Duration(ev.WaitMS*float64(time.Millisecond)))
		case ev.Type == "notice" && ev.Kind == "wait":
			t.Errorf("a wait after the retry: %s", ev.Detail)
		}
	}
	if len(waits) != 3 || waits[0] > 50*time.Millisecond || waits[1] > 100*time.Millisecond || waits[2] != 0 {
		t.Fatalf("the retries wait %v; want at most 50ms and 100ms (backoff: 50ms, doubled) and 0 (Retry-After: 0)", waits)
	}
	reqs := srv.Requests()
	if len(reqs) != 5 {
		t.Fatalf("%d requests reached the server; want 5", len(reqs))
	}
	for i, w := range waits {
		// Some room for a loaded machine, and far less than the
		// second a 429 held the endpoint for, whatever the agent said.
		if gap := reqs[i+2].Time.Sub(reqs[i+1].Time); gap < w || gap > w+500*time.Millisecond {
			t.Errorf("retry %d was sent %s after the 429; its line said %s", i+1, gap, w)
		}
	}
}
