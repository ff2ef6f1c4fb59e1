package queue

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/configs"
	"github.com/parleyhq/parley/orchestrator/batch"
	"github.com/parleyhq/parley/orchestrator/queue/queuetest"
	"github.com/parleyhq/parley/transcripts"
)

// A queue that holds nothing of a batch (its embedded queue removed when
// the batch finished) is given what the batch folder records: the
// conversations that ended, well or not, as their results, with their
// transcripts as they are, and one interrupted as its running transcript;
// Submit then publishes only that one and the one the folder holds nothing
// of, and collecting leaves every file there as it was.
func TestAQueueIsGivenWhatTheBatchFolderRecords(t *testing.T) {
	t.Setenv("PARLEY_QUEUE_TEST_KEY", "sk-queue-test-3b9f")
	srv := startOutage(t)
	seed, err := batch.ParseVary("seed=1,2,3,4")
	if err != nil {
		t.Fatal(err)
	}
	m, err := batch.Plan("adopt", []*configs.Scenario{turnScenario(t, srv.URL, 6, 100000)}, 1, 1, []batch.Vary{seed}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	// The folder: seed 1 done, seed 2 failed by the outage, seed 3
	// interrupted after two messages, seed 4 never begun.
	out := t.TempDir()
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	for i := range 2 {
		if _, err := batch.RunJob(context.Background(), m.Job(i), filepath.Join(out, batch.RunsDir, m.Jobs[i].ID), batch.Env{HTTPClient: client}); i == 0 && err != nil {
			t.Fatal(err)
		}
	}
	interrupted := interruptedRun(t, m.Job(2), 2)
	os.MkdirAll(filepath.Join(out, batch.RunsDir, m.Jobs[2].ID), 0o700)
	if err := os.WriteFile(filepath.Join(out, batch.RunsDir, m.Jobs[2].ID, "run.jsonl"), interrupted, 0o600); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(out, batch.RunsDir, "*", "*"))
	before := map[string]fileState{}
	for _, f := range files {
		before[f] = stateOf(t, f)
	}

	e := startQueue(t)
	sub := connect(t, e)
	ctx := context.Background()
	n, err := sub.Adopt(ctx, m, out)
	if err != nil || n != 3 {
		t.Fatalf("Adopt = %d, %v; want the 3 conversations the folder records", n, err)
	}
	if again, err := sub.Adopt(ctx, m, out); err != nil || again != 0 {
		t.Errorf("Adopt again = %d, %v; want nothing, the queue holding the batch", again, err)
	}
	partials, err := sub.Partials(ctx, m.ID)
	if err != nil || len(partials) != 1 || partials[0].Job != m.Jobs[2].ID || partials[0].Messages != 2 {
		t.Errorf("running transcripts %+v, %v; want the interrupted one's, of 2 messages", partials, err)
	}
	got, err := sub.Submit(ctx, m, time.Minute)
	if err != nil || got.Published != 2 || got.Finished != 2 {
		t.Fatalf("Submit = %+v, %v; want the interrupted and the unbegun published, the other 2 kept", got, err)
	}
	sent := len(srv.Requests())
	col := runBatch(t, e, sub, m, out)
	if col.Summary.Done != 3 || col.Summary.Failed != 1 {
		t.Errorf("summary: %d done, %d failed; want 3 and the failure kept", col.Summary.Done, col.Summary.Failed)
	}
	for _, r := range srv.Requests()[sent:] {
		if s := seedOf(r); s != 3 && s != 4 {
			t.Errorf("a request of the conversation run with seed %d, which had ended", s)
		}
	}
	for f, was := range before {
		if strings.Contains(f, m.Jobs[2].ID) {
			continue
		}
		if now := stateOf(t, f); !bytes.Equal(now.data, was.data) || !now.mod.Equal(was.mod) {
			t.Errorf("%s, of a conversation that ended, was written again", f)
		}
	}
	for _, r := range col.Results {
		if r.ID != m.Jobs[2].ID {
			continue
		}
		tr, err := transcripts.Read(r.JSONL)
		if err != nil {
			t.Fatal(err)
		}
		queuetest.CheckTurns(t, r.ID, tr, 6)
		if tr.Run.Resumes != 1 {
			t.Errorf("the interrupted conversation resumed %d times; want once", tr.Run.Resumes)
		}
	}
}
