// Package tui is parley's live view: a bubbletea program that streams the
// conversation as it happens and lets a person steer it.
//
// The orchestrator knows nothing of it. The view is an orchestrator.Sink
// (Sink) that reads the same events as the transcript recorder, so a run
// with the view records the same files as a headless one. Its keys call the
// conversation's control methods (Pause, Resume, Step, End, Inject), and a
// person can take a seat (`type: human`) and type that side's messages.
package tui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"golang.org/x/term"

	"github.com/parleyhq/parley/orchestrator"
	"github.com/parleyhq/parley/transcripts"
)

// Conversation is a run the view can start and steer;
// *orchestrator.Conversation is one.
type Conversation interface {
	Controller
	Run(ctx context.Context, sinks ...orchestrator.Sink) (transcripts.Stop, error)
}

var _ Conversation = (*orchestrator.Conversation)(nil)

// Options configure Run.
type Options struct {
	// In is the keyboard; when it is not a terminal the view opens the
	// controlling terminal instead. Out is the terminal drawn on.
	In  io.Reader
	Out io.Writer
	// Sinks see every event before the view does; the recorder goes here.
	Sinks []orchestrator.Sink
	// Paths reports the transcript files for the stop banner, such as
	// (*orchestrator.Recorder).Paths.
	Paths func() (markdown, jsonl string)
	// Humans are the seats a person types for, by speaker name.
	Humans map[string]Seat
	// TextWidth caps the columns of message text: 0 means
	// DefaultTextWidth, a negative value the whole window.
	TextWidth int
}

// CanDraw reports whether the view can draw on w: w is a terminal, and
// TERM does not say it is a dumb one. It answers nothing else: a dumb
// terminal is still a terminal, to be sent no byte it would act on.
func CanDraw(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return false
	}
	return os.Getenv("TERM") != "dumb"
}

// Run runs conv with the live view until the person quits. The view stays
// open after the conversation stops. Quitting while the conversation runs
// cancels it: the message in flight is recorded as interrupted. Run
// returns once every sink has seen Stopped, with the conversation's own
// result; cancelling ctx ends both.
func Run(ctx context.Context, conv Conversation, opt Options) (transcripts.Stop, error) {
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()

	out := opt.Out
	if out == nil {
		out = os.Stdout
	}
	lr := lipgloss.NewRenderer(out)
	// Ask the terminal for its background colour now, before the view
	// reads the keyboard, so the answer is not taken for key presses; a
	// terminal that does not answer holds startup up for queryTimeout at
	// most, not the seconds lipgloss would wait.
	dark := true
	if in, ok := opt.In.(*os.File); ok && term.IsTerminal(int(in.Fd())) {
		if f, ok := out.(*os.File); ok {
			dark, _ = darkBackground(in, f, queryTimeout)
		}
	} else if tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0); err == nil {
		dark, _ = darkBackground(tty, tty, queryTimeout)
		tty.Close()
	}
	lr.SetHasDarkBackground(dark)
	lipgloss.SetHasDarkBackground(dark)
	m := New(Config{Control: conv, Cancel: cancel, Humans: opt.Humans, Renderer: lr, TextWidth: opt.TextWidth})
	progOpts := []tea.ProgramOption{tea.WithAltScreen(), tea.WithOutput(out), tea.WithContext(ctx), tea.WithoutSignalHandler()}
	if f, ok := opt.In.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		progOpts = append(progOpts, tea.WithInput(f))
	} else {
		progOpts = append(progOpts, tea.WithInputTTY())
	}
	p := tea.NewProgram(m, progOpts...)
	sink := NewSink(p.Send, SinkOptions{Paths: opt.Paths})
	defer sink.Close()

	type result struct {
		stop transcripts.Stop
		err  error
	}
	done := make(chan result, 1)
	go func() {
		stop, err := conv.Run(runCtx, append(append([]orchestrator.Sink(nil), opt.Sinks...), sink)...)
		done <- result{stop, err}
	}()
	_, perr := p.Run()
	cancel()
	r := <-done
	if perr != nil && !errors.Is(perr, tea.ErrProgramKilled) && r.err == nil {
		return r.stop, fmt.Errorf("the live view failed: %w; run with --no-tui for plain output", perr)
	}
	return r.stop, r.err
}
