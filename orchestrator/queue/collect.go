package queue

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/parleyhq/parley/orchestrator/batch"
	"github.com/parleyhq/parley/transcripts"
)

// Download writes a record's transcripts into dir/runs/JOB/ under their
// own names, as a local batch lays them out, and returns the record with
// Markdown and JSONL naming those files. Files already there with the same
// size are left alone. A file there that the queue's copy goes on from (the
// failure a retry continued) is replaced: the queue's copy holds all of it.
// A file there that differs otherwise (continued with parley resume,
// edited, or another run of the job) is kept beside the queue's copy as
// NAME.local (NAME.local-2, …), never overwritten; kept says so of each, in
// a sentence naming both files. A failure that holds no transcript (the
// conversation failed before it recorded anything) is recorded in dir's
// state log instead (see batch.RecordFailure), so that the folder keeps
// it failed once the queue is gone.
func (q *Queue) Download(ctx context.Context, r Record, dir string) (res batch.Result, kept []string, err error) {
	res = r.Result
	if r.JSONL == "" {
		if r.State == batch.StateFailed {
			if err := batch.RecordFailure(dir, res); err != nil {
				return res, nil, fmt.Errorf("recording in %s that conversation %s failed: %w", filepath.Join(dir, batch.StateFile), r.ID, err)
			}
		}
		return res, nil, nil
	}
	runDir := filepath.Join(dir, batch.RunsDir, r.ID)
	if err := os.MkdirAll(runDir, 0o700); err != nil {
		return res, nil, fmt.Errorf("creating %s: %w", runDir, err)
	}
	for _, p := range []*string{&res.JSONL, &res.Markdown} {
		name := *p
		local := filepath.Join(runDir, path.Base(name))
		info, err := q.transcripts.GetInfo(ctx, name)
		if err != nil {
			return res, kept, fmt.Errorf("looking up %s in %s: %w", name, TranscriptsBucket, err)
		}
		st, statErr := os.Stat(local)
		if statErr == nil && st.Size() == int64(info.Size) {
			*p = local
			continue
		}
		data, err := q.transcripts.GetBytes(ctx, name)
		if err != nil {
			return res, kept, fmt.Errorf("downloading %s from %s: %w", name, TranscriptsBucket, err)
		}
		tmp := local + ".tmp"
		if err := os.WriteFile(tmp, data, 0o600); err != nil {
			return res, kept, fmt.Errorf("writing %s: %w", local, err)
		}
		if statErr == nil {
			mine, err := os.ReadFile(local)
			// A file the queue's copy goes on from is an earlier state of
			// the conversation (the failure a retry continued), all of
			// which the queue's copy holds: it is replaced.
			if err != nil || !continues(mine, data, filepath.Ext(local) == ".md") {
				side := ""
				if err == nil {
					side, err = transcripts.KeepAside(local, ".local", mine)
				}
				if err != nil {
					os.Remove(tmp)
					return res, kept, fmt.Errorf("keeping %s, which differs from the queue's copy, before writing that: %w", local, err)
				}
				kept = append(kept, fmt.Sprintf("%s differed from the queue's copy, which is now there; the file that was there is kept as %s", local, side))
			}
		}
		if err := os.Rename(tmp, local); err != nil {
			return res, kept, fmt.Errorf("writing %s: %w", local, err)
		}
		*p = local
	}
	return res, kept, nil
}

// continues reports whether theirs, the queue's copy of a transcript file,
// goes on from mine, the batch folder's: a JSONL that starts with every
// byte of mine, or a Markdown whose messages start with all of mine's
// (the header aside, which parley rewrites as a conversation goes on).
// Mine is then an earlier state of the same conversation (a failure a
// retry continued, say), all of which theirs holds.
func continues(mine, theirs []byte, markdown bool) bool {
	if !markdown {
		return bytes.HasPrefix(theirs, mine)
	}
	const rule = "\n---\n\n"
	i, j := bytes.Index(mine, []byte(rule)), bytes.Index(theirs, []byte(rule))
	return i >= 0 && j >= 0 && bytes.HasPrefix(theirs[j+len(rule):], mine[i+len(rule):])
}

// Collected is what Collect fetched.
type Collected struct {
	Manifest *batch.Manifest
	Results  []batch.Result
	Summary  *batch.Summary
	Kept     []string // a sentence for each local file that differed, kept beside the queue's copy
}

// Collect downloads a batch's finished transcripts into dir (dir/runs/JOB/),
// writes its manifest (dir/batch.json) unless dir already holds it, and
// writes the summary of the jobs finished so far (dir/summary.json and
// dir/summary.md). The wall time is the one the batch command stored when
// it followed the batch to its end, otherwise the span from the batch's
// creation to the last conversation's end.
func (q *Queue) Collect(ctx context.Context, batchID, dir string) (*Collected, error) {
	m, err := q.Manifest(ctx, batchID)
	if err != nil {
		return nil, err
	}
	// Only a folder without a batch.json is one to write it in; one whose
	// batch.json cannot be read (edited by hand, say) is said as it is.
	switch prev, err := batch.ReadManifest(dir); {
	case errors.Is(err, fs.ErrNotExist):
		if err := batch.WriteManifest(dir, m); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, err
	case prev.ID != m.ID:
		return nil, fmt.Errorf("%s holds batch %s, not %s; choose another --out", dir, prev.ID, m.ID)
	}
	records, err := q.Records(ctx, m)
	if err != nil {
		return nil, err
	}
	c := &Collected{Manifest: m}
	var last time.Time
	for _, r := range records {
		res, kept, err := q.Download(ctx, r, dir)
		c.Kept = append(c.Kept, kept...)
		if err != nil {
			return c, err
		}
		c.Results = append(c.Results, res)
		if res.Ended.After(last) {
			last = res.Ended
		}
	}
	wall := time.Duration(0)
	if s := q.storedSummary(ctx, batchID); s != nil && s.Done+s.Failed == len(c.Results) {
		wall = s.Wall
	} else if !last.IsZero() {
		wall = last.Sub(m.Created)
	}
	if c.Summary, err = q.Summarize(ctx, m, c.Results, wall); err != nil {
		return c, err
	}
	return c, c.Summary.Write(dir)
}

// Summarize is batch.Summarize for a batch on the queue: the jobs a worker
// has taken and not finished (running, or interrupted and handed back to
// be continued) are counted as such, not as not started.
//
// What those jobs recorded, as their workers stored it, counts in the
// tokens, cost, retries and model time, as a local batch counts an
// interrupted conversation's completed messages.
func (q *Queue) Summarize(ctx context.Context, m *batch.Manifest, results []batch.Result, wall time.Duration) (*batch.Summary, error) {
	finished := map[string]bool{}
	for _, r := range results {
		finished[r.ID] = true
	}
	spent, spentErr := q.unfinishedSpent(ctx, m, finished)
	s := batch.SummarizeSpent(m, results, spent, wall)
	if spentErr != nil {
		spentErr = fmt.Errorf("reading what the unfinished conversations of batch %s recorded: %w", m.ID, spentErr)
	}
	n, err := q.taken(ctx, m, finished)
	if err != nil {
		return s, errors.Join(spentErr, fmt.Errorf("counting the jobs of batch %s that workers hold: %w", m.ID, err))
	}
	s.SetUnfinished(n)
	return s, spentErr
}

// unfinishedSpent reads what the stored running transcripts of the jobs of
// m not in finished hold, each as a result of its own.
func (q *Queue) unfinishedSpent(ctx context.Context, m *batch.Manifest, finished map[string]bool) ([]batch.Result, error) {
	partials, err := q.Partials(ctx, m.ID)
	if err != nil {
		return nil, err
	}
	stored := map[string]bool{}
	for _, p := range partials {
		stored[p.Job] = true
	}
	var out []batch.Result
	for i := range m.Jobs {
		job := m.Job(i)
		if finished[job.ID] || !stored[job.ID] {
			continue
		}
		data, err := q.PartialJSONL(ctx, m.ID, job.ID)
		if errors.Is(err, jetstream.ErrObjectNotFound) {
			continue // finished since it was listed
		}
		if err != nil {
			return out, err
		}
		t, err := transcripts.ParseJSONL(data)
		if err != nil {
			continue // nothing it holds can be counted
		}
		r := batch.ResultFromTranscript(t, nil)
		job.Identify(&r)
		out = append(out, r)
	}
	return out, nil
}

// taken counts the jobs of m not in finished that a worker has taken: a
// worker stored its transcript so far (it began, and may have been
// interrupted and handed back), or the job's message is still on the
// stream and the workers' consumer has delivered it at least once (it
// delivers new messages in stream order). A consumer set up again by
// Reclaim has delivered nothing yet, so the transcripts tell the jobs
// handed back from those never begun.
func (q *Queue) taken(ctx context.Context, m *batch.Manifest, finished map[string]bool) (int, error) {
	partials, err := q.Partials(ctx, m.ID)
	if err != nil {
		return 0, err
	}
	begun := map[string]bool{}
	for _, p := range partials {
		begun[p.Job] = true
	}
	delivered := uint64(0)
	c, err := q.stream.Consumer(ctx, ConsumerName)
	switch {
	case errors.Is(err, jetstream.ErrConsumerNotFound):
	case err != nil:
		return 0, err
	default:
		info, err := c.Info(ctx)
		if err != nil {
			return 0, err
		}
		delivered = info.Delivered.Stream
	}
	n := 0
	for _, j := range m.Jobs {
		if finished[j.ID] {
			continue
		}
		if begun[j.ID] {
			n++
			continue
		}
		if delivered == 0 {
			continue
		}
		msg, err := q.stream.GetLastMsgForSubject(ctx, subject(m.ID, j.ID))
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue
		}
		if err != nil {
			return n, err
		}
		if msg.Sequence <= delivered {
			n++
		}
	}
	return n, nil
}

// Partial is the stored JSONL of a conversation still running (or left by
// a worker that died).
type Partial struct {
	Batch, Job string
	Worker     string // the worker that uploaded it
	Messages   int    // the completed messages it holds
	Modified   time.Time
}

// Partials lists the running conversations' stored JSONL, of one batch or
// (batchID "") of all.
func (q *Queue) Partials(ctx context.Context, batchID string) ([]Partial, error) {
	infos, err := q.transcripts.List(ctx)
	if errors.Is(err, jetstream.ErrNoObjectsFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Partial
	for _, info := range infos {
		b, rest, ok := strings.Cut(info.Name, "/partial/")
		if !ok || (batchID != "" && b != batchID) {
			continue
		}
		n, _ := strconv.Atoi(info.Metadata["messages"])
		out = append(out, Partial{Batch: b, Job: strings.TrimSuffix(rest, ".jsonl"), Worker: info.Metadata["worker"],
			Messages: n, Modified: info.ModTime})
	}
	return out, nil
}

// Unkept lists, sorted, the jobs of batch m whose running transcript the
// queue still stores while their result in results names no transcript:
// what the queue holds of those conversations and the batch folder does
// not. A worker stores such a transcript with the job's result, failed
// or not, whenever it can read it.
func (q *Queue) Unkept(ctx context.Context, m *batch.Manifest, results []batch.Result) ([]string, error) {
	partials, err := q.Partials(ctx, m.ID)
	if err != nil {
		return nil, err
	}
	with := map[string]bool{}
	for _, r := range results {
		with[r.ID] = r.JSONL != ""
	}
	var out []string
	for _, p := range partials {
		if has, ok := with[p.Job]; ok && !has {
			out = append(out, p.Job)
		}
	}
	slices.Sort(out)
	return out, nil
}

// PartialJSONL returns the stored JSONL of a running conversation.
func (q *Queue) PartialJSONL(ctx context.Context, batchID, jobID string) ([]byte, error) {
	return q.transcripts.GetBytes(ctx, partialObject(batchID, jobID))
}
