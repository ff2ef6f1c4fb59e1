package queue

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/parleyhq/parley/configs"
	"github.com/parleyhq/parley/orchestrator/batch"
)

// A job whose message the stream drops as a duplicate (it took one under
// the same id within its window for duplicates, which a worker has
// taken off it since, while the job has no result yet) was published by
// an earlier submission: Submit counts it as already queued, not as
// published now, and a retry so dropped not as retried now.
func TestAPublishTheStreamDropsIsCountedAsAlreadyQueued(t *testing.T) {
	for _, tc := range []struct {
		name string
		// failed stores a failed result of the job, which Reopen
		// withdraws, so that the job is published as a retry.
		failed bool
	}{
		{"a job published before", false},
		{"a retry published before", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, sub, s := queueAndScenario(t)
			ctx := context.Background()
			m, err := batch.Plan("dup", []*configs.Scenario{s}, 1, 1, nil, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			first, err := sub.Submit(ctx, m, time.Minute)
			if err != nil || first.Published != 1 {
				t.Fatalf("the first submission published %d (%v); want 1", first.Published, err)
			}
			job := m.Jobs[0].ID
			if tc.failed {
				msg, _ := takeJob(t, sub)
				rec := Record{Batch: m.ID, Result: batch.Result{ID: job, State: batch.StateFailed, Error: "the provider is down"}}
				data, err := json.Marshal(rec)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := sub.results.Create(ctx, resultKey(m.ID, job), data); err != nil {
					t.Fatal(err)
				}
				if err := msg.DoubleAck(ctx); err != nil {
					t.Fatal(err)
				}
				if n, err := sub.Reopen(ctx, m); err != nil || n != 1 {
					t.Fatalf("Reopen = %d, %v; want 1", n, err)
				}
				if retry, err := sub.Submit(ctx, m, time.Minute); err != nil || retry.Published != 1 || retry.Retried != 1 {
					t.Fatalf("the retry's submission: %+v, %v; want 1 published, 1 retried", retry, err)
				}
			}
			// A worker takes the message off the stream; the job has no
			// result yet.
			msg, _ := takeJob(t, sub)
			if err := msg.DoubleAck(ctx); err != nil {
				t.Fatal(err)
			}

			got, err := sub.Submit(ctx, m, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if got.Published != 0 || got.Queued != 1 || got.Retried != 0 || got.Finished != 0 {
				t.Errorf("submitted again: %d published, %d already queued, %d retried, %d finished; want 0, 1, 0 and 0",
					got.Published, got.Queued, got.Retried, got.Finished)
			}
		})
	}
}
