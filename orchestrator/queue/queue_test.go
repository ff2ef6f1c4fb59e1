package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/goleak"

	"github.com/parleyhq/parley/agents"
	"github.com/parleyhq/parley/configs"
	"github.com/parleyhq/parley/orchestrator"
	"github.com/parleyhq/parley/orchestrator/batch"
	"github.com/parleyhq/parley/orchestrator/queue/queuetest"
	"github.com/parleyhq/parley/pricing"
	"github.com/parleyhq/parley/transcripts"
)

// nats.go v1.55.0's object store Put starts a publisher goroutine and may
// remove its status channel before the goroutine reads it; the goroutine
// then waits on a nil channel for good. It is nats.go's, one per Put at
// most, and holds no parley state.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("github.com/nats-io/nats.go/jetstream.(*jetStream).resetPendingAcksOnReconnect"))
}

// startQueue starts a real NATS server with JetStream in the test process.
func startQueue(t *testing.T) *Embedded {
	t.Helper()
	e, err := StartEmbedded(t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Shutdown)
	return e
}

// connect opens the queue on a connection of its own, as a separate
// worker or machine would.
func connect(t *testing.T, e *Embedded) *Queue {
	t.Helper()
	nc, err := e.Connect()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	q, err := OpenConn(context.Background(), nc)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func TestLimitStateWait(t *testing.T) {
	now := time.Unix(1000, 0)
	ns := func(d time.Duration) int64 { return now.Add(d).UnixNano() }
	cases := []struct {
		name     string
		st       limitState
		limit    int
		want     time.Duration
		wantKept int
	}{
		{name: "empty log", limit: 3, want: 0},
		{name: "room left", st: limitState{Starts: []int64{ns(-500 * time.Millisecond), ns(-100 * time.Millisecond)}}, limit: 3, want: 0, wantKept: 2},
		{name: "full waits for the oldest to leave the window", st: limitState{Starts: []int64{ns(-800 * time.Millisecond), ns(-300 * time.Millisecond), ns(-100 * time.Millisecond)}},
			limit: 3, want: 200 * time.Millisecond, wantKept: 3},
		{name: "starts older than the window are dropped", st: limitState{Starts: []int64{ns(-3 * time.Second), ns(-time.Second), ns(-100 * time.Millisecond)}},
			limit: 2, want: 0, wantKept: 1},
		{name: "a 429 holds every request", st: limitState{HeldUntil: ns(700 * time.Millisecond)}, limit: 3, want: 700 * time.Millisecond},
		{name: "an expired hold is ignored", st: limitState{HeldUntil: ns(-time.Millisecond)}, limit: 3, want: 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := c.st.wait(now, c.limit, time.Second)
			if got != c.want {
				t.Errorf("wait = %v, want %v", got, c.want)
			}
			if c.want == 0 && len(c.st.Starts) != c.wantKept {
				t.Errorf("kept %d starts, want %d", len(c.st.Starts), c.wantKept)
			}
		})
	}
}

func TestSharedLimiterHoldsAcrossConnections(t *testing.T) {
	e := startQueue(t)
	const (
		limit   = 4
		window  = 250 * time.Millisecond
		workers = 3
		each    = 8
	)
	var mu sync.Mutex
	var granted []time.Time
	var wg sync.WaitGroup
	start := time.Now()
	for w := range workers {
		l := connect(t, e).NewSharedLimiter("https://api.example.test/v1", limit, window)
		l.onGrant = func(at time.Time) {
			mu.Lock()
			granted = append(granted, at)
			mu.Unlock()
		}
		for g := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range each / 2 {
					if err := l.Acquire(context.Background()); err != nil {
						t.Errorf("worker %d goroutine %d: %v", w, g, err)
						return
					}
				}
			}()
		}
	}
	wg.Wait()
	elapsed := time.Since(start)
	if len(granted) != workers*each {
		t.Fatalf("granted %d requests, want %d", len(granted), workers*each)
	}
	if most := mostInWindow(granted, window); most > limit {
		t.Errorf("%d requests started within %v across the workers; the limit is %d", most, window, limit)
	}
	// 24 starts at 4 per window need at least 5 full windows.
	if min := time.Duration(workers*each/limit-1) * window; elapsed < min {
		t.Errorf("took %v; a limit that held needs at least %v", elapsed, min)
	}
}

// mostInWindow is the most times within any span of length w.
func mostInWindow(ts []time.Time, w time.Duration) int {
	most := 0
	for i := range ts {
		n := 0
		for j := range ts {
			if !ts[j].Before(ts[i]) && ts[j].Sub(ts[i]) < w {
				n++
			}
		}
		most = max(most, n)
	}
	return most
}

func TestThrottledHoldsEveryWorker(t *testing.T) {
	e := startQueue(t)
	a := connect(t, e).NewSharedLimiter("openai", 100, time.Minute)
	b := connect(t, e).NewSharedLimiter("openai", 100, time.Minute)
	if err := a.Throttled(context.Background(), 300*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := b.Acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < 250*time.Millisecond {
		t.Errorf("the other worker started after %v; a 429 should hold it about 300ms", waited)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := a.Throttled(context.Background(), time.Hour); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := b.Acquire(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Acquire under a long hold with a cancelled context = %v, want context.Canceled", err)
	}
}

func TestSharedLimitsKeyLikeTheLocalClient(t *testing.T) {
	y := `title: t
agents:
  - name: A
    base_url: http://127.0.0.1:9/v1/
    base_urls: [http://127.0.0.1:9/v1, http://127.0.0.1:10/v1]
    model: m
  - name: B
    provider: openai
    model: gpt-4o-mini
limits:
  http://127.0.0.1:9/v1: {per_minute: 30, concurrent: 2}
  openai: {per_minute: 60}
`
	s, err := configs.Parse("t.yaml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	perMinute, prefixes, local := sharedLimits([]*configs.Scenario{s})
	if perMinute["http://127.0.0.1:9/v1"] != 30 || perMinute["openai"] != 60 {
		t.Errorf("per-minute limits = %v", perMinute)
	}
	want := map[string]string{
		"http://127.0.0.1:9/v1":     "http://127.0.0.1:9/v1",
		"http://127.0.0.1:10/v1":    "http://127.0.0.1:9/v1",
		"https://api.openai.com/v1": "openai",
	}
	for p, name := range want {
		if prefixes[p] != name {
			t.Errorf("requests to %s count against %q, want %q (all: %v)", p, prefixes[p], name, prefixes)
		}
	}
	l := local[0].Limits["http://127.0.0.1:9/v1"]
	if l.PerMinute != 0 || l.Concurrent != 2 {
		t.Errorf("the local client keeps %+v; want the concurrency bound alone", l)
	}
	if s.Limits["openai"].PerMinute != 60 {
		t.Error("sharedLimits changed the scenario it was given")
	}
}

func turnScenario(t *testing.T, url string, messages int, perMinute int) *configs.Scenario {
	t.Helper()
	s, err := configs.Parse("turns.yaml", []byte(queuetest.Scenario(url, "PARLEY_QUEUE_TEST_KEY", messages, perMinute)))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// interruptedRun records a conversation of job that stops after n
// messages, as a worker that died would have left it, and returns the
// JSONL.
func interruptedRun(t *testing.T, job batch.Job, n int) []byte {
	t.Helper()
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	count := 0
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	env := batch.Env{HTTPClient: client, Sinks: func(batch.Job) []orchestrator.Sink {
		return []orchestrator.Sink{orchestrator.SinkFunc(func(e orchestrator.Event) error {
			if _, ok := e.(orchestrator.MessageFinished); ok {
				if count++; count == n {
					cancel()
				}
			}
			return nil
		})}
	}}
	res, _ := batch.RunJob(ctx, job, dir, env)
	if res.State != batch.StateInterrupted || res.Messages != n {
		t.Fatalf("the prepared run ended %s after %d messages; want interrupted after %d", res.State, res.Messages, n)
	}
	data, err := os.ReadFile(res.JSONL)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// takeJob takes the next job from the workers' consumer, as a worker
// does, and returns its message, not yet acknowledged, and the job.
func takeJob(t *testing.T, q *Queue) (jetstream.Msg, Message) {
	t.Helper()
	cons, err := q.consumer(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := cons.Next(jetstream.FetchMaxWait(5 * time.Second))
	if err != nil {
		t.Fatal(err)
	}
	var tm Message
	if err := json.Unmarshal(msg.Data(), &tm); err != nil {
		t.Fatal(err)
	}
	return msg, tm
}

// storePartial stores jsonl as the running transcript that worker
// uploaded for the job tm.
func storePartial(t *testing.T, q *Queue, tm Message, worker string, jsonl []byte) {
	t.Helper()
	up := &uploader{q: q, m: tm, worker: worker, dir: t.TempDir()}
	if err := os.WriteFile(filepath.Join(up.dir, "run.jsonl"), jsonl, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := up.upload(context.Background(), true); err != nil {
		t.Fatal(err)
	}
}

// queueAndScenario starts a queue and a model server, and returns the
// queue, a connection to it, and a scenario of four messages staged
// against the server.
func queueAndScenario(t *testing.T) (*Embedded, *Queue, *configs.Scenario) {
	t.Helper()
	t.Setenv("PARLEY_QUEUE_TEST_KEY", "sk-queue-test-3b9f")
	srv := queuetest.TurnServer(t, time.Millisecond)
	e := startQueue(t)
	return e, connect(t, e), turnScenario(t, srv.URL, 4, 10000)
}

func TestBatchRunsOnTheQueueAndAJobTakenOverResumes(t *testing.T) {
	e, sub, s := queueAndScenario(t)
	ctx := context.Background()
	m, err := batch.Plan("qtest", []*configs.Scenario{s}, 6, 2, nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	got, err := sub.Submit(ctx, m, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if got.Published != 6 {
		t.Fatalf("published %d jobs, want 6", got.Published)
	}

	// A worker takes a job, records two messages, uploads them, and dies
	// without an ack.
	dead := connect(t, e)
	_, tm := takeJob(t, dead)
	partial := interruptedRun(t, tm.Job, 2)
	// Cut the stop line: a killed worker never writes one.
	partial = []byte(strings.Join(strings.SplitAfter(string(partial), "\n")[:countLines(partial)-1], ""))
	storePartial(t, dead, tm, "dead", partial)

	// The job the dead worker holds has started: it is not counted as
	// not started, and its stored messages are counted as recorded.
	early, err := sub.Summarize(ctx, m, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	if early.Unfinished != 1 || early.NotStarted != 5 {
		t.Errorf("with one job held: %d handed to workers, %d not started; want 1 and 5", early.Unfinished, early.NotStarted)
	}
	progress, err := sub.Progress(ctx, m, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer progress.Stop()
	if snap := progress.Snapshot(ctx); snap.Messages != 2 || snap.MessagesBefore != 2 || snap.Done+snap.Skipped != 0 {
		t.Errorf("progress before the workers start: %d messages, %d before, %d done; want 2, 2 (the held job's) and 0",
			snap.Messages, snap.MessagesBefore, snap.Done+snap.Skipped)
	}

	wctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var logMu sync.Mutex
	var logs []string
	for i := range 2 {
		w := &Worker{Queue: connect(t, e), Name: fmt.Sprintf("w%d", i+1), Parallel: 2, UploadEvery: 10 * time.Millisecond,
			Log: func(s string) { logMu.Lock(); logs = append(logs, s); logMu.Unlock() }}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := w.Run(wctx); err != nil {
				t.Error(err)
			}
		}()
	}
	fctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	seen := map[string]int{}
	records, err := sub.Follow(fctx, m, func(r Record) { seen[r.ID]++; progress.Record(r) })
	stop()
	wg.Wait()
	if err != nil {
		t.Fatalf("following: %v (logs:\n%s)", err, strings.Join(logs, "\n"))
	}
	if len(records) != 6 || len(seen) != 6 {
		t.Fatalf("%d records for %d jobs, want 6 of 6", len(records), len(seen))
	}

	total := 0
	for _, r := range records {
		total += r.Messages
	}
	if snap := progress.Snapshot(ctx); snap.Messages != total || snap.Done != 6 || snap.MessagesBefore != 2 {
		t.Errorf("progress at the end: %d messages, %d done, %d before; want %d (every result's), 6 and 2", snap.Messages, snap.Done, snap.MessagesBefore, total)
	}

	out := t.TempDir()
	col, err := sub.Collect(ctx, m.ID, out)
	if err != nil {
		t.Fatal(err)
	}
	if col.Summary.Done != 6 || col.Summary.Planned != 6 || col.Summary.Failed != 0 || col.Summary.Unfinished != 0 || col.Summary.NotStarted != 0 {
		t.Errorf("summary: %d done, %d failed, %d unfinished, %d not started of %d planned; want 6 done of 6",
			col.Summary.Done, col.Summary.Failed, col.Summary.Unfinished, col.Summary.NotStarted, col.Summary.Planned)
	}
	// The conversations ran on two workers of two slots each: the summary
	// says how many it saw at once (the job taken over counted from its
	// resume, not from the dead worker's start), and names no -j.
	if got := col.Summary.MostAtOnce; col.Summary.Parallel != 0 || got < 1 || got > 4 {
		t.Errorf("summary: parallel %d, most at once %d; want 0 and 1 to 4", col.Summary.Parallel, got)
	}
	for _, r := range col.Results {
		if r.LastStart.IsZero() || r.LastStart.Before(r.Started) {
			t.Errorf("%s: started %v, last start %v; want a last start, not before the first", r.ID, r.Started, r.LastStart)
		}
	}
	for _, r := range col.Results {
		tr, err := transcripts.Read(r.JSONL)
		if err != nil {
			t.Fatal(err)
		}
		queuetest.CheckTurns(t, r.ID, tr, 4)
		if _, err := os.Stat(r.Markdown); err != nil {
			t.Errorf("%s: no Markdown transcript: %v", r.ID, err)
		}
		if r.ID != tm.Job.ID {
			continue
		}
		if r.Resumes != 1 {
			t.Errorf("the job taken over resumed %d times, want 1", r.Resumes)
		}
		before, _ := transcripts.ParseJSONL(partial)
		for i, pm := range before.Messages {
			if tr.Messages[i].Content != pm.Content || !tr.Messages[i].Ended.Equal(pm.Ended) {
				t.Errorf("message %d of the resumed run differs from the one stored before the worker died", i+1)
			}
		}
	}
	for _, rec := range records {
		if rec.ID == tm.Job.ID && rec.Deliveries < 2 {
			t.Errorf("the job taken over was delivered %d times; want a redelivery", rec.Deliveries)
		}
	}
	if _, err := sub.transcripts.GetInfo(ctx, partialObject(m.ID, tm.Job.ID)); !errors.Is(err, jetstream.ErrObjectNotFound) {
		t.Errorf("the running transcript is still stored after the job finished: %v", err)
	}

	// Collecting again leaves the files alone, but keeps one continued
	// here (by parley resume, say) beside the queue's copy, not over it.
	if col.Kept != nil {
		t.Errorf("the first collect kept %q; there was nothing there", col.Kept)
	}
	mine := col.Results[0].JSONL
	queued, _ := os.ReadFile(mine)
	extended := append(slices.Clone(queued), []byte("{\"type\":\"note\"}\n")...)
	os.WriteFile(mine, extended, 0o600)
	col2, err := sub.Collect(ctx, m.ID, out)
	if err != nil {
		t.Fatal(err)
	}
	kept, _ := os.ReadFile(mine + ".local")
	now, _ := os.ReadFile(mine)
	if len(col2.Kept) != 1 || !strings.Contains(col2.Kept[0], mine+".local") || string(kept) != string(extended) || string(now) != string(queued) {
		t.Errorf("collecting again over a continued file: kept %q, %s.local holds %d bytes (want %d), %s holds %d (want the queue's %d)",
			col2.Kept, mine, len(kept), len(extended), mine, len(now), len(queued))
	}

	again, err := sub.Submit(ctx, m, 0)
	if err != nil {
		t.Fatal(err)
	}
	if again.Published != 0 || again.Finished != 6 {
		t.Errorf("submitting the finished batch again published %d and found %d finished; want 0 and 6", again.Published, again.Finished)
	}
	other := *m
	other.Scenarios = []batch.ScenarioSource{{Path: "x.yaml", Source: "title: other"}}
	if _, err := sub.Submit(ctx, &other, 0); err == nil || !strings.Contains(err.Error(), "different batch named qtest") {
		t.Errorf("a different batch under a taken id: %v", err)
	}
	// The same scenario, planned apart in the same second (another
	// command, other --vary values): a different batch too.
	twin := *m
	twin.Created = m.Created.Add(time.Millisecond)
	if _, err := sub.Submit(ctx, &twin, 0); err == nil || !strings.Contains(err.Error(), "different batch named qtest") {
		t.Errorf("a batch planned apart under the same id: %v", err)
	}
	varied := *m
	varied.Jobs = slices.Clone(m.Jobs)
	varied.Jobs[0].Vary = map[string]string{"agents[0].pace": "0"}
	if _, err := sub.Submit(ctx, &varied, 0); err == nil || !strings.Contains(err.Error(), "different batch named qtest") {
		t.Errorf("a batch with other --vary values under the same id: %v", err)
	}
	for _, l := range logs {
		if strings.Contains(l, "sk-queue-test") {
			t.Errorf("a log line holds the API key: %s", l)
		}
	}
}

func countLines(b []byte) int { return strings.Count(string(b), "\n") }

// fakeMsg is a job message whose acks are counted.
type fakeMsg struct {
	jetstream.Msg
	mu         sync.Mutex
	acks, naks int
}

func (m *fakeMsg) DoubleAck(context.Context) error { m.mu.Lock(); m.acks++; m.mu.Unlock(); return nil }
func (m *fakeMsg) Ack() error                      { m.mu.Lock(); m.acks++; m.mu.Unlock(); return nil }
func (m *fakeMsg) Nak() error                      { m.mu.Lock(); m.naks++; m.mu.Unlock(); return nil }
func (m *fakeMsg) NakWithDelay(time.Duration) error {
	m.mu.Lock()
	m.naks++
	m.mu.Unlock()
	return nil
}

func TestOnlyTheFirstResultOfAJobIsKept(t *testing.T) {
	e := startQueue(t)
	ctx := context.Background()
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	first := Record{Batch: "b1", Deliveries: 1, Result: batch.Result{ID: "b1-0001", State: batch.StateDone, Messages: 4,
		JSONL: write("a.jsonl", "first jsonl"), Markdown: write("a.md", "first md")}}
	second := Record{Batch: "b1", Deliveries: 2, Result: batch.Result{ID: "b1-0001", State: batch.StateDone, Messages: 4,
		JSONL: write("b.jsonl", "second jsonl"), Markdown: write("b.md", "second md")}}
	w1 := &Worker{Queue: connect(t, e), Name: "w1"}
	w2 := &Worker{Queue: connect(t, e), Name: "w2"}
	m1, m2 := &fakeMsg{}, &fakeMsg{}
	if err := w1.store(ctx, m1, resultKey("b1", "b1-0001"), first, &uploader{}); err != nil {
		t.Fatal(err)
	}
	if err := w2.store(ctx, m2, resultKey("b1", "b1-0001"), second, &uploader{}); err != nil {
		t.Fatal(err)
	}
	if m1.acks != 1 || m2.acks != 1 || m1.naks+m2.naks != 0 {
		t.Errorf("acks %d and %d, naks %d and %d; want each job message acked once", m1.acks, m2.acks, m1.naks, m2.naks)
	}
	q := connect(t, e)
	got, err := q.results.Get(ctx, resultKey("b1", "b1-0001"))
	if err != nil {
		t.Fatal(err)
	}
	var rec Record
	if err := json.Unmarshal(got.Value(), &rec); err != nil {
		t.Fatal(err)
	}
	if rec.Worker != "w1" {
		t.Errorf("kept the record of %s, want the first (w1)", rec.Worker)
	}
	if data, err := q.transcripts.GetString(ctx, rec.JSONL); err != nil || data != "first jsonl" {
		t.Errorf("the kept record's JSONL = %q, %v", data, err)
	}
	for _, f := range []string{"b.jsonl", "b.md"} {
		name := runObject("b1", "b1-0001", "w2-2", f)
		if _, err := q.transcripts.GetInfo(ctx, name); !errors.Is(err, jetstream.ErrObjectNotFound) {
			t.Errorf("the losing copy %s is still stored (%v)", name, err)
		}
	}
}

// A connection that loses its queue says so, and says so again when the
// queue is back: a sentence each, not the client library's lines.
func TestLosingTheQueueIsSaid(t *testing.T) {
	dir := t.TempDir()
	srv, err := StartEmbedded(dir, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := srv.URL()
	var mu sync.Mutex
	var said []string
	say := func(s string) { mu.Lock(); said = append(said, s); mu.Unlock() }
	nc, _, err := Dial(context.Background(), url, "test", say)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	wait := func(what string) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			mu.Lock()
			got := strings.Join(said, "\n")
			mu.Unlock()
			if strings.Contains(got, what) {
				return
			}
		}
		t.Fatalf("never said %q; said %q", what, said)
	}
	srv.Shutdown()
	wait("lost the queue at " + url)
	again, err := StartEmbedded(dir, strings.TrimPrefix(url, "nats://"))
	if err != nil {
		t.Fatal(err)
	}
	defer again.Shutdown()
	wait("reconnected to the queue at " + url)
}

// A batch submitted without its own wait leaves the one the workers have,
// set by an earlier batch, as it is.
func TestASubmissionKeepsTheWorkersAckWait(t *testing.T) {
	q := connect(t, startQueue(t))
	ctx := context.Background()
	if _, err := q.consumer(ctx, 6*time.Second); err != nil {
		t.Fatal(err)
	}
	c, err := q.consumer(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	info, err := c.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Config.AckWait != 6*time.Second {
		t.Errorf("the workers' wait is %s after a submission that set none; want the 6s set before", info.Config.AckWait)
	}
}

// A batch the queue does not hold is named with the batches it does hold,
// and a near miss is suggested; the object store's error stays beneath.
func TestAnUnknownBatchNamesTheBatchesHeld(t *testing.T) {
	e := startQueue(t)
	ctx := context.Background()
	q := connect(t, e)
	_, err := q.Manifest(ctx, "b-20261130-1")
	if err == nil || err.Error() != `the queue holds no batch "b-20261130-1"; it holds no batch at all` {
		t.Fatalf("empty queue: err = %v", err)
	}
	if !errors.Is(err, jetstream.ErrObjectNotFound) {
		t.Errorf("empty queue: err = %v; want the object store's error beneath it", err)
	}
	for i, id := range []string{"b-20261129-7", "b-20261130-2"} {
		m := &batch.Manifest{Version: 1, ID: id, Created: time.Date(2026, 11, 29+i, 12, 0, 0, 0, time.UTC)}
		data, _ := json.Marshal(m)
		if _, err := q.transcripts.PutBytes(ctx, manifestObject(id), data); err != nil {
			t.Fatal(err)
		}
	}
	_, err = q.Manifest(ctx, "b-20261130-1")
	want := `the queue holds no batch "b-20261130-1"; it holds 2, the newest first: b-20261130-2, b-20261129-7; did you mean "b-20261130-2"?`
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
	if m, err := q.Manifest(ctx, "b-20261129-7"); err != nil || m.ID != "b-20261129-7" {
		t.Errorf("a batch the queue holds: %v, %v", m, err)
	}
}

// Following a batch stops with ctx's error when ctx ends, although the
// watch of the results, which ends with ctx too, may be seen closing
// first: an interrupted batch command must say it was interrupted.
func TestFollowEndsWithTheContextsError(t *testing.T) {
	e := startQueue(t)
	q := connect(t, e)
	m := &batch.Manifest{ID: "follow", Created: time.Now(), Scenarios: []batch.ScenarioSource{{Path: "x.yaml", Source: "title: x"}}, Jobs: []batch.PlannedJob{{ID: "follow-0001"}, {ID: "follow-0002"}}}
	data, _ := json.Marshal(Record{Batch: m.ID, Result: batch.Result{ID: "follow-0001", State: batch.StateDone}})
	if _, err := q.results.Create(context.Background(), resultKey(m.ID, "follow-0001"), data); err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		ctx, cancel := context.WithCancel(context.Background())
		// Interrupted while it handles a result: by the time it looks
		// again, both ctx and the closed watch are there to be seen.
		_, err := q.Follow(ctx, m, func(Record) { cancel(); time.Sleep(20 * time.Millisecond) })
		cancel()
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("attempt %d: Follow returned %v; want context.Canceled", i+1, err)
		}
	}
}

// An embedded queue's server forgets, when it stops, that its workers
// handed their running jobs back: started again (batch --resume), it
// would hold them until AckWait. Reclaim hands them out at once, and
// keeps the consumer's AckWait.
func TestReclaimHandsBackTheJobsARestartForgot(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	e, err := StartEmbedded(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	q := connect(t, e)
	m := &batch.Manifest{ID: "reclaim", Created: time.Now(), Scenarios: []batch.ScenarioSource{{Path: "x.yaml", Source: "title: x"}},
		Jobs: []batch.PlannedJob{{ID: "reclaim-0001"}}}
	if _, err := q.Submit(ctx, m, time.Minute); err != nil {
		t.Fatal(err)
	}
	msg, _ := takeJob(t, q)
	if err := msg.Nak(); err != nil {
		t.Fatal(err)
	}
	if err := q.js.Conn().Flush(); err != nil {
		t.Fatal(err)
	}
	e.Shutdown()

	restart := func() *Queue {
		e, err := StartEmbedded(dir, "")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(e.Shutdown)
		return connect(t, e)
	}
	next := func(q *Queue) error {
		cons, err := q.consumer(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		msg, err := cons.Next(jetstream.FetchMaxWait(time.Second))
		if err == nil {
			msg.Nak()
			q.js.Conn().Flush()
		}
		return err
	}
	q2 := restart()
	if err := next(q2); err == nil {
		t.Log("the restarted server handed the job out at once: Reclaim is not needed here")
	}
	if err := q2.Reclaim(ctx); err != nil {
		t.Fatal(err)
	}
	if err := next(q2); err != nil {
		t.Fatalf("after Reclaim the job was not handed out: %v", err)
	}
	c, err := q2.consumer(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if info, err := c.Info(ctx); err != nil || info.Config.AckWait != time.Minute {
		t.Errorf("after Reclaim the consumer waits %v for an ack (%v); want the minute it had", info.Config.AckWait, err)
	}
}

// Two batches share the queue. While a worker holds every job of the
// first, the second's progress counts no more running than the second
// has jobs without a result: the queue's count is of every batch on it.
func TestProgressCountsNoMoreRunningThanTheBatchHasLeft(t *testing.T) {
	e, sub, s := queueAndScenario(t)
	ctx := context.Background()
	first, err := batch.Plan("first", []*configs.Scenario{s}, 4, 2, nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	second, err := batch.Plan("second", []*configs.Scenario{s}, 2, 2, nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []*batch.Manifest{first, second} {
		if _, err := sub.Submit(ctx, m, time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	// A worker takes the first batch's four jobs and holds them.
	holder := connect(t, e)
	for range 4 {
		if _, tm := takeJob(t, holder); tm.Batch != first.ID {
			t.Fatalf("the worker took a job of batch %s; want the first batch's jobs first", tm.Batch)
		}
	}
	if n := sub.Running(ctx); n != 4 {
		t.Fatalf("the queue counts %d jobs held; want 4", n)
	}
	progress, err := sub.Progress(ctx, second, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer progress.Stop()
	if snap := progress.Snapshot(ctx); snap.Running > 2 {
		t.Errorf("the second batch's progress says %d running; it has 2 jobs", snap.Running)
	}
	progress1, err := sub.Progress(ctx, first, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer progress1.Stop()
	if snap := progress1.Snapshot(ctx); snap.Running != 4 {
		t.Errorf("the first batch's progress says %d running; want its 4 held jobs", snap.Running)
	}
}

// A job a worker began and handed back is counted as begun, not as not
// started, after Reclaim set the workers' consumer up again (which then
// has delivered nothing) and before any worker takes it again.
func TestAJobHandedBackIsNotCountedNotStartedAfterReclaim(t *testing.T) {
	_, q, s := queueAndScenario(t)
	ctx := context.Background()
	m, err := batch.Plan("handed", []*configs.Scenario{s}, 3, 1, nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := q.Submit(ctx, m, time.Minute); err != nil {
		t.Fatal(err)
	}
	// A worker takes the first job, records two messages, uploads them
	// and hands the job back, as Ctrl-C makes it.
	taken, tm := takeJob(t, q)
	storePartial(t, q, tm, "w1", interruptedRun(t, tm.Job, 2))
	if err := taken.Nak(); err != nil {
		t.Fatal(err)
	}
	count := func(when string) {
		t.Helper()
		sum, err := q.Summarize(ctx, m, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Unfinished != 1 || sum.NotStarted != 2 {
			t.Errorf("%s: %d begun and not finished, %d not started; want 1 and 2", when, sum.Unfinished, sum.NotStarted)
		}
	}
	count("handed back")
	if err := q.Reclaim(ctx); err != nil {
		t.Fatal(err)
	}
	count("after Reclaim")
}

// A result a quick worker stores between the batch's submission and the
// start of its progress is this session's: said, counted in the rate and
// not taken for an earlier session's. A result stored before the
// submission is an earlier session's.
func TestAResultStoredRightAfterSubmittingIsThisSessions(t *testing.T) {
	e, sub, s := queueAndScenario(t)
	ctx := context.Background()
	m, err := batch.Plan("quick", []*configs.Scenario{s}, 2, 2, nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	first, err := sub.Submit(ctx, m, 0)
	if err != nil {
		t.Fatal(err)
	}
	job := m.Jobs[0].ID
	rec := Record{Batch: m.ID, Deliveries: 1, Result: batch.Result{ID: job, State: batch.StateDone, Messages: 4}}
	w := &Worker{Queue: connect(t, e), Name: "quick"}
	if err := w.store(ctx, &fakeMsg{}, resultKey(m.ID, job), rec, &uploader{}); err != nil {
		t.Fatal(err)
	}
	progress, err := sub.Progress(ctx, m, first.Before)
	if err != nil {
		t.Fatal(err)
	}
	if progress.Before(job) {
		t.Errorf("a result stored after the submission is taken for an earlier session's")
	}
	progress.Record(rec)
	if snap := progress.Snapshot(ctx); snap.Skipped != 0 || snap.Done != 1 {
		t.Errorf("this session: %d finished before, %d done; want 0 and 1", snap.Skipped, snap.Done)
	}
	progress.Stop()

	again, err := sub.Submit(ctx, m, 0)
	if err != nil {
		t.Fatal(err)
	}
	later, err := sub.Progress(ctx, m, again.Before)
	if err != nil {
		t.Fatal(err)
	}
	defer later.Stop()
	if !later.Before(job) {
		t.Errorf("a result stored before the batch was submitted again is not taken for an earlier session's")
	}
	if snap := later.Snapshot(ctx); snap.Skipped != 1 || snap.Done != 0 {
		t.Errorf("the next session: %d finished before, %d done; want 1 and 0", snap.Skipped, snap.Done)
	}
}

// A job continued by a worker that cannot run it (its agents' key is not
// in that worker's environment, or the job was handed out too often)
// fails before it adds a message: its result keeps the transcript stored
// so far, stopped by the failure, with the messages it holds, and the
// batch's folder gets it; a job that never began fails with nothing.
func TestAJobThatFailsBeforeItsFirstNewMessageKeepsItsTranscript(t *testing.T) {
	for _, tc := range []struct {
		name          string
		maxDeliveries int
		reason        string
	}{
		{"no key", 0, "PARLEY_QUEUE_TEST_KEY"},
		{"handed out too often", 1, "handed to workers 1 times"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, sub, s := queueAndScenario(t)
			ctx := context.Background()
			m, err := batch.Plan("keep", []*configs.Scenario{s}, 2, 1, nil, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := sub.Submit(ctx, m, time.Minute); err != nil {
				t.Fatal(err)
			}
			// A worker records three messages of the first job and hands
			// it back, as Ctrl-C makes it.
			taken, tm := takeJob(t, sub)
			partial := interruptedRun(t, tm.Job, 3)
			storePartial(t, sub, tm, "w1", partial)
			if err := taken.Nak(); err != nil {
				t.Fatal(err)
			}

			w := &Worker{Queue: connect(t, e), Name: "nokey", MaxDeliveries: tc.maxDeliveries,
				Getenv: func(string) string { return "" }}
			wctx, stop := context.WithCancel(ctx)
			var wg sync.WaitGroup
			wg.Add(1)
			go func() { defer wg.Done(); w.Run(wctx) }()
			fctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			_, err = sub.Follow(fctx, m, nil)
			stop()
			wg.Wait()
			if err != nil {
				t.Fatal(err)
			}

			out := t.TempDir()
			col, err := sub.Collect(ctx, m.ID, out)
			if err != nil {
				t.Fatal(err)
			}
			if col.Summary.Failed != 2 || len(col.Summary.Tokens) == 0 {
				t.Errorf("summary: %d failed, tokens %+v; want both failed, the recorded messages' tokens counted", col.Summary.Failed, col.Summary.Tokens)
			}
			for _, r := range col.Results {
				if r.ID != tm.Job.ID {
					if r.State != batch.StateFailed || r.Messages != 0 || r.JSONL != "" {
						t.Errorf("the job never begun: %s after %d messages, transcript %q; want failed with none", r.State, r.Messages, r.JSONL)
					}
					continue
				}
				if r.State != batch.StateFailed || r.Messages != 3 || !strings.Contains(r.Error, tc.reason) {
					t.Errorf("the job continued: %s after %d messages (%q); want failed after the 3 recorded, on %q", r.State, r.Messages, r.Error, tc.reason)
				}
				if !strings.HasPrefix(r.JSONL, filepath.Join(out, batch.RunsDir, r.ID)) {
					t.Fatalf("the job continued has its JSONL at %q; want it in the batch folder", r.JSONL)
				}
				tr, err := transcripts.Read(r.JSONL)
				if err != nil {
					t.Fatal(err)
				}
				queuetest.CheckTurns(t, r.ID, tr, 3)
				if tr.Run.Stop == nil || tr.Run.Stop.Kind != transcripts.StopError || !strings.Contains(tr.Run.Stop.Reason, tc.reason) {
					t.Errorf("the transcript's stop is %+v; want the failure", tr.Run.Stop)
				}
				if md, err := transcripts.Read(r.Markdown); err != nil || len(md.Messages) != 3 {
					t.Errorf("the Markdown: %v, %d messages; want the 3 recorded", err, len(md.Messages))
				}
			}
			if unkept, err := sub.Unkept(ctx, m, col.Results); err != nil || len(unkept) != 0 {
				t.Errorf("the queue holds transcripts the batch folder lacks: %v, %v", unkept, err)
			}
		})
	}
}

// A running transcript stored for a job whose result names none is what
// the queue holds and the batch folder does not: the worker leaves it, and
// Unkept names its job.
func TestARunningTranscriptWithoutItsResultIsLeftOnTheQueue(t *testing.T) {
	e, sub, s := queueAndScenario(t)
	ctx := context.Background()
	m, err := batch.Plan("unkept", []*configs.Scenario{s}, 1, 1, nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sub.Submit(ctx, m, time.Minute); err != nil {
		t.Fatal(err)
	}
	_, tm := takeJob(t, sub)
	storePartial(t, sub, tm, "w1", interruptedRun(t, tm.Job, 2))
	rec := Record{Batch: m.ID, Deliveries: 1, Result: batch.Result{ID: tm.Job.ID, State: batch.StateFailed, Error: "it could not be read"}}
	w := &Worker{Queue: connect(t, e), Name: "w2"}
	if err := w.store(ctx, &fakeMsg{}, resultKey(m.ID, tm.Job.ID), rec, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := sub.transcripts.GetInfo(ctx, partialObject(m.ID, tm.Job.ID)); err != nil {
		t.Errorf("the running transcript of a job whose result holds none was removed: %v", err)
	}
	if unkept, err := sub.Unkept(ctx, m, []batch.Result{rec.Result}); err != nil || !slices.Equal(unkept, []string{tm.Job.ID}) {
		t.Errorf("Unkept = %v, %v; want %s", unkept, err, tm.Job.ID)
	}
}

// A conversation handed back to the queue unfinished counts in the
// summary's tokens, cost, retries and model time with the messages its
// worker stored, as a local batch counts an interrupted one's, while its
// state counts only as handed to workers.
func TestTheSummaryCountsWhatUnfinishedConversationsSpent(t *testing.T) {
	_, q, s := queueAndScenario(t)
	ctx := context.Background()
	m, err := batch.Plan("spent", []*configs.Scenario{s}, 2, 1, nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := q.Submit(ctx, m, time.Minute); err != nil {
		t.Fatal(err)
	}
	taken, tm := takeJob(t, q)
	partial := interruptedRun(t, tm.Job, 3)
	storePartial(t, q, tm, "w1", partial)
	if err := taken.Nak(); err != nil {
		t.Fatal(err)
	}
	tr, err := transcripts.ParseJSONL(partial)
	if err != nil {
		t.Fatal(err)
	}
	want := batch.ResultFromTranscript(tr, nil)
	var cost pricing.Total
	for _, c := range want.Cost {
		cost.Merge(c.Cost)
	}
	sum, err := q.Summarize(ctx, m, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(want.Tokens) == 0 || want.ModelTime == 0 {
		t.Fatalf("the prepared run recorded tokens %+v and model time %v; want some of each", want.Tokens, want.ModelTime)
	}
	if !reflect.DeepEqual(sum.Tokens, want.Tokens) || sum.ModelTime != want.ModelTime || sum.Retries != want.Retries || !reflect.DeepEqual(sum.Cost, cost) {
		t.Errorf("summary: tokens %+v, model time %v, retries %d, cost %+v; want the stored messages' %+v, %v, %d, %+v",
			sum.Tokens, sum.ModelTime, sum.Retries, sum.Cost, want.Tokens, want.ModelTime, want.Retries, cost)
	}
	if sum.Done+sum.Failed+sum.Interrupted != 0 || sum.Unfinished != 1 || sum.NotStarted != 1 || sum.Length.N != 0 {
		t.Errorf("summary: %d done, %d failed, %d interrupted, %d handed to workers, %d not started, %d lengths; want 1 handed to workers and 1 not started alone",
			sum.Done, sum.Failed, sum.Interrupted, sum.Unfinished, sum.NotStarted, sum.Length.N)
	}
}

// A 429 holds every worker for the wait it names, Retry-After: 0 and
// retry-after-ms included, and one that names none for the wait the agent
// that got it announces, from its backoff:, where each held them a second.
func TestThrottledHoldsEveryWorkerForTheWaitTheRetryWaits(t *testing.T) {
	e := startQueue(t)
	tests := []struct {
		name      string
		header    map[string]string
		agent     bool // an agent, with backoff: 40ms, sends the request
		min, most time.Duration
	}{
		{"Retry-After: 0", map[string]string{"Retry-After": "0"}, false, 0, 300 * time.Millisecond},
		{"retry-after-ms", map[string]string{"Retry-After-Ms": "400"}, false, 350 * time.Millisecond, 800 * time.Millisecond},
		{"an agent's backoff", nil, true, 0, 300 * time.Millisecond},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(http.StatusTooManyRequests)
			}))
			t.Cleanup(srv.Close)
			name := fmt.Sprintf("p%d", i)
			a := connect(t, e).NewSharedLimiter(name, 100, time.Minute)
			b := connect(t, e).NewSharedLimiter(name, 100, time.Minute)
			tr := &sharedTransport{base: http.DefaultTransport, routes: []sharedRoute{{prefix: srv.URL, lim: a}}}
			c := &http.Client{Transport: tr}
			if tt.agent {
				ag := agents.NewOpenAI(agents.OpenAIConfig{Name: "A", Model: "m", BaseURL: srv.URL + "/v1",
					Retries: new(1), Backoff: 40 * time.Millisecond, HTTPClient: c})
				for _, err := range ag.Reply(context.Background(), []agents.Message{{Role: agents.RoleUser, Content: "Hi."}}) {
					if err == nil {
						t.Fatal("the agent's request was answered")
					}
				}
			} else {
				resp, err := c.Get(srv.URL + "/v1/chat/completions")
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
			}
			start := time.Now()
			if err := b.Acquire(context.Background()); err != nil {
				t.Fatal(err)
			}
			if waited := time.Since(start); waited < tt.min || waited > tt.most {
				t.Errorf("the other worker started after %s; want between %s and %s", waited, tt.min, tt.most)
			}
		})
	}
}
