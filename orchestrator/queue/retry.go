package queue

import (
	"context"
	"errors"
	"fmt"
	"path"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/parleyhq/parley/orchestrator/batch"
)

// Reopen withdraws the failed results of batch m so that Submit offers
// those conversations to the workers again (batch --resume --retry-failed).
// Each goes on as a local retry continues it: the transcript its result
// holds, which an error stopped, becomes the job's running transcript, and
// the worker that takes the job continues it from its last completed
// message, keeping every line; a result that holds none leaves the
// running transcript stored for the job, if any, to be continued, and
// otherwise the job runs afresh. A result of a conversation that ended
// well is never touched. It returns how many failures it withdrew; a
// queue that holds nothing of the batch has none.
//
// Every transcript is stored before any result is withdrawn, and a result
// is withdrawn only as it was read: a withdrawal cut short leaves each job
// failed as it was, or withdrawn with its transcript in place, which the
// next Submit publishes as a retry.
func (q *Queue) Reopen(ctx context.Context, m *batch.Manifest) (int, error) {
	prev, err := q.readManifest(ctx, m.ID)
	switch {
	case errors.Is(err, jetstream.ErrObjectNotFound):
		return 0, nil
	case err != nil:
		return 0, err
	case !sameBatch(prev, m):
		return 0, fmt.Errorf("the queue already holds a different batch named %s; its failures are not this batch's to retry", m.ID)
	}
	held, err := q.resultKeys(ctx, m.ID)
	if err != nil {
		return 0, err
	}
	type failure struct {
		key string
		rev uint64
	}
	var failed []failure
	for _, j := range m.Jobs {
		key := resultKey(m.ID, j.ID)
		if !held[key] {
			continue
		}
		r, rev, err := q.result(ctx, key)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue // withdrawn since it was listed
		}
		if err != nil {
			return 0, err
		}
		if r.State != batch.StateFailed {
			continue
		}
		if r.JSONL != "" {
			data, err := q.transcripts.GetBytes(ctx, r.JSONL)
			if err != nil {
				return 0, fmt.Errorf("reading %s, the transcript of the failed conversation %s, from %s to continue it: %w", r.JSONL, j.ID, TranscriptsBucket, err)
			}
			if err := q.putPartial(ctx, m.ID, j.ID, path.Base(r.JSONL), r.Worker, data); err != nil {
				return 0, fmt.Errorf("storing the transcript of the failed conversation %s to continue it: %w", j.ID, err)
			}
		}
		failed = append(failed, failure{key, rev})
	}
	n := 0
	for _, f := range failed {
		err := q.results.Delete(ctx, f.key, jetstream.LastRevision(f.rev))
		if isWrongLastSequence(err) {
			continue // changed since it was read: withdrawn by another, say
		}
		if err != nil {
			return n, fmt.Errorf("withdrawing the failed result %s: %w", f.key, err)
		}
		n++
	}
	return n, nil
}

// Retrying counts the conversations of batch m, among failed (those a
// batch folder records as failed, by job id), that the queue holds a
// retry of: a job without a result that waits or runs on the stream, or
// whose failed result Reopen withdrew (a retry interrupted before it
// ended, or before Submit published it), or a result that ended well (a
// retry that ended once its batch command stopped following it). A
// queue that holds nothing of the batch, or a different batch under its
// id, holds none.
func (q *Queue) Retrying(ctx context.Context, m *batch.Manifest, failed map[string]bool) (int, error) {
	prev, err := q.readManifest(ctx, m.ID)
	switch {
	case errors.Is(err, jetstream.ErrObjectNotFound):
		return 0, nil
	case err != nil:
		return 0, err
	case !sameBatch(prev, m):
		return 0, nil
	}
	held, withdrawn, err := q.resultState(ctx, m.ID)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, j := range m.Jobs {
		if !failed[j.ID] {
			continue
		}
		key := resultKey(m.ID, j.ID)
		if held[key] {
			r, _, err := q.result(ctx, key)
			if errors.Is(err, jetstream.ErrKeyNotFound) {
				n++ // withdrawn since it was listed: retried
				continue
			}
			if err != nil {
				return 0, err
			}
			if r.State != batch.StateFailed {
				n++
			}
			continue
		}
		if _, ok := withdrawn[key]; ok {
			n++
			continue
		}
		_, err := q.stream.GetLastMsgForSubject(ctx, subject(m.ID, j.ID))
		switch {
		case err == nil:
			n++
		case !errors.Is(err, jetstream.ErrMsgNotFound):
			return 0, fmt.Errorf("looking for conversation %s of batch %s on the stream: %w", j.ID, m.ID, err)
		}
	}
	return n, nil
}
