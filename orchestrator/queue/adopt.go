package queue

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/parleyhq/parley/orchestrator/batch"
)

// Adopt gives a queue that holds nothing of batch m (an embedded queue,
// removed when its batch finished; a server whose store was lost) what the
// batch folder dir records of it, so that resuming the batch there runs
// only what the folder lacks. A conversation that ended, well or with a
// failure, is stored with its transcript as its result, as a worker stores
// one, and is not run again (a failure is kept, unless Reopen withdraws
// it); one that did not end (interrupted, or cut off by a crash) is stored
// as its running transcript, which the worker that takes it continues. A
// failure that left no transcript, which the folder's state log records
// (see batch.RecordFailure), is stored as a failed result without one. A
// conversation the folder holds nothing of is left to Submit, which offers
// it afresh. The manifest is stored last: an adoption cut short is made
// again by the next resume, rather than leave Submit to run what it had
// not stored yet.
//
// It does nothing when the queue holds the batch's manifest, and returns
// how many conversations it stored.
func (q *Queue) Adopt(ctx context.Context, m *batch.Manifest, dir string) (int, error) {
	_, err := q.readManifest(ctx, m.ID)
	if err == nil || !errors.Is(err, jetstream.ErrObjectNotFound) {
		return 0, err
	}
	if err := checkID("batch id", m.ID); err != nil {
		return 0, err
	}
	st, err := batch.ReadState(dir)
	if err != nil {
		return 0, fmt.Errorf("reading what %s records of its conversations, to give it to the queue: %w", dir, err)
	}
	n := 0
	for i := range m.Jobs {
		job := m.Job(i)
		if err := checkID("job id", job.ID); err != nil {
			return n, err
		}
		res, jl, ended, err := batch.Recorded(job, filepath.Join(dir, batch.RunsDir, job.ID))
		if err != nil {
			return n, fmt.Errorf("reading what %s records of conversation %s, to give it to the queue: %w", dir, job.ID, err)
		}
		if jl == "" {
			rec, ok := st.Last[job.ID]
			if !ok || rec.State != batch.StateFailed || rec.Result == nil {
				continue
			}
			// Failed before it recorded anything: kept failed, as its
			// result had it.
			stored, err := q.adoptResult(ctx, m.ID, job.ID, Record{Result: *rec.Result, Batch: m.ID})
			if err != nil {
				return n, err
			}
			if stored {
				n++
			}
			continue
		}
		if !ended {
			data, err := os.ReadFile(jl)
			if err != nil {
				return n, err
			}
			// Whole lines only, as a worker stores them; without one,
			// nothing is there to continue, and the job runs afresh.
			if data = data[:bytes.LastIndexByte(data, '\n')+1]; len(data) == 0 {
				continue
			}
			if err := q.putPartial(ctx, m.ID, job.ID, filepath.Base(jl), "", data); err != nil {
				return n, fmt.Errorf("storing the transcript of conversation %s on the queue: %w", job.ID, err)
			}
			n++
			continue
		}
		rec := Record{Result: res, Batch: m.ID}
		for _, p := range []*string{&rec.JSONL, &rec.Markdown} {
			local := *p
			data, err := os.ReadFile(local)
			if err != nil {
				return n, fmt.Errorf("conversation %s ended, and the queue is given it as it ended, but %w: restore the file, or remove the folder %s to run the conversation again",
					job.ID, err, filepath.Dir(local))
			}
			name := runObject(m.ID, job.ID, "folder", filepath.Base(local))
			if _, err := q.transcripts.PutBytes(ctx, name, data); err != nil {
				return n, fmt.Errorf("storing %s on the queue: %w", local, err)
			}
			*p = name
		}
		stored, err := q.adoptResult(ctx, m.ID, job.ID, rec)
		if err != nil {
			return n, err
		}
		if stored {
			n++
		}
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return n, err
	}
	if _, err := q.transcripts.PutBytes(ctx, manifestObject(m.ID), data); err != nil {
		return n, fmt.Errorf("storing the batch's manifest: %w", err)
	}
	return n, nil
}

// adoptResult stores rec as the result of job jobID of batch batchID,
// unless the queue holds one, which stands; stored says whether it did.
func (q *Queue) adoptResult(ctx context.Context, batchID, jobID string, rec Record) (stored bool, err error) {
	data, err := json.Marshal(rec)
	if err != nil {
		return false, err
	}
	switch _, err := q.results.Create(ctx, resultKey(batchID, jobID), data); {
	case err == nil:
		return true, nil
	case errors.Is(err, jetstream.ErrKeyExists) || isWrongLastSequence(err):
		return false, nil // the queue's own result stands
	default:
		return false, fmt.Errorf("storing the result of conversation %s on the queue: %w", jobID, err)
	}
}
