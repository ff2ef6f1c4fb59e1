package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/parleyhq/parley/agents"
	"github.com/parleyhq/parley/cmd/parley/tui"
	"github.com/parleyhq/parley/configs"
	"github.com/parleyhq/parley/internal/controls"
	"github.com/parleyhq/parley/internal/phrase"
	"github.com/parleyhq/parley/internal/suggest"
	"github.com/parleyhq/parley/orchestrator"
	"github.com/parleyhq/parley/orchestrator/batch"
	"github.com/parleyhq/parley/orchestrator/queue"
	"github.com/parleyhq/parley/transcripts"
)

func init() { commands = append(commands, newBatchCmd) }

type batchFlags struct {
	n           int
	parallel    int
	vary        []string
	sets        []string // --set: one value for every run, as run's --set
	out         string
	resume      string
	pace        string
	plain       bool
	dryRun      bool
	retryFailed bool       // with --resume: continue conversations an error stopped
	queue       queueFlags // cluster.go
}

func newBatchCmd() *cobra.Command {
	var f batchFlags
	c := &cobra.Command{
		Use:   "batch SCENARIO.yaml... -n N [-j J] [--vary FIELD=VALUES]... [--set FIELD=VALUE]... [--out DIR] | --resume DIR",
		Short: "Stage many conversations at once and summarize them",
		Long: `batch runs N conversations of each scenario, J at a time, recording each one
as usual in DIR/runs/ID/, and ends with a summary (printed, and written to
DIR/summary.json and DIR/summary.md). A scenario given as - is read from
standard input; DIR/batch.json records it, so --resume needs no file.

--vary changes a field across runs; every combination of the values given
runs N times, and each run records the values it used:

  --vary agents[1].temperature=0.2,0.7,1.0   one agent's field (agents from 0, or by name)
  --vary seed=1..20                          every OpenAI-compatible agent's seed
  --vary history.max_messages=10,40          any scenario field

--set FIELD=VALUE gives a field one value in every run, with the same
paths (the value is taken whole, commas and all); each run records it as
it records a varied value.

In a roster, agents[0] and agents[1] are each pair's first and second
agent; a roster agent named (agents[Kimi K2].temperature, or
roster.agents[Kimi K2].…) is varied in every pair it is in, and
roster.defaults.… reaches every agent that does not set the field:

  --set roster.defaults.base_url=http://localhost:8080/v1

Provider limits come from the scenarios' limits: section (concurrent
requests and requests per minute, per provider or base URL) and hold across
all running conversations; a 429 holds the whole provider. An agent with
base_urls: spreads its requests across those replicas.

A failed conversation never stops the others. Ctrl-C starts no new
conversation and finalizes the ones in flight as interrupted;
parley batch --resume DIR finishes the batch: finished conversations are
kept, interrupted ones continue from their last completed message.

A scenario with a roster: instead of two agents is a tournament: batch
stages every pair it names (roster.pairs: ordered or unordered, self_play:),
roster.runs times each (times -n), roster.parallel at a time unless -j says
otherwise. Each conversation is titled and recorded with its own two names.

--dry-run lists every conversation the batch would stage, one a line
("Kimi K2 ↔ grok-4, run 1"), and sends no request; with --resume it lists
those still to run. It warns as the batch would, of the scenarios it
would stage, their --vary and --set values applied.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runBatch(cmd.Context(), cmd, args, f)
		},
	}
	c.Flags().IntVarP(&f.n, "n", "n", 1, "conversations per scenario and per combination of --vary values")
	c.Flags().IntVarP(&f.parallel, "jobs", "j", 4, "conversations running at once")
	c.Flags().StringArrayVar(&f.vary, "vary", nil, "FIELD=VALUES to vary across runs, such as seed=1..20 (repeatable)")
	c.Flags().StringArrayVar(&f.sets, "set", nil, "FIELD=VALUE to set in every run, with the paths --vary takes (repeatable)")
	c.Flags().StringVar(&f.out, "out", "", "the batch directory (default: batch-TIME in the scenarios' output.dir, else in $PARLEY_OUT, else in transcripts/)")
	c.Flags().StringVar(&f.resume, "resume", "", "finish the interrupted batch in this directory")
	c.Flags().StringVar(&f.pace, "pace", "", "override the pace of replay and scripted agents, such as 0 (instant)")
	c.Flags().BoolVar(&f.plain, "plain", false, "print plain progress lines even on a terminal")
	c.Flags().BoolVar(&f.dryRun, "dry-run", false, "list every conversation the batch would stage, one a line, and send no request")
	c.Flags().BoolVar(&f.retryFailed, "retry-failed", false, "with --resume: continue the conversations an error stopped (a full disk, a provider that was down), as interrupted ones are; with --queue, its workers continue them")
	f.queue.register(c)
	return c
}

func runBatch(ctx context.Context, cmd *cobra.Command, args []string, f batchFlags) error {
	out := cmd.OutOrStdout()
	stderr := cmd.ErrOrStderr()
	if f.parallel < 1 {
		return usageErr(errors.New("-j must be at least 1"))
	}
	if f.queue.listen != "" && f.queue.url != embeddedQueue {
		return usageErr(fmt.Errorf("--queue-listen %s applies to a queue this batch starts itself: add --queue embedded, or leave --queue-listen out", f.queue.listen))
	}
	if f.queue.dir != "" && f.queue.url != embeddedQueue {
		return usageErr(fmt.Errorf("--queue-dir %s applies to a queue this batch starts itself, which keeps its data there: add --queue embedded, or leave --queue-dir out", f.queue.dir))
	}
	if cmd.Flags().Changed("ack-wait") && f.queue.ackWait < minAckWait {
		// A worker says its job is alive a third of the wait apart, and
		// no more often than every 100 ms: under a second, a job still
		// running is handed to a second worker, and every reply is paid
		// for twice.
		return usageErr(fmt.Errorf("--ack-wait %s is too short: a job still running would be handed to a second worker and paid for twice; give %s or more (the default is %s)", f.queue.ackWait, minAckWait, queue.DefaultAckWait))
	}
	// Every flag is checked before anything is written, and on --dry-run
	// too: refused after its batch.json, a batch never started would be
	// left for --resume to run.
	pace, err := parsePace(f.pace)
	if err != nil {
		return usageErr(err)
	}
	if f.queue.url != "" && f.queue.url != embeddedQueue {
		if err := queue.CheckURL(f.queue.url); err != nil {
			return usageErr(fmt.Errorf("--queue: %w, or embedded", err))
		}
		if f.pace != "" {
			return usageErr(errors.New("--pace applies to local runs; with --queue give it to each parley worker"))
		}
	}
	var (
		m   *batch.Manifest
		dir string
		// The scenarios the batch's conversations run, its values
		// applied: loaded once, where first needed.
		loaded  []*configs.Scenario
		loadErr error
	)
	if f.retryFailed && f.resume == "" {
		return usageErr(errors.New("--retry-failed goes with --resume DIR: it continues the failed conversations of the batch in DIR"))
	}
	if f.resume != "" {
		// -n, like --vary and --set, plans the batch's conversations,
		// which batch.json holds: a resume runs those it planned.
		if len(args) > 0 || len(f.vary) > 0 || len(f.sets) > 0 || f.out != "" || cmd.Flags().Changed("n") {
			return usageErr(errors.New("--resume takes the batch directory alone; its scenarios, -n and --vary and --set values are in its batch.json (-j, how many run at once, may change)"))
		}
		dir = f.resume
		if m, err = batch.ReadManifest(dir); err != nil {
			return usageErr(err)
		}
		if m.Queue == embeddedQueue && f.queue.url == "" && !f.dryRun {
			// Its embedded queue went when it finished: said so, not
			// that the queue still holds its conversations. A queue
			// still there is read, under the folder's lock, for the
			// retries it holds of the failures the folder records.
			qf := queueFlags{url: embeddedQueue, dir: m.QueueDir}
			retrying := func(failed map[string]bool) (int, error) {
				release, err := transcripts.LockDir(dir, "batch folder")
				if err != nil {
					return 0, err
				}
				defer release()
				return queuedRetrying(ctx, m, failed, qf, qf.storeDir(dir), func(s string) { fmt.Fprintln(stderr, "parley:", s) })
			}
			if done, err := queuedFinished(out, dir, m, resumeQueued(dir, qf), f.retryFailed, retrying); err != nil || done {
				return err
			}
		}
		if err := sameQueue(m, dir, &f.queue, f.retryFailed); err != nil && !f.dryRun {
			return usageErr(err)
		}
		if err := hiddenScenarios(m, dir, f.retryFailed); err != nil {
			return usageErr(err)
		}
		warnEdited(stderr, m, dir)
		if f.dryRun {
			warnBatch(stderr, m)
			return dryRun(out, stderr, m, dir, f.retryFailed)
		}
		if !cmd.Flags().Changed("jobs") {
			f.parallel = m.Parallel
		}
	} else {
		if len(args) == 0 {
			return usageErr(errors.New("batch takes one or more scenario files, such as configs/ollama-pair.yaml (- for one from standard input), or --resume DIR"))
		}
		if f.n < 1 {
			return usageErr(errors.New("-n must be at least 1"))
		}
		// Every file's problems are said, not only the first bad file's.
		var scenarios []*configs.Scenario
		var bad []error
		stdin := false
		for _, a := range args {
			if a == "-" {
				if stdin {
					bad = append(bad, errors.New("- is given twice; standard input holds one scenario, so give - once"))
					continue
				}
				stdin = true
			}
			name, data, err := readScenario(cmd.InOrStdin(), a)
			if err != nil {
				bad = append(bad, err)
				continue
			}
			s, err := configs.Parse(name, data)
			if err != nil {
				bad = append(bad, transcriptNotScenario(name, data, err))
				continue
			}
			if a == "-" {
				if _, hidden := configs.RedactSource(s.Source); hidden {
					// batch.json keeps it with its secrets hidden, and
					// --resume reads such a scenario again from its file.
					bad = append(bad, fmt.Errorf("%s: the scenario read from standard input holds secrets (a header's value, a URL's password or key), which batch.json keeps hidden, and --resume would read it again from its file, which standard input is not; save the scenario to a file and give the file to parley batch", name))
					continue
				}
			}
			scenarios = append(scenarios, s)
		}
		if len(bad) > 1 {
			bad = append(bad, fmt.Errorf("%s %s problems; nothing was staged", ofN(len(bad), len(args), "scenario", "scenarios"), phrase.Noun(len(bad), "has", "have")))
		}
		if len(bad) > 0 {
			return usageErr(errors.Join(bad...))
		}
		var vary []batch.Vary
		for _, spec := range f.vary {
			v, err := batch.ParseVary(spec)
			if err != nil {
				return usageErr(err)
			}
			vary = append(vary, v)
		}
		sets, err := batch.ParseSets(f.sets)
		if err != nil {
			return usageErr(err)
		}
		for _, s := range sets {
			for _, v := range vary {
				if v.Path == s.Path {
					return usageErr(fmt.Errorf("%s is given to both --set and --vary; give its values to one of them", s.Path))
				}
			}
		}
		vary = append(vary, sets...)
		if !cmd.Flags().Changed("jobs") {
			f.parallel = rosterParallel(scenarios, f.parallel)
		}
		if m, err = batch.Plan("", scenarios, f.n, f.parallel, vary, time.Now()); err != nil {
			return usageErr(err)
		}
		if !f.dryRun && f.queue.url == "" {
			// Every conversation would fail the same way: say so before
			// the batch starts, as run does, of the scenarios its
			// conversations run, its --vary and --set values applied,
			// as a resumed batch says it. A value that cannot be
			// applied is said below.
			if loaded, loadErr = m.LoadScenarios(); loadErr == nil {
				if err := batchKeyProblems(m, scenarios, loaded); err != nil {
					return usageErr(err)
				}
			}
		}
		if f.dryRun {
			// The check before a paid batch warns as the batch would,
			// of the scenarios it would stage.
			warnBatch(stderr, m)
			return dryRun(out, stderr, m, "", false)
		}
		dir = f.out
		if dir == "" {
			dir = filepath.Join(outputDir(scenarios), "batch-"+m.ID)
		}
		if f.queue.url != "" {
			m.Queue = queue.ShownURL(f.queue.url)
			if f.queue.dir != "" {
				if abs, err := filepath.Abs(f.queue.dir); err == nil {
					m.QueueDir = abs
				}
			}
		}
		if err := batch.WriteManifest(dir, m); err != nil {
			return usageErr(err)
		}
	}

	if loaded == nil && loadErr == nil {
		loaded, loadErr = m.LoadScenarios()
	}
	if loadErr == nil {
		warnLoaded(stderr, loaded)
	}
	// Two scenario files that give one title are told apart by their
	// files in the progress lines, as in the summary.
	titles := batch.TitlesOf(loaded)
	if f.queue.url != "" {
		return runQueuedBatch(ctx, cmd, m, dir, f.queue, f.parallel, pace, f.resume == "", f.retryFailed, titles)
	}
	if loadErr != nil {
		return usageErr(loadErr)
	}
	// Another process running this batch is said before anything else
	// (the runner takes the lock for good).
	release, err := transcripts.LockDir(dir, "batch folder")
	if err != nil {
		return failureErr(err)
	}
	release()
	if f.resume != "" {
		// A batch every conversation of which ended, its summary written,
		// is left as it is: staged again, it would run nothing and only
		// rewrite its summary and add a session to its state log. When
		// all ended well it is said to be finished; when some failed,
		// and --retry-failed does not run them, they are counted, with
		// the command that does, and the resume exits 1 as the batch did.
		// One without its summary is run as before (which writes the
		// summary and says what failed).
		if ended, failed := batchEnded(dir, m); ended && failed == 0 {
			fmt.Fprintf(out, "Batch %s in %s is finished: all %s ended, and nothing is left to run. Its summary is %s.\n",
				m.ID, dir, phrase.Count(len(m.Jobs), "conversation", "conversations"), filepath.Join(dir, "summary.md"))
			return nil
		} else if ended && !f.retryFailed {
			return failedLeft(dir, m, failed, resumeHere(dir))
		}
		if err := resumeKeyProblems(m, loaded); err != nil {
			return usageErr(err)
		}
	}
	client, transport, limiters, err := batch.NewHTTPClient(loaded, f.parallel)
	if err != nil {
		return usageErr(err)
	}
	defer batch.CloseIdle(client)
	env := batch.Env{HTTPClient: client, Warn: warnOnce(stderr), RetryFailed: f.retryFailed, Pace: pace}

	progress := &batch.Progress{}
	r := &batch.Runner{Dir: dir, Manifest: m, Parallel: f.parallel, Env: env, Progress: progress,
		Transport: transport, Limiters: limiters}
	tty := !f.plain && tui.CanDraw(out) // it redraws its line
	fmt.Fprintf(out, "Batch %s: %s, %d at a time, in %s\n", m.ID, phrase.Count(len(m.Jobs), "conversation", "conversations"), f.parallel, dir)
	stopDisplay := showProgress(out, progress, r, tty, titles)
	sum, runErr := r.Run(ctx)
	stopDisplay()
	if sum == nil {
		return failureErr(runErr)
	}
	fmt.Fprintln(out)
	printSummary(out, sum)
	if !errors.Is(runErr, batch.ErrSummaryUnwritten) {
		fmt.Fprintf(out, "\nSummary: %s and %s\n", filepath.Join(dir, "summary.md"), filepath.Join(dir, "summary.json"))
	}
	switch {
	case errors.Is(runErr, context.Canceled):
		return &exitError{code: exitInterrupted, err: batchInterrupted(sum, dir)}
	case runErr != nil:
		return failureErr(runErr)
	case sum.Failed > 0:
		return failureErr(batchFailed(sum, dir, resumeHere(dir)))
	}
	return nil
}

// warnBatch warns of the scenarios the batch m stages, its --vary and
// --set values applied, as the batch warns when it starts: a --dry-run
// says what the batch would. A value that cannot be applied is said by
// the dry run's list.
func warnBatch(w io.Writer, m *batch.Manifest) {
	if loaded, err := m.LoadScenarios(); err == nil {
		warnLoaded(w, loaded)
	}
}

// warnLoaded warns of the scenarios a batch's conversations run: the
// limits: keys that bound none of their requests, and each scenario's
// warnings, each distinct one once.
func warnLoaded(w io.Writer, loaded []*configs.Scenario) {
	warnUnusedLimits(w, loaded)
	warnScenarios(w, loaded)
}

// resumeHere is the command that resumes the batch in dir on this
// machine.
func resumeHere(dir string) string {
	return phrase.Command("parley", "batch", "--resume", dir)
}

// batchInterrupted says what Ctrl-C left of the batch in dir, summed up
// in sum, and the command that finishes it.
func batchInterrupted(sum *batch.Summary, dir string) error {
	return fmt.Errorf("interrupted: %s finished, %d finalized as interrupted, %d not started; finish the batch with: %s",
		phrase.Count(sum.Done+sum.Failed, "conversation", "conversations"), sum.Interrupted, sum.NotStarted, resumeHere(dir))
}

// batchFailed says how many of the batch in dir's conversations failed,
// where their errors are, and how to continue them once the cause is
// fixed: with resume, the command that resumes the batch, and
// --retry-failed.
func batchFailed(sum *batch.Summary, dir, resume string) error {
	return fmt.Errorf("%s failed; %s in %s; once the cause is fixed, continue %s with: %s --retry-failed",
		ofN(sum.Failed, sum.Planned, "conversation", "conversations"), phrase.Noun(sum.Failed, "its error is", "their errors are"), filepath.Join(dir, "summary.md"),
		phrase.Noun(sum.Failed, "it", "them"), resume)
}

// warnUnusedLimits warns of each limits: key that bounds none of the
// scenarios' agents' requests, naming what they do use, so a slip such as
// "openai" for agents on openrouter does not leave a batch unlimited
// unnoticed. It is a warning, not a refusal: with --vary, a key may be
// meant for a provider another variant uses.
func warnUnusedLimits(w io.Writer, scenarios []*configs.Scenario) {
	unused := batch.UnusedLimits(scenarios)
	if len(unused) == 0 {
		return
	}
	var uses []string // the providers and base URLs the agents ask, each once
	for _, s := range scenarios {
		for _, a := range s.Agents {
			if a.Type != configs.TypeOpenAI {
				continue
			}
			for _, k := range []string{strings.ToLower(a.Provider), agents.RedactURL(a.Endpoint())} {
				if k != "" && !slices.Contains(uses, k) {
					uses = append(uses, k)
				}
			}
		}
	}
	// where names the first file whose limits: hold key, as written.
	where := func(key string) string {
		for _, s := range scenarios {
			for k := range s.Limits {
				if strings.TrimRight(k, "/") == key && s.Path != "" {
					return s.Path + ": "
				}
			}
		}
		return ""
	}
	for _, key := range unused {
		msg := fmt.Sprintf("%slimits: %q bounds none of the agents' requests: a limit applies to the agents of that provider, or addressed to that base URL (the first of an agent's base_urls)",
			where(key), agents.RedactURL(key))
		if len(uses) == 0 {
			msg += "; no agent here asks a model"
		} else {
			msg += "; these agents ask " + strings.Join(uses, ", ") + suggest.Hint(agents.RedactURL(key), uses)
		}
		fmt.Fprintln(w, "parley: warning:", msg)
	}
}

// warnEdited says of each scenario file edited since the batch began that
// --resume runs the scenario recorded, and how to start a batch of the
// edited file, with the batch's -n, --vary and --set values.
func warnEdited(w io.Writer, m *batch.Manifest, dir string) {
	for _, path := range m.Edited() {
		fmt.Fprintf(w, "parley: warning: %s has changed since this batch began; --resume runs the scenario recorded in %s; to run the edited file, start a new batch: %s\n",
			path, filepath.Join(dir, batch.ManifestFile), newBatchCommand(m, path))
	}
}

// newBatchCommand is the command that starts a batch of the scenario file
// path with m's -n, --vary and --set values.
func newBatchCommand(m *batch.Manifest, path string) string {
	cmd := []string{"parley", "batch", phrase.ShellWord(path)}
	if m.N != 1 {
		cmd = append(cmd, "-n", fmt.Sprint(m.N))
	}
	for _, v := range m.Vary {
		cmd = append(cmd, "--vary", phrase.ShellWord(batch.ShownSpec(v, true)))
	}
	for _, v := range m.Set {
		cmd = append(cmd, "--set", phrase.ShellWord(batch.ShownSpec(v, false)))
	}
	return strings.Join(cmd, " ")
}

// hiddenScenarios refuses to resume the batch in dir when a conversation
// it would run needs a scenario its batch.json holds only with its
// secrets hidden (a header's value, a URL's password) and whose file no
// longer holds it, edited, moved or removed: run from batch.json, it
// would send REDACTED as the credentials. One sentence for each such
// file names it and the batch and says what to do, before anything is
// staged. A batch on a queue hands the queue its whole manifest again,
// so there every scenario counts, unless its embedded queue has nothing
// left to run.
func hiddenScenarios(m *batch.Manifest, dir string, retryFailed bool) error {
	var hidden []int
	var err error
	if m.Queue == "" {
		hidden, err = m.Hidden(dir, retryFailed)
	}
	if m.Queue != "" || err != nil {
		hidden, _ = m.Hidden("", retryFailed) // every scenario a job uses
		if m.Queue == embeddedQueue {
			if e, err := folderEndings(dir, m); err == nil && e.finished(len(m.Jobs), retryFailed) {
				hidden = nil // said to be finished, and not run again
			}
		}
	}
	var errs []error
	manifest := filepath.Join(dir, batch.ManifestFile)
	for _, i := range hidden {
		path := m.Scenarios[i].Path
		const secrets = "with its secrets hidden (header values, a URL's password or key), which --resume will not send as the credentials"
		_, rerr := os.ReadFile(path)
		switch {
		case rerr == nil:
			errs = append(errs, fmt.Errorf("%s has changed since the batch in %s began, and %s holds the scenario it ran %s: to finish the batch, restore %s as it was when the batch began; to run the edited file, start a new batch: %s",
				path, dir, manifest, secrets, path, newBatchCommand(m, path)))
		case errors.Is(rerr, fs.ErrNotExist) && !filepath.IsAbs(path):
			errs = append(errs, fmt.Errorf("%s, the scenario file of the batch in %s, is not in this folder, and %s holds the scenario %s: to finish the batch, restore %s as it was when the batch began, in the folder the batch began in (from which batch.json names it), and resume it from there",
				path, dir, manifest, secrets, path))
		case errors.Is(rerr, fs.ErrNotExist):
			errs = append(errs, fmt.Errorf("%s, the scenario file of the batch in %s, no longer exists, and %s holds the scenario %s: to finish the batch, restore %s as it was when the batch began",
				path, dir, manifest, secrets, path))
		default:
			if pe, ok := errors.AsType[*fs.PathError](rerr); ok {
				rerr = pe.Err
			}
			errs = append(errs, fmt.Errorf("%s, the scenario file of the batch in %s, cannot be read (%v), and %s holds the scenario %s: to finish the batch, make %s readable as it was when the batch began",
				path, dir, rerr, manifest, secrets, path))
		}
	}
	return errors.Join(errs...)
}

// rosterParallel is how many conversations run at once when -j is not
// given: the most any roster asks for (roster.parallel), else def.
func rosterParallel(scenarios []*configs.Scenario, def int) int {
	most := 0
	for _, s := range scenarios {
		if s.IsRoster() {
			most = max(most, s.Roster.Parallel)
		}
	}
	if most > 0 {
		return most
	}
	return def
}

// outputDir is where a new batch's folder goes: the scenarios' output.dir
// when they all name the same one, else the default output folder
// (PARLEY_OUT, or transcripts).
func outputDir(scenarios []*configs.Scenario) string {
	dir := ""
	for i, s := range scenarios {
		if i > 0 && s.Output.Dir != dir {
			return defaultOut()
		}
		dir = s.Output.Dir
	}
	if dir == "" {
		return defaultOut()
	}
	return dir
}

// batchEnded reports whether every conversation of the batch in dir is
// recorded as ended, done or failed (BatchState.Settled), and its summary
// is written: a resume without --retry-failed would run nothing. failed
// counts those that failed, which --retry-failed would run.
func batchEnded(dir string, m *batch.Manifest) (ended bool, failed int) {
	if !summarized(dir) {
		return false, 0
	}
	st, err := batch.ReadState(dir)
	if err != nil {
		return false, 0
	}
	for _, j := range m.Jobs {
		if !st.Settled(j.ID, false) {
			return false, 0
		}
		if !st.Settled(j.ID, true) {
			failed++
		}
	}
	return true, failed
}

// summarized reports whether the batch folder dir holds its summary, in
// both its files.
func summarized(dir string) bool {
	for _, f := range []string{"summary.md", "summary.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			return false
		}
	}
	return true
}

// dryRun prints one line for every conversation m plans (with dir, only
// those the same command without --dry-run would run: not finished, or
// failed when retryFailed) and runs none. A resume that would run nothing
// but leave failed conversations as they are fails as that resume does,
// counting them and naming the command that continues them.
func dryRun(w, errOut io.Writer, m *batch.Manifest, dir string, retryFailed bool) error {
	lines, err := m.Lines()
	if err != nil {
		return usageErr(err)
	}
	ends := map[string]string{}
	if dir != "" {
		if ends, err = batch.Endings(dir, m); err != nil {
			return failureErr(err)
		}
	}
	n, failed, kept := 0, 0, 0
	for i, l := range lines {
		switch ends[m.Jobs[i].ID] {
		case batch.StateDone:
			continue
		case batch.StateFailed:
			if !retryFailed {
				kept++
				continue
			}
			// What a resume without --retry-failed keeps, and this
			// one runs.
			failed++
		}
		fmt.Fprintln(w, l)
		n++
	}
	if n == 0 && kept > 0 {
		// As the resume says it; a queue's retries of them, which
		// that resume would run, are not looked for.
		resume := resumeHere(dir)
		if m.Queue != "" {
			resume = resumeQueued(dir, queueFlags{url: m.Queue, dir: m.QueueDir})
		}
		return failedLeft(dir, m, kept, resume)
	}
	retried := ""
	if failed > 0 {
		retried = fmt.Sprintf(" (%d failed %s to retry)", failed, phrase.Noun(failed, "one", "ones"))
	}
	fmt.Fprintf(errOut, "parley: %s%s; none staged (--dry-run)\n", phrase.Count(n, "conversation", "conversations"), retried)
	return nil
}

// printSummary writes a batch summary: aligned tables on a terminal (a
// dumb one too: they are plain text), without the bytes a terminal acts on
// that a provider's quoted error may hold, and Markdown elsewhere
// (summary.md holds the Markdown either way).
func printSummary(out io.Writer, sum *batch.Summary) {
	if f, ok := out.(*os.File); ok && isTerminal(out) {
		w, _, err := term.GetSize(int(f.Fd()))
		if err != nil || w <= 0 {
			w = 100
		}
		sum.Text(terminalSafe(out), w)
		return
	}
	sum.Markdown(out)
}

// warnScenarios prints the scenarios' warnings (and their replays'), each
// distinct one once.
func warnScenarios(w io.Writer, scenarios []*configs.Scenario) {
	warn := warnOnce(w)
	for _, s := range scenarios {
		for _, msg := range append(s.Warnings(), orchestrator.ReplayWarnings(s)...) {
			warn(msg)
		}
	}
}

// warnOnce prints each distinct warning once, however many runs raise it.
func warnOnce(w io.Writer) func(string) {
	var mu sync.Mutex
	seen := map[string]bool{}
	return func(msg string) {
		mu.Lock()
		defer mu.Unlock()
		if !seen[msg] {
			seen[msg] = true
			fmt.Fprintln(w, "parley: warning:", msg)
		}
	}
}

// conversationName names a finished conversation in a progress line: its
// id, then its title and run ("20261130T081500-0007 (Kimi K2 ↔ grok-4,
// run 2)"), so that a tournament's line says which pair it was; a title
// that another scenario file of the batch gives too is named with its
// file ("five.yaml: A ↔ B"), as titles names it.
func conversationName(res batch.Result, titles *batch.Titles) string {
	if res.Title == "" {
		return controls.Strip(res.ID)
	}
	return controls.Strip(fmt.Sprintf("%s (%s, run %d)", res.ID, titles.Name(res.Title, res.ScenarioPath), max(res.Run, 1)))
}

// messagesSaid counts a finished conversation's messages, and the empty
// replies among them, of which parley run warns one by one: "5 messages,
// 4 of them empty replies".
func messagesSaid(res batch.Result) string {
	said := phrase.Count(res.Messages, "message", "messages")
	if res.EmptyReplies > 0 {
		said += fmt.Sprintf(", %d of them %s", res.EmptyReplies, phrase.Noun(res.EmptyReplies, "an empty reply", "empty replies"))
	}
	return said
}

// showProgress starts the progress display: on a terminal that can draw
// it (tty, from tui.CanDraw) one line redrawn in place, elsewhere a plain line for each finished conversation and a
// heartbeat every 30 seconds. The returned function stops it. What a
// provider or a judge wrote is printed without the control characters a
// terminal would act on (controls.Strip).

func showProgress(w io.Writer, p *batch.Progress, r *batch.Runner, tty bool, titles *batch.Titles) func() {
	var mu sync.Mutex
	done := make(chan struct{})
	var wg sync.WaitGroup
	if tty {
		r.OnFinish = func(res batch.Result) {
			switch {
			case res.State == batch.StateFailed:
				mu.Lock()
				fmt.Fprintf(w, "\r\033[K%s failed: %s\n", conversationName(res, titles), controls.Strip(res.Error))
				mu.Unlock()
			case res.EmptyReplies > 0:
				mu.Lock()
				fmt.Fprintf(w, "\r\033[K%s %s with %s\n", conversationName(res, titles), res.State, messagesSaid(res))
				mu.Unlock()
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTicker(200 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-done:
					mu.Lock()
					fmt.Fprintf(w, "\r\033[K%s\n", p.Snapshot().Line())
					mu.Unlock()
					return
				case <-t.C:
					mu.Lock()
					fmt.Fprintf(w, "\r\033[K%s", p.Snapshot().Line())
					mu.Unlock()
				}
			}
		}()
	} else {
		r.OnFinish = func(res batch.Result) {
			what := res.State
			if res.Stop.Reason != "" {
				what += ": " + res.Stop.Reason
			}
			mu.Lock()
			fmt.Fprintf(w, "%s %s after %s · %s\n", conversationName(res, titles), controls.Strip(what), messagesSaid(res), p.Snapshot().Line())
			mu.Unlock()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTicker(30 * time.Second)
			defer t.Stop()
			for {
				select {
				case <-done:
					return
				case <-t.C:
					mu.Lock()
					fmt.Fprintln(w, p.Snapshot().Line())
					mu.Unlock()
				}
			}
		}()
	}
	return func() {
		close(done)
		wg.Wait()
	}
}

// sameQueue refuses to resume a batch anywhere but on the queue it was
// planned on: its conversations are on that queue, and workers there
// would run them a second time beside those run here or on another queue.
// An embedded queue kept with --queue-dir is found there again. The
// commands it names keep --retry-failed when retryFailed.
func sameQueue(m *batch.Manifest, dir string, qf *queueFlags, retryFailed bool) error {
	resume := func(queueWords ...string) string {
		words := append([]string{"parley", "batch", "--resume", dir}, queueWords...)
		if retryFailed {
			words = append(words, "--retry-failed")
		}
		return phrase.Command(words...)
	}
	var own []string // the flags of the queue the batch was planned on
	if m.Queue != "" {
		own = append([]string{"--queue", m.Queue}, queueDirFlag(m.QueueDir)...)
	}
	switch {
	case m.Queue == "" && qf.url == "":
		return nil
	case m.Queue == "":
		return fmt.Errorf("%s is a batch run on this machine, not on a queue: resume it with %s", dir, resume())
	case qf.url == "":
		return fmt.Errorf("%s is a batch on the queue %s, which still holds its conversations: resume it there, with %s; resumed here, they would run twice",
			dir, m.Queue, resume(own...))
	case (m.Queue == embeddedQueue) != (qf.url == embeddedQueue) || m.Queue != embeddedQueue && m.Queue != queue.ShownURL(qf.url):
		return fmt.Errorf("%s is a batch on the queue %s, and --queue names %s: resume it on its own queue, with %s; on another, its conversations would run twice",
			dir, m.Queue, queue.ShownURL(qf.url), resume(own...))
	}
	if m.QueueDir != "" && qf.dir == "" {
		qf.dir = m.QueueDir // where its embedded queue was kept
	}
	return nil
}
