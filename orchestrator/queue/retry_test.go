package queue

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleyhq/parley/agents/openaitest"
	"github.com/parleyhq/parley/configs"
	"github.com/parleyhq/parley/orchestrator/batch"
	"github.com/parleyhq/parley/orchestrator/queue/queuetest"
	"github.com/parleyhq/parley/transcripts"
)

// outage is a turn server that, while down, fails every request of the
// conversations run with seed 2 once they hold three messages, as a
// provider that went down mid-batch would.
type outage struct {
	*openaitest.Server
	down atomic.Bool
}

func startOutage(t *testing.T) *outage {
	o := &outage{}
	o.down.Store(true)
	o.Server = openaitest.Start(t, func(r openaitest.Request) openaitest.Reply {
		if o.down.Load() && seedOf(r) == 2 && len(r.Body.Messages) >= 3 {
			return openaitest.Error(http.StatusBadRequest, "The provider is down.")
		}
		return queuetest.Turn(r, time.Millisecond)
	})
	return o
}

func seedOf(r openaitest.Request) int {
	if r.Body.Seed == nil {
		return 0
	}
	return *r.Body.Seed
}

// runBatch runs a worker on e until every job of m has a result, and
// collects the batch into out.
func runBatch(t *testing.T, e *Embedded, sub *Queue, m *batch.Manifest, out string) *Collected {
	t.Helper()
	ctx := context.Background()
	w := &Worker{Queue: connect(t, e), Name: "w1", Parallel: 3}
	wctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); w.Run(wctx) }()
	fctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	_, err := sub.Follow(fctx, m, nil)
	stop()
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	col, err := sub.Collect(ctx, m.ID, out)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range col.Kept {
		t.Errorf("collecting kept a file aside: %s", k)
	}
	return col
}

// fileState is a file's bytes and modification time.
type fileState struct {
	data []byte
	mod  time.Time
}

func stateOf(t *testing.T, path string) fileState {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fileState{data, st.ModTime()}
}

// A conversation a provider's outage failed mid-batch is withdrawn by
// Reopen and published again by Submit as a retry: a worker continues it
// from its last completed message, its earlier lines kept byte for byte,
// and the batch folder gets the continued transcript in place of the
// failed one, nothing kept aside. The conversations that ended well are
// neither run again nor downloaded again. Submitted again, as after a
// coordinator that died once it had published it, the retry is not
// published twice.
func TestAFailedConversationIsContinuedByTheQueuesWorkers(t *testing.T) {
	t.Setenv("PARLEY_QUEUE_TEST_KEY", "sk-queue-test-3b9f")
	srv := startOutage(t)
	e := startQueue(t)
	sub := connect(t, e)
	ctx := context.Background()
	seed, err := batch.ParseVary("seed=1,2,3")
	if err != nil {
		t.Fatal(err)
	}
	m, err := batch.Plan("retry", []*configs.Scenario{turnScenario(t, srv.URL, 6, 100000)}, 1, 1, []batch.Vary{seed}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sub.Submit(ctx, m, time.Minute); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	col := runBatch(t, e, sub, m, out)
	if col.Summary.Done != 2 || col.Summary.Failed != 1 {
		t.Fatalf("first run: %d done, %d failed; want 2 and 1", col.Summary.Done, col.Summary.Failed)
	}
	before := map[string]fileState{}
	var failed batch.Result
	for _, r := range col.Results {
		if r.State == batch.StateFailed {
			failed = r
		}
		before[r.JSONL], before[r.Markdown] = stateOf(t, r.JSONL), stateOf(t, r.Markdown)
	}
	if failed.Messages < 3 || failed.JSONL == "" {
		t.Fatalf("the failed conversation recorded %d messages in %q; want its first three", failed.Messages, failed.JSONL)
	}

	// What the queue holds of the failure, as a batch folder that records
	// it as failed asks, at each step of its retry.
	failures := map[string]bool{failed.ID: true}
	retrying := func(when string, want int) {
		t.Helper()
		if n, err := sub.Retrying(ctx, m, failures); err != nil || n != want {
			t.Errorf("Retrying %s = %d, %v; want %d", when, n, err, want)
		}
	}
	retrying("before the retry", 0)

	srv.down.Store(false)
	sent := len(srv.Requests())
	n, err := sub.Reopen(ctx, m)
	if err != nil || n != 1 {
		t.Fatalf("Reopen = %d, %v; want the one failure withdrawn", n, err)
	}
	retrying("once its failure is withdrawn", 1)
	got, err := sub.Submit(ctx, m, time.Minute)
	if err != nil || got.Published != 1 || got.Retried != 1 || got.Finished != 2 || got.Before[failed.ID] {
		t.Fatalf("Submit after Reopen = %+v, %v; want the failed one published as a retry, the 2 done kept", got, err)
	}
	retrying("with its retry queued", 1)
	if again, err := sub.Submit(ctx, m, time.Minute); err != nil || again.Published != 0 || again.Queued != 1 {
		t.Fatalf("Submit again = %+v, %v; want the retry left queued, not published twice", again, err)
	}
	col = runBatch(t, e, sub, m, out)
	if col.Summary.Done != 3 || col.Summary.Failed != 0 {
		t.Errorf("after the retry: %d done, %d failed; want 3 and 0", col.Summary.Done, col.Summary.Failed)
	}
	retrying("once its retry ended well", 1) // a folder that records the failure lacks it
	for _, r := range srv.Requests()[sent:] {
		if seedOf(r) != 2 {
			t.Errorf("the retry sent a request of the conversation run with seed %d, which had ended well", seedOf(r))
		}
	}
	for _, r := range col.Results {
		if r.ID != failed.ID {
			for _, f := range []string{r.JSONL, r.Markdown} {
				if now := stateOf(t, f); !bytes.Equal(now.data, before[f].data) || !now.mod.Equal(before[f].mod) {
					t.Errorf("%s, of a conversation that ended well, was written again", f)
				}
			}
			continue
		}
		now, err := os.ReadFile(r.JSONL)
		if err != nil {
			t.Fatal(err)
		}
		if r.JSONL != failed.JSONL || !bytes.HasPrefix(now, before[failed.JSONL].data) {
			t.Errorf("the continued transcript %s does not start with the failed one's %d bytes", r.JSONL, len(before[failed.JSONL].data))
		}
		tr, err := transcripts.Read(r.JSONL)
		if err != nil {
			t.Fatal(err)
		}
		queuetest.CheckTurns(t, r.ID, tr, 6)
		if tr.Run.Resumes != 1 || tr.Run.Stop == nil || tr.Run.Stop.Kind != transcripts.StopPolicy {
			t.Errorf("the retried conversation resumed %d times and stopped %+v; want once, to the policy's stop", tr.Run.Resumes, tr.Run.Stop)
		}
		if md, err := transcripts.Read(r.Markdown); err != nil || len(md.Messages) != 6 {
			t.Errorf("the retried conversation's Markdown: %v, %d messages; want all 6", err, len(md.Messages))
		}
	}
	if aside, _ := filepath.Glob(filepath.Join(out, batch.RunsDir, "*", "*.local*")); len(aside) > 0 {
		t.Errorf("files kept aside: %v", aside)
	}
}

// A conversation that failed before it recorded anything (its agents'
// key not set on the worker) has no transcript to continue: retried, it
// runs afresh.
func TestAFailureWithNothingRecordedIsRetriedAfresh(t *testing.T) {
	e, sub, s := queueAndScenario(t)
	ctx := context.Background()
	m, err := batch.Plan("afresh", []*configs.Scenario{s}, 1, 1, nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sub.Submit(ctx, m, time.Minute); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PARLEY_QUEUE_TEST_KEY", "")
	if col := runBatch(t, e, sub, m, t.TempDir()); col.Summary.Failed != 1 || col.Results[0].JSONL != "" {
		t.Fatalf("without the key: %d failed, transcript %q; want the one failed with none", col.Summary.Failed, col.Results[0].JSONL)
	}
	t.Setenv("PARLEY_QUEUE_TEST_KEY", "sk-queue-test-3b9f")
	if n, err := sub.Reopen(ctx, m); err != nil || n != 1 {
		t.Fatalf("Reopen = %d, %v; want 1", n, err)
	}
	if _, err := sub.Submit(ctx, m, time.Minute); err != nil {
		t.Fatal(err)
	}
	col := runBatch(t, e, sub, m, t.TempDir())
	if col.Summary.Done != 1 {
		t.Fatalf("retried: %d done; want 1", col.Summary.Done)
	}
	tr, err := transcripts.Read(col.Results[0].JSONL)
	if err != nil {
		t.Fatal(err)
	}
	queuetest.CheckTurns(t, col.Results[0].ID, tr, 4)
	if tr.Run.Resumes != 0 {
		t.Errorf("the conversation retried afresh records %d resumes; want none", tr.Run.Resumes)
	}
}
