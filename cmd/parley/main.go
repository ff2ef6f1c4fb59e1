// Command parley stages conversations between two language models, stops
// them when they start to loop, and records every one as a transcript.
//
//	parley demo                      the offline demo, no API key needed
//	parley run SCENARIO.yaml         stage a conversation
//	parley run --agent P:M --agent P:M   stage one without a file
//	parley validate SCENARIO.yaml    check a scenario
//	parley doctor SCENARIO.yaml      reach each agent's endpoint before a run
//	parley show TRANSCRIPT           reopen a recording in the live view
//	parley resume TRANSCRIPT         continue a stopped or crashed run
//	parley fork TRANSCRIPT N ...     continue a recording from message N
//	parley batch SCENARIO.yaml...    stage many conversations, or a roster
//	parley worker / collect          run and gather batches queued over NATS
//	parley check TRANSCRIPT|DIR...   judge recordings with the termination rules
//	parley train DIR...              refit the loop rule's model on labels
//	parley report DIR... --out DIR   where each pair's conversations end up
//	parley convert IN OUT            another tool's transcript in parley's layout
//	parley export / version          rebuild Markdown from JSONL; the build
//	parley providers                 list the provider presets
//
// The commands are thin: what they do lives in the packages beside this
// one (orchestrator, agents, transcripts, analysis, report), and the
// repository's README describes each.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/parleyhq/parley/agents"
	"github.com/parleyhq/parley/cmd/parley/internal/earlyterm"
)

// Exit codes.
const (
	exitOK          = 0   // a completed run; a policy stop is a normal end
	exitFailure     = 1   // a runtime failure
	exitUsage       = 2   // bad usage or a bad scenario
	exitInterrupted = 130 // stopped by SIGINT, SIGTERM or SIGHUP
)

// exitError carries an exit code with the sentence to print.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageErr(err error) error   { return &exitError{code: exitUsage, err: err} }
func failureErr(err error) error { return &exitError{code: exitFailure, err: err} }

func main() {
	earlyterm.Restore()
	ctx, stop := signalContext()
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// signalContext is cancelled by the first SIGINT, SIGTERM or SIGHUP (the
// terminal closed, an SSH session dropped), so the transcript is
// finalized and the message in flight kept as interrupted. A second one
// exits at once: every completed message is already on disk. The same
// signal again within signalCopies of the first is a copy of it, not a
// second interruption: GNU timeout, for one, sends its SIGTERM to parley
// and again to parley's process group.
func signalContext() (context.Context, func()) {
	return watchSignals(interruptions(), func() {
		fmt.Fprintln(os.Stderr, "parley: interrupted twice; exiting now. Every completed message is on disk.")
		os.Exit(exitInterrupted)
	})
}

// signalCopies is how soon after an interruption the same signal is
// taken for a copy of it, sent to the process group too, rather than a
// second interruption: far less than a person takes to press Ctrl-C again.
const signalCopies = 100 * time.Millisecond

// watchSignals returns a context the first of sigs cancels; the second
// calls twice. stop ends the watch.
func watchSignals(sigs []os.Signal, twice func()) (context.Context, func()) {
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, sigs...)
	return watchInterruptions(ch, func() { signal.Stop(ch) }, twice)
}

// watchInterruptions is watchSignals of the signals ch delivers; unhook
// stops their delivery.
func watchInterruptions(ch chan os.Signal, unhook, twice func()) (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() {
		var first os.Signal
		select {
		case first = <-ch:
		case <-stopped:
			return
		}
		at := time.Now()
		cancel()
		// Not ctx.Done(), which the cancel above has just closed: the
		// second signal is what this waits for, until the command ends.
		for {
			select {
			case sig := <-ch:
				if sig == first && time.Since(at) < signalCopies {
					continue // the first one's copy
				}
				twice()
				return
			case <-stopped:
				return
			}
		}
	}()
	var once sync.Once
	return ctx, func() {
		once.Do(func() {
			unhook()
			close(stopped)
			cancel()
		})
	}
}

// interruptions are the signals that interrupt a command. SIGHUP is one
// unless parley was started with it ignored (nohup): asking for it would
// undo that, and a hangup would then stop a run meant to outlive its
// terminal.
func interruptions() []os.Signal {
	sigs := []os.Signal{os.Interrupt, syscall.SIGTERM}
	if !signal.Ignored(syscall.SIGHUP) {
		sigs = append(sigs, syscall.SIGHUP)
	}
	return sigs
}

// run executes the command line and returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRoot(stdin, stdout, stderr)
	if completing(args) {
		addCompletions(root)
	}
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	err = interruption(ctx, err)
	// A URL given where parley did not expect one (a queue's address
	// without --queue, a base URL for a scenario file) is quoted back
	// without its password or key, as every URL parley names is. What a
	// provider's error or a file's name holds is shown without the bytes
	// a terminal would act on: root's standard error drops them there.
	fmt.Fprintln(root.ErrOrStderr(), "parley:", agents.RedactURLsIn(err.Error()))
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	// Anything cobra reports itself (unknown command, bad flag) is usage.
	return exitUsage
}

// interruption turns an error that only says a step was cancelled, when
// Ctrl-C (or SIGTERM) cancelled ctx, into an interruption: exit code 130
// and a sentence that says so, not a failure that says "context
// canceled". Commands that know what to say on an interruption (how to
// resume a batch, what was saved) say it themselves; this covers the
// steps between, such as connecting to a queue or reading its results.
func interruption(ctx context.Context, err error) error {
	var ee *exitError
	if ctx.Err() == nil || !errors.Is(err, context.Canceled) || (errors.As(err, &ee) && ee.code == exitInterrupted) {
		return err
	}
	return &exitError{code: exitInterrupted, err: fmt.Errorf("interrupted before it finished; nothing already recorded is lost (%w)", err)}
}

func newRoot(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "parley",
		Short: "Stage conversations between two language models, stop their loops, record every word",
		Long: `parley stages a conversation between two language models (or a model and a
recording, a script, or you), stops it when it starts to loop, and records it
as a Markdown transcript with a JSONL sidecar.

Start with the offline demo, which needs no API key:

  parley demo`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       versionLine(),
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return flagValueErr(err) })
	root.SetIn(stdin)
	root.SetOut(stdout)
	// Every command writes its warnings, notes and errors here, and they
	// quote what parley read: a file's or a folder's name, a replay's
	// recording, a provider's error. On a terminal, one writer for them
	// all drops the bytes the terminal would act on (an OSC 0 in a file's
	// name retitles the window), so that no line can forget to; piped or
	// redirected, standard error is byte for byte. (The live view draws on
	// standard output, which is left as it is.)
	root.SetErr(terminalSafe(stderr))
	for _, c := range commands {
		root.AddCommand(c())
	}
	refuseOtherShells(root)
	return root
}

// commands lists the subcommands. Each command's file adds its own in an
// init function, so commands stay independent of one another.
var commands = []func() *cobra.Command{newRunCmd, newDemoCmd, newValidateCmd, newProvidersCmd}

// flagValueErr says a flag's value that parley cannot read as a number,
// a duration or true or false in a sentence that names the flag, the
// value and what to write (`--folds is "abc"; give a whole number, such as
// --folds 5`), in place of the parser's own (`invalid argument "abc" for
// "--folds" flag: strconv.ParseInt: parsing "abc": invalid syntax`), which
// it wraps. Other errors, and the sentences of flags that read their
// values themselves, such as --text-width, are returned as they are.
func flagValueErr(err error) error {
	var ive *pflag.InvalidValueError
	if !errors.As(err, &ive) {
		return err
	}
	f := ive.GetFlag()
	var num *strconv.NumError
	if !errors.As(err, &num) && !strings.HasPrefix(ive.Unwrap().Error(), "time: ") {
		return err // a flag of parley's own that says what it takes
	}
	what, ok := map[string]string{
		"int": "a whole number", "int64": "a whole number", "uint": "a whole number of 0 or more",
		"float64": "a number", "duration": "a duration such as 500ms, 30s or 2m", "bool": "true or false",
	}[f.Value.Type()]
	if !ok {
		return err
	}
	name := "--" + f.Name
	if len(f.Name) == 1 {
		name = "-" + f.Name
	}
	msg := fmt.Sprintf("%s is %q; give %s", name, ive.GetValue(), what)
	if d := f.DefValue; d != "" && d != "0" && d != "0s" && d != "false" && f.Value.Type() != "bool" {
		msg += fmt.Sprintf(", such as %s %s", name, d)
	}
	return &flagValueError{msg: msg, err: err}
}

type flagValueError struct {
	msg string
	err error
}

func (e *flagValueError) Error() string { return e.msg }
func (e *flagValueError) Unwrap() error { return e.err }
