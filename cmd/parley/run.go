package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/parleyhq/parley/agents"
	"github.com/parleyhq/parley/cmd/parley/tui"
	"github.com/parleyhq/parley/configs"
	"github.com/parleyhq/parley/internal/phrase"
	"github.com/parleyhq/parley/orchestrator"
	"github.com/parleyhq/parley/orchestrator/batch"
	"github.com/parleyhq/parley/orchestrator/policy"
	"github.com/parleyhq/parley/transcripts"
)

// runFlags are shared by run and demo.
type runFlags struct {
	out   string
	noTUI bool
	pace  string
	json  bool
	width int
}

func (f *runFlags) register(c *cobra.Command) {
	c.Flags().StringVar(&f.out, "out", "", "directory for the transcripts (default: the scenario's output.dir, else $PARLEY_OUT, else transcripts)")
	c.Flags().BoolVar(&f.noTUI, "no-tui", false, "print plain text instead of opening the live view")
	c.Flags().StringVar(&f.pace, "pace", "", "override the pace of replay and scripted agents, such as 0 (instant) or 5ms")
	c.Flags().BoolVar(&f.json, "json", false, "print the event stream as JSON lines on stdout (the transcript is recorded as usual)")
	f.width = textWidthDefault()
	c.Flags().Var((*columns)(&f.width), "text-width", "the live view wraps message text at most this wide; 0 uses the whole window ($PARLEY_TEXT_WIDTH)")
}

// columns is a --text-width flag: a number of columns, 0 or more.
type columns int

func (c *columns) String() string { return strconv.Itoa(int(*c)) }
func (c *columns) Type() string   { return "int" }
func (c *columns) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return errors.New("the text width is a number of columns, 0 or more (0 uses the whole window)")
	}
	*c = columns(n)
	return nil
}

// textWidthVar reads $PARLEY_TEXT_WIDTH: the width it gives, whether it
// is set, and the sentence that says it is no width ("" when it is one).
func textWidthVar() (n int, set bool, problem string) {
	v := strings.TrimSpace(os.Getenv("PARLEY_TEXT_WIDTH"))
	if v == "" {
		return 0, false, ""
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, true, fmt.Sprintf("PARLEY_TEXT_WIDTH is %q; it takes a whole number of columns to wrap message text at (0 for the whole window), or unset it for %d", v, tui.DefaultTextWidth)
	}
	return n, true, ""
}

// textWidthEnv refuses a $PARLEY_TEXT_WIDTH that is no width when the
// command's --text-width was not given: the view would wrap at its
// default, as if the variable were unset.
func textWidthEnv(cmd *cobra.Command) error {
	if _, _, problem := textWidthVar(); problem != "" && !cmd.Flags().Changed("text-width") {
		return errors.New(problem)
	}
	return nil
}

// textWidthDefault is $PARLEY_TEXT_WIDTH, else the live view's default.
func textWidthDefault() int {
	if n, set, problem := textWidthVar(); set && problem == "" {
		return n
	}
	return tui.DefaultTextWidth
}

func newRunCmd() *cobra.Command {
	var f runFlags
	var sf scenarioFlags
	c := &cobra.Command{
		Use:   "run SCENARIO.yaml | run --agent PROVIDER:MODEL --agent PROVIDER:MODEL",
		Short: "Stage the conversation a scenario describes and record it",
		Long: `Stage the conversation a scenario describes and record it.

The scenario is a YAML file, - for standard input, or two --agent flags:

  parley run configs/kimi-k2-vs-grok-4.yaml
  parley run --agent ollama:llama3.2 --agent openrouter:x-ai/grok-4 --opening "Hi" --system "Be brief."
  parley run configs/openai-self.yaml --set agents[1].temperature=1.2 --set termination.any[0].max_messages=20`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usageErr(fmt.Errorf("run takes one scenario file, got %d; to stage several, use %s", len(args), phrase.Command(append([]string{"parley", "batch"}, args...)...)))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := sf.load(cmd, args)
			if err != nil {
				return usageErr(err)
			}
			_, err = stage(cmd.Context(), cmd, s, f, nil, nil)
			return err
		},
	}
	f.register(c)
	sf.register(c)
	return c
}

func newDemoCmd() *cobra.Command {
	var f runFlags
	c := &cobra.Command{
		Use:   "demo",
		Short: "Re-stage a recorded Kimi K2 ↔ grok-4 conversation offline, under the default policies",
		Args:  exactArgs(0, "demo takes no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := configs.LoadExample(configs.DemoName)
			if err != nil {
				return failureErr(err)
			}
			res, err := stage(cmd.Context(), cmd, s, f, nil, nil)
			if err != nil {
				return err
			}
			seed, _ := transcripts.ReadEmbedded(s.Agents[0].Transcript)
			w := cmd.OutOrStdout()
			if f.json {
				w = cmd.ErrOrStderr()
			}
			// The stop's reason is printed just above; say only what it means.
			by := "its " + res.Stop.Kind
			if res.Stop.Policy != "" {
				by = "the " + res.Stop.Policy + " rule, for the reason above"
			}
			fmt.Fprintf(w, "\nThe recorded conversation ran %s. parley stopped it after message %d, by %s.\n",
				phrase.Count(len(seed.Messages), "message", "messages"), res.Stop.At, by)
			if saved := len(seed.Messages) - res.Stop.At; saved > 0 && res.Stop.Kind == transcripts.StopPolicy {
				fmt.Fprintf(w, "That saves %s of looping.\n", phrase.Count(saved, "message", "messages"))
			}
			return nil
		},
	}
	f.register(c)
	return c
}

// result is what a staged run ended with.
type result struct {
	Stop     transcripts.Stop
	Markdown string
	JSONL    string
	// Partial says the message in flight when the run stopped was kept,
	// marked interrupted, as message Stop.At+1: the files count it.
	Partial bool
}

// resumption carries what `parley resume` continues from.
type resumption struct {
	recording *transcripts.Recording
	agents    []transcripts.AgentInfo // the seats the recording's last session ran
	forkedAt  int                     // for a fork, the messages it kept from its parent
	started   time.Time
	session   int                               // the session the resume is: the recording's run lines so far
	policy    func(policy.Policy) policy.Policy // adjusts the scenario's policy, or nil
	// The --policy file's rules, as read, and the file, for the keys
	// its judges need; nil without one.
	rules     *yaml.Node
	rulesFile string
	// What the session's run line records of the rules it runs under:
	// the --policy file's YAML (secrets hidden) and path, and the
	// --max-messages budget.
	termination, terminationPath string
	terminationRedacted          bool
	maxMessages                  int
	maxRecorded                  bool // maxMessages is the budget an earlier resume set, not this one's --max-messages
}

// forking is a fork's parent: stage starts the new transcript with the
// parent's first at messages.
type forking struct {
	parent *transcripts.Transcript
	path   string
	at     int
}

// stageable refuses, with a sentence, a scenario stage could not run: a
// roster, an agent or judge without its key (each named with its line),
// a recording a replay cannot use. Said before anything is recorded, or
// a resume's files are opened. A resume under a --policy file (resume not
// nil) needs the keys of that file's judges in place of the scenario's.
func stageable(s *configs.Scenario, resume *resumption) error {
	// Said before its keys: run would refuse a roster with them set too.
	if err := orchestrator.OneConversation(s); err != nil {
		return usageErr(err)
	}
	keyed := s
	if resume != nil && resume.rules != nil {
		// The --policy file's rules replace the scenario's: a judge of
		// the scenario's is never asked, so its key is not needed, and
		// the file's judges need theirs.
		withoutRules := *s
		withoutRules.Termination = yaml.Node{}
		keyed = &withoutRules
	}
	if err := keyProblems([]*configs.Scenario{keyed}); err != nil {
		return usageErr(err)
	}
	if err := resume.judgeKeys(); err != nil {
		return err
	}
	if probs := orchestrator.ReplayProblems(s); len(probs) > 0 {
		return usageErr(probs)
	}
	return nil
}

// liveViewClosed says what keeps the live view, which alone seats a
// person, closed: the flags given (--json, --no-tui), an output that is
// not a terminal, or a terminal TERM=dumb says cannot draw it (tui.CanDraw);
// and what to do to take a type: human seat.
func liveViewClosed(f runFlags, terminal, drawable bool) string {
	var flags []string
	if f.json {
		flags = append(flags, "--json")
	}
	if f.noTUI {
		flags = append(flags, "--no-tui")
	}
	dumb := terminal && !drawable
	const termType = "with TERM set to your terminal's type (such as TERM=xterm-256color)"
	switch {
	case len(flags) == 0 && dumb:
		return "the terminal (TERM=dumb) cannot draw it: give the command " + termType + " to type that side's messages"
	case len(flags) == 0 && terminal:
		return "this command does not open it"
	case len(flags) == 0:
		return "the output is not a terminal, so it cannot open: give the command on a terminal, its output neither piped nor redirected, to type that side's messages"
	}
	keep, leave := flags[0]+" keeps", "leave out "+flags[0]
	if len(flags) > 1 {
		keep, leave = phrase.And(flags)+" keep", "leave them out"
	}
	if dumb {
		return fmt.Sprintf("%s it closed, and the terminal (TERM=dumb) cannot draw it: %s, %s, to type that side's messages", keep, leave, termType)
	}
	return fmt.Sprintf("%s it closed: %s, on a terminal, to type that side's messages", keep, leave)
}

// stage runs a scenario with the recorder and either the live view or,
// without a terminal that can draw it or with --no-tui, the headless
// printer (or, with --json, JSON lines). With a resumption it continues
// that recording instead of starting a new one; with a fork, it starts one
// from the parent's messages.
func stage(ctx context.Context, cmd *cobra.Command, s *configs.Scenario, f runFlags, resume *resumption, fork *forking) (result, error) {
	stderr := cmd.ErrOrStderr()
	if err := stageable(s, resume); err != nil {
		return result{}, err
	}
	if err := textWidthEnv(cmd); err != nil {
		return result{}, usageErr(err)
	}
	opt := orchestrator.Options{Warn: func(msg string) { fmt.Fprintln(stderr, "parley: warning:", msg) }}
	// The live view runs when stdout is a terminal that can draw it; it
	// alone can seat a person (type: human).
	drawable := tui.CanDraw(cmd.OutOrStdout())
	useTUI := !f.noTUI && !f.json && drawable
	humans := map[string]tui.Seat{}
	if useTUI {
		opt.Human = func(name string) (agents.Agent, error) {
			h := agents.NewHuman(name)
			humans[name] = h
			return h, nil
		}
	} else {
		opt.NoHuman = liveViewClosed(f, isTerminal(cmd.OutOrStdout()), drawable)
	}
	if resume != nil {
		opt.Prior, opt.PriorAgents, opt.PriorForkedAt = resume.recording.Messages(), resume.agents, resume.forkedAt
		// The rules --policy and --max-messages give, their judges
		// connected as the scenario's are.
		opt.Rules = resume.policy
	}
	pace, err := parsePace(f.pace)
	if err != nil {
		return result{}, usageErr(err)
	}
	opt.Pace = pace
	// The same transport as a batch's: limits: and base_urls: replicas
	// hold for a single run too.
	client, _, _, err := batch.NewHTTPClient([]*configs.Scenario{s}, 1)
	if err != nil {
		return result{}, usageErr(err)
	}
	warnUnusedLimits(cmd.ErrOrStderr(), []*configs.Scenario{s})
	warnScenarios(cmd.ErrOrStderr(), []*configs.Scenario{s})
	defer batch.CloseIdle(client)
	opt.HTTPClient = client
	var cfg orchestrator.Config
	var inherited []transcripts.Message
	if fork != nil {
		cfg, inherited, err = orchestrator.Fork(s, fork.parent, fork.path, fork.at, opt)
	} else {
		cfg, err = orchestrator.FromScenario(s, opt)
	}
	if err != nil {
		return result{}, usageErr(err)
	}
	if fork != nil {
		// Said before anything is written: a fork its rules end at once
		// would be a copy of its parent.
		if err := forkStillStopped(s, cfg.Prior, fork); err != nil {
			return result{}, usageErr(err)
		}
	}
	dir := f.out
	if dir == "" {
		dir = s.Output.Dir
	}
	if dir == "" {
		dir = defaultOut()
	}
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() && resume == nil {
		// Said before a request is sent, not when the first message
		// cannot be recorded.
		return result{}, usageErr(fmt.Errorf("%s is a file, not a folder; give the folder to record the transcripts in (--out DIR, or the scenario's output.dir)", dir))
	}
	rec := &orchestrator.Recorder{Dir: dir, DiscardUnanswered: fork == nil, Inherited: inherited}
	if fork != nil {
		fmt.Fprintf(stderr, "parley: forking %s after message %d\n", fork.path, fork.at)
	}
	if resume != nil {
		rec.Recording = resume.recording
		cfg.Run.Started = resume.started
		cfg.Session = resume.session
		cfg.Run.Termination, cfg.Run.TerminationPath, cfg.Run.TerminationRedacted = resume.termination, resume.terminationPath, resume.terminationRedacted
		cfg.Run.MaxMessages = resume.maxMessages
	}
	conv := orchestrator.New(cfg)
	var stop transcripts.Stop
	var runErr error
	partial := false
	kept := orchestrator.SinkFunc(func(e orchestrator.Event) error {
		if st, ok := e.(orchestrator.Stopped); ok {
			partial = st.Partial != nil
		}
		return nil
	})
	if useTUI {
		stop, runErr = tui.Run(ctx, conv, tui.Options{In: cmd.InOrStdin(), Out: cmd.OutOrStdout(),
			Sinks: []orchestrator.Sink{rec, kept}, Paths: rec.Paths, Humans: humans, TextWidth: textWidthOption(f.width)})
	} else if f.json {
		stop, runErr = conv.Run(ctx, rec, orchestrator.NewJSONLines(cmd.OutOrStdout(), rec.Paths), kept)
	} else {
		stop, runErr = conv.Run(ctx, rec, newPrinter(terminalSafe(cmd.OutOrStdout())), kept)
	}
	md, jl := rec.Paths()
	if resume != nil && resume.recording.Held() {
		// A resume that recorded nothing leaves the message an earlier
		// session cut off where it was, and the files count it.
		partial = true
	}
	res := result{Stop: stop, Markdown: md, JSONL: jl, Partial: partial && md != ""}
	endOut := terminalSafe(cmd.OutOrStdout())
	if f.json {
		// stdout carries only JSON lines.
		endOut = cmd.ErrOrStderr()
	}
	printEnd(endOut, res)
	if runErr != nil {
		if errors.Is(runErr, context.Canceled) {
			return res, &exitError{code: exitInterrupted, err: errors.New("interrupted; every completed message is saved")}
		}
		return res, failureErr(errors.New(orchestrator.Sentence(runErr) + noRoom(runErr, res.JSONL)))
	}
	return res, nil
}

// noRoom says what to do when a full disk (or a quota, or a file-size
// limit) stopped a run whose transcript is kept: every message before the
// one that did not fit is on disk, and resume goes on from there.
func noRoom(err error, jsonl string) string {
	if jsonl == "" {
		return ""
	}
	for _, full := range []syscall.Errno{syscall.ENOSPC, syscall.EDQUOT, syscall.EFBIG} {
		if errors.Is(err, full) {
			return "; every message before it is on disk: make room, then continue the conversation with: " + phrase.Command("parley", "resume", jsonl)
		}
	}
	return ""
}

// textWidthOption turns --text-width into the view's setting: 0 on the
// command line means the whole window.
func textWidthOption(n int) int {
	if n == 0 {
		return -1
	}
	return n
}

// printEnd says where the run stopped and where it is recorded, in the
// sentence the live view's banner gave. An error's sentence is left to the
// error itself, which is printed once, on stderr.
func printEnd(w io.Writer, r result) {
	fmt.Fprintln(w, orchestrator.Ending(r.Stop, r.Markdown != "", r.Partial))
	if r.Markdown != "" {
		fmt.Fprintf(w, "Transcript: %s\nJSONL:      %s\n", r.Markdown, r.JSONL)
	}
}

// parsePace reads a --pace flag: "" (not given) is nil.
func parsePace(s string) (*time.Duration, error) {
	if s == "" {
		return nil, nil
	}
	if s == "0" {
		d := time.Duration(0)
		return &d, nil
	}
	d, err := time.ParseDuration(s)
	switch {
	case err != nil:
		return nil, fmt.Errorf("--pace %q is not a duration such as 0, 5ms or 20ms", s)
	case d < 0:
		return nil, fmt.Errorf("--pace %s must not be negative: it is the delay between streamed pieces; give 0 for none, or a delay such as 5ms", s)
	}
	return &d, nil
}

func exactArgs(n int, msg string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usageErr(errors.New(msg))
		}
		return nil
	}
}
