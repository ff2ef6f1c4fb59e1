package queue

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/parleyhq/parley/internal/phrase"
	"github.com/parleyhq/parley/orchestrator"
	"github.com/parleyhq/parley/orchestrator/batch"
	"github.com/parleyhq/parley/transcripts"
)

// Worker pulls jobs from the queue and runs their conversations.
type Worker struct {
	Queue *Queue
	// Name identifies the worker in records and log lines (default:
	// host-pid).
	Name string
	// Parallel is how many conversations run at once (default 1).
	Parallel int
	// Getenv looks up API keys; nil means os.Getenv.
	Getenv func(string) string
	// Pace, when set, overrides replay and scripted agents' pace.
	Pace *time.Duration
	// LimitWindow is the span each per_minute limit counts over (0: a
	// minute). Tests shorten it.
	LimitWindow time.Duration
	// UploadEvery is the least time between two uploads of a running
	// conversation's JSONL (0: one second). An upload follows each
	// finished message once that time has passed.
	UploadEvery time.Duration
	// MaxDeliveries is how many times a job may be handed out before a
	// worker records it as failed instead of running it again (0: 10).
	MaxDeliveries int
	// Log, when set, receives one line per job started and finished.
	Log func(string)
	// Warn receives warnings, such as a key sent over plain HTTP.
	Warn func(string)

	mu      sync.Mutex
	clients map[string]*batchClient
	lastLog string
	lastAt  time.Time
}

// batchClient is the HTTP client every job of one batch shares on this
// worker, with the batch's shared limiters.
type batchClient struct {
	client   *http.Client
	limiters []*SharedLimiter
	err      error
}

func (w *Worker) logf(format string, args ...any) {
	if w.Log != nil {
		w.Log(fmt.Sprintf("%s %s", w.Name, fmt.Sprintf(format, args...)))
	}
}

// logOnce logs a line unless the same one was logged within 30 seconds.
func (w *Worker) logOnce(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	w.mu.Lock()
	repeat := line == w.lastLog && time.Since(w.lastAt) < 30*time.Second
	if !repeat {
		w.lastLog, w.lastAt = line, time.Now()
	}
	w.mu.Unlock()
	if !repeat {
		w.logf("%s", line)
	}
}

// Run pulls and runs jobs, Parallel at a time, until ctx is cancelled.
// Conversations still running then are finalized as interrupted, their
// JSONL uploaded, and their jobs handed back to the queue at once, so
// another worker continues them.
func (w *Worker) Run(ctx context.Context) error {
	if w.Name == "" {
		host, _ := os.Hostname()
		w.Name = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	if err := checkID("worker name", w.Name); err != nil {
		return err
	}
	cons, err := w.Queue.consumer(ctx, 0)
	if err != nil {
		return fmt.Errorf("joining the queue's consumer %s: %w", ConsumerName, err)
	}
	defer w.closeClients()
	parallel := max(w.Parallel, 1)
	var wg sync.WaitGroup
	for range parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				fetchCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
				msg, err := cons.Next(jetstream.FetchContext(fetchCtx))
				cancel()
				if err != nil {
					if ctx.Err() != nil {
						return
					}
					if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, jetstream.ErrNoMessages) ||
						errors.Is(err, nats.ErrTimeout) {
						continue
					}
					// The server may be restarting: wait a little, then pull again.
					w.logOnce("cannot pull a job: %v (retrying every second)", err)
					select {
					case <-ctx.Done():
					case <-time.After(time.Second):
					}
					continue
				}
				if err := w.handle(ctx, cons, msg); err != nil {
					w.logf("settling a job: %v", err)
				}
			}
		}()
	}
	wg.Wait()
	return nil
}

func (w *Worker) closeClients() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, c := range w.clients {
		batch.CloseIdle(c.client)
		for _, l := range c.limiters {
			s := l.Stats()
			if s.Requests > 0 {
				w.logf("shared limit %s: %d requests, %d waited %s in all, %d write conflicts, %d 429s passed on",
					s.Name, s.Requests, s.Waited, s.WaitTotal.Round(time.Millisecond), s.Conflicts, s.Throttled)
			}
		}
	}
}

// handle runs one job and settles its message. It returns an error only
// for what stops the worker as a whole.
func (w *Worker) handle(ctx context.Context, cons jetstream.Consumer, msg jetstream.Msg) error {
	// Settling the message must work even once ctx is cancelled.
	bg := context.WithoutCancel(ctx)
	var m Message
	if err := json.Unmarshal(msg.Data(), &m); err != nil || m.Batch == "" || m.Job.ID == "" {
		w.logf("dropping a message on %s that is not a parley job", msg.Subject())
		return msg.Term()
	}
	meta, err := msg.Metadata()
	if err != nil {
		return msg.Nak()
	}
	key := resultKey(m.Batch, m.Job.ID)
	if _, err := w.Queue.results.Get(ctx, key); err == nil {
		// A worker stored the result but died before its ack.
		w.logf("%s already has a result", m.Job.ID)
		return ackNow(bg, msg)
	}
	rec := Record{Batch: m.Batch, Worker: w.Name, Deliveries: int(meta.NumDelivered)}
	maxDeliveries := w.MaxDeliveries
	if maxDeliveries <= 0 {
		maxDeliveries = 10
	}
	if int(meta.NumDelivered) > maxDeliveries {
		rec.Result = batch.Result{ID: m.Job.ID, ScenarioPath: m.Job.ScenarioPath, Vary: batch.ShownValues(m.Job.Vary), State: batch.StateFailed,
			Error: fmt.Sprintf("the job was handed to workers %d times and none finished it; see the workers' logs", meta.NumDelivered-1)}
		return w.failKeeping(bg, msg, m, key, rec)
	}

	ackWait := DefaultAckWait
	if info, err := cons.Info(ctx); err == nil && info.Config.AckWait > 0 {
		ackWait = info.Config.AckWait
	}
	env, err := w.env(ctx, m.Batch)
	// A conversation whose failure the batch command withdrew goes on
	// from what it recorded, its error stop and all, as a local batch
	// --retry-failed continues it.
	env.RetryFailed = m.Retry
	var bad *badBatchError
	switch {
	case errors.As(err, &bad):
		// No worker can run the batch's jobs: record the reason once.
		rec.Result = batch.Result{ID: m.Job.ID, ScenarioPath: m.Job.ScenarioPath, Vary: batch.ShownValues(m.Job.Vary), State: batch.StateFailed, Error: err.Error()}
		return w.failKeeping(bg, msg, m, key, rec)
	case err != nil:
		w.logf("%s: %v; handing the job back", m.Job.ID, err)
		return msg.NakWithDelay(time.Second)
	}

	dir, resumed, stop := w.jobFolder(ctx, msg, m)
	if dir == "" {
		return stop
	}
	defer os.RemoveAll(dir)
	if resumed >= 0 {
		w.logf("%s started (delivery %d), resuming after %s", m.Job.ID, meta.NumDelivered, phrase.Count(resumed, "message", "messages"))
	} else {
		w.logf("%s started (delivery %d)", m.Job.ID, meta.NumDelivered)
	}

	// Keep the job: in-progress acks every third of AckWait, and an upload
	// of the JSONL after each finished message.
	finished := make(chan struct{}, 1)
	env.Sinks = func(batch.Job) []orchestrator.Sink {
		return []orchestrator.Sink{orchestrator.SinkFunc(func(e orchestrator.Event) error {
			if _, ok := e.(orchestrator.MessageFinished); ok {
				select {
				case finished <- struct{}{}:
				default:
				}
			}
			return nil
		})}
	}
	up := &uploader{q: w.Queue, m: m, dir: dir, worker: w.Name}
	keepDone := make(chan struct{})
	var keepWG sync.WaitGroup
	keepWG.Add(1)
	go func() {
		defer keepWG.Done()
		w.keepAlive(bg, msg, ackWait, finished, keepDone, up)
	}()
	res, runErr := batch.RunJob(ctx, m.Job, dir, env)
	close(keepDone)
	keepWG.Wait()

	if ctx.Err() != nil || res.State == batch.StateInterrupted {
		// The worker is stopping: keep what was recorded and hand the job
		// back for another worker to continue.
		if err := up.upload(bg, true); err != nil {
			w.logf("%s: uploading the interrupted transcript: %v", m.Job.ID, err)
		}
		w.logf("%s interrupted after %s; handed back to the queue", m.Job.ID, phrase.Count(res.Messages, "message", "messages"))
		return msg.Nak()
	}
	if runErr != nil && res.JSONL == "" && res.Error == "" {
		res.Error = runErr.Error()
	}
	rec.Result = res
	return w.store(bg, msg, key, rec, up)
}

// jobFolder makes the temporary folder a job's transcript is kept in and
// fetches into it what a worker stored of the job so far: resumed is its
// messages, -1 when none is stored. When either fails, the job is handed
// back, dir is "" and stop is what the caller returns; else the caller
// removes dir once done.
func (w *Worker) jobFolder(ctx context.Context, msg jetstream.Msg, m Message) (dir string, resumed int, stop error) {
	dir, err := os.MkdirTemp("", "parley-job-")
	if err != nil {
		msg.NakWithDelay(time.Second)
		return "", 0, fmt.Errorf("a folder for the job's transcript: %w", err)
	}
	if resumed, err = w.fetchPartial(ctx, m, dir); err != nil {
		os.RemoveAll(dir)
		w.logf("%s: %v", m.Job.ID, err)
		return "", 0, msg.NakWithDelay(time.Second)
	}
	return dir, resumed, nil
}

// failKeeping stores rec, a failure decided before the job could run,
// with the transcript a worker stored of the job so far, when the queue
// holds one: the failed conversation keeps the messages it had, as one
// that fails while it runs does.
func (w *Worker) failKeeping(ctx context.Context, msg jetstream.Msg, m Message, key string, rec Record) error {
	dir, n, stop := w.jobFolder(ctx, msg, m)
	if dir == "" {
		return stop
	}
	defer os.RemoveAll(dir)
	if n < 0 {
		return w.store(ctx, msg, key, rec, nil)
	}
	res, ok, err := batch.FailRecorded(m.Job, dir, rec.Error)
	if !ok {
		// The stored transcript stays on the queue, for a person to
		// look at: store removes it only with a result that holds one.
		w.logf("%s: cannot keep its running transcript with its failure: %v", m.Job.ID, err)
		return w.store(ctx, msg, key, rec, nil)
	}
	rec.Result = res
	return w.store(ctx, msg, key, rec, &uploader{q: w.Queue, m: m, dir: dir, worker: w.Name})
}

// keepAlive sends in-progress acks and uploads the running JSONL until
// done is closed.
func (w *Worker) keepAlive(ctx context.Context, msg jetstream.Msg, ackWait time.Duration, finished, done <-chan struct{}, up *uploader) {
	every := max(ackWait/3, 100*time.Millisecond)
	tick := time.NewTicker(every)
	defer tick.Stop()
	minGap := w.UploadEvery
	if minGap <= 0 {
		minGap = time.Second
	}
	var last time.Time
	var pending bool
	var gap <-chan time.Time
	upload := func() {
		if err := up.upload(ctx, false); err != nil {
			w.logf("%s: uploading the running transcript: %v", up.m.Job.ID, err)
		}
		last, pending, gap = time.Now(), false, nil
	}
	for {
		select {
		case <-done:
			return
		case <-tick.C:
			if err := msg.InProgress(); err != nil {
				w.logf("%s: in-progress ack: %v", up.m.Job.ID, err)
			}
		case <-finished:
			if since := time.Since(last); since >= minGap {
				upload()
			} else if !pending {
				pending = true
				gap = time.After(minGap - since)
			}
		case <-gap:
			upload()
		}
	}
}

// store uploads the finished transcript, creates the job's record and
// only then acks the job. When another worker stored the job's record
// first, this worker's copy is removed and the job acked: the record
// bucket keeps exactly one result per job.
func (w *Worker) store(ctx context.Context, msg jetstream.Msg, key string, rec Record, up *uploader) error {
	rec.Worker = w.Name
	attempt := fmt.Sprintf("%s-%d", w.Name, rec.Deliveries)
	var uploaded []string
	if up != nil && rec.JSONL != "" {
		for _, local := range []string{rec.JSONL, rec.Markdown} {
			name := runObject(rec.Batch, rec.ID, attempt, filepath.Base(local))
			data, err := os.ReadFile(local)
			if err != nil {
				w.logf("%s: reading %s: %v", rec.ID, local, err)
				return msg.NakWithDelay(time.Second)
			}
			if local == rec.JSONL {
				rec.Said = tally(data).said
			}
			if _, err := w.Queue.transcripts.PutBytes(ctx, name, data); err != nil {
				w.logf("%s: storing %s: %v", rec.ID, name, err)
				return msg.NakWithDelay(time.Second)
			}
			uploaded = append(uploaded, name)
		}
		rec.JSONL, rec.Markdown = uploaded[0], uploaded[1]
	} else {
		rec.JSONL, rec.Markdown = "", ""
	}
	data, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	_, err = w.Queue.results.Create(ctx, key, data)
	switch {
	case err == nil:
		w.logf("%s %s after %s (%s)", rec.ID, rec.State, phrase.Count(rec.Messages, "message", "messages"), describeStop(rec.Result))
	case errors.Is(err, jetstream.ErrKeyExists) || isWrongLastSequence(err):
		w.logf("%s: another worker stored its result first; dropping this copy", rec.ID)
		for _, name := range uploaded {
			w.Queue.transcripts.Delete(ctx, name)
		}
	default:
		// Not stored, so not acked: the job comes back.
		w.logf("%s: storing the result: %v", rec.ID, err)
		return msg.NakWithDelay(time.Second)
	}
	if err := ackNow(ctx, msg); err != nil {
		return nil // the next delivery finds the record and acks
	}
	if rec.JSONL == "" {
		// A result with no transcript: the running one stored before,
		// if any, is all there is of the conversation, and stays.
		return nil
	}
	if err := w.Queue.transcripts.Delete(ctx, partialObject(rec.Batch, rec.ID)); err != nil && !errors.Is(err, jetstream.ErrObjectNotFound) {
		w.logf("%s: removing the running transcript: %v", rec.ID, err)
	}
	return nil
}

func describeStop(r batch.Result) string {
	switch {
	case r.Stop.Reason != "":
		return r.Stop.Reason
	case r.Error != "":
		return r.Error
	}
	return r.State
}

func ackNow(ctx context.Context, msg jetstream.Msg) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return msg.DoubleAck(ctx)
}

// env returns what jobs of batchID run with on this worker: one HTTP
// client per batch, with its local limits and replicas (from the batch's
// manifest) and its per-minute limits shared by every worker.
func (w *Worker) env(ctx context.Context, batchID string) (batch.Env, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.clients == nil {
		w.clients = map[string]*batchClient{}
	}
	c := w.clients[batchID]
	if c == nil {
		c = w.newClient(ctx, batchID)
		var bad *badBatchError
		if c.err != nil && !errors.As(c.err, &bad) {
			return batch.Env{}, c.err // not cached: the next job tries again
		}
		w.clients[batchID] = c
	}
	if c.err != nil {
		return batch.Env{}, c.err
	}
	return batch.Env{HTTPClient: c.client, Getenv: w.Getenv, Pace: w.Pace, Warn: w.Warn}, nil
}

// badBatchError is a batch no worker can run: its manifest is missing or
// does not load.
type badBatchError struct{ err error }

func (e *badBatchError) Error() string { return e.err.Error() }
func (e *badBatchError) Unwrap() error { return e.err }

func (w *Worker) newClient(ctx context.Context, batchID string) *batchClient {
	m, err := w.Queue.Manifest(ctx, batchID)
	if err != nil {
		if errors.Is(err, jetstream.ErrObjectNotFound) || errors.Is(err, errBadManifest) {
			err = &badBatchError{err}
		}
		return &batchClient{err: err}
	}
	scenarios, err := m.LoadScenarios()
	if err != nil {
		return &batchClient{err: &badBatchError{err}}
	}
	perMinute, prefixes, local := sharedLimits(scenarios)
	limiters := map[string]*SharedLimiter{}
	var order []*SharedLimiter
	var routes []sharedRoute
	for prefix, name := range prefixes {
		l := limiters[name]
		if l == nil {
			l = w.Queue.NewSharedLimiter(name, perMinute[name], w.LimitWindow)
			limiters[name] = l
			order = append(order, l)
		}
		routes = append(routes, sharedRoute{prefix: prefix, lim: l})
	}
	sort.Slice(routes, func(i, j int) bool { return len(routes[i].prefix) > len(routes[j].prefix) })
	client, _, _, err := batch.NewHTTPClientVia(local, max(w.Parallel, 1), func(base http.RoundTripper) http.RoundTripper {
		if len(routes) == 0 {
			return base
		}
		return &sharedTransport{base: base, routes: routes}
	})
	if err != nil {
		return &batchClient{err: err}
	}
	return &batchClient{client: client, limiters: order}
}

// fetchPartial writes the job's stored running JSONL, if any, into dir,
// where batch.RunJob continues it. It returns how many completed messages
// it holds, or -1 when there was none.
func (w *Worker) fetchPartial(ctx context.Context, m Message, dir string) (int, error) {
	name := partialObject(m.Batch, m.Job.ID)
	info, err := w.Queue.transcripts.GetInfo(ctx, name)
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return -1, nil
	}
	if err != nil {
		return -1, fmt.Errorf("looking up the running transcript %s: %w", name, err)
	}
	data, err := w.Queue.transcripts.GetBytes(ctx, name)
	if err != nil {
		return -1, fmt.Errorf("downloading the running transcript %s: %w", name, err)
	}
	file := filepath.Base(info.Metadata["file"])
	if file == "." || file == "/" || !strings.HasSuffix(file, ".jsonl") {
		file = m.Job.ID + ".jsonl"
	}
	if err := os.WriteFile(filepath.Join(dir, file), data, 0o600); err != nil {
		return -1, err
	}
	n, _ := strconv.Atoi(info.Metadata["messages"])
	return n, nil
}

// uploader puts a running conversation's JSONL in the object store.
type uploader struct {
	q      *Queue
	m      Message
	dir    string
	worker string
	size   int
}

// upload stores the complete lines of the JSONL in dir when they grew
// since the last upload (always when final).
func (u *uploader) upload(ctx context.Context, final bool) error {
	found, _ := filepath.Glob(filepath.Join(u.dir, "*.jsonl"))
	if len(found) != 1 {
		return nil
	}
	data, err := os.ReadFile(found[0])
	if err != nil {
		return err
	}
	// Only whole lines: a line being written is left for the next upload.
	if i := bytes.LastIndexByte(data, '\n'); i >= 0 {
		data = data[:i+1]
	} else {
		return nil
	}
	if len(data) == u.size && !final {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	err = u.q.putPartial(ctx, u.m.Batch, u.m.Job.ID, filepath.Base(found[0]), u.worker, data)
	if err == nil {
		u.size = len(data)
	}
	return err
}

// putPartial stores data, the JSONL file of job jobID of batch batchID,
// as the job's running transcript, which the worker that takes the job
// next continues; worker names who stored it.
func (q *Queue) putPartial(ctx context.Context, batchID, jobID, file, worker string, data []byte) error {
	t := tally(data)
	_, err := q.transcripts.Put(ctx, jetstream.ObjectMeta{
		Name: partialObject(batchID, jobID),
		Metadata: map[string]string{
			"file":       file,
			"worker":     worker,
			"messages":   strconv.Itoa(t.messages),
			"said":       strconv.Itoa(t.said),
			"tokens_in":  strconv.Itoa(t.in),
			"tokens_out": strconv.Itoa(t.out),
		},
	}, bytes.NewReader(data))
	return err
}

// tally counts the complete messages a JSONL holds, as a job's Result
// counts them (moderator notes left out), those of them an agent said
// (not an opening, nor a line typed in), and the agents' tokens.
func tally(data []byte) partialTally {
	var out partialTally
	t, err := transcripts.ParseJSONL(data)
	if err != nil {
		return out
	}
	for _, m := range t.Messages {
		if m.Partial || m.Origin == transcripts.OriginModerator {
			continue
		}
		out.messages++
		if m.Origin != transcripts.OriginAgent {
			continue
		}
		out.said++
		if m.Usage != nil {
			out.in += m.Usage.PromptTokens
			out.out += m.Usage.CompletionTokens
		}
	}
	return out
}
