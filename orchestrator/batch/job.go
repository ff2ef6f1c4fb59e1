// Package batch stages many conversations at once: N runs of each
// scenario, J at a time, with fields varied across runs (--vary), provider
// limits shared by every running conversation, a manifest that lets an
// interrupted batch be finished later, and a summary of the whole batch.
//
// The unit of work is a Job: one conversation from a self-contained spec
// (the scenario's YAML, the values varied for this run, and a run id).
// RunJob runs one and returns its Result; the local Runner and a
// distributed queue call it alike.
package batch

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/parleyhq/parley/configs"
	"github.com/parleyhq/parley/orchestrator"
	"github.com/parleyhq/parley/orchestrator/policy"
	"github.com/parleyhq/parley/pricing"
	"github.com/parleyhq/parley/transcripts"
)

// Job is one conversation of a batch. It holds everything needed to run it
// on any machine.
type Job struct {
	ID           string            `json:"id"`
	ScenarioPath string            `json:"scenario_path"` // names the scenario in sentences; resolves relative replay transcripts
	Scenario     string            `json:"scenario"`      // the scenario's YAML, before the varied values
	Vary         map[string]string `json:"vary,omitempty"`
	// Set lists the paths of Vary that --set gave (one value in every
	// run), so that a sentence about one names the flag the user typed.
	// A job recorded without it, by an earlier parley, says --vary.
	Set []string `json:"set,omitempty"`
	// Pair, for a roster scenario, is the pair this conversation stages;
	// Run numbers the conversations of one pair (and one combination of
	// varied values) from 1.
	Pair *configs.Pair `json:"pair,omitempty"`
	Run  int           `json:"run,omitempty"`
}

// Line describes the job in one line, as batch --dry-run lists it:
// "Kimi K2 ↔ grok-4, run 1", with the varied values after. A batch
// whose scenario files share a title names them (see Titles).
func (j Job) Line() (string, error) {
	title, err := j.title()
	if err != nil {
		return "", err
	}
	return j.line(title), nil
}

// title is the title the job's conversation is staged under.
func (j Job) title() (string, error) {
	if j.Pair != nil && len(j.Vary) == 0 {
		return j.Pair.String(), nil
	}
	// A varied value may rename a seat (an agent's name follows its
	// model): the title is the one the staged scenario gets.
	s, err := j.Load()
	if err != nil {
		return "", err
	}
	return s.Title, nil
}

// line is Line with the job's conversation named name.
func (j Job) line(name string) string {
	line := fmt.Sprintf("%s, run %d", name, max(j.Run, 1))
	if len(j.Vary) > 0 {
		line += " (" + FormatValues(ShownValues(j.Vary)) + ")"
	}
	return line
}

// Load parses the job's scenario with its varied values set. Errors name
// the scenario file and the flag (--vary or --set) that gave the values.
func (j Job) Load() (*configs.Scenario, error) {
	src := []byte(j.Scenario)
	vary := j.Vary
	var typed map[string]string // a seat's path: the roster agent's path as typed
	if j.Pair != nil {
		// The roster's own fields are varied before the pair is staged,
		// an agent named by its roster name in the seats it takes.
		// A seat's field given also by the roster agent sitting there is
		// refused when a batch is planned (see overlaps); a job planned
		// before is staged as it was, the roster agent's value winning.
		pv, err := splitRosterVary(src, *j.Pair, j.Vary, j.isSet)
		if err != nil {
			return nil, fmt.Errorf("%s: %s %w", j.ScenarioPath, j.flagOf(err), err)
		}
		if src, err = Apply(src, pv.roster); err != nil {
			return nil, fmt.Errorf("%s: %s %w", j.ScenarioPath, j.flagOf(err), err)
		}
		if src, err = configs.PairSource(src, *j.Pair); err != nil {
			return nil, fmt.Errorf("%s: staging %s: %w", j.ScenarioPath, j.Pair, err)
		}
		vary, typed = pv.seats, pv.typed
	}
	data, err := Apply(src, vary)
	if err != nil {
		err = asTyped(err, typed)
		return nil, fmt.Errorf("%s: %s %w", j.ScenarioPath, j.flagOf(err), err)
	}
	s, err := configs.Parse(j.ScenarioPath, data)
	if err != nil {
		if len(j.Vary) > 0 || j.Pair != nil {
			// The lines of the YAML a pair and the varied values make are
			// no file's: the sentences name the file and field alone.
			var probs configs.Problems
			var one *configs.Error
			if errors.As(err, &probs) {
				for _, p := range probs {
					p.Line = 0
				}
			} else if errors.As(err, &one) {
				one.Line = 0
			}
		}
		if len(j.Vary) > 0 {
			return nil, fmt.Errorf("%s: %w", j.ValuesClause(), err)
		}
		return nil, err
	}
	if s.IsRoster() {
		return nil, fmt.Errorf("%s names a roster; its batch stages one job per pair", j.ScenarioPath)
	}
	for _, a := range s.Agents {
		if a.Type == configs.TypeHuman {
			return nil, fmt.Errorf("%s: agent %q is type: human, which a batch cannot seat; use a scripted or model agent", j.ScenarioPath, a.Name)
		}
	}
	return s, nil
}

// overlaps refuses a roster job whose values give a seat's field both
// by its place and by the roster agent sitting there (agents[0].model
// beside agents[Kimi K2].model), or one inside the other: only one value
// could be staged, and the job would record both. Planning a batch asks
// it; loading a job planned before does not, so that a batch an earlier
// parley planned still runs and resumes.
func (j Job) overlaps() error {
	if j.Pair == nil {
		return nil
	}
	pv, err := splitRosterVary([]byte(j.Scenario), *j.Pair, j.Vary, j.isSet)
	if err != nil || pv.overlap == nil {
		return nil // loading the job says what is wrong
	}
	return fmt.Errorf("%s: %s %w", j.ScenarioPath, j.flagOf(pv.overlap), pv.overlap)
}

// asTyped is err, when it is about a seat's path that a roster agent's
// path gave (agents[0].stop[0] for agents[Kimi K2].stop[0]), said of the
// path as typed: typed maps the one to the other. The sentence starts
// with the path, as FieldError's does.
func asTyped(err error, typed map[string]string) error {
	var fe *FieldError
	if !errors.As(err, &fe) {
		return err
	}
	path, ok := typed[fe.Path]
	if !ok {
		return err
	}
	msg := fe.Err.Error()
	if rest, ok := strings.CutPrefix(msg, fe.Path); ok {
		msg = path + rest
	}
	return &FieldError{Path: path, Err: errors.New(msg)}
}

// isSet reports whether --set gave path, rather than --vary.
func (j Job) isSet(path string) bool { return slices.Contains(j.Set, path) }

// flagOf is the flag that gave the value err is about: the path's own,
// when err names one; else --set when --set gave every value, else --vary.
func (j Job) flagOf(err error) string {
	var fe *FieldError
	if errors.As(err, &fe) {
		if j.isSet(fe.Path) {
			return "--set"
		}
		return "--vary"
	}
	for path := range j.Vary {
		if !j.isSet(path) {
			return "--vary"
		}
	}
	if len(j.Vary) > 0 {
		return "--set"
	}
	return "--vary"
}

// ValuesClause says which values the job was given, by the flags that
// gave them: "with --vary seed=3 --set agents[1].temperature=0.7", each
// value shown as ShownValue shows it.
func (j Job) ValuesClause() string {
	varied, set := map[string]string{}, map[string]string{}
	for path, v := range ShownValues(j.Vary) {
		if j.isSet(path) {
			set[path] = v
		} else {
			varied[path] = v
		}
	}
	var parts []string
	if len(varied) > 0 {
		parts = append(parts, "--vary "+FormatValues(varied))
	}
	for _, path := range orderedPaths(set) {
		parts = append(parts, "--set "+path+"="+set[path])
	}
	return "with " + strings.Join(parts, " ")
}

// Env is what the machine running a job provides.
type Env struct {
	// HTTPClient carries every model request; build it with NewHTTPClient
	// so provider limits are shared by all jobs in the process.
	HTTPClient *http.Client
	// Getenv looks up API keys; nil means os.Getenv.
	Getenv func(string) string
	// Pace, when set, overrides replay and scripted agents' pace.
	Pace *time.Duration
	// Sinks, when set, returns extra sinks for one job's events, such as
	// a progress counter.
	Sinks func(Job) []orchestrator.Sink
	// Warn receives warnings, such as a key sent over plain HTTP.
	Warn func(string)
	// RetryFailed continues a job whose recording an error stopped (a
	// full disk, a provider that was down) as an interrupted one is
	// continued, instead of keeping its failure (batch --retry-failed).
	RetryFailed bool
}

// Run states of a job.
const (
	StatePlanned     = "planned"
	StateRunning     = "running"
	StateDone        = "done"        // ended normally: a policy, a script running out, the operator
	StateFailed      = "failed"      // ended by an error
	StateInterrupted = "interrupted" // cut short; --resume continues it
)

// Result is what one job produced. It is computed from the recorded
// transcript, so a result read back from disk is the same as a live one.
type Result struct {
	ID           string            `json:"id"`
	Title        string            `json:"title"`
	ScenarioPath string            `json:"scenario_path"`
	Vary         map[string]string `json:"vary,omitempty"`
	Pair         string            `json:"pair,omitempty"` // "A ↔ B", for a roster's conversation
	Run          int               `json:"run,omitempty"`
	State        string            `json:"state"`
	Error        string            `json:"error,omitempty"` // the sentence, when the job could not start or failed

	Stop      transcripts.Stop `json:"stop"`
	Messages  int              `json:"messages"` // completed messages, moderator notes left out
	Markdown  string           `json:"markdown,omitempty"`
	JSONL     string           `json:"jsonl,omitempty"`
	Started   time.Time        `json:"started,omitzero"`
	Ended     time.Time        `json:"ended,omitzero"`
	LastStart time.Time        `json:"last_start,omitzero"` // when the last run began: a resumed one's resume (Started stays the first run's); zero in a result read from a transcript alone, which does not record it
	ModelTime time.Duration    `json:"model_time_ns"`       // the messages' latencies summed: time spent waiting on models
	Tokens    []AgentTokens    `json:"tokens,omitempty"`
	Cost      []AgentCost      `json:"cost,omitempty"` // per agent: reported, estimated or unknown
	Retries   int              `json:"retries"`
	Resumes   int              `json:"resumes,omitempty"`
	// EmptyReplies counts the agents' messages of white space alone
	// (each a warning in the transcript, as parley run prints it), such
	// as a reasoning model gives that spends its whole max_tokens
	// thinking. OnlyEmpty says no message beyond the opening holds text:
	// every reply was empty, and parley report leaves the conversation
	// out as one in which no one replied.
	EmptyReplies int  `json:"empty_replies,omitempty"`
	OnlyEmpty    bool `json:"only_empty,omitempty"`

	// Ceiling is the max_messages budget the run had (0: none); Policies
	// says where each rule alone would have stopped the run.
	Ceiling  int            `json:"ceiling,omitempty"`
	Policies []PolicyResult `json:"policies,omitempty"`
}

// Measured says whether the conversation's length counts in the batch's
// medians: it ended without an error, by the rule parley report applies
// (analysis.Conversation.Measured). One an error cut short ends where the
// error fell rather than where the talk ran out, and one interrupted has
// not ended.
func (r Result) Measured() bool { return r.State == StateDone }

// AgentTokens is one agent's token usage in one run.
type AgentTokens struct {
	Agent     string `json:"agent"`
	In        int    `json:"in"`
	Out       int    `json:"out"`
	Estimated bool   `json:"estimated,omitempty"` // some counts were estimated, not reported
}

// AgentCost is what one agent's messages cost in one run.
type AgentCost struct {
	Agent string        `json:"agent"`
	Model string        `json:"model,omitempty"`
	Cost  pricing.Total `json:"cost"`
}

// PolicyResult is where one termination rule, on its own, would have
// stopped a run: StopsAt is the first message count at which its Check
// says stop (0: it never would have, within the messages recorded). Saved
// is the messages it spares against the run's max_messages budget:
// Ceiling − StopsAt, or 0 when there is no budget or it never fires.
type PolicyResult struct {
	Policy  string `json:"policy"`
	StopsAt int    `json:"stops_at"`
	Saved   int    `json:"saved"`
	Skipped string `json:"skipped,omitempty"` // why it was not replayed, such as a rule that asks a judge model
}

// RunJob runs one job, recording its transcript in dir. When dir already
// holds the job's recording, RunJob continues it instead: a finished
// recording is returned as it is, an interrupted one goes on from its last
// completed message. The error is non-nil when the conversation failed or
// ctx was cancelled; the Result says what was recorded either way.
func RunJob(ctx context.Context, job Job, dir string, env Env) (Result, error) {
	res, err := runJob(ctx, &job, dir, &env, Job.Load)
	return *res, err
}

// runJob is RunJob with the job's scenario from load, which may hand
// several jobs the same one: a job only reads its scenario. The
// conversation's goroutine waits under runJob while each reply streams, so
// runJob keeps its own frame small: the job is prepared on a goroutine of
// its own and its result computed in a call of its own, and the result is
// on the heap.
func runJob(ctx context.Context, job *Job, dir string, env *Env, load func(Job) (*configs.Scenario, error)) (*Result, error) {
	// The job is prepared on a goroutine of its own: loading a scenario
	// and building a conversation go deeper than running it does (the
	// YAML parser, the agents' configuration), and a goroutine keeps the
	// stack it grew to for as long as it lives, here for the whole
	// conversation. Prepared elsewhere, the conversation's goroutine stays
	// at 8 KiB (TestAConversationFitsInEightKiBOfStack holds the run to it).
	var j *jobRun
	var err error
	prepared := make(chan struct{})
	go func() {
		defer close(prepared)
		j, err = prepareJob(job, dir, env, load)
	}()
	<-prepared
	if j.conv == nil {
		return j.res, err
	}
	stop, runErr := j.conv.Run(ctx, j.sinks...)
	return j.finish(stop, runErr)
}

// jobRun is a job ready to run, or its result when there is nothing to run.
type jobRun struct {
	res   *Result // the result when there is nothing to run; nil while conv runs
	job   *Job    // the job conv runs, whose result finish computes
	s     *configs.Scenario
	rec   *orchestrator.Recorder
	conv  *orchestrator.Conversation // nil: res is the job's result
	sinks []orchestrator.Sink
	began time.Time // when conv was built, to run at once
	// resumed: conv continues a recorded run, whose Started another
	// machine's clock may have set
	resumed bool
}

// prepareJob loads a job's scenario and, for a job that ran before, its
// transcript, and builds its conversation.
func prepareJob(job *Job, dir string, env *Env, load func(Job) (*configs.Scenario, error)) (*jobRun, error) {
	res := newResult(job, nil)
	j := &jobRun{res: res}
	s, err := load(*job)
	if err != nil {
		res.Error = err.Error()
		res.Stop = transcripts.Stop{Kind: transcripts.StopError, Reason: res.Error}
		return j, err
	}
	j.s = s
	res.Title = s.Title

	rec := &orchestrator.Recorder{Dir: dir}
	j.rec = rec
	var prior []transcripts.Message
	// The seats the recording ran: a scripted seat carries on from the
	// lines it said only when the recording seated that script.
	var priorAgents []transcripts.AgentInfo
	session := 0 // the recording's session this run is
	path, err := existingJSONL(dir)
	if err != nil {
		res.Error = err.Error()
		return j, err
	}
	if st, err := os.Stat(path); path != "" && err == nil && st.Size() == 0 && env.RetryFailed {
		// Not even the run's header reached the disk (a full disk):
		// nothing is recorded, and the job starts again.
		os.Remove(path)
		os.Remove(strings.TrimSuffix(path, ".jsonl") + ".md")
		path = ""
	}
	if path != "" {
		t, err := transcripts.Read(path)
		if err != nil {
			res.Error = fmt.Sprintf("cannot continue job %s: %v", job.ID, err)
			return j, errors.New(res.Error)
		}
		retry := env.RetryFailed && t.Run != nil && t.Run.Stop != nil && t.Run.Stop.Kind == transcripts.StopError
		if t.Run != nil && t.Run.Stop != nil && t.Run.Stop.Kind != transcripts.StopInterrupted && !retry {
			out := ResultFromTranscript(t, j.judgeBy())
			fill(&out, *res, path)
			j.res = &out
			return j, nil
		}
		r, t, err := transcripts.Open(path)
		if err != nil {
			res.Error = fmt.Sprintf("cannot continue job %s: %v", job.ID, err)
			return j, errors.New(res.Error)
		}
		if env.Warn != nil {
			// What continuing it changed: a torn last line cut, a
			// Markdown edited by hand kept aside; each named with its
			// file, as resume names it.
			for _, w := range t.Run.Warnings {
				env.Warn(path + ": " + w)
			}
		}
		rec.Recording = r
		prior, priorAgents = t.Messages, t.Run.Agents
		session = t.Run.Resumes + 1
		j.resumed = true
	}

	cfg, err := orchestrator.FromScenario(s, orchestrator.Options{
		Getenv: env.Getenv, Pace: env.Pace, HTTPClient: env.HTTPClient, Prior: prior, PriorAgents: priorAgents, Warn: env.Warn,
	})
	if err != nil {
		if rec.Recording != nil {
			// The recording this run was to continue keeps every message
			// it holds, now stopped by the failure: its result counts
			// them and names its files, which --retry-failed continues.
			j.res = failRecording(rec.Recording, job, s, err.Error())
			return j, err
		}
		res.Error = err.Error()
		res.Stop = transcripts.Stop{Kind: transcripts.StopError, Reason: res.Error}
		return j, err
	}
	cfg.Session = session // max_duration counts each session's span
	cfg.Run.ID = job.ID
	cfg.Run.Vary = ShownValues(job.Vary)
	if job.Pair != nil {
		cfg.Run.Pairing = &transcripts.Pairing{Opener: job.Pair.Names[0], Responder: job.Pair.Responder(), Run: job.Run}
	}
	j.sinks = []orchestrator.Sink{rec}
	if env.Sinks != nil {
		j.sinks = append(j.sinks, env.Sinks(*job)...)
	}
	j.conv = orchestrator.New(cfg)
	// What is known of the result is built again when the conversation
	// has ended, rather than held while it runs.
	j.res, j.job = nil, job
	j.began = time.Now()
	return j, nil
}

// FailRecorded records reason as the stop of the recording a job left in
// dir, for a job that cannot run to continue it (a worker that gives up on
// a job handed out too often), and returns the job's result from it: a
// failure that keeps every message recorded, to be continued by
// --retry-failed once the cause is fixed. ok is false when dir holds no
// recording, or one that cannot be continued; err is why.
func FailRecorded(job Job, dir, reason string) (res Result, ok bool, err error) {
	path, err := existingJSONL(dir)
	if err != nil || path == "" {
		return Result{}, false, err
	}
	r, _, err := transcripts.Open(path)
	if err != nil {
		return Result{}, false, err
	}
	out := failRecording(r, &job, nil, reason)
	return *out, out.JSONL != "", nil
}

// Recorded is the result of job as the recording it left in dir holds
// it, read without running anything, as a resume keeps a conversation
// that ended. ended is false when dir holds no recording, or one that has
// not ended (interrupted, or cut off by a crash), which a run continues;
// path is the recording's JSONL whenever dir holds one.
func Recorded(job Job, dir string) (res Result, path string, ended bool, err error) {
	path, err = existingJSONL(dir)
	if err != nil || path == "" {
		return Result{}, path, false, err
	}
	t, err := transcripts.Read(path)
	if err != nil {
		return Result{}, path, false, err
	}
	if t.Run == nil || t.Run.Stop == nil || t.Run.Stop.Kind == transcripts.StopInterrupted {
		return Result{}, path, false, nil
	}
	// The policy judges where each rule would have stopped the run; a
	// scenario that no longer loads leaves that out.
	var p policy.Policy
	s, _ := job.Load()
	if s != nil {
		p, _ = s.Policy()
	}
	out := ResultFromTranscript(t, p)
	fill(&out, *newResult(&job, s), path)
	return out, path, true, nil
}

// failRecording finishes r, the recording of a job that failed before it
// added a message, with reason as its error stop, and returns the job's
// result from what it holds. s is the job's scenario, when it was loaded.
// A recording that cannot be read back gives the failure alone.
func failRecording(r *transcripts.Recording, job *Job, s *configs.Scenario, reason string) *Result {
	res := newResult(job, s)
	res.Error = reason
	res.Stop = transcripts.Stop{Kind: transcripts.StopError, Reason: reason, At: len(r.Messages())}
	jl := r.JSONLPath
	finishErr := r.Finish(time.Now(), res.Stop)
	t, err := transcripts.Read(jl)
	if err != nil {
		return res
	}
	var p policy.Policy
	if s != nil {
		p, _ = s.Policy()
	}
	out := ResultFromTranscript(t, p)
	fill(&out, *res, jl)
	if finishErr != nil || out.State != StateFailed {
		// The stop did not reach the disk: the result says the failure all
		// the same.
		out.State, out.Stop = StateFailed, res.Stop
	}
	out.Error = reason
	return &out
}

// newResult is what is known of a job's result before its conversation
// runs, or once it cannot: a failure, unless it runs to another end. s is
// the job's scenario, when it was loaded.
func newResult(job *Job, s *configs.Scenario) *Result {
	res := &Result{State: StateFailed}
	job.Identify(res)
	if s != nil {
		res.Title = s.Title
	}
	return res
}

// Identify gives r the job's identity, as every result of it carries it:
// its id, scenario file, values (secrets hidden), run and pair.
func (j Job) Identify(r *Result) {
	r.ID, r.ScenarioPath, r.Vary, r.Run = j.ID, j.ScenarioPath, ShownValues(j.Vary), j.Run
	if j.Pair != nil {
		r.Pair = j.Pair.String()
	}
}

// judgeBy is the policy the result is judged by. It is built when it is
// needed: held from the start, it would sit beside the conversation's own
// rules for the whole run.
func (j *jobRun) judgeBy() policy.Policy {
	p, _ := j.s.Policy()
	return p
}

// finish computes the result of a job whose conversation ended with stop
// and runErr, from its transcript as recorded.
func (j *jobRun) finish(stop transcripts.Stop, runErr error) (*Result, error) {
	res := newResult(j.job, j.s)
	res.LastStart = j.began
	_, jl := j.rec.Paths()
	if jl == "" {
		res.Stop = stop
		if runErr != nil {
			res.Error = orchestrator.Sentence(runErr)
		}
		return res, runErr
	}
	t, err := transcripts.Read(jl)
	if err != nil {
		res.Stop = stop
		res.Error = fmt.Sprintf("reading back %s: %v", jl, err)
		return res, errors.Join(runErr, err)
	}
	out := ResultFromTranscript(t, j.judgeBy())
	fill(&out, *res, jl)
	// A resumed run's last start is its resume, by this machine's clock
	// (its Started may be by another's); a new one's, its start.
	out.LastStart = j.began
	if !j.resumed && out.Started.After(j.began) {
		out.LastStart = out.Started
	}
	if runErr != nil && out.State != StateInterrupted {
		out.Error = orchestrator.Sentence(runErr)
	}
	return &out, runErr
}

func fill(out *Result, from Result, jsonl string) {
	out.ID, out.ScenarioPath, out.Vary, out.Pair, out.Run = from.ID, from.ScenarioPath, from.Vary, from.Pair, from.Run
	if out.Title == "" {
		out.Title = from.Title
	}
	out.JSONL = jsonl
	out.Markdown = strings.TrimSuffix(jsonl, ".jsonl") + ".md"
}

// existingJSONL finds the recording a job left in dir, if any.
func existingJSONL(dir string) (string, error) {
	found, err := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if err != nil {
		return "", err
	}
	if len(found) == 0 {
		return "", nil
	}
	if len(found) > 1 {
		sort.Strings(found)
		return "", fmt.Errorf("%s holds %d transcripts (%s); a job's folder holds one, so move the extra ones out",
			dir, len(found), strings.Join(found, ", "))
	}
	if _, err := os.Stat(found[0]); err != nil {
		return "", err
	}
	return found[0], nil
}

// JudgeRow is how a judge's spending is labelled beside the agents': "judge"
// for a judge of that name (the default), else its name and "(judge)".
func JudgeRow(name string) string {
	if name == "" || name == "judge" {
		return "judge"
	}
	return name + " (judge)"
}

// ResultFromTranscript computes a job's result from its recorded
// transcript and the policy it ran under.
func ResultFromTranscript(t *transcripts.Transcript, p policy.Policy) Result {
	res := Result{Title: t.Title, Started: t.Started, Ended: t.Ended}
	var msgs []transcripts.Message
	tokens := map[string]*AgentTokens{}
	var order []string
	models := map[string]string{}
	free := map[string]bool{} // scripted, replayed and human sides send no request
	if t.Run != nil {
		for _, a := range t.Run.Agents {
			models[a.Name] = a.Model
			free[a.Name] = a.SendsNoRequest()
		}
	}
	costs := map[string]*AgentCost{}
	var costOrder []string
	replied := false // a message beyond the opening holds text
	for _, m := range t.Messages {
		if !m.Partial {
			msgs = append(msgs, m)
		}
		if m.Origin == transcripts.OriginModerator {
			continue
		}
		if !m.Partial {
			res.Messages++
			blank := strings.TrimSpace(m.Content) == ""
			if blank && m.Origin == transcripts.OriginAgent {
				res.EmptyReplies++
			}
			replied = replied || !blank && m.Origin != transcripts.OriginOpening
		}
		res.ModelTime += m.Latency
		if m.Origin == transcripts.OriginAgent {
			ac := costs[m.Speaker]
			if ac == nil {
				ac = &AgentCost{Agent: m.Speaker, Model: firstNonEmpty(models[m.Speaker], m.Model)}
				costs[m.Speaker] = ac
				costOrder = append(costOrder, m.Speaker)
			}
			if !free[m.Speaker] {
				ac.Cost.Add(pricing.Of(m, models[m.Speaker]))
			}
		}
		if m.Usage != nil && m.Origin == transcripts.OriginAgent {
			at := tokens[m.Speaker]
			if at == nil {
				at = &AgentTokens{Agent: m.Speaker}
				tokens[m.Speaker] = at
				order = append(order, m.Speaker)
			}
			at.In += m.Usage.PromptTokens
			at.Out += m.Usage.CompletionTokens
			at.Estimated = at.Estimated || m.Usage.Estimated
		}
	}
	// What each judge's questions used and cost, recorded with its
	// rulings, counts as a row of its own; a judge event that names no
	// model (a round it could not be asked, or a recording from before
	// parley recorded it) counts nothing.
	if t.Run != nil {
		for _, e := range t.Run.Events {
			if e.Kind != "judge" || e.Model == "" {
				continue
			}
			name := "\x00judge " + e.Speaker // apart from an agent's, whatever its name
			ac := costs[name]
			if ac == nil {
				ac = &AgentCost{Agent: JudgeRow(e.Speaker), Model: e.Model}
				costs[name] = ac
				costOrder = append(costOrder, name)
			}
			ac.Cost.Add(pricing.Of(transcripts.Message{Model: e.Model, Usage: e.Usage}, e.Model))
			if e.Usage == nil {
				continue
			}
			at := tokens[name]
			if at == nil {
				at = &AgentTokens{Agent: JudgeRow(e.Speaker)}
				tokens[name] = at
				order = append(order, name)
			}
			at.In += e.Usage.PromptTokens
			at.Out += e.Usage.CompletionTokens
			at.Estimated = at.Estimated || e.Usage.Estimated
		}
	}
	res.OnlyEmpty = res.EmptyReplies > 0 && !replied
	for _, name := range order {
		res.Tokens = append(res.Tokens, *tokens[name])
	}
	for _, name := range costOrder {
		res.Cost = append(res.Cost, *costs[name])
	}
	res.State = StateInterrupted
	if t.Run != nil {
		res.Resumes = t.Run.Resumes
		for _, e := range t.Run.Events {
			if e.Kind == "retry" {
				res.Retries++
			}
		}
		if t.Run.Stop != nil {
			res.Stop = *t.Run.Stop
			switch res.Stop.Kind {
			case transcripts.StopError:
				res.State = StateFailed
				res.Error = res.Stop.Reason
			case transcripts.StopInterrupted:
			default:
				res.State = StateDone
			}
		}
	}
	if p != nil {
		res.Ceiling, res.Policies = replayPolicies(p, msgs)
	}
	return res
}

// replayPolicies finds where each rule of p, alone, would have stopped msgs.
// Rules of one name (the default set's four end_token rules) make one
// result, the earliest stop among them, so the summary counts each run
// once per row.
func replayPolicies(p policy.Policy, msgs []transcripts.Message) (int, []PolicyResult) {
	ceiling := 0
	for _, pr := range p.Check(nil).Progress {
		if pr.Policy == "max_messages" && (ceiling == 0 || pr.Limit < ceiling) {
			ceiling = pr.Limit
		}
	}
	var out []PolicyResult
	for _, leaf := range leaves(p) {
		r := PolicyResult{Policy: policyName(unguarded(leaf), msgs)}
		if _, ok := unguarded(leaf).(policy.Preparer); ok {
			r.Skipped = "it asks a model, so it is not replayed"
			out = append(out, r)
			continue
		}
		for k := 1; k <= len(msgs); k++ {
			if policy.Ends(leaf.Check(msgs[:k:k]), msgs[:k]) {
				r.StopsAt = k
				break
			}
		}
		if r.StopsAt > 0 && ceiling > r.StopsAt {
			r.Saved = ceiling - r.StopsAt
		}
		out = mergeResult(out, r)
	}
	return ceiling, out
}

// mergeResult adds r to out, or folds it into the result of the same name
// already there, keeping the earlier stop.
func mergeResult(out []PolicyResult, r PolicyResult) []PolicyResult {
	for i := range out {
		if out[i].Policy != r.Policy {
			continue
		}
		e := &out[i]
		if r.StopsAt > 0 && (e.StopsAt == 0 || r.StopsAt < e.StopsAt) {
			e.StopsAt, e.Saved = r.StopsAt, r.Saved
		}
		if e.Skipped == "" || r.Skipped == "" {
			e.Skipped = ""
		}
		return out
	}
	return append(out, r)
}

// leaves flattens any: groups; an all: group counts as one rule. Rules
// under a min_messages guard (the default set has one) are each replayed
// under the same guard.
func leaves(p policy.Policy) []policy.Policy {
	switch x := p.(type) {
	case policy.Any:
		var out []policy.Policy
		for _, y := range x {
			out = append(out, leaves(y)...)
		}
		return out
	case policy.Guard:
		var out []policy.Policy
		for _, y := range leaves(x.Policy) {
			out = append(out, policy.Guard{Min: x.Min, Policy: y})
		}
		return out
	}
	return []policy.Policy{p}
}

// unguarded is the rule a min_messages guard guards.
func unguarded(p policy.Policy) policy.Policy {
	if g, ok := p.(policy.Guard); ok {
		return g.Policy
	}
	return p
}

func policyName(p policy.Policy, msgs []transcripts.Message) string {
	v := p.Check(msgs)
	if v.Policy != "" {
		return v.Policy
	}
	var names []string
	for _, pr := range v.Progress {
		if !containsString(names, pr.Policy) {
			names = append(names, pr.Policy)
		}
	}
	if len(names) > 0 {
		if _, ok := p.(policy.All); ok {
			return strings.Join(names, "+")
		}
		return names[0]
	}
	return fmt.Sprintf("%T", p)
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
