package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/spf13/cobra"

	"github.com/parleyhq/parley/internal/controls"
	"github.com/parleyhq/parley/internal/phrase"
	"github.com/parleyhq/parley/orchestrator/batch"
	"github.com/parleyhq/parley/orchestrator/queue"
	"github.com/parleyhq/parley/transcripts"
)

// Batches across machines: `parley batch --queue` puts the jobs on a NATS
// JetStream queue, `parley worker` runs them on any number of hosts, and
// `parley collect` fetches the transcripts and the summary.

func init() { commands = append(commands, newWorkerCmd, newCollectCmd) }

// queuedFinished reports true, saying so, when every conversation of the
// batch in dir, run on a queue, ended, as its folder records it: a batch
// that ran to its end removed its embedded queue, and is not staged
// again, nor is its summary written again. With retryFailed, one whose
// conversations failed is not finished: its failures are still to run;
// without, it is left as it is too, and the error returned counts them
// and names the command that continues them, resume --retry-failed
// (resume is the command that resumes the batch on its queue), unless
// its queue holds a retry of any of them, which retrying counts, given
// the failures by job id: a retry interrupted before it ended leaves the
// folder recording the failure it continues, and the queue its job, which
// the resume runs (or its result, which the resume fetches).
func queuedFinished(out io.Writer, dir string, m *batch.Manifest, resume string, retryFailed bool, retrying func(failed map[string]bool) (int, error)) (bool, error) {
	e, err := folderEndings(dir, m)
	if err != nil {
		return false, failureErr(err)
	}
	if !e.finished(len(m.Jobs), retryFailed) {
		return false, nil
	}
	if e.failed > 0 {
		n, err := retrying(e.failedIDs)
		if err != nil {
			return false, failureErr(err)
		}
		if n > 0 {
			return false, nil
		}
		return true, failedLeft(dir, m, e.failed, resume)
	}
	all := fmt.Sprintf("all %d conversations have their transcripts", len(m.Jobs))
	if len(m.Jobs) == 1 {
		all = "its conversation has its transcript"
	}
	fmt.Fprintf(out, "Batch %s in %s is finished: %s in %s; its summary is %s\n",
		m.ID, dir, all, filepath.Join(dir, batch.RunsDir), filepath.Join(dir, "summary.md"))
	return true, nil
}

// failedLeft is the failure of a resume that leaves the batch m in dir as
// it is, since nothing is left to run but its failed conversations, which
// it counts, with the command that continues them: resume --retry-failed.
// A batch with any failed conversation exits 1, resumed or not.
func failedLeft(dir string, m *batch.Manifest, failed int, resume string) error {
	of := fmt.Sprintf(" (of %d)", len(m.Jobs))
	switch {
	case len(m.Jobs) == 1:
		of = ""
	case failed == len(m.Jobs):
		of = " (all of them)"
	}
	where := filepath.Join(dir, "summary.md")
	if !summarized(dir) {
		where = filepath.Join(dir, batch.RunsDir)
	}
	return failureErr(fmt.Errorf("batch %s in %s has nothing left to run but its %s%s, %s %s; once the cause is fixed, continue %s with: %s --retry-failed",
		m.ID, dir, phrase.Count(failed, "failed conversation", "failed conversations"), of,
		phrase.Noun(failed, "whose error is in", "whose errors are in"), where, phrase.Noun(failed, "it", "them"), resume))
}

// endings is what the folder of a batch run on a queue records of how its
// conversations ended: by their transcripts, each stopped by an end (not
// an interruption). A conversation that failed before it recorded
// anything has none, and is not counted.
type endings struct {
	ended     int             // conversations that ended, done or failed
	failed    int             // of them, those that failed
	failedIDs map[string]bool // their job ids
}

// finished reports whether a batch of n conversations with e has nothing
// left to run: every one ended, and with retryFailed, none failed.
func (e endings) finished(n int, retryFailed bool) bool {
	return e.ended == n && !(retryFailed && e.failed > 0)
}

// folderEndings reads how the conversations of batch m, run on a queue,
// ended from its folder dir.
func folderEndings(dir string, m *batch.Manifest) (endings, error) {
	ends, err := batch.Endings(dir, m)
	if err != nil {
		return endings{}, err
	}
	e := endings{ended: len(ends), failedIDs: map[string]bool{}}
	for id, state := range ends {
		if state == batch.StateFailed {
			e.failedIDs[id] = true
		}
	}
	e.failed = len(e.failedIDs)
	return e, nil
}

// queuedRetrying counts the conversations of batch m, among failed (by
// job id), that the queue qf names holds a retry of (see queue.Retrying):
// an embedded queue is started in queueDir to be read, and holds none
// when that folder is gone, which it is not made again for; a server is
// asked. The caller holds the batch folder, so that no other parley runs
// the embedded queue meanwhile.
func queuedRetrying(ctx context.Context, m *batch.Manifest, failed map[string]bool, qf queueFlags, queueDir string, say func(string)) (int, error) {
	if qf.url == embeddedQueue {
		if _, err := os.Stat(queueDir); errors.Is(err, fs.ErrNotExist) {
			return 0, nil
		}
	}
	q, stop, _, err := dialQueue(ctx, qf.url, queueDir, "", "parley batch "+m.ID, "use --queue embedded for a queue inside this process", say)
	if err != nil {
		return 0, err
	}
	defer stop()
	n, err := q.Retrying(ctx, m, failed)
	if err != nil {
		return 0, fmt.Errorf("reading what the queue holds of the failed conversations of batch %s: %w", m.ID, err)
	}
	return n, nil
}

// minAckWait is the shortest --ack-wait a batch takes: a worker's word
// that its job is alive comes a third of the wait apart, and no more often
// than every 100 ms.
const minAckWait = time.Second

// embeddedQueue is the --queue value that starts a NATS server inside parley.
const embeddedQueue = "embedded"

// queueFlags are the batch command's flags for running on a queue.
type queueFlags struct {
	url         string
	dir         string
	listen      string
	ackWait     time.Duration
	limitWindow time.Duration
}

// storeDir is where the embedded queue of the batch in dir keeps its
// data: --queue-dir, else DIR/queue (a queue on a server keeps none).
func (f *queueFlags) storeDir(dir string) string {
	if f.dir != "" || f.url != embeddedQueue {
		return f.dir
	}
	return filepath.Join(dir, "queue")
}

func (f *queueFlags) register(c *cobra.Command) {
	c.Flags().StringVar(&f.url, "queue", "", `run the batch on a NATS JetStream queue (nats://HOST:4222) served by parley worker processes, or "embedded" for a queue and workers inside this process`)
	c.Flags().StringVar(&f.dir, "queue-dir", "", "with --queue embedded: where the queue stores its data (default: DIR/queue, removed once the batch is complete)")
	c.Flags().StringVar(&f.listen, "queue-listen", "", "with --queue embedded: also accept workers at this address, such as 0.0.0.0:4222 (no authentication: use on a trusted network)")
	c.Flags().DurationVar(&f.ackWait, "ack-wait", queue.DefaultAckWait, "with --queue: how long a job may go without word from its worker before another worker takes it over")
	c.Flags().DurationVar(&f.limitWindow, "limit-window", 0, "count each per_minute limit over this span instead of a minute (for tests)")
	c.Flags().MarkHidden("limit-window")
}

// dialQueue connects to the queue a --queue flag names. For "embedded" it
// starts the server in dir; stop releases everything. Its callers have
// refused a URL in another scheme (queue.CheckURL) as a usage mistake.
// hint is what the command could do instead when the queue cannot be
// reached ("" for nothing: collect fetches what a queue already holds,
// which a new one would not).
func dialQueue(ctx context.Context, url, dir, listen, name, hint string, say func(string)) (q *queue.Queue, stop func(), srvURL string, err error) {
	if url != embeddedQueue {
		nc, q, err := queue.Dial(ctx, url, name, say)
		if ue, ok := errors.AsType[*queue.UnreachableError](err); ok {
			ue.Hint = hint
		}
		if err != nil {
			return nil, nil, "", err
		}
		return q, func() { closeConn(nc) }, url, nil
	}
	srv, err := queue.StartEmbedded(dir, listen)
	if err != nil {
		return nil, nil, "", err
	}
	nc, err := srv.Connect()
	if err != nil {
		srv.Shutdown()
		return nil, nil, "", err
	}
	q, err = queue.OpenConn(ctx, nc)
	if err != nil {
		nc.Close()
		srv.Shutdown()
		return nil, nil, "", err
	}
	return q, func() { closeConn(nc); srv.Shutdown() }, srv.URL(), nil
}

func closeConn(nc *nats.Conn) {
	nc.Drain()
	nc.Close()
}

// runQueuedBatch is `parley batch --queue`: it puts the planned batch m
// (its manifest already in dir) on the queue, follows it while workers run
// it, downloads each transcript into dir/runs/ID/ as it is stored, and
// prints and writes the same summary as a local batch. A batch resumed
// with retryFailed offers its failed conversations to the workers again,
// each to go on from what it recorded. Its flags are checked (pace, the
// queue's address, --pace and --queue-listen beside it) before the
// manifest is written. titles names the conversations in the progress
// lines.
func runQueuedBatch(ctx context.Context, cmd *cobra.Command, m *batch.Manifest, dir string, qf queueFlags, parallel int, pace *time.Duration, fresh, retryFailed bool, titles *batch.Titles) (err error) {
	out, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	start := time.Now()
	// One coordinator a batch folder, as for a batch run here: a second
	// would follow the same results and write the same summary.
	release, err := transcripts.LockDir(dir, "batch folder")
	if err != nil {
		return failureErr(err)
	}
	defer release()
	embedded := qf.url == embeddedQueue
	submitted := false
	queueDir := qf.storeDir(dir)
	defer func() {
		if err != nil && fresh && !submitted {
			// Nothing reached the queue: the batch folder holds only its
			// manifest, which would make the same command refuse to run,
			// and the embedded queue's empty store, when it is kept there.
			os.Remove(filepath.Join(dir, batch.ManifestFile))
			if embedded && qf.dir == "" {
				os.RemoveAll(queueDir)
			}
			os.Remove(dir)
		}
	}()
	var worker queue.Worker
	if embedded {
		worker = queue.Worker{Name: "local", Parallel: parallel, Pace: pace, LimitWindow: qf.limitWindow, Warn: warnOnce(stderr)}
	}
	// A batch every conversation of which ended is left as it is: on an
	// embedded queue, gone with its end; on a server, once its folder
	// holds the summary the batch wrote as it ended (the folder may
	// otherwise lack what the queue holds).
	say := func(s string) { fmt.Fprintln(stderr, "parley:", s) }
	if !fresh && (embedded || summarized(dir)) {
		retrying := func(failed map[string]bool) (int, error) { return queuedRetrying(ctx, m, failed, qf, queueDir, say) }
		if done, err := queuedFinished(out, dir, m, resumeQueued(dir, qf), retryFailed, retrying); err != nil || done {
			return err
		}
	}
	q, stop, srvURL, err := dialQueue(ctx, qf.url, queueDir, qf.listen, "parley batch "+m.ID, "use --queue embedded for a queue inside this process", say)
	if err != nil {
		return failureErr(err)
	}
	if embedded && !fresh {
		// The jobs the last session's workers handed back are held again
		// by the restarted server until --ack-wait: hand them out now.
		if err := q.Reclaim(ctx); err != nil {
			stop()
			return failureErr(err)
		}
	}
	var workers sync.WaitGroup
	stopWorkers := func() {}
	if embedded {
		wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		worker.Queue = q
		workers.Add(1)
		go func() {
			defer workers.Done()
			if err := worker.Run(wctx); err != nil {
				fmt.Fprintln(stderr, "parley: local workers:", err)
			}
		}()
		// On Ctrl-C the workers finalize their conversations and hand the
		// jobs back, so --resume continues them.
		go func() {
			select {
			case <-ctx.Done():
				cancel()
			case <-wctx.Done():
			}
		}()
		stopWorkers = func() { cancel(); workers.Wait() }
	}
	defer func() { stopWorkers(); stop() }()

	submitted = true // from here the queue may hold the batch: its folder stays
	if err := batch.BeginSession(dir, start); err != nil {
		fmt.Fprintln(stderr, "parley: recording the session's start:", err)
	}
	ackWait := qf.ackWait
	if f := cmd.Flags().Lookup("ack-wait"); f != nil && !f.Changed {
		ackWait = 0 // the queue's workers keep the wait they have (30s for a new queue)
	}
	// Ctrl-C from here on leaves the batch on the queue, to resume.
	interrupted := func(err error, done func() int) error {
		if ctx.Err() == nil || !errors.Is(err, context.Canceled) {
			return failureErr(err)
		}
		return &exitError{code: exitInterrupted, err: queuedInterruption(embedded, done(), len(m.Jobs), queueDir, dir, m.ID, qf)}
	}
	foldered := func() int {
		finished, _ := batch.Finished(dir, m, false) // what earlier sessions brought into the folder
		return len(finished)
	}
	if !fresh {
		// A queue that holds nothing of the batch (its embedded queue went
		// when it finished) is given what its folder records first, so
		// that no conversation that ended runs again.
		if _, err := q.Adopt(ctx, m, dir); err != nil {
			return interrupted(err, foldered)
		}
	}
	if retryFailed {
		if _, err := q.Reopen(ctx, m); err != nil {
			return interrupted(err, foldered)
		}
	}
	sub, err := q.Submit(ctx, m, ackWait)
	if err != nil {
		return interrupted(err, foldered)
	}
	where := queue.ShownURL(qf.url)
	if embedded {
		where = fmt.Sprintf("an embedded queue in %s, %d at a time", queueDir, parallel)
		if srvURL != "" {
			where += " here; other hosts join with: " + phrase.Command("parley", "worker", "--queue", srvURL)
		}
	}
	fmt.Fprintf(out, "Batch %s: %s on %s, in %s", m.ID, phrase.Count(len(m.Jobs), "conversation", "conversations"), where, dir)
	if sub.Finished > 0 || sub.Queued > 0 || sub.Retried > 0 {
		fmt.Fprintf(out, " (%d finished before, %d still queued", sub.Finished, sub.Queued)
		if sub.Retried > 0 {
			fmt.Fprintf(out, ", %d failed %s to retry", sub.Retried, phrase.Noun(sub.Retried, "one", "ones"))
		}
		fmt.Fprint(out, ")")
	}
	fmt.Fprintln(out)

	progress, err := q.Progress(ctx, m, sub.Before)
	if err != nil {
		return interrupted(err, func() int { return sub.Finished })
	}
	var (
		results []batch.Result
		dlErr   error
	)
	_, followErr := q.Follow(ctx, m, func(r queue.Record) {
		res, kept, err := q.Download(ctx, r, dir)
		for _, k := range kept {
			fmt.Fprintln(cmd.ErrOrStderr(), "parley: warning:", k)
		}
		if err != nil && dlErr == nil {
			dlErr = err
		}
		results = append(results, res)
		if progress.Before(r.ID) {
			return // counted, and said, by the session it finished in
		}
		progress.Record(r)
		what := res.State
		if res.Stop.Reason != "" {
			what += ": " + res.Stop.Reason
		} else if res.Error != "" {
			what += ": " + res.Error
		}
		fmt.Fprintf(out, "%s %s after %s on %s · %s\n", conversationName(res, titles), controls.Strip(what), messagesSaid(res), r.Worker, progress.Snapshot(ctx).Line())
	})
	progress.Stop()
	session := time.Since(start)
	stopWorkers()
	stopWorkers = func() {}

	// The counts below must work once ctx is cancelled (Ctrl-C).
	bg := context.WithoutCancel(ctx)
	wall, err := batch.AddSession(dir, session)
	if err != nil {
		fmt.Fprintln(stderr, "parley: recording the session's wall time:", err)
	}
	sum, err := q.Summarize(bg, m, results, wall)
	if err != nil {
		fmt.Fprintln(stderr, "parley:", err)
	}
	if err := sum.Write(dir); err != nil {
		return failureErr(err)
	}
	complete := followErr == nil && dlErr == nil
	if complete {
		if err := q.PutSummary(bg, sum); err != nil {
			fmt.Fprintln(stderr, "parley: storing the summary on the queue:", err)
		}
	}
	fmt.Fprintln(out)
	printSummary(out, sum)
	fmt.Fprintf(out, "\nSummary: %s and %s\n", filepath.Join(dir, "summary.md"), filepath.Join(dir, "summary.json"))

	switch {
	case errors.Is(followErr, context.Canceled):
		return &exitError{code: exitInterrupted, err: queuedInterruption(embedded, len(results), len(m.Jobs), queueDir, dir, m.ID, qf)}
	case followErr != nil:
		return failureErr(followErr)
	case dlErr != nil:
		return failureErr(fmt.Errorf("%w; fetch the transcripts again with: %s", dlErr, collectCommand(qf, m.ID, dir)))
	}
	if embedded && qf.dir == "" && !keepsUnkept(bg, q, m, results, queueDir, stderr) {
		// Every transcript and the summary are in dir now.
		stop()
		stop = func() {}
		if err := os.RemoveAll(queueDir); err != nil {
			fmt.Fprintln(stderr, "parley: removing the embedded queue's data:", err)
		}
	}
	if sum.Failed > 0 {
		return failureErr(batchFailed(sum, dir, resumeQueued(dir, qf)))
	}
	return nil
}

// resumeQueued is the command that resumes the batch in dir on the queue
// qf names, as it was run: an embedded queue with its --queue-dir and
// --queue-listen, another by its URL, its password hidden.
func resumeQueued(dir string, qf queueFlags) string {
	words := []string{"parley", "batch", "--resume", dir, "--queue"}
	if qf.url == embeddedQueue {
		words = append(words, embeddedQueue)
		words = append(words, queueDirFlag(qf.dir)...)
		words = append(words, listenFlag(qf.listen)...)
		return phrase.Command(words...)
	}
	return phrase.Command(append(words, queue.ShownURL(qf.url))...)
}

// collectCommand is the command that fetches the transcripts of the batch
// id into dir from the queue qf names, its password hidden.
func collectCommand(qf queueFlags, id, dir string) string {
	return phrase.Command("parley", "collect", "--queue", queue.ShownURL(qf.url), "--batch", id, "--out", dir)
}

// keepsUnkept reports, saying so, whether the queue holds a transcript of
// a finished batch m that its folder does not (a conversation's running
// transcript, stored while its result names none), or cannot tell: its
// embedded queue, in queueDir, is then kept rather than removed.
func keepsUnkept(ctx context.Context, q *queue.Queue, m *batch.Manifest, results []batch.Result, queueDir string, stderr io.Writer) bool {
	unkept, err := q.Unkept(ctx, m, results)
	if err == nil && len(unkept) == 0 {
		return false
	}
	if err == nil {
		err = fmt.Errorf("it holds the running transcripts of %s, whose results name none (%s)",
			phrase.Count(len(unkept), "conversation", "conversations"), strings.Join(unkept, ", "))
	}
	fmt.Fprintf(stderr, "parley: the embedded queue in %s is kept: %v\n", queueDir, err)
	return true
}

// queuedInterruption says what Ctrl-C left of a batch on a queue, done of
// its n conversations finished, and how to go on: an embedded queue's
// workers stop with parley and the batch resumes from its folder; a
// remote queue's workers carry on, and the batch is followed again or
// collected later.
func queuedInterruption(embedded bool, done, n int, queueDir, dir, id string, qf queueFlags) error {
	if embedded {
		return fmt.Errorf("interrupted: %s finished; the rest are kept in %s; finish the batch with: %s",
			ofN(done, n, "conversation", "conversations"), queueDir, resumeQueued(dir, qf))
	}
	return fmt.Errorf("stopped following: %s finished; the workers carry on. Follow again with: %s, or fetch later with: %s",
		ofN(done, n, "conversation", "conversations"), resumeQueued(dir, qf), collectCommand(qf, id, dir))
}

// listenFlag repeats --queue-listen for a hint, so workers on other
// hosts can rejoin the resumed batch: the flag and its value, or none.
func listenFlag(listen string) []string {
	if listen == "" {
		return nil
	}
	return []string{"--queue-listen", listen}
}

// queueDirFlag repeats --queue-dir for a hint: the flag and its value, or
// none.
func queueDirFlag(dir string) []string {
	if dir == "" {
		return nil
	}
	return []string{"--queue-dir", dir}
}

func newWorkerCmd() *cobra.Command {
	var (
		url         string
		name        string
		parallel    int
		pace        string
		limitWindow time.Duration
		uploadEvery time.Duration
	)
	c := &cobra.Command{
		Use:   "worker --queue nats://HOST:4222 [-j J]",
		Short: "Run the conversations of batches queued with parley batch --queue",
		Long: `worker pulls conversations from the NATS JetStream queue that
parley batch --queue fills, runs them J at a time, and stores each
transcript and result on the queue. Run one on every host that should take
part; they share the work and the scenarios' provider limits.

A worker acknowledges a conversation only once its result is stored, and
uploads the running transcript after each message. When a worker dies, its
conversations go to other workers after the batch's --ack-wait and continue
from their last stored message. Ctrl-C finalizes the running conversations
and hands them back to the queue at once.

API keys come from this host's environment (or key files), as named in the
scenarios.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			stderr := cmd.ErrOrStderr()
			if url == "" {
				return usageErr(errors.New("worker needs --queue nats://HOST:4222, the queue parley batch --queue fills"))
			}
			if url == embeddedQueue {
				return usageErr(errors.New(`--queue embedded runs its own workers inside parley batch; a worker joins a queue by its URL, such as nats://HOST:4222`))
			}
			if err := queue.CheckURL(url); err != nil {
				return usageErr(fmt.Errorf("--queue: %w", err))
			}
			if parallel < 1 {
				return usageErr(errors.New("-j must be at least 1"))
			}
			d, err := parsePace(pace)
			if err != nil {
				return usageErr(err)
			}
			if name == "" {
				host, _ := os.Hostname()
				name = fmt.Sprintf("%s-%d", host, os.Getpid())
			}
			var logMu sync.Mutex
			logLine := func(s string) {
				logMu.Lock()
				fmt.Fprintf(stderr, "%s %s\n", time.Now().Format("15:04:05.000"), s)
				logMu.Unlock()
			}
			_, q, err := queue.Dial(cmd.Context(), url, "parley worker "+name, logLine)
			if ue, ok := errors.AsType[*queue.UnreachableError](err); ok {
				ue.Hint = "point the worker at a batch that serves its own queue (parley batch --queue embedded --queue-listen HOST:PORT)"
			}
			if err != nil {
				return failureErr(err)
			}
			w := &queue.Worker{Queue: q, Name: name, Parallel: parallel, Pace: d, LimitWindow: limitWindow,
				UploadEvery: uploadEvery, Log: logLine, Warn: warnOnce(stderr)}
			logLine(fmt.Sprintf("%s pulling from %s, %d at a time", name, queue.ShownURL(url), parallel))
			if err := w.Run(cmd.Context()); err != nil {
				return failureErr(err)
			}
			logLine(name + " stopped")
			return nil
		},
	}
	c.Flags().StringVar(&url, "queue", "", "the NATS JetStream server, such as nats://HOST:4222")
	c.Flags().StringVar(&name, "name", "", "this worker's name in results and logs (default: HOST-PID)")
	c.Flags().IntVarP(&parallel, "jobs", "j", 4, "conversations running at once")
	c.Flags().StringVar(&pace, "pace", "", "override the pace of replay and scripted agents, such as 0 (instant)")
	c.Flags().DurationVar(&limitWindow, "limit-window", 0, "count each per_minute limit over this span instead of a minute (for tests)")
	c.Flags().DurationVar(&uploadEvery, "upload-every", 0, "least time between uploads of a running transcript (default 1s)")
	c.Flags().MarkHidden("limit-window")
	return c
}

func newCollectCmd() *cobra.Command {
	var (
		url, dir, out, batchID string
	)
	c := &cobra.Command{
		Use:   "collect --queue nats://HOST:4222 --out DIR [--batch ID]",
		Short: "Download a queued batch's transcripts and summary",
		Long: `collect downloads the transcripts of a batch run with parley batch --queue
into DIR/runs/ID/, and writes its manifest (DIR/batch.json) and the summary
of the conversations finished so far (DIR/summary.md, DIR/summary.json).
Without --batch it takes the newest batch on the queue.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			w := cmd.OutOrStdout()
			if url == "" || out == "" {
				return usageErr(errors.New("collect needs --queue nats://HOST:4222 (or embedded with --queue-dir) and --out DIR"))
			}
			if url == embeddedQueue && dir == "" {
				return usageErr(errors.New("--queue embedded needs --queue-dir, the folder the batch's embedded queue kept"))
			}
			if url == embeddedQueue {
				// Starting a queue there would make an empty one.
				if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
					return usageErr(fmt.Errorf("--queue-dir %s is no folder an embedded queue kept; give the batch's queue folder (DIR/queue while the batch is unfinished, or the --queue-dir it ran with)", dir))
				}
			}
			if url != embeddedQueue {
				if err := queue.CheckURL(url); err != nil {
					return usageErr(fmt.Errorf("--queue: %w, or embedded with --queue-dir", err))
				}
			}
			q, stop, _, err := dialQueue(cmd.Context(), url, dir, "", "parley collect", "", func(s string) { fmt.Fprintln(cmd.ErrOrStderr(), "parley:", s) })
			if err != nil {
				return failureErr(err)
			}
			defer stop()
			if batchID == "" {
				all, err := q.Batches(cmd.Context())
				if err != nil {
					return failureErr(err)
				}
				if len(all) == 0 {
					where := "the queue at " + queue.ShownURL(url)
					if url == embeddedQueue {
						where = "the embedded queue in " + dir
					}
					return usageErr(fmt.Errorf("%s holds no batch", where))
				}
				batchID = all[0].ID
			}
			got, err := q.Collect(cmd.Context(), batchID, out)
			if got != nil {
				for _, k := range got.Kept {
					fmt.Fprintln(cmd.ErrOrStderr(), "parley: warning:", k)
				}
			}
			if err != nil {
				return failureErr(err)
			}
			printSummary(w, got.Summary)
			fmt.Fprintf(w, "\n%s in %s; summary: %s and %s\n", phrase.Count(len(got.Results), "transcript", "transcripts"), filepath.Join(out, batch.RunsDir),
				filepath.Join(out, "summary.md"), filepath.Join(out, "summary.json"))
			if left := len(got.Manifest.Jobs) - len(got.Results); left > 0 {
				fmt.Fprintf(w, "%s not finished yet; collect again later.\n", phrase.Count(left, "conversation is", "conversations are"))
			}
			return nil
		},
	}
	c.Flags().StringVar(&url, "queue", "", "the NATS JetStream server, such as nats://HOST:4222")
	c.Flags().StringVar(&dir, "queue-dir", "", `with --queue embedded: the folder the embedded queue kept`)
	c.Flags().StringVar(&out, "out", "", "the folder to write the batch into")
	c.Flags().StringVar(&batchID, "batch", "", "the batch id (default: the newest on the queue)")
	return c
}
