package batch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/parleyhq/parley/agents/openaitest"
	"github.com/parleyhq/parley/configs"
	"github.com/parleyhq/parley/orchestrator"
	"github.com/parleyhq/parley/transcripts"
)

func TestMain(m *testing.M) {
	if os.Getenv(serverEnv) != "" {
		serveForBenchmark() // the loopback server process of BenchmarkBatchScale
		return
	}
	if os.Getenv(clientEnv) != "" {
		os.Exit(runScaleClient()) // one of BenchmarkBatchScale's batches
	}
	goleak.VerifyTestMain(m)
}

// talk answers each request with a short line that signs off with [END]
// once the conversation holds 4 + seed%5 messages, so lengths vary with
// the seed.
func talk(r openaitest.Request) openaitest.Reply {
	seed := 0
	if r.Body.Seed != nil {
		seed = *r.Body.Seed
	}
	n := len(r.Body.Messages) // the system prompt and the history
	text := fmt.Sprintf("Reply %d from %s.", n, r.Body.Model)
	if n >= 4+seed%5 {
		text += " [END]"
	}
	return openaitest.Words(text)
}

func pairYAML(url string, extra string) string {
	return fmt.Sprintf(`title: Lily ↔ Tom
agents:
  - name: Lily
    base_url: %[1]s
    model: lily-1
    system: You are Lily.
  - name: Tom
    base_url: %[1]s
    model: tom-1
    system: You are Tom.
opening: Hello.
termination:
  any:
    - max_messages: 20
    - end_token: {token: "[END]", exchanges: 1}
%[2]s`, url, extra)
}

func scenario(t *testing.T, yaml string) *configs.Scenario {
	t.Helper()
	path := filepath.Join(t.TempDir(), "pair.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := configs.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// runner plans and prepares a batch in a fresh directory.
func runner(t *testing.T, scenarios []*configs.Scenario, n, j int, vary ...string) *Runner {
	t.Helper()
	var vs []Vary
	for _, spec := range vary {
		v, err := ParseVary(spec)
		if err != nil {
			t.Fatal(err)
		}
		vs = append(vs, v)
	}
	m, err := Plan("", scenarios, n, j, vs, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "batch")
	if err := WriteManifest(dir, m); err != nil {
		t.Fatal(err)
	}
	return prepared(t, dir, m, j)
}

func prepared(t *testing.T, dir string, m *Manifest, j int) *Runner {
	t.Helper()
	var loaded []*configs.Scenario
	for i := range m.Jobs {
		s, err := m.Job(i).Load()
		if err != nil {
			t.Fatal(err)
		}
		loaded = append(loaded, s)
	}
	client, tr, lims, err := NewHTTPClient(loaded, j)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { CloseIdle(client) })
	return &Runner{Dir: dir, Manifest: m, Parallel: j, Env: Env{HTTPClient: client}, Progress: &Progress{},
		Transport: tr, Limiters: lims}
}

// jsonls lists the transcripts under a batch directory.
func jsonls(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(filepath.Join(dir, RunsDir), func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".jsonl") {
			out = append(out, p)
		}
		return nil
	})
	return out
}

func TestBatchRecordsEveryRunAndSummarizes(t *testing.T) {
	srv := openaitest.Start(t, talk)
	r := runner(t, []*configs.Scenario{scenario(t, pairYAML(srv.URL, ""))}, 50, 10, "seed=0..4")
	sum, err := r.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if sum.Planned != 250 || sum.Done != 250 || sum.Failed != 0 {
		t.Fatalf("planned %d, done %d, failed %d; want 250 done", sum.Planned, sum.Done, sum.Failed)
	}
	files := jsonls(t, r.Dir)
	if len(files) != 250 {
		t.Fatalf("%d transcripts recorded; want 250", len(files))
	}
	// Each run records its values, and the lengths follow the seed:
	// [END] from message 4+seed%5 (in history terms), one exchange ends it.
	lengths := map[string]int{}
	for _, f := range files {
		tr, err := transcripts.Read(f)
		if err != nil {
			t.Fatal(err)
		}
		seed := tr.Run.Vary["seed"]
		if seed == "" || tr.Run.ID == "" {
			t.Fatalf("%s records vary %v and id %q; want the seed and the job id", f, tr.Run.Vary, tr.Run.ID)
		}
		if old, ok := lengths[seed]; ok && old != len(tr.Messages) {
			t.Errorf("seed %s ran %d and %d messages; the same seed must give the same length", seed, old, len(tr.Messages))
		}
		lengths[seed] = len(tr.Messages)
		md, err := os.ReadFile(strings.TrimSuffix(f, ".jsonl") + ".md")
		if err != nil || !strings.Contains(string(md), fmt.Sprintf("**Messages:** %d", len(tr.Messages))) {
			t.Errorf("%s: the Markdown is missing or its header was not finalized", f)
		}
	}
	if len(lengths) != 5 || lengths["0"] == lengths["4"] {
		t.Errorf("lengths by seed = %v; want five seeds with lengths that differ", lengths)
	}
	if len(sum.StopReasons) != 1 || sum.StopReasons[0] != (Count{"end_token", 250}) {
		t.Errorf("stop reasons = %+v; want end_token 250", sum.StopReasons)
	}
	if sum.Length.N != 250 || sum.Length.Min == sum.Length.Max {
		t.Errorf("length = %+v; want 250 runs of varying length", sum.Length)
	}
	var et *PolicySaving
	for i := range sum.Policies {
		if sum.Policies[i].Policy == "end_token" {
			et = &sum.Policies[i]
		}
	}
	if et == nil || et.FiredFirst != 250 || et.WouldStop != 250 || et.Saved != 250*20-sumLengths(files, t) {
		t.Errorf("end_token saving = %+v; want it to have stopped all 250 runs and saved 20 − length each", et)
	}
	if len(sum.Tokens) != 2 || sum.Tokens[0].Agent != "Lily" || sum.Tokens[0].Out == 0 || sum.Tokens[1].In == 0 {
		t.Errorf("tokens = %+v; want in and out for Lily and Tom", sum.Tokens)
	}
	if len(sum.Groups) != 5 {
		t.Errorf("%d groups; want one per seed", len(sum.Groups))
	}
	for _, name := range []string{"summary.json", "summary.md", ManifestFile, StateFile} {
		if _, err := os.Stat(filepath.Join(r.Dir, name)); err != nil {
			t.Errorf("%s was not written: %v", name, err)
		}
	}
	md, _ := os.ReadFile(filepath.Join(r.Dir, "summary.md"))
	for _, want := range []string{"| end_token | 250 |", "## Length in messages", "| Lily | ", "## Messages each policy would have saved"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("summary.md lacks %q:\n%s", want, md)
		}
	}
}

// A batch parses each distinct scenario once, however many conversations
// stage it, and each conversation still gets its own varied values.
func TestBatchParsesEachScenarioOnce(t *testing.T) {
	var parses atomic.Int64
	var mu sync.Mutex
	shared := map[*configs.Scenario]Job{} // each parsed scenario, and a job it was parsed for
	defer func(l func(Job) (*configs.Scenario, error)) { loadJob = l }(loadJob)
	loadJob = func(j Job) (*configs.Scenario, error) {
		parses.Add(1)
		s, err := j.Load()
		mu.Lock()
		shared[s] = j
		mu.Unlock()
		return s, err
	}
	srv := openaitest.Start(t, talk)
	a := scenario(t, pairYAML(srv.URL, ""))
	b := scenario(t, strings.Replace(pairYAML(srv.URL, ""), "title: Lily ↔ Tom", "title: Tom ↔ Lily", 1))
	r := runner(t, []*configs.Scenario{a, b}, 10, 8, "seed=0..2")
	sum, err := r.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if sum.Done != 60 {
		t.Fatalf("%d runs done; want 2 scenarios × 3 seeds × 10 = 60", sum.Done)
	}
	if n := parses.Load(); n != 6 {
		t.Errorf("the scenarios were parsed %d times for 60 conversations; want once for each scenario and seed, 6", n)
	}
	seeds := map[int]int{}
	for _, q := range srv.Requests() {
		if q.Body.Seed != nil {
			seeds[*q.Body.Seed]++
		}
	}
	if len(seeds) != 3 {
		t.Errorf("requests carried seeds %v; want 0, 1 and 2", seeds)
	}
	// Sharing is safe only while conversations leave their scenario as
	// parsed: each shared one must still equal a fresh parse.
	for s, j := range shared {
		fresh, err := j.Load()
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(s, fresh) {
			t.Errorf("a conversation changed the scenario it shares with the others:\n%+v\nwant\n%+v", s, fresh)
		}
	}
}

func sumLengths(files []string, t *testing.T) int {
	n := 0
	for _, f := range files {
		tr, err := transcripts.Read(f)
		if err != nil {
			t.Fatal(err)
		}
		n += len(tr.Messages)
	}
	return n
}

func TestVaryGridReachesTheServer(t *testing.T) {
	srv := openaitest.Start(t, talk)
	r := runner(t, []*configs.Scenario{scenario(t, pairYAML(srv.URL, ""))}, 2, 3,
		"agents[1].temperature=0.2,0.7", "seed=1..3")
	sum, err := r.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if sum.Done != 12 {
		t.Fatalf("%d runs done; want 2 × 2 × 3 = 12", sum.Done)
	}
	// Every request carries its run's values: Tom's temperature, both seeds.
	type combo struct {
		temp float32
		seed int
	}
	seen := map[combo]int{}
	for _, q := range srv.Requests() {
		if q.Body.Seed == nil {
			t.Fatalf("request %d has no seed", q.N)
		}
		switch q.Body.Model {
		case "tom-1":
			seen[combo{q.Body.Temperature, *q.Body.Seed}]++
		case "lily-1":
			if _, sent := q.Fields["temperature"]; sent {
				t.Errorf("request %d: Lily sent a temperature; only agents[1] varies it", q.N)
			}
		}
	}
	for _, temp := range []float32{0.2, 0.7} {
		for seed := 1; seed <= 3; seed++ {
			if seen[combo{temp, seed}] == 0 {
				t.Errorf("no request from Tom with temperature %v and seed %d", temp, seed)
			}
		}
	}
	if len(seen) != 6 {
		t.Errorf("Tom sent %d combinations; want 6: %v", len(seen), seen)
	}
}

func TestAFailedConversationDoesNotStopTheOthers(t *testing.T) {
	srv := openaitest.Start(t, func(r openaitest.Request) openaitest.Reply {
		if r.Body.Model == "broken" {
			return openaitest.Error(http.StatusBadRequest, "This model is broken.")
		}
		return talk(r)
	})
	r := runner(t, []*configs.Scenario{scenario(t, pairYAML(srv.URL, ""))}, 10, 4, "agents[0].model=lily-1,broken")
	sum, err := r.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if sum.Done != 10 || sum.Failed != 10 {
		t.Fatalf("done %d, failed %d; want 10 and 10", sum.Done, sum.Failed)
	}
	if len(sum.Errors) != 1 || sum.Errors[0].Count != 10 || !strings.Contains(sum.Errors[0].Label, "This model is broken.") {
		t.Errorf("errors = %+v; want the server's sentence, 10 times", sum.Errors)
	}
	if len(jsonls(t, r.Dir)) != 20 {
		t.Errorf("%d transcripts; want all 20 recorded, failures included", len(jsonls(t, r.Dir)))
	}
}

// A provider that was down when the batch ran: --resume keeps its
// failures, and with RetryFailed continues each failed conversation from
// its last message on disk until it ends as the others did.
func TestRetryFailedContinuesWhatAnErrorStopped(t *testing.T) {
	srv, down := outageServer(t)
	r := runner(t, []*configs.Scenario{scenario(t, pairYAML(srv.URL, ""))}, 4, 2)
	if sum, err := r.Run(context.Background()); err != nil || sum.Failed != 4 {
		t.Fatalf("first run: %v, failed %d; want all 4 failed", err, sum.Failed)
	}
	down.Store(false)
	m, err := ReadManifest(r.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if sum, err := prepared(t, r.Dir, m, 2).Run(context.Background()); err != nil || sum.Failed != 4 || sum.Done != 0 {
		t.Fatalf("resume without retrying: %v, done %d, failed %d; want the 4 failures kept", err, sum.Done, sum.Failed)
	}
	// A crash cut off the last line of one of them: continuing it says
	// so, naming its file, as resume does.
	torn := jsonls(t, r.Dir)[0]
	f, _ := os.OpenFile(torn, os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString(`{"type":"eve`)
	f.Close()
	retry := prepared(t, r.Dir, m, 2)
	retry.Env.RetryFailed = true
	var warned []string
	var mu sync.Mutex
	retry.Env.Warn = func(w string) {
		mu.Lock()
		warned = append(warned, w)
		mu.Unlock()
	}
	sum, err := retry.Run(context.Background())
	if err != nil || sum.Done != 4 || sum.Failed != 0 {
		t.Fatalf("retrying: %v, done %d, failed %d; want 4 done", err, sum.Done, sum.Failed)
	}
	if len(warned) != 1 || !strings.HasPrefix(warned[0], torn+": line ") || !strings.Contains(warned[0], " bytes are kept in "+torn+".torn and the transcript now ends at its last complete line") {
		t.Errorf("warnings %q; want the torn line of %s, named with its file", warned, torn)
	}
	files := jsonls(t, r.Dir)
	if len(files) != 4 {
		t.Fatalf("%d transcripts; want each conversation's one, continued", len(files))
	}
	for _, f := range files {
		tr, err := transcripts.Read(f)
		if err != nil || tr.Run.Stop == nil || tr.Run.Stop.Kind != transcripts.StopPolicy || tr.Run.Resumes != 1 {
			t.Errorf("%s: %v, stop %+v; want it continued once to a policy stop", f, err, tr.Run.Stop)
		}
		for i, m := range tr.Messages {
			if i > 0 && m.Speaker == tr.Messages[i-1].Speaker {
				t.Errorf("%s: message %d follows its own speaker: a message was repeated or lost", f, i+1)
			}
		}
	}
}

// An agent's replicas are its own: another agent addressed to the first
// replica's URL, a different model, is sent there and nowhere else.
func TestReplicasAreTheirAgentsAlone(t *testing.T) {
	one, two := openaitest.Start(t, talk), openaitest.Start(t, talk)
	y := fmt.Sprintf(`title: Lily ↔ Tom
agents:
  - name: Lily
    base_urls: [%[1]s, %[2]s]
    model: lily-1
  - name: Tom
    base_url: %[1]s
    model: tom-1
opening: Hello.
termination: {max_messages: 9}
`, one.URL, two.URL)
	r := runner(t, []*configs.Scenario{scenario(t, y)}, 4, 2)
	if _, err := r.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	models := func(srv *openaitest.Server) map[string]int {
		m := map[string]int{}
		for _, req := range srv.Requests() {
			m[req.Body.Model]++
		}
		return m
	}
	if m := models(two); m["tom-1"] != 0 || m["lily-1"] == 0 {
		t.Errorf("the second replica was sent %v; want Lily's requests and none of Tom's", m)
	}
	if m := models(one); m["tom-1"] != 16 {
		t.Errorf("Tom's address was sent %v; want his 16 requests (4 conversations, 4 replies each)", m)
	}
}

// countingServer is a loopback server that counts requests in flight
// exactly: a request counts from its arrival until just before its last
// bytes are written, so the count never exceeds what the client had open.
type countingServer struct {
	url string

	mu      sync.Mutex
	now     int
	max     int
	starts  []time.Time
	answers func(n int) (status int, retryAfter string)
}

func newCountingServer(t *testing.T, hold time.Duration) *countingServer {
	c := &countingServer{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.now++
		c.max = max(c.max, c.now)
		c.starts = append(c.starts, time.Now())
		n := len(c.starts)
		c.mu.Unlock()
		done := func() {
			c.mu.Lock()
			c.now--
			c.mu.Unlock()
		}
		if c.answers != nil {
			if status, ra := c.answers(n); status != 0 {
				done()
				if ra != "" {
					w.Header().Set("Retry-After", ra)
				}
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(status)
				fmt.Fprintf(w, `{"error":{"message":"slow down","type":"requests","code":"rate_limit_exceeded"}}`)
				return
			}
		}
		w.Header().Set("Content-Type", "text/event-stream")
		fl := w.(http.Flusher)
		fmt.Fprint(w, `data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"},"finish_reason":null}]}`+"\n\n")
		fl.Flush()
		time.Sleep(hold)
		fmt.Fprint(w, `data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":" [END]"},"finish_reason":"stop"}]}`+"\n\n")
		fl.Flush()
		done()
		fmt.Fprint(w, "data: [DONE]\n\n")
	})
	srv := newLoopback(t, h)
	c.url = srv + "/v1"
	return c
}

func TestProviderLimitsHoldAcrossConversations(t *testing.T) {
	cs := newCountingServer(t, 5*time.Millisecond)
	limits := fmt.Sprintf("limits:\n  %s: {concurrent: 3}\n", cs.url)
	r := runner(t, []*configs.Scenario{scenario(t, pairYAML(cs.url, limits))}, 30, 10)
	sum, err := r.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if sum.Done != 30 {
		t.Fatalf("%d done; want 30", sum.Done)
	}
	if cs.max > 3 {
		t.Errorf("the server saw %d requests at once; the limit is 3", cs.max)
	}
	if cs.max < 2 {
		t.Errorf("the server never saw more than %d request at once; the batch should use the 3 allowed", cs.max)
	}
	if len(sum.Limits) != 1 || sum.Limits[0].Requests != len(cs.starts) || sum.Limits[0].MaxInFlight != 3 || sum.Limits[0].Waited == 0 {
		t.Errorf("limit stats = %+v; want every request counted, 3 at most in flight, and waits", sum.Limits)
	}
}

// Without a limits: entry a 429 still holds back every conversation sent
// to that address: none sends between the moment parley saw it and the
// end of the wait it asked for.
func TestA429HoldsTheWholeProviderWithoutLimits(t *testing.T) {
	cs := newCountingServer(t, 40*time.Millisecond) // each reply takes a while: the conversations overlap
	cs.answers = func(n int) (int, string) {
		if n == 12 {
			return http.StatusTooManyRequests, "1"
		}
		return 0, ""
	}
	y := fmt.Sprintf("agents:\n  - {name: A, base_url: %[1]s, model: a}\n  - {name: B, base_url: %[1]s, model: b}\nopening: Hello.\ntermination: {max_messages: 12}\n", cs.url)
	r := runner(t, []*configs.Scenario{scenario(t, y)}, 8, 8)
	if sum, err := r.Run(context.Background()); err != nil || sum.Done != 8 {
		t.Fatalf("%v, %d done; want 8 (the 429 is retried)", err, sum.Done)
	}
	cs.mu.Lock()
	defer cs.mu.Unlock()
	throttledAt := cs.starts[11]
	for _, s := range cs.starts[12:] {
		// Requests already on their way when the 429 came back may land
		// just after it; none may start later, until the second is over.
		if d := s.Sub(throttledAt); d > 250*time.Millisecond && d < 900*time.Millisecond {
			t.Errorf("a request arrived %s after the 429; the address should be held 1s", d)
		}
	}
}

func TestA429HoldsTheWholeProvider(t *testing.T) {
	cs := newCountingServer(t, 0)
	cs.answers = func(n int) (int, string) {
		if n == 5 {
			return http.StatusTooManyRequests, "0.3"
		}
		return 0, ""
	}
	// One request at a time, so every request after the 429 started after
	// parley saw it: if the hold were the throttled conversation's alone,
	// the other seven would go on at once.
	limits := fmt.Sprintf("limits:\n  %s: {concurrent: 1}\n", cs.url)
	r := runner(t, []*configs.Scenario{scenario(t, pairYAML(cs.url, limits))}, 8, 8)
	sum, err := r.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if sum.Done != 8 {
		t.Fatalf("%d done; want 8 (the 429 is retried)", sum.Done)
	}
	cs.mu.Lock()
	defer cs.mu.Unlock()
	throttledAt := cs.starts[4]
	late := 0
	for _, s := range cs.starts[5:] {
		if s.Sub(throttledAt) < 250*time.Millisecond {
			t.Errorf("a request arrived %s after the 429; the provider should be held 300ms", s.Sub(throttledAt))
		}
		late++
	}
	if late == 0 || sum.Limits[0].Throttled != 1 || sum.Retries != 1 {
		t.Errorf("after the 429: %d requests, %d throttles, %d retries; want later requests, 1, 1", late, sum.Limits[0].Throttled, sum.Retries)
	}
}

func TestCancelFinalizesInFlightRunsAndResumeFinishesTheBatch(t *testing.T) {
	var slow atomic.Bool
	slow.Store(true)
	srv := openaitest.Start(t, func(r openaitest.Request) openaitest.Reply {
		rep := talk(r)
		if slow.Load() && len(r.Body.Messages) >= 4 {
			return openaitest.Stalled(2, rep.Pieces...)
		}
		return rep
	})
	r := runner(t, []*configs.Scenario{scenario(t, pairYAML(srv.URL, ""))}, 12, 4, "seed=3")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The server stalls from the fourth message (Lily's second: her system
	// prompt, the opening and two messages; message 1 is the opening).
	// Cancel once all four running conversations have streamed part of it.
	var stalled atomic.Int64
	r.Env.Sinks = func(Job) []orchestrator.Sink {
		seen := false
		return []orchestrator.Sink{orchestrator.SinkFunc(func(e orchestrator.Event) error {
			if d, ok := e.(orchestrator.Delta); ok && d.Index == 4 && !seen {
				seen = true
				if stalled.Add(1) == 4 {
					cancel()
				}
			}
			return nil
		})}
	}
	sum, err := r.Run(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run error = %v; want context.Canceled", err)
	}
	if sum.Interrupted != 4 || sum.NotStarted != 8 || sum.Done != 0 {
		t.Fatalf("interrupted %d, not started %d, done %d; want 4, 8, 0", sum.Interrupted, sum.NotStarted, sum.Done)
	}
	files := jsonls(t, r.Dir)
	if len(files) != 4 {
		t.Fatalf("%d transcripts after the interruption; want the 4 in flight", len(files))
	}
	for _, f := range files {
		tr, err := transcripts.Read(f)
		if err != nil {
			t.Fatal(err)
		}
		if tr.Run.Stop == nil || tr.Run.Stop.Kind != transcripts.StopInterrupted {
			t.Errorf("%s: stop = %+v; want interrupted", f, tr.Run.Stop)
		}
		if n := len(tr.Messages); n != 4 || !tr.Messages[3].Partial || tr.Messages[3].Content == "" {
			t.Errorf("%s: %d messages; want the opening, 2 complete and the stalled one kept as partial", f, n)
		}
	}
	st, err := ReadState(r.Dir)
	if err != nil {
		t.Fatal(err)
	}
	interrupted := 0
	for _, rec := range st.Last {
		if rec.State == StateInterrupted {
			interrupted++
		}
	}
	if interrupted != 4 {
		t.Errorf("the state log lists %d interrupted jobs; want 4", interrupted)
	}

	// Resume: the four continue in their own files, the eight start.
	slow.Store(false)
	before := len(srv.Requests())
	m, err := ReadManifest(r.Dir)
	if err != nil {
		t.Fatal(err)
	}
	r2 := prepared(t, r.Dir, m, 4)
	sum, err = r2.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if sum.Done != 12 || sum.Interrupted != 0 || sum.NotStarted != 0 {
		t.Fatalf("after resume: done %d, interrupted %d, not started %d; want 12, 0, 0", sum.Done, sum.Interrupted, sum.NotStarted)
	}
	files = jsonls(t, r.Dir)
	if len(files) != 12 {
		t.Fatalf("%d transcripts after resume; want 12 (one per job)", len(files))
	}
	resumed := 0
	for _, f := range files {
		tr, _ := transcripts.Read(f)
		if tr.Run.Stop == nil || tr.Run.Stop.Kind != transcripts.StopPolicy {
			t.Errorf("%s: stop = %+v; want a policy stop", f, tr.Run.Stop)
		}
		if tr.Run.Resumes > 0 {
			resumed++
			for i, m := range tr.Messages {
				if m.Partial {
					t.Errorf("%s: message %d is still partial after resume", f, i+1)
				}
			}
		}
	}
	if resumed != 4 {
		t.Errorf("%d transcripts were continued; want the 4 interrupted ones", resumed)
	}
	// The progress counts every message of the batch, the ones recorded
	// before the interruption too; the rate only this session's.
	recorded, tokensOut := 0, 0
	for _, f := range files {
		tr, _ := transcripts.Read(f)
		recorded += len(tr.Messages)
		for _, m := range tr.Messages {
			if m.Usage != nil && m.Origin == transcripts.OriginAgent {
				tokensOut += m.Usage.CompletionTokens
			}
		}
	}
	if snap := r2.Progress.Snapshot(); snap.Messages != recorded || snap.MessagesBefore != 4*3 || snap.TokensOut != tokensOut {
		t.Errorf("progress after resume: %d messages, %d of them before, %d tokens out; want %d, 12 (the opening and 2 for each interrupted run) and %d",
			snap.Messages, snap.MessagesBefore, snap.TokensOut, recorded, tokensOut)
	}
	// A continued run's last start is in this session, its first before.
	st, err = ReadState(r.Dir)
	if err != nil {
		t.Fatal(err)
	}
	for id, rec := range st.Last {
		res := rec.Result
		if res == nil || res.LastStart.IsZero() || res.LastStart.Before(res.Started) {
			t.Errorf("%s: last start %v, started %v; want a last start, not before the first", id, res.LastStart, res.Started)
			continue
		}
		if resumedRun := res.Resumes > 0; resumedRun != res.LastStart.After(res.Started.Add(time.Millisecond)) {
			t.Errorf("%s (resumes %d): started %v, last start %v; want a later last start exactly for the continued runs", id, res.Resumes, res.Started, res.LastStart)
		}
	}
	// The resumed runs did not start over: each sent only the messages it
	// still lacked. No request makes the opening.
	tr, _ := transcripts.Read(files[0])
	length := len(tr.Messages)
	if got, want := len(srv.Requests())-before, 8*(length-1)+4*(length-3); got != want {
		t.Errorf("resume sent %d requests; want %d: %d for each new run and %d for each continued one", got, want, length-1, length-3)
	}

	// The summary's endpoint and limit counts are the batch's, over both
	// sessions, not the last session's alone.
	sent := func(sum *Summary) (replicas, limits int) {
		for _, rs := range sum.Replicas {
			replicas += rs.Requests
		}
		for _, l := range sum.Limits {
			limits += l.Requests
		}
		return replicas, limits
	}
	if rs, _ := sent(sum); len(sum.Replicas) == 0 || rs != len(srv.Requests()) {
		t.Errorf("the summary's endpoints count %d requests (%+v); the server answered %d over both sessions", rs, sum.Replicas, len(srv.Requests()))
	}
	_, limited := sent(sum)

	// A third run has nothing left to do and sends nothing, and its
	// summary keeps the counts of the sessions before.
	n := len(srv.Requests())
	sum, err = prepared(t, r.Dir, m, 4).Run(context.Background())
	if err != nil || sum.Done != 12 || len(srv.Requests()) != n {
		t.Errorf("re-running a finished batch: err %v, done %d, %d new requests; want nil, 12, 0", err, sum.Done, len(srv.Requests())-n)
	}
	if rs, ls := sent(sum); rs != n || ls != limited {
		t.Errorf("after a session that sent nothing, the summary counts %d requests at the endpoints and %d under limits; want %d and %d, as before", rs, ls, n, limited)
	}
}

// A crash can cut off the state log's last line. The next run of the
// batch moves it to state.jsonl.torn, says so, and appends after the last
// complete record, so the log reads whole on every later resume; a log
// torn in the middle (as older versions of parley left it) still reads,
// the torn line named and skipped.
func TestAStateLogCutOffByACrashStillResumes(t *testing.T) {
	srv := openaitest.Start(t, talk)
	r := runner(t, []*configs.Scenario{scenario(t, pairYAML(srv.URL, ""))}, 3, 2)
	if sum, err := r.Run(context.Background()); err != nil || sum.Done != 3 {
		t.Fatalf("first run: %v, %+v", err, sum)
	}
	path := filepath.Join(r.Dir, StateFile)
	torn := `{"id":"` + r.Manifest.Jobs[0].ID + `","sta`
	f, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString(torn)
	f.Close()
	if st, err := ReadState(r.Dir); err != nil || len(st.Last) != 3 || len(st.Warnings) != 0 {
		t.Fatalf("a torn last line: %v, %d jobs, warnings %q; want the 3 jobs read", err, len(st.Last), st.Warnings)
	}
	m, err := ReadManifest(r.Dir)
	if err != nil {
		t.Fatal(err)
	}
	r2 := prepared(t, r.Dir, m, 2)
	var warned []string
	r2.Env.Warn = func(w string) { warned = append(warned, w) }
	if sum, err := r2.Run(context.Background()); err != nil || sum.Done != 3 {
		t.Fatalf("resume: %v, %+v", err, sum)
	}
	if len(warned) != 1 || !strings.HasPrefix(warned[0], path+": line ") ||
		!strings.HasSuffix(warned[0], " bytes are kept in "+path+".torn and the batch's state log now ends at its last complete line") {
		t.Errorf("warnings %q; want one naming the cut line, where it is kept, and the state log, not a transcript", warned)
	}
	if kept, _ := os.ReadFile(path + ".torn"); string(kept) != torn+"\n" {
		t.Errorf("state.jsonl.torn holds %q; want the cut line", kept)
	}
	for range 2 {
		st, err := ReadState(r.Dir)
		if err != nil || len(st.Last) != 3 || len(st.Warnings) != 0 {
			t.Fatalf("after resuming: %v, %d jobs, warnings %q", err, len(st.Last), st.Warnings)
		}
		if _, err := prepared(t, r.Dir, m, 2).Run(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	// A torn line with records after it.
	data, _ := os.ReadFile(path)
	lines := strings.SplitAfter(string(data), "\n")
	os.WriteFile(path, []byte(lines[0]+torn+"\n"+strings.Join(lines[1:], "")), 0o600)
	st, err := ReadState(r.Dir)
	if err != nil || len(st.Last) != 3 || len(st.Warnings) != 1 || !strings.Contains(st.Warnings[0], "line 2 is no state record") {
		t.Fatalf("a torn line inside the log: %v, %d jobs, warnings %q; want all 3 jobs and line 2 named", err, len(st.Last), st.Warnings)
	}
}

func TestWriteManifestRefusesAnotherBatch(t *testing.T) {
	dir := t.TempDir()
	m := &Manifest{Version: 1, ID: "x"}
	if err := WriteManifest(dir, m); err != nil {
		t.Fatal(err)
	}
	err := WriteManifest(dir, m)
	if err == nil || !strings.Contains(err.Error(), "--resume "+dir) {
		t.Errorf("second WriteManifest error = %v; want one pointing at --resume", err)
	}
}

// One process at a time runs a batch folder: while one holds it, a second
// (batch --resume while the batch still runs) stops with a sentence naming
// the holder, and touches nothing.
func TestABatchFolderHasOneRunner(t *testing.T) {
	srv := openaitest.Start(t, talk)
	r := runner(t, []*configs.Scenario{scenario(t, pairYAML(srv.URL, ""))}, 2, 1)
	release, err := transcripts.LockDir(r.Dir, "batch folder")
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.Run(context.Background())
	var le *transcripts.LockedError
	if !errors.As(err, &le) || !strings.Contains(err.Error(), "batch folder "+r.Dir) {
		t.Fatalf("Run on a held folder: err = %v", err)
	}
	if runtime.GOOS == "linux" && !strings.Contains(err.Error(), fmt.Sprintf("pid %d", os.Getpid())) {
		t.Errorf("the sentence does not name the holder: %v", err)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests sent while the folder was held", n)
	}
	release()
	if _, err := r.Run(context.Background()); err != nil {
		t.Fatalf("after release: %v", err)
	}
}

// TestPooledConnectionsHoldSmallBuffers checks the buffers each pooled
// connection holds for as long as it lives: a batch holds one connection
// per running conversation.
func TestPooledConnectionsHoldSmallBuffers(t *testing.T) {
	var base *http.Transport
	_, _, _, err := NewHTTPClientVia(nil, 1000, func(rt http.RoundTripper) http.RoundTripper {
		base, _ = rt.(*http.Transport)
		return rt
	})
	if err != nil {
		t.Fatal(err)
	}
	if base == nil {
		t.Fatal("the pooled transport is not an *http.Transport")
	}
	if base.ReadBufferSize == 0 || base.ReadBufferSize > 1<<10 || base.WriteBufferSize == 0 || base.WriteBufferSize > 1<<10 {
		t.Errorf("each connection holds a %d-byte read buffer and a %d-byte write buffer (0: 4 KiB); want at most 1 KiB each",
			base.ReadBufferSize, base.WriteBufferSize)
	}
}

// outageServer talks as talk does, but while down is set (as it is at
// first) the third message of each conversation meets an outage.
func outageServer(t *testing.T) (*openaitest.Server, *atomic.Bool) {
	var down atomic.Bool
	down.Store(true)
	srv := openaitest.Start(t, func(r openaitest.Request) openaitest.Reply {
		if down.Load() && len(r.Body.Messages) >= 4 {
			return openaitest.Error(http.StatusBadRequest, "The provider is down.")
		}
		return talk(r)
	})
	return srv, &down
}

func TestUnusedLimitsAreTheKeysNoAgentIsCountedUnder(t *testing.T) {
	scenario := func(limits, agents string) *configs.Scenario {
		t.Helper()
		s, err := configs.Parse("s.yaml", []byte("limits:\n"+limits+"agents:\n"+agents))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	const (
		onOpenRouter = "  - {name: A, provider: openrouter, model: m}\n  - {name: B, type: scripted, lines: [b]}\n"
		onReplicas   = "  - {name: A, model: m, base_urls: [http://10.0.0.5:11434/v1, http://10.0.0.6:11434/v1]}\n  - {name: B, type: scripted, lines: [b]}\n"
	)
	cases := []struct {
		name      string
		scenarios []*configs.Scenario
		want      []string
	}{
		{"the agents' provider", []*configs.Scenario{scenario("  openrouter: {concurrent: 2}\n", onOpenRouter)}, nil},
		{"another provider", []*configs.Scenario{scenario("  openai: {concurrent: 2}\n  openrouter: {per_minute: 60}\n", onOpenRouter)}, []string{"openai"}},
		{"the first replica, written with a slash", []*configs.Scenario{scenario("  http://10.0.0.5:11434/v1/: {concurrent: 2}\n", onReplicas)}, nil},
		{"the second replica, which a limit does not reach", []*configs.Scenario{scenario("  http://10.0.0.6:11434/v1: {concurrent: 2}\n", onReplicas)}, []string{"http://10.0.0.6:11434/v1"}},
		{"a limit of nothing bounds nothing to miss", []*configs.Scenario{scenario("  openai: {concurrent: 0}\n", onOpenRouter)}, nil},
		{"only a scripted agent", []*configs.Scenario{scenario("  openai: {concurrent: 2}\n", "  - {name: A, type: scripted, lines: [a]}\n  - {name: B, type: scripted, lines: [b]}\n")}, []string{"openai"}},
		{"a key another scenario of the batch uses", []*configs.Scenario{
			scenario("  openai: {concurrent: 2}\n  openrouter: {concurrent: 2}\n", onOpenRouter),
			scenario("  openai: {concurrent: 4}\n", "  - {name: A, provider: openai, model: m}\n  - {name: B, type: scripted, lines: [b]}\n"),
		}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := UnusedLimits(c.scenarios); !reflect.DeepEqual(got, c.want) {
				t.Errorf("UnusedLimits = %q, want %q", got, c.want)
			}
		})
	}
}

// The batch's client, which runs and doctor use too, follows a redirect to
// another site without the request's headers, as it follows one within
// the site with them.
func TestTheClientKeepsHeadersWithinTheSite(t *testing.T) {
	var got http.Header
	second := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r.Header.Clone() }))
	t.Cleanup(second.Close)
	client, _, _, err := NewHTTPClient(nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { CloseIdle(client) })
	for _, c := range []struct {
		name, to string
		kept     bool
	}{
		{"another site", strings.Replace(second.URL, "127.0.0.1", "localhost", 1), false},
		{"the same site", second.URL, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			first := httptest.NewServer(http.RedirectHandler(c.to+"/v1/models", http.StatusTemporaryRedirect))
			t.Cleanup(first.Close)
			req, _ := http.NewRequest("GET", first.URL+"/v1/models", nil)
			req.Header.Set("X-Api-Key", "hdr-SECRET-0123456789")
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if kept := got.Get("X-Api-Key") != ""; kept != c.kept {
				t.Errorf("a redirect to %s kept X-Api-Key: %v; want %v", c.name, kept, c.kept)
			}
		})
	}
}

// A job continued from its folder says what continuing it changed: here,
// a Markdown edited by hand, kept beside the one rebuilt.
func TestAContinuedJobSaysWhatOpeningItChanged(t *testing.T) {
	dir := t.TempDir()
	rec, err := transcripts.Create(dir, transcripts.Run{Title: "A ↔ B", Started: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []transcripts.Message{
		{Speaker: "B", Content: "Hello.", Origin: transcripts.OriginOpening},
		{Speaker: "A", Content: "a1", Origin: transcripts.OriginAgent},
	} {
		if err := rec.Append(m); err != nil {
			t.Fatal(err)
		}
	}
	rec.Close() // as a crash leaves it
	md, _ := os.ReadFile(rec.MarkdownPath)
	os.WriteFile(rec.MarkdownPath, append(md, "my notes\n"...), 0o600)

	var warned []string
	job := Job{ID: "j1", ScenarioPath: "s.yaml", Scenario: "agents:\n  - {name: A, type: scripted, lines: [a1, a2]}\n  - {name: B, type: scripted, lines: [b1, b2]}\ntermination: {max_messages: 4}\n"}
	res, err := RunJob(context.Background(), job, dir, Env{Warn: func(w string) { warned = append(warned, w) }})
	if err != nil || res.State != StateDone || res.Messages != 4 {
		t.Fatalf("RunJob: %v, state %s, %d messages; want done with 4", err, res.State, res.Messages)
	}
	if len(warned) != 1 || !strings.Contains(warned[0], rec.MarkdownPath+".edited") {
		t.Errorf("warnings %q; want one naming %s.edited", warned, rec.MarkdownPath)
	}
	if kept, _ := os.ReadFile(rec.MarkdownPath + ".edited"); !bytes.HasSuffix(kept, []byte("my notes\n")) {
		t.Errorf("the side file holds %q; want the edited Markdown", kept)
	}
}

// A conversation continued with --retry-failed carries a scripted side on
// after the lines it said, as resume does, since its recording seated that
// script: it neither says them again nor runs out early.
func TestRetryFailedCarriesAScriptOnAfterItsLines(t *testing.T) {
	srv, down := outageServer(t)
	y := fmt.Sprintf(`title: Lily ↔ Tom
agents:
  - {name: Lily, base_url: %s, model: lily-1}
  - {name: Tom, type: scripted, lines: [t1, t2, t3, t4]}
opening: Hello.
termination: {max_messages: 9}
`, srv.URL)
	r := runner(t, []*configs.Scenario{scenario(t, y)}, 1, 1)
	if sum, err := r.Run(context.Background()); err != nil || sum.Failed != 1 {
		t.Fatalf("first run: %v, failed %d; want it failed", err, sum.Failed)
	}
	down.Store(false)
	m, err := ReadManifest(r.Dir)
	if err != nil {
		t.Fatal(err)
	}
	retry := prepared(t, r.Dir, m, 1)
	retry.Env.RetryFailed = true
	if sum, err := retry.Run(context.Background()); err != nil || sum.Done != 1 {
		t.Fatalf("retrying: %v, done %d; want it done", err, sum.Done)
	}
	files := jsonls(t, r.Dir)
	if len(files) != 1 {
		t.Fatalf("transcripts %v; want the conversation's one, continued", files)
	}
	tr, err := transcripts.Read(files[0])
	if err != nil {
		t.Fatal(err)
	}
	var said []string
	for _, msg := range tr.Messages {
		if msg.Speaker == "Tom" && msg.Origin == transcripts.OriginAgent {
			said = append(said, msg.Content)
		}
	}
	if tr.Run.Resumes != 1 || strings.Join(said, "|") != "t1|t2|t3|t4" {
		t.Errorf("continued %d times, Tom said %q; want it continued once and each line said once, in order", tr.Run.Resumes, said)
	}
}

// A conversation continued in a session that cannot run it (its agent's
// key gone from this machine's environment) fails before it adds a
// message: it keeps its transcript, stopped by the failure, and its result
// counts the messages and tokens it holds, so --retry-failed continues it
// from there once the key is back.
func TestAJobThatCannotContinueKeepsWhatItRecorded(t *testing.T) {
	srv := openaitest.Start(t, talk)
	y := fmt.Sprintf(`title: Lily ↔ Tom
agents:
  - {name: Lily, base_url: %[1]s, model: lily-1, api_key_env: PARLEY_BATCH_KEEP_KEY}
  - {name: Tom, base_url: %[1]s, model: tom-1, api_key_env: PARLEY_BATCH_KEEP_KEY}
opening: Hello.
termination: {max_messages: 12}
`, srv.URL)
	key := func(string) string { return "sk-keep-test-5e1a" }
	noKey := func(string) string { return "" }
	r := runner(t, []*configs.Scenario{scenario(t, y)}, 2, 2)
	r.Env.Getenv = key
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var finished atomic.Int64
	r.Env.Sinks = func(Job) []orchestrator.Sink {
		return []orchestrator.Sink{orchestrator.SinkFunc(func(e orchestrator.Event) error {
			if _, ok := e.(orchestrator.MessageFinished); ok && finished.Add(1) == 8 {
				cancel()
			}
			return nil
		})}
	}
	if sum, err := r.Run(ctx); !errors.Is(err, context.Canceled) || sum.Interrupted != 2 {
		t.Fatalf("first run: %v, %d interrupted; want both interrupted", err, sum.Interrupted)
	}
	recorded := map[string]int{}
	for _, f := range jsonls(t, r.Dir) {
		tr, err := transcripts.Read(f)
		if err != nil {
			t.Fatal(err)
		}
		// The messages completed: the cancel may have caught one mid-reply,
		// recorded as interrupted, which a result does not count.
		recorded[filepath.Base(filepath.Dir(f))] = completed(tr)
	}
	if len(recorded) != 2 {
		t.Fatalf("transcripts of %v after the interruption; want both conversations'", recorded)
	}

	m, err := ReadManifest(r.Dir)
	if err != nil {
		t.Fatal(err)
	}
	without := prepared(t, r.Dir, m, 2)
	without.Env.Getenv = noKey
	var (
		mu      sync.Mutex // OnFinish is called from the jobs' goroutines
		results []Result
	)
	without.OnFinish = func(res Result) {
		mu.Lock()
		defer mu.Unlock()
		results = append(results, res)
	}
	sum, err := without.Run(context.Background())
	if err != nil || sum.Failed != 2 {
		t.Fatalf("resumed without the key: %v, %d failed; want both failed", err, sum.Failed)
	}
	// The tokens of what they recorded count; their lengths, which end
	// where the error fell, enter no median.
	if sum.Length.N != 0 || len(sum.Tokens) == 0 {
		t.Errorf("the summary counts lengths %+v and tokens %+v; want the recorded messages' tokens and no length", sum.Length, sum.Tokens)
	}
	for _, res := range results {
		if res.State != StateFailed || !strings.Contains(res.Error, "PARLEY_BATCH_KEEP_KEY") || res.Messages != recorded[res.ID] || res.JSONL == "" || res.Markdown == "" {
			t.Errorf("%s: %s after %d messages (%q), files %q and %q; want failed on the key after the %d recorded, naming its files",
				res.ID, res.State, res.Messages, res.Error, res.JSONL, res.Markdown, recorded[res.ID])
			continue
		}
		tr, err := transcripts.Read(res.JSONL)
		if err != nil {
			t.Fatal(err)
		}
		if completed(tr) != recorded[res.ID] || tr.Run.Stop == nil || tr.Run.Stop.Kind != transcripts.StopError {
			t.Errorf("%s: the transcript holds %d completed messages, stop %+v; want the %d recorded, stopped by the failure", res.ID, completed(tr), tr.Run.Stop, recorded[res.ID])
		}
		if _, err := os.Stat(res.Markdown); err != nil {
			t.Errorf("%s: no Markdown: %v", res.ID, err)
		}
	}

	retry := prepared(t, r.Dir, m, 2)
	retry.Env.Getenv = key
	retry.Env.RetryFailed = true
	if sum, err := retry.Run(context.Background()); err != nil || sum.Done != 2 {
		t.Fatalf("retrying with the key: %v, %d done; want both done", err, sum.Done)
	}
	for _, f := range jsonls(t, r.Dir) {
		tr, err := transcripts.Read(f)
		if err != nil {
			t.Fatal(err)
		}
		if len(tr.Messages) != 12 || tr.Run.Resumes != 1 {
			t.Errorf("%s: %d messages after %d resumes; want 12, continued once", f, len(tr.Messages), tr.Run.Resumes)
		}
		for i, msg := range tr.Messages {
			if i > 0 && msg.Speaker == tr.Messages[i-1].Speaker {
				t.Errorf("%s: message %d follows its own speaker: a message was repeated or lost", f, i+1)
			}
		}
	}
}

// A manifest that holds a scenario only with its secrets hidden, its file
// no longer holding it, runs none of the conversations still to run from
// it: they would send REDACTED as a header's value. Hidden names it, and
// Run refuses before it stages anything; with the file restored, both let
// the batch run.
func TestRunnerRefusesAScenarioHeldOnlyWithItsSecretsHidden(t *testing.T) {
	srv := openaitest.Start(t, talk)
	orig := strings.Replace(pairYAML(srv.URL, ""), "    system: You are Lily.\n", "    system: You are Lily.\n    headers: {X-Secret-Hdr: hdrvalue-topsecret-123}\n", 1)
	s := scenario(t, orig)
	path := s.Path
	if !strings.Contains(s.Source, "X-Secret-Hdr") {
		t.Fatalf("the scenario has no header:\n%s", s.Source)
	}
	m, err := Plan("", []*configs.Scenario{s}, 2, 2, nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "batch")
	if err := WriteManifest(dir, m); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(path, []byte(strings.Replace(orig, "You are Tom.", "You are Tom, briefly.", 1)), 0o600)
	m, err = ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if hidden, err := m.Hidden(dir, false); err != nil || !reflect.DeepEqual(hidden, []int{0}) {
		t.Errorf("Hidden of the edited file: %v, %v; want [0]", hidden, err)
	}
	r := prepared(t, dir, m, 2)
	sum, err := r.Run(context.Background())
	if sum != nil || err == nil || !strings.Contains(err.Error(), filepath.Join(dir, ManifestFile)+" records the scenario "+path+" with its secrets hidden, and that file no longer holds it") {
		t.Errorf("Run: %v, %v; want nil and the sentence naming the file", sum, err)
	}
	if n := len(srv.Requests()); n > 0 || len(jsonls(t, dir)) > 0 {
		t.Errorf("the refused batch sent %d requests and staged %d conversations", n, len(jsonls(t, dir)))
	}
	// Restored, the file is read again, and its secret sent.
	os.WriteFile(path, []byte(orig), 0o600)
	if m, err = ReadManifest(dir); err != nil {
		t.Fatal(err)
	}
	if hidden, err := m.Hidden(dir, false); err != nil || len(hidden) > 0 {
		t.Errorf("Hidden of the restored file: %v, %v; want none", hidden, err)
	}
	if _, err := prepared(t, dir, m, 2).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	lily := 0
	for _, req := range srv.Requests() {
		if req.Body.Model != "lily-1" {
			continue
		}
		lily++
		if v := req.Header.Get("X-Secret-Hdr"); v != "hdrvalue-topsecret-123" {
			t.Errorf("a request of Lily's carried X-Secret-Hdr %q", v)
		}
	}
	if lily == 0 {
		t.Error("Lily sent no request")
	}
}

// completed is how many of tr's messages are whole: not interrupted
// mid-reply.
func completed(tr *transcripts.Transcript) int {
	n := 0
	for _, m := range tr.Messages {
		if !m.Partial {
			n++
		}
	}
	return n
}
