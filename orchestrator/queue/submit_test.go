package queue

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/parleyhq/parley/configs"
	"github.com/parleyhq/parley/orchestrator/batch"
)

// A job whose message left the stream without a result, within the
// stream's window for duplicates (two minutes) of its publish, is
// published again when the batch is submitted again, although the
// stream drops a second message under the first one's id: nothing else
// would ever run it, and the batch would wait for it for good. A worker
// then finishes it.
func TestAJobWhoseMessageLeftWithoutAResultIsPublishedAgain(t *testing.T) {
	for _, tc := range []struct {
		name string
		// retry publishes the job as a retry first: a failed result of
		// it, withdrawn by Reopen.
		retry bool
		// gone takes the job's message off the stream, the job left
		// without a result.
		gone func(t *testing.T, e *Embedded, q *Queue, m *batch.Manifest)
	}{
		{"taken and acknowledged at once, as nats consumer next does", false, func(t *testing.T, _ *Embedded, q *Queue, _ *batch.Manifest) {
			msg, _ := takeJob(t, q)
			if err := msg.DoubleAck(context.Background()); err != nil {
				t.Fatal(err)
			}
		}},
		{"purged from the stream", false, purgeJob},
		{"deleted from the stream", false, func(t *testing.T, _ *Embedded, q *Queue, m *batch.Manifest) {
			ctx := context.Background()
			raw, err := q.stream.GetLastMsgForSubject(ctx, subject(m.ID, m.Jobs[0].ID))
			if err != nil {
				t.Fatal(err)
			}
			if err := q.stream.DeleteMsg(ctx, raw.Sequence); err != nil {
				t.Fatal(err)
			}
		}},
		{"finished, its result removed leaving no trace", false, func(t *testing.T, e *Embedded, q *Queue, m *batch.Manifest) {
			ctx := context.Background()
			finishWithin(t, e, q, m, 10*time.Second)
			kv, err := q.js.Stream(ctx, "KV_"+ResultsBucket)
			if err != nil {
				t.Fatal(err)
			}
			if err := kv.Purge(ctx, jetstream.WithPurgeSubject("$KV."+ResultsBucket+"."+resultKey(m.ID, m.Jobs[0].ID))); err != nil {
				t.Fatal(err)
			}
		}},
		{"a retry purged from the stream", true, purgeJob},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, sub, s := queueAndScenario(t)
			ctx := context.Background()
			m, err := batch.Plan("gone", []*configs.Scenario{s}, 1, 1, nil, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if first, err := sub.Submit(ctx, m, time.Minute); err != nil || first.Published != 1 {
				t.Fatalf("the first submission published %d (%v); want 1", first.Published, err)
			}
			if tc.retry {
				failAndReopen(t, sub, m)
			}
			tc.gone(t, e, sub, m)

			got, err := sub.Submit(ctx, m, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			wantRetried := 0
			if tc.retry {
				wantRetried = 1
			}
			if got.Published != 1 || got.Queued != 0 || got.Retried != wantRetried || got.Finished != 0 {
				t.Errorf("submitted again: %d published, %d already queued, %d retried, %d finished; want 1, 0, %d and 0",
					got.Published, got.Queued, got.Retried, got.Finished, wantRetried)
			}
			if msgs := jobMessages(t, sub, m); len(msgs) != 1 || msgs[0].Retry != tc.retry {
				t.Errorf("the stream holds %d messages of the job (%+v); want one, a retry: %v", len(msgs), msgs, tc.retry)
			}
			finishWithin(t, e, sub, m, 10*time.Second)
		})
	}
}

// purgeJob purges the message of m's first job from the stream, as
// nats stream purge --subject does.
func purgeJob(t *testing.T, _ *Embedded, q *Queue, m *batch.Manifest) {
	t.Helper()
	if err := q.stream.Purge(context.Background(), jetstream.WithPurgeSubject(subject(m.ID, m.Jobs[0].ID))); err != nil {
		t.Fatal(err)
	}
}

// failAndReopen has a worker take m's only job and store a failed result
// of it, which Reopen withdraws, and submits m again: the job is published
// as a retry.
func failAndReopen(t *testing.T, q *Queue, m *batch.Manifest) {
	t.Helper()
	ctx := context.Background()
	msg, _ := takeJob(t, q)
	rec := Record{Batch: m.ID, Result: batch.Result{ID: m.Jobs[0].ID, State: batch.StateFailed, Error: "the provider is down"}}
	data, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := q.results.Create(ctx, resultKey(m.ID, m.Jobs[0].ID), data); err != nil {
		t.Fatal(err)
	}
	if err := msg.DoubleAck(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := q.Reopen(ctx, m); err != nil || n != 1 {
		t.Fatalf("Reopen = %d, %v; want 1", n, err)
	}
	if retry, err := q.Submit(ctx, m, time.Minute); err != nil || retry.Published != 1 || retry.Retried != 1 {
		t.Fatalf("the retry's submission: %+v, %v; want 1 published, 1 retried", retry, err)
	}
}

// jobMessages reads the messages the stream holds of m's first job.
func jobMessages(t *testing.T, q *Queue, m *batch.Manifest) []Message {
	t.Helper()
	ctx := context.Background()
	subj := subject(m.ID, m.Jobs[0].ID)
	info, err := q.stream.Info(ctx, jetstream.WithSubjectFilter(subj))
	if err != nil {
		t.Fatal(err)
	}
	var out []Message
	for seq := info.State.FirstSeq; seq > 0 && seq <= info.State.LastSeq; seq++ {
		raw, err := q.stream.GetMsg(ctx, seq)
		if err != nil || raw.Subject != subj {
			continue
		}
		var msg Message
		if err := json.Unmarshal(raw.Data, &msg); err != nil {
			t.Fatal(err)
		}
		out = append(out, msg)
	}
	return out
}

// finishWithin runs a worker on e until every job of m has a result,
// failing the test when that takes longer than d: a job nothing will
// run fails it rather than hang it.
func finishWithin(t *testing.T, e *Embedded, q *Queue, m *batch.Manifest, d time.Duration) {
	t.Helper()
	w := &Worker{Queue: connect(t, e), Name: "w1"}
	wctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); w.Run(wctx) }()
	fctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	recs, err := q.Follow(fctx, m, nil)
	stop()
	wg.Wait()
	if err != nil {
		t.Fatalf("after %v, %d of %d jobs have a result (%v): the batch would wait for the rest for good", d, len(recs), len(m.Jobs), err)
	}
}

// A job's publish the stream drops as a duplicate, while the job waits on
// the stream or has a result, is counted as queued and not published
// again: the conversation runs once. Another submission may publish the
// job between this one's look at the queue and its publish, and a worker
// may finish it there too; two submissions that find the job's message
// gone at once publish it again once between them.
func TestADuplicateOfAJobQueuedOrFinishedIsNotPublishedAgain(t *testing.T) {
	for _, tc := range []struct {
		name string
		// purged publishes the job and purges its message before the
		// submissions the test races.
		purged bool
		// at is the message id before whose publish the other
		// submission acts ("" for the first publish).
		at string
		// finish has a worker finish the job once the other
		// submission published it.
		finish bool
		// wantMessages is how many messages of the job the stream holds
		// once both submissions are done.
		wantMessages int
	}{
		{name: "another submission publishes it first", wantMessages: 1},
		{name: "another submission publishes it and a worker finishes it", finish: true},
		{name: "two submissions find its message gone at once", purged: true, at: "/again-", wantMessages: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, sub, s := queueAndScenario(t)
			other := connect(t, e)
			ctx := context.Background()
			m, err := batch.Plan("race", []*configs.Scenario{s}, 1, 1, nil, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if tc.purged {
				if first, err := sub.Submit(ctx, m, time.Minute); err != nil || first.Published != 1 {
					t.Fatalf("the first submission published %d (%v); want 1", first.Published, err)
				}
				purgeJob(t, e, sub, m)
			}
			var theirs Submitted
			var theirErr error
			var once sync.Once
			sub.beforePublish = func(id string) {
				if tc.at != "" && !strings.Contains(id, tc.at) {
					return
				}
				once.Do(func() {
					if theirs, theirErr = other.Submit(ctx, m, time.Minute); theirErr != nil {
						t.Fatal(theirErr)
					}
					if tc.finish {
						msg, _ := takeJob(t, other)
						rec := Record{Batch: m.ID, Deliveries: 1, Result: batch.Result{ID: m.Jobs[0].ID, State: batch.StateDone, Messages: 4}}
						if err := (&Worker{Queue: other, Name: "w1"}).store(ctx, msg, resultKey(m.ID, m.Jobs[0].ID), rec, nil); err != nil {
							t.Fatal(err)
						}
					}
				})
			}
			ours, err := sub.Submit(ctx, m, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if theirs.Published != 1 {
				t.Errorf("the other submission published %d; want 1", theirs.Published)
			}
			if ours.Published != 0 || ours.Queued != 1 || ours.Finished != 0 {
				t.Errorf("this submission: %d published, %d already queued, %d finished; want 0, 1 and 0", ours.Published, ours.Queued, ours.Finished)
			}
			if msgs := jobMessages(t, sub, m); len(msgs) != tc.wantMessages {
				t.Errorf("the stream holds %d messages of the job; want %d", len(msgs), tc.wantMessages)
			}
		})
	}
}
