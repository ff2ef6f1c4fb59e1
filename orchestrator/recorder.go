package orchestrator

import (
	"fmt"

	"github.com/parleyhq/parley/internal/phrase"
	"github.com/parleyhq/parley/transcripts"
)

// Recorder is the sink that writes the transcript: NAME.md and NAME.jsonl
// in Dir. Each completed message is written when it finishes and synced in
// the background while the run judges it and prepares the next turn; the
// next TurnStarted (and Stopped) waits for that sync, so every completed
// message is on disk before the next turn starts.
type Recorder struct {
	Dir string
	// Recording, when set before the run, is continued instead of creating
	// a new one (resume).
	Recording *transcripts.Recording
	// Inherited, for a new recording, is written first, as recorded
	// elsewhere: the messages a fork keeps from its parent.
	Inherited []transcripts.Message
	// DiscardUnanswered removes the files of a new recording when the run
	// fails before anyone replied (nothing listens at the address, say),
	// instead of leaving a transcript that holds only the opening. A batch
	// leaves it unset, to keep a record of every conversation.
	DiscardUnanswered bool

	created bool // this Recorder created Recording
}

var _ Sink = (*Recorder)(nil)

// Paths returns the files being written, once the run has started.
func (r *Recorder) Paths() (markdown, jsonl string) {
	if r.Recording == nil {
		return "", ""
	}
	return r.Recording.MarkdownPath, r.Recording.JSONLPath
}

// Handle implements Sink.
func (r *Recorder) Handle(e Event) error {
	// Starting and stopping are handled in calls of their own: their
	// events are large, and this frame is on every event's path.
	switch e.(type) {
	case Started:
		return r.started(e)
	case Stopped:
		return r.stopped(e)
	case MessageFinished, TurnStarted:
		return r.message(e)
	}
	return r.event(e)
}

// message records a finished message, or waits for the last to be on disk
// before the next turn.
func (r *Recorder) message(e Event) error {
	switch e := e.(type) {
	case MessageFinished:
		return r.Recording.Begin(e.Message)
	case TurnStarted:
		if r.Recording != nil {
			return r.Recording.Settle()
		}
	}
	return nil
}

// event records a retry, a notice or an operator's action.
func (r *Recorder) event(e Event) error {
	switch e := e.(type) {
	case Retrying:
		return r.Recording.Event(transcripts.Event{Time: e.Time, Kind: "retry", Speaker: e.Speaker,
			Detail: fmt.Sprintf("attempt %d of %d failed (%s); retrying in %s", e.Attempt, e.Max, e.Reason, phrase.Wait(e.Wait))})
	case Notice:
		return r.Recording.Event(transcripts.Event{Time: e.Time, Kind: e.Kind, Detail: e.Detail, Speaker: e.Speaker, Model: e.Model, Usage: e.Usage})
	case Operator:
		if r.Recording == nil {
			return nil
		}
		ev := transcripts.Event{Time: e.Time, Kind: "operator", Detail: e.Detail}
		if e.Dropped != nil {
			// Nothing else holds what the operator typed.
			ev.Text = e.Dropped.Content
		}
		return r.Recording.Event(ev)
	}
	return nil
}

func (r *Recorder) started(ev Event) error {
	e := ev.(Started)
	if r.Recording != nil {
		return r.Recording.Resumed(&e.Run)
	}
	rec, err := transcripts.CreateRun(r.Dir, &e.Run)
	if err != nil {
		return err
	}
	r.Recording, r.created = rec, true
	for _, m := range r.Inherited {
		if err := rec.Append(m); err != nil {
			return err
		}
	}
	return nil
}

func (r *Recorder) stopped(ev Event) error {
	e := ev.(Stopped)
	if r.Recording == nil {
		return nil
	}
	if r.DiscardUnanswered && e.Partial == nil && r.created && e.Stop.Kind == transcripts.StopError && !anyReply(r.Recording.Messages()) {
		// A run that failed before anyone replied (nothing listens at
		// the address, say) leaves no transcript behind.
		err := r.Recording.Remove()
		r.Recording = nil
		return err
	}
	if e.Partial != nil {
		if err := r.Recording.Append(*e.Partial); err != nil {
			r.Recording.Close()
			return err
		}
	}
	return r.Recording.Finish(e.Ended, e.Stop)
}

// anyReply reports whether msgs hold more than the opening.
func anyReply(msgs []transcripts.Message) bool {
	for _, m := range msgs {
		if m.Origin != transcripts.OriginOpening {
			return true
		}
	}
	return false
}
