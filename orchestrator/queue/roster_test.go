package queue

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/agents/openaitest"
	"github.com/parleyhq/parley/configs"
	"github.com/parleyhq/parley/orchestrator/batch"
	"github.com/parleyhq/parley/transcripts"
)

func TestRosterRunsOnTheQueue(t *testing.T) {
	srv := openaitest.Start(t, func(r openaitest.Request) openaitest.Reply {
		return openaitest.Words("This is " + r.Body.Model + ".")
	})
	src := fmt.Sprintf(`roster:
  defaults: {base_url: %s, system: Talk.}
  agents:
    - {name: Alpha, model: alpha-1}
    - {name: Beta, model: beta-1}
    - {name: Gamma, model: gamma-1}
    - {name: Delta, model: delta-1}
  runs: 2
termination: {max_messages: 3}
`, srv.URL)
	m := planRoster(t, "roster", src, 4)
	e := startQueue(t)
	sub := connect(t, e)
	ctx := context.Background()
	if got, err := sub.Submit(ctx, m, time.Second); err != nil || got.Published != 24 {
		t.Fatalf("published %d jobs (%v); want 12 ordered pairs × 2 runs = 24", got.Published, err)
	}
	wctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for i := range 2 {
		w := &Worker{Queue: connect(t, e), Name: fmt.Sprintf("w%d", i+1), Parallel: 4, UploadEvery: 10 * time.Millisecond}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := w.Run(wctx); err != nil {
				t.Error(err)
			}
		}()
	}
	fctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	records, err := sub.Follow(fctx, m, nil)
	stop()
	wg.Wait()
	if err != nil || len(records) != 24 {
		t.Fatalf("%d records (%v); want 24", len(records), err)
	}
	col, err := sub.Collect(ctx, m.ID, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if col.Summary.Done != 24 {
		t.Errorf("%d of %d done; want 24", col.Summary.Done, col.Summary.Planned)
	}
	pairs := map[string]int{}
	for _, r := range col.Results {
		tr, err := transcripts.Read(r.JSONL)
		if err != nil {
			t.Fatal(err)
		}
		p := tr.Run.Pairing
		if p == nil || tr.Title != p.Opener+" ↔ "+p.Responder || r.Pair != tr.Title {
			t.Fatalf("%s: title %q, pairing %+v, result pair %q; want them to agree", r.ID, tr.Title, p, r.Pair)
		}
		pairs[tr.Title]++
	}
	if len(pairs) != 12 {
		t.Errorf("%d pairs ran: %v; want 12, twice each", len(pairs), pairs)
	}
	for p, n := range pairs {
		if n != 2 {
			t.Errorf("%s ran %d times; want 2", p, n)
		}
	}
}

// A result stored by a worker of an earlier parley, which did not record
// a conversation's run or pairing, is filed under its job as the batch
// planned it: the batch's manifest, not the worker, says which run of
// which pair a job is.
func TestAResultWithoutItsPairIsFiledByTheManifest(t *testing.T) {
	src := `roster:
  defaults: {base_url: http://127.0.0.1:1/v1, system: Talk.}
  agents:
    - {name: Alpha, model: alpha-1}
    - {name: Beta, model: beta-1}
  runs: 2
termination: {max_messages: 3}
`
	m := planRoster(t, "older", src, 1)
	e := startQueue(t)
	q := connect(t, e)
	ctx := context.Background()
	job := m.Job(3)
	var want batch.Result
	job.Identify(&want)
	if want.Pair == "" || want.Run != 2 {
		t.Fatalf("job 4 is %+v; want the second run of a pair", want)
	}
	older := Record{Batch: m.ID, Deliveries: 1, Result: batch.Result{ID: job.ID, State: batch.StateFailed, Error: "the provider refused the key"}}
	w := &Worker{Queue: connect(t, e), Name: "old"}
	if err := w.store(ctx, &fakeMsg{}, resultKey(m.ID, job.ID), older, &uploader{}); err != nil {
		t.Fatal(err)
	}
	check := func(how string, r Record) {
		t.Helper()
		if r.Pair != want.Pair || r.Run != want.Run || r.ScenarioPath != want.ScenarioPath {
			t.Errorf("%s: pair %q, run %d, scenario %q; want %q, %d, %q", how, r.Pair, r.Run, r.ScenarioPath, want.Pair, want.Run, want.ScenarioPath)
		}
	}
	records, err := q.Records(ctx, m)
	if err != nil || len(records) != 1 {
		t.Fatalf("records %+v, %v; want the one stored", records, err)
	}
	check("Records", records[0])
	fctx, cancel := context.WithCancel(ctx)
	defer cancel()
	_, _ = q.Follow(fctx, m, func(r Record) {
		check("Follow", r)
		cancel()
	})
}

// planRoster plans the batch id of the roster scenario src, written to a
// file of its own, parallel conversations at once.
func planRoster(t *testing.T, id, src string, parallel int) *batch.Manifest {
	t.Helper()
	path := filepath.Join(t.TempDir(), "roster.yaml")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := configs.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := batch.Plan(id, []*configs.Scenario{s}, 1, parallel, nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return m
}
