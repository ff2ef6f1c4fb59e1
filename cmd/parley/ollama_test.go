//go:build ollama

// Integration tests against a real OpenAI-compatible server: Ollama v0.6.5
// on loopback, serving the 260K-parameter stories model. They run the real
// parley binary, headless, and check what it recorded against what the
// server itself saw and sent.
//
// .ci/ollama.sh builds Ollama, starts one server, creates the model and runs
// these tests with PARLEY_OLLAMA_* pointing at it. Run directly
// (`go test -tags ollama ./cmd/parley/`), each test starts its own server
// from .cache/bin/ollama. Without ../shared/models/stories260K.gguf or the
// Ollama binary the tests skip and say why.

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/parleyhq/parley/orchestrator"
	"github.com/parleyhq/parley/transcripts"
)

const ollamaModel = "stories260k"

// ollamaRepoRoot is the repository root, two levels above this package.
func ollamaRepoRoot(t testing.TB) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// ollamaPrereqs returns the Ollama binary and the model file, or skips the
// test with a sentence that says what is missing.
func ollamaPrereqs(t testing.TB) (bin, gguf string) {
	t.Helper()
	root := ollamaRepoRoot(t)
	gguf = filepath.Join(root, "..", "shared", "models", "stories260K.gguf")
	if _, err := os.Stat(gguf); err != nil {
		t.Skipf("skipping: the model %s is absent; it comes with a ../shared folder beside the repository", gguf)
	}
	bin = os.Getenv("PARLEY_OLLAMA_BIN")
	if bin == "" {
		bin = filepath.Join(root, ".cache", "bin", "ollama")
	}
	if _, err := os.Stat(bin); err != nil {
		t.Skipf("skipping: no Ollama binary at %s; build it with .ci/ollama.sh build (or set PARLEY_OLLAMA_BIN)", bin)
	}
	return bin, gguf
}

// ollamaServer is one `ollama serve` on loopback.
type ollamaServer struct {
	bin    string
	addr   string // 127.0.0.1:PORT
	home   string
	models string
	log    string // the server's log (OLLAMA_DEBUG=1)
	cmd    *exec.Cmd
	logf   *os.File
}

func (o *ollamaServer) url() string { return "http://" + o.addr }

// logSize is where the next test's part of the log starts.
func (o *ollamaServer) logSize(t testing.TB) int64 {
	t.Helper()
	fi, err := os.Stat(o.log)
	if err != nil {
		t.Fatalf("server log: %v", err)
	}
	return fi.Size()
}

// useOllama returns the server .ci/ollama.sh started, or starts one for the
// test and stops it when the test ends.
func useOllama(t testing.TB) *ollamaServer {
	t.Helper()
	bin, _ := ollamaPrereqs(t)
	if addr := os.Getenv("PARLEY_OLLAMA_HOST"); addr != "" {
		return &ollamaServer{bin: bin, addr: addr, log: os.Getenv("PARLEY_OLLAMA_LOG")}
	}
	dir := t.TempDir()
	o := &ollamaServer{bin: bin, addr: "127.0.0.1:0", home: filepath.Join(dir, "home"),
		models: filepath.Join(dir, "models"), log: filepath.Join(dir, "serve.log")}
	o.start(t)
	o.create(t)
	return o
}

// start runs `ollama serve` and waits until it answers. The server stays
// in the test's process group, so whatever stops the group (.ci/ollama.sh
// does on exit) stops the server and its model runner too.
func (o *ollamaServer) start(t testing.TB) {
	t.Helper()
	for _, d := range []string{o.home, o.models} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.OpenFile(o.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	offset, _ := f.Seek(0, io.SeekEnd)
	cmd := exec.Command(o.bin, "serve")
	cmd.Env = append(os.Environ(), "HOME="+o.home, "OLLAMA_MODELS="+o.models, "OLLAMA_HOST="+o.addr,
		"OLLAMA_DEBUG=1", "OLLAMA_NOPRUNE=1")
	cmd.Stdout, cmd.Stderr = f, f
	// Pdeathsig stops the server even if the test binary dies.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		f.Close()
		t.Fatalf("starting %s serve: %v", o.bin, err)
	}
	o.cmd, o.logf = cmd, f
	t.Cleanup(o.stop)
	listening := regexp.MustCompile(`Listening on (127\.0\.0\.1:\d+)`)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		data, _ := os.ReadFile(o.log)
		if int64(len(data)) > offset {
			if m := listening.FindSubmatch(data[offset:]); m != nil {
				o.addr = string(m[1])
				if resp, err := http.Get(o.url() + "/api/version"); err == nil {
					resp.Body.Close()
					return
				}
			}
		}
		if cmd.ProcessState != nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	data, _ := os.ReadFile(o.log)
	t.Fatalf("ollama serve did not answer within 30 seconds; its log:\n%s", data)
}

// stop kills the server at once, as a crash would, with the model runner
// it started, and waits for it. It is safe to call more than once.
func (o *ollamaServer) stop() {
	if o.cmd == nil {
		return
	}
	pid := o.cmd.Process.Pid
	children := childPIDs(pid)
	o.cmd.Process.Kill()
	for _, c := range children {
		syscall.Kill(c, syscall.SIGKILL)
	}
	o.cmd.Wait()
	o.logf.Close()
	o.cmd, o.logf = nil, nil
}

// childPIDs lists the processes whose parent is pid.
func childPIDs(pid int) []int {
	var out []int
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, p := range stats {
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		// The fields after the command name, which is in parentheses and
		// may hold spaces: state, then the parent's pid.
		i := bytes.LastIndexByte(data, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(data[i+1:]))
		if len(f) > 1 && f[1] == strconv.Itoa(pid) {
			if c, err := strconv.Atoi(filepath.Base(filepath.Dir(p))); err == nil {
				out = append(out, c)
			}
		}
	}
	return out
}

// create makes the model from the repository's Modelfile.
func (o *ollamaServer) create(t testing.TB) {
	t.Helper()
	cmd := exec.Command(o.bin, "create", ollamaModel, "-f", filepath.Join(ollamaRepoRoot(t), "configs", "ollama", "Modelfile"))
	cmd.Env = append(os.Environ(), "HOME="+o.home, "OLLAMA_HOST="+o.addr)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ollama create %s -f configs/ollama/Modelfile: %v\n%s", ollamaModel, err, out)
	}
}

var (
	ollamaParleyOnce sync.Once
	ollamaParleyPath string
	ollamaParleyErr  error
)

// ollamaParleyBinary builds the parley binary once per test binary, into
// the repository's git-ignored .cache/bin: a fresh build replaces the last
// one by rename, so nothing piles up and a concurrent run keeps its copy.
func ollamaParleyBinary(t testing.TB) string {
	t.Helper()
	ollamaParleyOnce.Do(func() {
		dir := filepath.Join(ollamaRepoRoot(t), ".cache", "bin")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			ollamaParleyErr = err
			return
		}
		f, err := os.CreateTemp(dir, "parley-ollama-test-*")
		if err != nil {
			ollamaParleyErr = err
			return
		}
		f.Close()
		out, err := exec.Command("go", "build", "-o", f.Name(), ".").CombinedOutput()
		if err != nil {
			os.Remove(f.Name())
			ollamaParleyErr = fmt.Errorf("go build: %v\n%s", err, out)
			return
		}
		ollamaParleyPath = filepath.Join(dir, "parley-ollama-test")
		ollamaParleyErr = os.Rename(f.Name(), ollamaParleyPath)
	})
	if ollamaParleyErr != nil {
		t.Fatal(ollamaParleyErr)
	}
	return ollamaParleyPath
}

// ollamaRun is one finished run of the binary.
type ollamaRun struct {
	code           int
	stdout, stderr string
	dir            string // the --out folder
}

func ollamaRunParley(t testing.TB, dir string, args ...string) ollamaRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, ollamaParleyBinary(t), args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := ollamaRun{stdout: stdout.String(), stderr: stderr.String(), dir: dir}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		t.Fatalf("running parley: %v", err)
	}
	return r
}

// ollamaRecording reads the one transcript a run wrote into dir, both files.
func ollamaRecording(t testing.TB, dir string) (md, jl *transcripts.Transcript) {
	t.Helper()
	mdPaths, _ := filepath.Glob(filepath.Join(dir, "*.md"))
	jlPaths, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if len(mdPaths) != 1 || len(jlPaths) != 1 {
		t.Fatalf("want one transcript in %s, found Markdown %v and JSONL %v", dir, mdPaths, jlPaths)
	}
	md, err := transcripts.Read(mdPaths[0])
	if err != nil {
		t.Fatalf("reading %s: %v", mdPaths[0], err)
	}
	jl, err = transcripts.Read(jlPaths[0])
	if err != nil {
		t.Fatalf("reading %s: %v", jlPaths[0], err)
	}
	return md, jl
}

func ollamaScenarioFile(t testing.TB, dir, yaml string) string {
	t.Helper()
	p := filepath.Join(dir, "scenario.yaml")
	if err := os.WriteFile(p, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// ollamaExchange is one chat-completions request and its streamed response, as
// they crossed the wire between parley and the server.
type ollamaExchange struct {
	Request  ollamaChatRequest
	Status   int
	Content  string // the deltas' text joined
	Finish   string
	Usage    *transcripts.Usage
	Complete bool // the stream ended with data: [DONE]
}

type ollamaChatRequest struct {
	Model       string   `json:"model"`
	MaxTokens   int      `json:"max_tokens"`
	Temperature *float64 `json:"temperature"`
	Messages    []struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	} `json:"messages"`
}

// ollamaWire is a reverse proxy on loopback that passes everything
// through untouched, streaming as it goes, and records each
// chat-completions exchange.
type ollamaWire struct {
	*httptest.Server
	mu        sync.Mutex
	exchanges []ollamaExchange
}

func newOllamaWire(t testing.TB, target string) *ollamaWire {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	w := &ollamaWire{}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.FlushInterval = -1
	rp.ModifyResponse = func(resp *http.Response) error {
		req, _ := resp.Request.Context().Value(ollamaBodyKey{}).([]byte)
		if !strings.HasSuffix(resp.Request.URL.Path, "/chat/completions") {
			return nil
		}
		resp.Body = &ollamaTeeBody{rc: resp.Body, done: func(body []byte) { w.add(req, resp.StatusCode, body) }}
		return nil
	}
	w.Server = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(rw, err.Error(), http.StatusBadGateway)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		rp.ServeHTTP(rw, r.WithContext(context.WithValue(r.Context(), ollamaBodyKey{}, body)))
	}))
	t.Cleanup(w.Close)
	return w
}

type ollamaBodyKey struct{}

func (w *ollamaWire) add(reqBody []byte, status int, body []byte) {
	x := ollamaExchange{Status: status}
	json.Unmarshal(reqBody, &x.Request)
	for _, line := range strings.Split(string(body), "\n") {
		data, ok := strings.CutPrefix(strings.TrimRight(line, "\r"), "data: ")
		if !ok {
			continue
		}
		if data == "[DONE]" {
			x.Complete = true
			continue
		}
		var chunk struct {
			Choices []struct {
				Delta        struct{ Content string } `json:"delta"`
				FinishReason *string                  `json:"finish_reason"`
			} `json:"choices"`
			Usage *transcripts.Usage `json:"usage"`
		}
		if err := json.Unmarshal([]byte(data), &chunk); err != nil {
			continue
		}
		for _, c := range chunk.Choices {
			x.Content += c.Delta.Content
			if c.FinishReason != nil && *c.FinishReason != "" {
				x.Finish = *c.FinishReason
			}
		}
		if chunk.Usage != nil {
			x.Usage = chunk.Usage
		}
	}
	w.mu.Lock()
	w.exchanges = append(w.exchanges, x)
	w.mu.Unlock()
}

// recorded returns the exchanges so far, waiting up to two seconds for
// there to be at least n: the proxy records an exchange as its handler
// returns, which can be just after the client has read the last event.
func (w *ollamaWire) recorded(n int) []ollamaExchange {
	deadline := time.Now().Add(2 * time.Second)
	for {
		w.mu.Lock()
		x := append([]ollamaExchange(nil), w.exchanges...)
		w.mu.Unlock()
		if len(x) >= n || time.Now().After(deadline) {
			return x
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// ollamaTeeBody keeps a copy of what passes through and hands it over on Close.
type ollamaTeeBody struct {
	rc   io.ReadCloser
	buf  bytes.Buffer
	done func([]byte)
	once sync.Once
}

func (b *ollamaTeeBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	b.buf.Write(p[:n])
	return n, err
}

func (b *ollamaTeeBody) Close() error {
	err := b.rc.Close()
	b.once.Do(func() { b.done(b.buf.Bytes()) })
	return err
}

// ollamaRenderedPrompts returns the prompts the server rendered from chat
// requests (its OLLAMA_DEBUG "chat request" lines) in log bytes.
func ollamaRenderedPrompts(t testing.TB, log []byte) []string {
	t.Helper()
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(log))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.Contains(line, `msg="chat request"`) {
			continue
		}
		_, quoted, ok := strings.Cut(line, " prompt=")
		if !ok {
			t.Fatalf("a chat request log line has no prompt: %s", line)
		}
		p, err := strconv.Unquote(quoted)
		if err != nil {
			// slog leaves a value unquoted when it needs no quoting.
			p = quoted
		}
		out = append(out, p)
	}
	return out
}

var ollamaCacheSlotPrompt = regexp.MustCompile(`msg="loading cache slot".* prompt=(\d+)`)

// ollamaPromptTokens returns the prompt lengths, in tokens, that the model
// runner logged (at OLLAMA_DEBUG=1) for each request in log bytes.
func ollamaPromptTokens(log []byte) []int {
	var out []int
	for _, m := range ollamaCacheSlotPrompt.FindAllSubmatch(log, -1) {
		n, _ := strconv.Atoi(string(m[1]))
		out = append(out, n)
	}
	return out
}

// ollamaRenderTemplate is what configs/ollama/Modelfile's TEMPLATE makes of a
// system prompt and the history an agent sends.
func ollamaRenderTemplate(system string, history []struct{ Role, Content string }) string {
	var b strings.Builder
	if system != "" {
		b.WriteString(system + "\n")
	}
	for _, m := range history {
		switch m.Role {
		case "user":
			b.WriteString("User: " + m.Content + "\n")
		case "assistant":
			b.WriteString("Assistant: " + m.Content + "\n")
		}
	}
	b.WriteString("Assistant:")
	return b.String()
}

const (
	ollamaSystemLily = "Lily is a little girl who loves her red ball."
	ollamaSystemTom  = "Tom is a big dog who likes to play in the park."
	ollamaOpening    = "Once upon a time, there was a little girl named Lily."
	ollamaMaxTokens  = 12
)

// TestOllamaConversation holds a 10-message conversation between two
// agents on the same model, through the real binary, and checks the
// recording against the wire and against the server's own log.
func TestOllamaConversation(t *testing.T) {
	o := useOllama(t)
	wire := newOllamaWire(t, o.url())
	logStart := o.logSize(t)
	dir := t.TempDir()
	scenario := ollamaScenarioFile(t, dir, fmt.Sprintf(`title: Lily ↔ Tom
agents:
  - name: Lily
    provider: ollama
    base_url: %[1]s/v1
    model: %[2]s
    system: %[3]s
    temperature: 0.9
    seed: 7
    max_tokens: %[6]d
  - name: Tom
    provider: ollama
    base_url: %[1]s/v1
    model: %[2]s
    system: %[4]s
    temperature: 0.2
    seed: 11
    max_tokens: %[6]d
first: Lily
opening: %[5]s
termination:
  max_messages: 10
`, wire.URL, ollamaModel, ollamaSystemLily, ollamaSystemTom, ollamaOpening, ollamaMaxTokens))

	out := filepath.Join(dir, "out")
	r := ollamaRunParley(t, out, "run", scenario, "--no-tui", "--out", out)
	if r.code != 0 {
		t.Fatalf("parley run exited %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	md, jl := ollamaRecording(t, out)
	// Message 1 is the opening, recorded under Tom's name as what Lily was
	// shown first; the model wrote the other nine.
	all := jl.Messages
	if len(all) < 2 || len(md.Messages) < 2 || all[0].Origin != transcripts.OriginOpening || all[0].Speaker != "Tom" ||
		all[0].Content != ollamaOpening || md.Messages[0].Origin != transcripts.OriginOpening {
		t.Fatalf("message 1 is not the opening: JSONL %+v", all[:min(1, len(all))])
	}
	jl.Messages, md.Messages = jl.Messages[1:], md.Messages[1:]

	t.Run("nine non-empty replies in both files", func(t *testing.T) {
		if len(jl.Messages) != 9 || len(md.Messages) != 9 {
			t.Fatalf("JSONL has %d replies and Markdown %d; want 9 each", len(jl.Messages), len(md.Messages))
		}
		for i, m := range jl.Messages {
			want := []string{"Lily", "Tom"}[i%2]
			if m.Speaker != want || md.Messages[i].Speaker != want {
				t.Errorf("message %d: speakers %q (JSONL), %q (Markdown); want %q", i+1, m.Speaker, md.Messages[i].Speaker, want)
			}
			if strings.TrimSpace(m.Content) == "" {
				t.Errorf("message %d (%s) is empty", i+1, m.Speaker)
			}
			if strings.TrimSpace(md.Messages[i].Content) != strings.TrimSpace(m.Content) {
				t.Errorf("message %d: Markdown %q, JSONL %q", i+1, md.Messages[i].Content, m.Content)
			}
		}
	})

	x := wire.recorded(len(jl.Messages))
	t.Run("usage and text equal what the server sent", func(t *testing.T) {
		if len(x) != len(jl.Messages) {
			t.Fatalf("the server answered %d chat requests for %d messages", len(x), len(jl.Messages))
		}
		for i, m := range jl.Messages {
			w := x[i]
			if w.Status != http.StatusOK || !w.Complete {
				t.Errorf("message %d: server status %d, stream complete %v", i+1, w.Status, w.Complete)
				continue
			}
			if w.Usage == nil {
				t.Errorf("message %d: the server sent no usage chunk", i+1)
				continue
			}
			if m.Usage == nil || *m.Usage != *w.Usage {
				t.Errorf("message %d: JSONL usage %+v; the server reported %+v", i+1, m.Usage, *w.Usage)
			}
			if m.Content != w.Content {
				t.Errorf("message %d: JSONL content %q; the server streamed %q", i+1, m.Content, w.Content)
			}
			// Checks that hold whatever the proxy saw: a reply capped by
			// max_tokens is exactly that long, and the total adds up.
			if w.Usage.CompletionTokens != ollamaMaxTokens || w.Usage.TotalTokens != w.Usage.PromptTokens+w.Usage.CompletionTokens {
				t.Errorf("message %d: server usage %+v; want %d completion tokens and a total that adds up", i+1, *w.Usage, ollamaMaxTokens)
			}
			if w.Request.MaxTokens != ollamaMaxTokens {
				t.Errorf("message %d: parley asked for max_tokens %d; want %d", i+1, w.Request.MaxTokens, ollamaMaxTokens)
			}
		}
	})

	t.Run("prompt tokens equal the server's own count", func(t *testing.T) {
		if o.log == "" {
			t.Skip("skipping: the server's log is unknown (PARLEY_OLLAMA_LOG is unset)")
		}
		log, err := os.ReadFile(o.log)
		if err != nil {
			t.Fatal(err)
		}
		// The model runner logs each request's prompt length, in tokens,
		// as it loads the request into its cache.
		counts := ollamaPromptTokens(log[logStart:])
		if len(counts) != len(jl.Messages) {
			t.Fatalf("the server logged %d prompt lengths for %d messages (is OLLAMA_DEBUG=1 set?)", len(counts), len(jl.Messages))
		}
		for i, m := range jl.Messages {
			if m.Usage == nil || m.Usage.PromptTokens != counts[i] {
				t.Errorf("message %d: JSONL usage %+v; the server's runner counted %d prompt tokens", i+1, m.Usage, counts[i])
			}
		}
	})

	t.Run("ttft, latency and finish reason recorded", func(t *testing.T) {
		for i, m := range jl.Messages {
			if m.FinishReason != "length" {
				t.Errorf("message %d: finish_reason %q; want length (capped by max_tokens)", i+1, m.FinishReason)
			}
			if i < len(x) && x[i].Finish != "length" {
				t.Errorf("message %d: the server sent finish_reason %q; want length", i+1, x[i].Finish)
			}
			if m.TTFT <= 0 || m.Latency <= 0 || m.TTFT > m.Latency {
				t.Errorf("message %d: ttft %v, latency %v; want 0 < ttft <= latency", i+1, m.TTFT, m.Latency)
			}
			if m.Model == "" {
				t.Errorf("message %d: no model recorded", i+1)
			}
		}
		raw, err := os.ReadFile(ollamaGlob(t, out, "*.jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		// One line per reply; the opening was not a reply and has none of them.
		for _, field := range []string{`"ttft_ms":`, `"latency_ms":`, `"finish_reason":"length"`, `"usage":{`} {
			if n := bytes.Count(raw, []byte(field)); n != len(jl.Messages) {
				t.Errorf("the JSONL has %s on %d lines; want %d", field, n, len(jl.Messages))
			}
		}
	})

	t.Run("each agent's perspective reaches the model", func(t *testing.T) {
		if o.log == "" {
			t.Skip("skipping: the server's log is unknown (PARLEY_OLLAMA_LOG is unset)")
		}
		log, err := os.ReadFile(o.log)
		if err != nil {
			t.Fatal(err)
		}
		prompts := ollamaRenderedPrompts(t, log[logStart:])
		if len(prompts) != len(jl.Messages) {
			t.Fatalf("the server logged %d rendered chat prompts for %d replies (is OLLAMA_DEBUG=1 set?)", len(prompts), len(jl.Messages))
		}
		system := map[string]string{"Lily": ollamaSystemLily, "Tom": ollamaSystemTom}
		for i, m := range jl.Messages {
			// The reply numbered i+2 answered the messages before it, the opening first.
			var history []struct{ Role, Content string }
			for _, h := range orchestrator.Perspective(all[:i+1], m.Speaker, 0, "") {
				history = append(history, struct{ Role, Content string }{h.Role, h.Content})
			}
			want := ollamaRenderTemplate(system[m.Speaker], history)
			if prompts[i] != want {
				t.Errorf("message %d (%s): the server rendered\n%q\nwant\n%q", i+1, m.Speaker, prompts[i], want)
			}
			other := ollamaSystemTom
			if m.Speaker == "Tom" {
				other = ollamaSystemLily
			}
			if !strings.HasPrefix(prompts[i], system[m.Speaker]+"\n") || strings.Contains(prompts[i], other) {
				t.Errorf("message %d (%s): the rendered prompt does not open with only its own system prompt: %q", i+1, m.Speaker, prompts[i])
			}
		}
	})
}

func ollamaGlob(t testing.TB, dir, pattern string) string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(dir, pattern))
	if len(m) != 1 {
		t.Fatalf("want one %s in %s, found %v", pattern, dir, m)
	}
	return m[0]
}

// TestOllamaUnknownModel: a model the server does not have stops the run
// with the engine's "model not found" sentence and exit code 1.
func TestOllamaUnknownModel(t *testing.T) {
	o := useOllama(t)
	dir := t.TempDir()
	scenario := ollamaScenarioFile(t, dir, fmt.Sprintf(`agents:
  - name: Lily
    provider: ollama
    base_url: %[1]s/v1
    model: no-such-model
    max_tokens: 8
  - name: Tom
    provider: ollama
    base_url: %[1]s/v1
    model: %[2]s
    max_tokens: 8
opening: Hello.
termination:
  max_messages: 4
`, o.url(), ollamaModel))
	out := filepath.Join(dir, "out")
	r := ollamaRunParley(t, out, "run", scenario, "--no-tui", "--out", out)
	if r.code != exitFailure {
		t.Fatalf("parley run exited %d; want %d\nstdout:\n%s\nstderr:\n%s", r.code, exitFailure, r.stdout, r.stderr)
	}
	want := fmt.Sprintf(`Lily: model "no-such-model" not found at %s/v1 (404); check model: and base_url: for this agent`, o.url())
	if !strings.Contains(r.stderr, want) {
		t.Errorf("stderr does not say %q:\n%s", want, r.stderr)
	}
	// Nobody replied: run removes the transcript, which would hold only the
	// opening, rather than leave it behind.
	if left, _ := filepath.Glob(filepath.Join(out, "*")); len(left) != 0 {
		t.Errorf("a run that failed before any reply left %v", left)
	}
}

// TestOllamaServerKilledMidStream kills the server while a reply streams,
// restarts it on the same port, and checks that parley retried, finished
// the conversation and kept every message completed before the kill.
//
// The retry itself (backoff on a dropped connection, a Retrying event per
// failed attempt, recorded as {"type":"event","kind":"retry"}) is the OpenAI
// agent's; this test holds it to that contract against a real server.
func TestOllamaServerKilledMidStream(t *testing.T) {
	bin, _ := ollamaPrereqs(t)
	dir := t.TempDir()
	o := &ollamaServer{bin: bin, addr: "127.0.0.1:0", home: filepath.Join(dir, "home"),
		models: filepath.Join(dir, "models"), log: filepath.Join(dir, "serve.log")}
	o.start(t)
	o.create(t)

	const messages, killAt = 4, 3
	scenario := ollamaScenarioFile(t, dir, fmt.Sprintf(`title: Lily ↔ Tom
agents:
  - name: Lily
    provider: ollama
    base_url: %[1]s/v1
    model: %[2]s
    system: %[3]s
    temperature: 0.8
    max_tokens: 400
  - name: Tom
    provider: ollama
    base_url: %[1]s/v1
    model: %[2]s
    system: %[4]s
    temperature: 0.4
    max_tokens: 400
first: Lily
opening: %[5]s
termination:
  max_messages: %[6]d
`, o.url(), ollamaModel, ollamaSystemLily, ollamaSystemTom, ollamaOpening, messages))
	out := filepath.Join(dir, "out")

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, ollamaParleyBinary(t), "run", scenario, "--no-tui", "--out", out)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}

	// Watch the headless output: once message killAt has begun to stream,
	// kill the server, then bring it back on the same port.
	var seen bytes.Buffer
	var atKill []byte    // the JSONL as it stood when the server died
	var killedAfter bool // whether message killAt was still streaming then
	killed := false
	buf := make([]byte, 4096)
	for {
		n, err := stdout.Read(buf)
		seen.Write(buf[:n])
		if !killed && ollamaStreaming(seen.Bytes(), killAt) {
			// Message killAt is in flight: the JSONL holds those before it.
			atKill, _ = os.ReadFile(ollamaGlob(t, out, "*.jsonl"))
			o.stop()
			killed = true
			killedAfter = bytes.Count(seen.Bytes(), []byte("\n---\n")) < killAt+1
			time.Sleep(time.Second)
			o.start(t) // same port: o.addr now holds it
		}
		if err != nil {
			break
		}
	}
	waitErr := cmd.Wait()
	if !killed {
		t.Fatalf("message %d never started streaming; parley said:\n%s\n%s", killAt, seen.String(), stderr.String())
	}
	if !killedAfter {
		t.Logf("message %d had finished streaming before the kill landed; the retry covers the next request instead", killAt)
	}

	md, jl := ollamaRecording(t, out)
	var retries []transcripts.Event
	for _, e := range jl.Run.Events {
		if e.Kind == "retry" {
			retries = append(retries, e)
		}
	}
	if len(retries) == 0 {
		t.Errorf("no retry event in the JSONL: parley did not go through its retry path after the server died (the OpenAI agent's retry, in agents/)\nstderr: %s", stderr.String())
	}

	// Every message completed before the kill is kept, unchanged.
	before, err := transcripts.ParseJSONL(atKill)
	if err != nil {
		t.Fatalf("the JSONL at the kill: %v", err)
	}
	if len(before.Messages) != killAt-1 {
		t.Errorf("the JSONL held %d messages when the server died; want %d", len(before.Messages), killAt-1)
	}
	for i, m := range before.Messages {
		if i >= len(jl.Messages) || jl.Messages[i].Content != m.Content || jl.Messages[i].Partial {
			t.Errorf("message %d, on disk before the kill, was not kept as it was", i+1)
		}
	}

	code := 0
	var ee *exec.ExitError
	if errors.As(waitErr, &ee) {
		code = ee.ExitCode()
	} else if waitErr != nil {
		t.Fatal(waitErr)
	}
	switch code {
	case 0: // recovered: the conversation ran to its end
		if len(jl.Messages) != messages || len(md.Messages) != messages {
			t.Fatalf("after recovering, JSONL has %d messages and Markdown %d; want %d", len(jl.Messages), len(md.Messages), messages)
		}
		for i, m := range jl.Messages {
			if strings.TrimSpace(m.Content) == "" || m.Partial {
				t.Errorf("message %d is empty or partial after recovering", i+1)
			}
		}
	case exitFailure: // gave up: with a clear sentence, and nothing lost
		if !strings.Contains(stderr.String(), "parley: ") || jl.Run.Stop == nil || jl.Run.Stop.Kind != transcripts.StopError {
			t.Errorf("parley gave up without a clear sentence: stderr %q, stop %+v", stderr.String(), jl.Run.Stop)
		}
		t.Errorf("parley gave up although the server came back a second later: %s", strings.TrimSpace(stderr.String()))
	default:
		t.Errorf("parley exited %d; want 0 (recovered) or 1 (a clear sentence)\nstderr: %s", code, stderr.String())
	}
}

// ollamaStreaming reports whether the headless output shows message n (1-based)
// under way: its speaker line printed and some of its text after it.
func ollamaStreaming(out []byte, n int) bool {
	idx, from := -1, 0
	for k := 0; k < n; k++ {
		i := bytes.Index(out[from:], []byte("### "))
		if i < 0 {
			return false
		}
		idx = from + i
		from = idx + 4
	}
	rest := out[idx:]
	nl := bytes.Index(rest, []byte("\n\n"))
	return nl >= 0 && len(bytes.TrimSpace(rest[nl:])) > 0
}

// TestOllamaBatch records ten transcripts with `parley batch -n 10 -j 2`.
func TestOllamaBatch(t *testing.T) {
	ollamaPrereqs(t)
	o := useOllama(t)
	dir := t.TempDir()
	scenario := ollamaScenarioFile(t, dir, fmt.Sprintf(`agents:
  - name: Lily
    provider: ollama
    base_url: %[1]s/v1
    model: %[2]s
    system: %[3]s
    max_tokens: 8
  - name: Tom
    provider: ollama
    base_url: %[1]s/v1
    model: %[2]s
    system: %[4]s
    max_tokens: 8
opening: %[5]s
termination:
  max_messages: 4
`, o.url(), ollamaModel, ollamaSystemLily, ollamaSystemTom, ollamaOpening))
	out := filepath.Join(dir, "out")
	r := ollamaRunParley(t, out, "batch", scenario, "-n", "10", "-j", "2", "--out", out)
	if r.code != 0 {
		t.Fatalf("parley batch exited %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	var n int
	filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".jsonl") {
			if t2, err := transcripts.Read(p); err == nil && len(t2.Messages) == 4 {
				n++
			}
		}
		return nil
	})
	if n != 10 {
		t.Errorf("parley batch recorded %d complete transcripts; want 10", n)
	}
}
