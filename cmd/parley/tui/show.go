package tui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"golang.org/x/term"

	"github.com/parleyhq/parley/orchestrator"
	"github.com/parleyhq/parley/orchestrator/policy"
	"github.com/parleyhq/parley/transcripts"
)

// Recording is a finished conversation to reopen in the view, as
// `parley show` does: its messages, notes drawn under some of them (where
// each rule would have fired), a tag beside each speaker (how the loop
// rule read the message), the rules' progress and the banner's lines (the
// stop and its reason).
type Recording struct {
	Title    string
	Speakers [2]string
	Messages []transcripts.Message
	Marks    map[int][]string // by 1-based message index
	Tags     map[int]string   // said beside a message's speaker, by 1-based message index
	Progress []policy.Progress
	Banner   []string
	Stop     transcripts.Stop // the stop the status line counts to
	Started  time.Time
	Ended    time.Time
}

// NewRecording makes a view of a recording, scrolled to its first message.
func NewRecording(cfg Config, rec Recording) *Model {
	if cfg.Control == nil {
		cfg.Control = noControl{}
	}
	m := New(cfg)
	m.marks, m.tags = rec.Marks, rec.Tags
	// The banner quotes the file (a stop's reason, a reader's warning):
	// its lines are made plain, as the view's other labels are.
	m.review = make([]string, len(rec.Banner))
	for i, l := range rec.Banner {
		m.review[i] = plainLine(l)
	}
	m.apply(item{ev: orchestrator.Started{Run: transcripts.Run{Title: rec.Title, Started: rec.Started}, Speakers: rec.Speakers}})
	for i, msg := range rec.Messages {
		m.apply(item{ev: orchestrator.MessageFinished{Index: i + 1, Message: msg}})
	}
	m.progress = rec.Progress
	stop := rec.Stop
	stop.Kind, stop.Policy, stop.Reason = plainLine(stop.Kind), plainLine(stop.Policy), plainLine(stop.Reason)
	// A recording that holds no end (a run that crashed, a file with a
	// start and no end) ends with its last message: the status line gives
	// the conversation's span, never the time since it started.
	ended := rec.Ended
	if ended.IsZero() {
		for _, msg := range rec.Messages {
			for _, at := range []time.Time{msg.Started, msg.Ended} {
				if at.After(ended) {
					ended = at
				}
			}
		}
	}
	if ended.IsZero() {
		m.started = time.Time{} // nothing to measure the span by
	}
	m.stopped = &stopInfo{stop: stop, ended: ended}
	m.follow, m.top = false, pos{}
	return m
}

// noControl steers nothing: a recording is over.
type noControl struct{}

func (noControl) Pause()                      {}
func (noControl) Resume()                     {}
func (noControl) Step()                       {}
func (noControl) End()                        {}
func (noControl) Inject(string, string) error { return errors.New("a recording cannot be changed") }

// Show opens rec in the view until the person quits.
func Show(ctx context.Context, rec Recording, opt Options) error {
	out, ok := opt.Out.(*os.File)
	if !ok {
		out = os.Stdout
	}
	lr := lipgloss.NewRenderer(out)
	dark := true
	in, isFile := opt.In.(*os.File)
	if isFile && term.IsTerminal(int(in.Fd())) {
		dark, _ = darkBackground(in, out, queryTimeout)
	}
	lr.SetHasDarkBackground(dark)
	lipgloss.SetHasDarkBackground(dark)
	m := NewRecording(Config{Renderer: lr, TextWidth: opt.TextWidth}, rec)
	progOpts := []tea.ProgramOption{tea.WithAltScreen(), tea.WithOutput(out), tea.WithContext(ctx)}
	if isFile && term.IsTerminal(int(in.Fd())) {
		progOpts = append(progOpts, tea.WithInput(in))
	} else {
		progOpts = append(progOpts, tea.WithInputTTY())
	}
	if _, err := tea.NewProgram(m, progOpts...).Run(); err != nil && !errors.Is(err, tea.ErrProgramKilled) {
		return fmt.Errorf("the live view failed: %w; run with --no-tui for plain output", err)
	}
	return nil
}
