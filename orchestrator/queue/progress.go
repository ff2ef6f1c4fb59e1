package queue

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/parleyhq/parley/orchestrator/batch"
)

// Progress counts a queued batch while the batch command follows it: the
// results as they are stored, and the messages and tokens of the
// conversations still running, as their workers upload them (after each
// message, at most every UploadEvery). Results of an earlier session count
// as finished before: they are left out of the rate and the ETA, as are
// the messages the running conversations held when it began. The rate
// counts the messages agents said, as a local batch's does: not an
// opening, nor a line typed in. Its methods are safe for concurrent use.
type Progress struct {
	q     *Queue
	m     *batch.Manifest
	start time.Time
	w     jetstream.ObjectWatcher
	done  chan struct{}

	mu      sync.Mutex
	snap    batch.Snapshot
	before  map[string]bool         // jobs finished in an earlier session
	results map[string]bool         // jobs with a result
	running map[string]partialTally // jobs without a result: what their workers stored
	saidAt  map[string]int          // the messages agents said in each job's stored transcript as the session began
	said    int                     // the messages agents said this session in the jobs it finished
}

// partialTally is what a running conversation's stored JSONL holds: its
// messages, those of them an agent said, and the agents' tokens.
type partialTally struct{ messages, said, in, out int }

// Progress starts counting batch m: it reads the results stored so far and
// the running conversations' stored transcripts, and follows the latter
// until Stop. Pass each Record that Follow hands over to Record. before
// names the jobs finished in an earlier session (Submitted.Before): a
// result stored since the batch was submitted, by a worker quicker than
// this call, is this session's, left for Follow to hand over. With before
// nil, every result stored so far is an earlier session's.
func (q *Queue) Progress(ctx context.Context, m *batch.Manifest, before map[string]bool) (*Progress, error) {
	p := &Progress{q: q, m: m, start: time.Now(), done: make(chan struct{}),
		before: map[string]bool{}, results: map[string]bool{}, running: map[string]partialTally{}, saidAt: map[string]int{}}
	p.snap.Total = len(m.Jobs)
	records, err := q.Records(ctx, m)
	if err != nil {
		return nil, err
	}
	for _, r := range records {
		if before != nil && !before[r.ID] {
			continue // this session's: Record counts it when Follow hands it over
		}
		p.before[r.ID] = true
		p.results[r.ID] = true
		p.snap.Skipped++
		p.add(r.Result)
	}
	p.w, err = q.transcripts.Watch(ctx)
	if err != nil {
		return nil, fmt.Errorf("watching the running transcripts of batch %s: %w", m.ID, err)
	}
	// The stored transcripts first, up to the marker that says so: what
	// they hold was recorded before this session.
	for info := range p.w.Updates() {
		if info == nil {
			break
		}
		p.partial(info)
	}
	for job, t := range p.running {
		p.snap.MessagesBefore += t.messages
		p.saidAt[job] = t.said
	}
	p.snap.MessagesBefore += p.snap.Messages
	go func() {
		defer close(p.done)
		for info := range p.w.Updates() {
			if info != nil {
				p.mu.Lock()
				p.partial(info)
				p.mu.Unlock()
			}
		}
	}()
	return p, nil
}

// add counts a finished job's messages, tokens and retries.
func (p *Progress) add(r batch.Result) {
	p.snap.Messages += r.Messages
	for _, t := range r.Tokens {
		p.snap.TokensIn += t.In
		p.snap.TokensOut += t.Out
	}
	p.snap.Retries += r.Retries
}

// partial takes note of an upload (or removal) of a running transcript.
func (p *Progress) partial(info *jetstream.ObjectInfo) {
	rest, ok := strings.CutPrefix(info.Name, p.m.ID+"/partial/")
	if !ok {
		return
	}
	job := strings.TrimSuffix(rest, ".jsonl")
	if info.Deleted || p.results[job] {
		// A worker removes the transcript once the job's result is
		// stored, but that result may reach Record after the removal
		// reaches here: the messages stay counted until it does.
		return
	}
	n, _ := strconv.Atoi(info.Metadata["messages"])
	said, _ := strconv.Atoi(info.Metadata["said"]) // none from a worker of an earlier parley
	in, _ := strconv.Atoi(info.Metadata["tokens_in"])
	out, _ := strconv.Atoi(info.Metadata["tokens_out"])
	p.running[job] = partialTally{n, said, in, out}
}

// Before reports whether job id had its result stored before this
// session began following the batch.
func (p *Progress) Before(id string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.before[id]
}

// Record counts a job's stored result, once.
func (p *Progress) Record(r Record) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.results[r.ID] {
		return
	}
	p.results[r.ID] = true
	delete(p.running, r.ID)
	p.said += max(r.Said-p.saidAt[r.ID], 0)
	switch r.State {
	case batch.StateDone:
		p.snap.Done++
	default:
		p.snap.Failed++
	}
	p.add(r.Result)
}

// Snapshot is the progress now: finished and running conversations'
// messages and tokens over every session, and Running the jobs workers
// hold. The queue counts those of every batch on it together, so Running
// is at most this batch's jobs without a result: exact while the batch is
// alone on the queue, as it usually is.
func (p *Progress) Snapshot(ctx context.Context) batch.Snapshot {
	p.mu.Lock()
	s := p.snap
	s.Generated = p.said
	for job, t := range p.running {
		s.Messages += t.messages
		s.TokensIn += t.in
		s.TokensOut += t.out
		s.Generated += max(t.said-p.saidAt[job], 0)
	}
	p.mu.Unlock()
	s.Running = min(p.q.Running(ctx), s.Total-s.Skipped-s.Done-s.Failed)
	s.Elapsed = time.Since(p.start)
	s.Rates()
	return s
}

// Stop ends the watch of the running transcripts.
func (p *Progress) Stop() {
	p.w.Stop()
	<-p.done
}
