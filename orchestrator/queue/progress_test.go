package queue

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/configs"
	"github.com/parleyhq/parley/orchestrator/batch"
)

// A queued batch's rate counts what its agents said this session, as a
// local batch's does: not a conversation's opening, which no model
// generated, whether a worker uploads it with a running conversation or
// stores it with a finished one, nor what an earlier session recorded.
func TestAQueuedBatchsRateCountsOnlyWhatAgentsSaid(t *testing.T) {
	e, sub, s := queueAndScenario(t)
	ctx := context.Background()
	m, err := batch.Plan("said", []*configs.Scenario{s}, 2, 2, nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	first, err := sub.Submit(ctx, m, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	// Each conversation holds the opening and 3 replies once it ends; the
	// first recorded the opening and a reply in an earlier session.
	earlier, running := Message{Batch: m.ID, Job: m.Job(0)}, Message{Batch: m.ID, Job: m.Job(1)}
	storePartial(t, sub, earlier, "gone", interruptedRun(t, earlier.Job, 2))
	progress, err := sub.Progress(ctx, m, first.Before)
	if err != nil {
		t.Fatal(err)
	}
	defer progress.Stop()

	type counts struct{ messages, before, said int }
	snapshot := func() counts {
		s := progress.Snapshot(ctx)
		return counts{s.Messages, s.MessagesBefore, s.Generated}
	}
	if got, want := snapshot(), (counts{2, 2, 0}); got != want {
		t.Errorf("before anything ran this session: %+v; want %+v", got, want)
	}

	// A worker uploads the other conversation's opening and first reply.
	storePartial(t, sub, running, "w0", interruptedRun(t, running.Job, 2))
	deadline := time.Now().Add(5 * time.Second)
	for snapshot().messages < 4 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got, want := snapshot(), (counts{4, 2, 1}); got != want {
		t.Errorf("with a running conversation's opening and reply uploaded: %+v; want %+v (its reply said)", got, want)
	}

	// Workers finish both: 5 replies said this session, of 8 messages.
	wctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		(&Worker{Queue: connect(t, e), Name: "w1", Parallel: 2, UploadEvery: 10 * time.Millisecond}).Run(wctx)
	}()
	fctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	_, err = sub.Follow(fctx, m, func(r Record) { progress.Record(r) })
	stop()
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := snapshot(), (counts{8, 2, 5}); got != want {
		t.Errorf("once both ended: %+v; want %+v (3 replies each, less the one said before)", got, want)
	}
	if line := progress.Snapshot(ctx).Line(); !strings.Contains(line, " msg/s ") {
		t.Errorf("the progress line %q gives no rate", line)
	}
}
