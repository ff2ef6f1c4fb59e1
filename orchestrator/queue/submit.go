package queue

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/parleyhq/parley/internal/suggest"
	"github.com/parleyhq/parley/orchestrator/batch"
)

// Submitted says what Submit did.
type Submitted struct {
	Published int // jobs put on the stream
	Finished  int // jobs that already had a result
	// Queued counts the jobs already waiting or running, left as they
	// were, and those whose message the stream dropped as a duplicate
	// (it took one under the same id within its window for duplicates,
	// two minutes) while that message still waits or runs, or the job
	// has a result since.
	Queued int
	// Retried counts the jobs published again, of those Published,
	// whose failed results were withdrawn (see Reopen).
	Retried int
	// Before names the jobs that already had a result, finished in an
	// earlier session: what Progress leaves out of this session's count.
	Before map[string]bool
}

// Submit puts a batch on the queue: its manifest in the object store and
// one message per job on the stream. ackWait, when positive, sets how long
// a job may go without word from its worker before it is handed to another.
//
// Submitting the same batch again (to follow it after an interruption)
// publishes only the jobs that have neither a result nor a message on the
// stream; a different batch under a taken id is refused. A job whose
// failed result Reopen withdrew is published as a retry. A publish the
// stream drops as a duplicate counts as queued, not as published, while
// the job waits or runs or has a result; a job whose message left the
// stream without a result is published again (see publishAgain).
func (q *Queue) Submit(ctx context.Context, m *batch.Manifest, ackWait time.Duration) (Submitted, error) {
	out := Submitted{Before: map[string]bool{}}
	if err := checkID("batch id", m.ID); err != nil {
		return out, err
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return out, err
	}
	existing, err := q.transcripts.GetBytes(ctx, manifestObject(m.ID))
	switch {
	case err == nil:
		var prev batch.Manifest
		if json.Unmarshal(existing, &prev) != nil || !sameBatch(&prev, m) {
			return out, fmt.Errorf("the queue already holds a different batch named %s; run the batch again to get a new id", m.ID)
		}
	case errors.Is(err, jetstream.ErrObjectNotFound):
		if _, err := q.transcripts.PutBytes(ctx, manifestObject(m.ID), data); err != nil {
			return out, fmt.Errorf("storing the batch's manifest: %w", err)
		}
	default:
		return out, fmt.Errorf("reading the queue's manifest for %s: %w", m.ID, err)
	}
	if _, err := q.consumer(ctx, ackWait); err != nil {
		return out, fmt.Errorf("setting up the workers' consumer %s: %w", ConsumerName, err)
	}
	done, withdrawn, err := q.resultState(ctx, m.ID)
	if err != nil {
		return out, err
	}
	type publish struct {
		f                jetstream.PubAckFuture
		job, subj, msgID string
		body             []byte
		retry            bool
	}
	var futures []publish
	for i := range m.Jobs {
		job := m.Job(i)
		if err := checkID("job id", job.ID); err != nil {
			return out, err
		}
		if done[resultKey(m.ID, job.ID)] {
			out.Finished++
			out.Before[job.ID] = true
			continue
		}
		subj := subject(m.ID, job.ID)
		if _, err := q.stream.GetLastMsgForSubject(ctx, subj); err == nil {
			out.Queued++
			continue
		} else if !errors.Is(err, jetstream.ErrMsgNotFound) {
			return out, fmt.Errorf("looking for job %s on the stream: %w", job.ID, err)
		}
		msg, msgID := Message{Batch: m.ID, Job: job}, m.ID+"/"+job.ID
		rev, retry := withdrawn[resultKey(m.ID, job.ID)]
		if retry {
			// Its failure was withdrawn (Reopen): it runs again, on from
			// what it recorded. The id is the withdrawal's, so that the
			// stream takes it although it took the job's first message
			// within its window for duplicates, and takes it once however
			// many submissions publish it.
			msg.Retry, msgID = true, fmt.Sprintf("%s/retry-%d", msgID, rev)
		}
		body, err := json.Marshal(msg)
		if err != nil {
			return out, err
		}
		if q.beforePublish != nil {
			q.beforePublish(msgID)
		}
		f, err := q.js.PublishAsync(subj, body, jetstream.WithMsgID(msgID))
		if err != nil {
			return out, fmt.Errorf("publishing job %s: %w", job.ID, err)
		}
		futures = append(futures, publish{f, job.ID, subj, msgID, body, retry})
	}
	select {
	case <-q.js.PublishAsyncComplete():
	case <-ctx.Done():
		return out, ctx.Err()
	}
	for _, p := range futures {
		select {
		case ack := <-p.f.Ok():
			if ack.Duplicate {
				// The stream took this job's message within its window
				// for duplicates, and has dropped this one: another
				// submission published it since Submit looked, or an
				// earlier one did and it has left the stream since.
				again, err := q.publishAgain(ctx, resultKey(m.ID, p.job), p.subj, p.msgID, p.body, ack.Sequence)
				if err != nil {
					return out, fmt.Errorf("publishing job %s: %w", p.job, err)
				}
				if !again {
					out.Queued++
					continue
				}
			}
			out.Published++
			if p.retry {
				out.Retried++
			}
		case err := <-p.f.Err():
			return out, fmt.Errorf("publishing job on %s: %w", p.f.Msg().Subject, err)
		}
	}
	return out, nil
}

// againLimit is how many times publishAgain publishes a job under a
// fresh id before it gives up: each time, its message left the stream
// again between the publish and the look that followed it.
const againLimit = 5

// publishAgain settles a job's publish that the stream dropped as a
// duplicate: it took a message under the same id, msgID, within its
// window for duplicates (two minutes), at sequence seq. The job is left
// as it is while the stream holds a message of it, waiting or running (a
// worker acks a job, which takes it off the stream, only once its result
// is stored), or while it has a result: it runs once. Otherwise its
// message left the stream without a result (taken and acked by hand,
// purged or deleted, or its result removed with no trace, within the
// window), nothing would ever run it, and the batch would wait for it for
// good: body is published again on subj under a fresh id, and again
// reports that it was.
//
// The fresh id names the message the stream dropped it for, so that
// submissions that find the job gone at once publish it once between
// them. Each publish the stream drops again is settled in turn.
func (q *Queue) publishAgain(ctx context.Context, key, subj, msgID string, body []byte, seq uint64) (again bool, err error) {
	for range againLimit {
		held, err := q.queuedOrFinished(ctx, key, subj)
		if err != nil || held {
			return false, err
		}
		id := fmt.Sprintf("%s/again-%d", msgID, seq)
		if q.beforePublish != nil {
			q.beforePublish(id)
		}
		ack, err := q.js.Publish(ctx, subj, body, jetstream.WithMsgID(id))
		if err != nil {
			return false, err
		}
		if !ack.Duplicate {
			return true, nil
		}
		seq = ack.Sequence
	}
	return false, fmt.Errorf("the stream %s lost its message each of the %d times it was published anew: "+
		"something other than parley's workers purges or takes its messages (nats stream purge, nats consumer next, say); stop that and submit the batch again",
		StreamName, againLimit)
}

// queuedOrFinished reports whether the stream holds a message of the job
// on subj, waiting or running, or the job has a result under key. The
// stream is looked at first: a worker stores a job's result before its
// ack takes the message off the stream, so a job found on neither was
// not finished between the two looks.
func (q *Queue) queuedOrFinished(ctx context.Context, key, subj string) (bool, error) {
	_, err := q.stream.GetLastMsgForSubject(ctx, subj)
	switch {
	case err == nil:
		return true, nil
	case !errors.Is(err, jetstream.ErrMsgNotFound):
		return false, fmt.Errorf("looking for it on the stream: %w", err)
	}
	_, err = q.results.Get(ctx, key)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, jetstream.ErrKeyNotFound):
		return false, nil
	}
	return false, fmt.Errorf("looking for its result: %w", err)
}

var errBadManifest = errors.New("the manifest in the object store is not valid")

func sameBatch(a, b *batch.Manifest) bool {
	// Two batches planned in the same second share an id: the moment
	// each was planned, and every job and its --vary values, tell them
	// apart.
	if a.ID != b.ID || !a.Created.Equal(b.Created) || len(a.Jobs) != len(b.Jobs) || len(a.Scenarios) != len(b.Scenarios) {
		return false
	}
	for i := range a.Scenarios {
		if a.Scenarios[i].Source != b.Scenarios[i].Source {
			return false
		}
	}
	ja, _ := json.Marshal(a.Jobs)
	jb, _ := json.Marshal(b.Jobs)
	return bytes.Equal(ja, jb)
}

// Manifest reads a batch's manifest from the object store.
func (q *Queue) Manifest(ctx context.Context, batchID string) (*batch.Manifest, error) {
	m, err := q.readManifest(ctx, batchID)
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return nil, q.noBatch(ctx, batchID, err)
	}
	return m, err
}

// readManifest is Manifest without the sentence for a batch the queue
// does not hold: the object store's error as it is.
func (q *Queue) readManifest(ctx context.Context, batchID string) (*batch.Manifest, error) {
	data, err := q.transcripts.GetBytes(ctx, manifestObject(batchID))
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("reading the manifest of batch %s: %w", batchID, err)
	}
	var m batch.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%w: batch %s: %v", errBadManifest, batchID, err)
	}
	return &m, nil
}

// noBatchError is Manifest's error for a batch the queue does not hold:
// a sentence naming the batches it does hold, over the object store's
// error.
type noBatchError struct {
	msg string
	err error
}

func (e *noBatchError) Error() string { return e.msg }
func (e *noBatchError) Unwrap() error { return e.err }

// noBatch says that the queue holds no batch batchID, and which it holds.
func (q *Queue) noBatch(ctx context.Context, batchID string, err error) error {
	msg := fmt.Sprintf("the queue holds no batch %q", batchID)
	all, lerr := q.Batches(ctx)
	switch {
	case lerr != nil:
		msg += fmt.Sprintf(" (no %s in the object store %s)", manifestObject(batchID), TranscriptsBucket)
	case len(all) == 0:
		msg += "; it holds no batch at all"
	default:
		ids := make([]string, len(all))
		for i, m := range all {
			ids[i] = m.ID
		}
		shown := ids
		if len(shown) > 5 {
			shown = shown[:5]
		}
		msg += fmt.Sprintf("; it holds %d, the newest first: %s", len(ids), strings.Join(shown, ", "))
		if len(shown) < len(ids) {
			msg += ", …"
		}
		msg += suggest.Hint(batchID, ids)
	}
	return &noBatchError{msg: msg, err: err}
}

// Batches lists the batches the queue holds, newest first.
func (q *Queue) Batches(ctx context.Context) ([]*batch.Manifest, error) {
	infos, err := q.transcripts.List(ctx)
	if errors.Is(err, jetstream.ErrNoObjectsFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []*batch.Manifest
	for _, info := range infos {
		if len(info.Name) < len("/batch.json") || info.Name[len(info.Name)-len("/batch.json"):] != "/batch.json" {
			continue
		}
		// Not Manifest: a manifest removed since the listing is skipped,
		// not explained by listing the batches again.
		m, err := q.readManifest(ctx, info.Name[:len(info.Name)-len("/batch.json")])
		if err != nil {
			continue
		}
		out = append(out, m)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Created.After(out[j-1].Created); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out, nil
}

// resultState reads the results bucket's keys of batchID: those that
// hold a result, and those whose result was withdrawn (Reopen), each with
// the revision of its withdrawal.
func (q *Queue) resultState(ctx context.Context, batchID string) (held map[string]bool, withdrawn map[string]uint64, err error) {
	held, withdrawn = map[string]bool{}, map[string]uint64{}
	w, err := q.results.Watch(ctx, batchID+".*", jetstream.MetaOnly())
	if err != nil {
		return nil, nil, fmt.Errorf("listing the results of batch %s: %w", batchID, err)
	}
	defer w.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		case e, ok := <-w.Updates():
			if !ok {
				return nil, nil, fmt.Errorf("listing the results of batch %s: the queue stopped sending them", batchID)
			}
			if e == nil {
				return held, withdrawn, nil // every key read
			}
			if e.Operation() == jetstream.KeyValuePut {
				held[e.Key()] = true
				delete(withdrawn, e.Key())
			} else {
				withdrawn[e.Key()] = e.Revision()
				delete(held, e.Key())
			}
		}
	}
}

func (q *Queue) resultKeys(ctx context.Context, batchID string) (map[string]bool, error) {
	out := map[string]bool{}
	l, err := q.results.ListKeysFiltered(ctx, batchID+".*")
	if err != nil {
		return nil, fmt.Errorf("listing the results of batch %s: %w", batchID, err)
	}
	for k := range l.Keys() {
		out[k] = true
	}
	return out, nil
}

// Follow calls onRecord once for each job of the batch that has a result,
// those stored already first, then each as it is stored, and returns every
// record once all jobs have one. When ctx ends first it returns the records
// so far and ctx's error. Each record is filed under its job as m plans it
// (its run, pairing, scenario and values), whatever the worker that
// stored it recorded: a worker of an earlier parley recorded no pairing.
func (q *Queue) Follow(ctx context.Context, m *batch.Manifest, onRecord func(Record)) ([]Record, error) {
	w, err := q.results.Watch(ctx, m.ID+".*", jetstream.IgnoreDeletes())
	if err != nil {
		return nil, fmt.Errorf("watching the results of batch %s: %w", m.ID, err)
	}
	defer w.Stop()
	jobs := map[string]int{} // a result's key: its job's place in m
	for i, j := range m.Jobs {
		jobs[resultKey(m.ID, j.ID)] = i
	}
	seen := map[string]bool{}
	var out []Record
	for len(out) < len(jobs) {
		select {
		case <-ctx.Done():
			return out, ctx.Err()
		case e, ok := <-w.Updates():
			if !ok {
				if ctx.Err() != nil {
					return out, ctx.Err() // the watch ends with ctx, sometimes seen first
				}
				return out, fmt.Errorf("the queue stopped sending the results of batch %s", m.ID)
			}
			if e == nil || seen[e.Key()] {
				continue
			}
			i, ok := jobs[e.Key()]
			if !ok {
				continue
			}
			var r Record
			if err := json.Unmarshal(e.Value(), &r); err != nil {
				return out, fmt.Errorf("the result %s in %s is not valid: %v", e.Key(), ResultsBucket, err)
			}
			m.Job(i).Identify(&r.Result)
			seen[e.Key()] = true
			out = append(out, r)
			if onRecord != nil {
				onRecord(r)
			}
		}
	}
	return out, nil
}

// Records returns the results stored so far for a batch.
func (q *Queue) Records(ctx context.Context, m *batch.Manifest) ([]Record, error) {
	keys, err := q.resultKeys(ctx, m.ID)
	if err != nil {
		return nil, err
	}
	var out []Record
	for i := range m.Jobs {
		key := resultKey(m.ID, m.Jobs[i].ID)
		if !keys[key] {
			continue
		}
		r, _, err := q.result(ctx, key)
		if err != nil {
			return nil, err
		}
		m.Job(i).Identify(&r.Result)
		out = append(out, r)
	}
	return out, nil
}

// result reads the result stored under key, and the revision it is at.
// An error that is jetstream.ErrKeyNotFound says it is not there
// (withdrawn, say).
func (q *Queue) result(ctx context.Context, key string) (Record, uint64, error) {
	e, err := q.results.Get(ctx, key)
	if err != nil {
		return Record{}, 0, fmt.Errorf("reading the result %s: %w", key, err)
	}
	var r Record
	if err := json.Unmarshal(e.Value(), &r); err != nil {
		return Record{}, 0, fmt.Errorf("the result %s in %s is not valid: %v", key, ResultsBucket, err)
	}
	return r, e.Revision(), nil
}

// Running is how many jobs, of every batch, workers hold right now.
func (q *Queue) Running(ctx context.Context) int {
	c, err := q.stream.Consumer(ctx, ConsumerName)
	if err != nil {
		return 0
	}
	info, err := c.Info(ctx)
	if err != nil {
		return 0
	}
	return info.NumAckPending
}

// PutSummary stores the batch's summary beside its manifest.
func (q *Queue) PutSummary(ctx context.Context, s *batch.Summary) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	_, err = q.transcripts.PutBytes(ctx, summaryObject(s.Batch), append(data, '\n'))
	return err
}

// storedSummary reads the summary the batch command stored, if any.
func (q *Queue) storedSummary(ctx context.Context, batchID string) *batch.Summary {
	data, err := q.transcripts.GetBytes(ctx, summaryObject(batchID))
	if err != nil {
		return nil
	}
	var s batch.Summary
	if json.Unmarshal(bytes.TrimSpace(data), &s) != nil {
		return nil
	}
	return &s
}
