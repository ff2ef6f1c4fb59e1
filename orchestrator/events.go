package orchestrator

import (
	"time"

	"github.com/parleyhq/parley/orchestrator/policy"
	"github.com/parleyhq/parley/transcripts"
)

// Event is one thing that happened in a conversation. Every consumer (the
// transcript recorder, the headless printer, the TUI) sees the same
// sequence, in order:
//
//	Started
//	  (TurnStarted (Delta | Retrying)* (MessageFinished | Failed))*
//	  with Progress after each message, Notice and Operator at any point
//	Stopped
type Event interface{ event() }

// Started opens the stream, once per run.
type Started struct {
	Run      transcripts.Run
	Speakers [2]string
	Prior    []transcripts.Message // messages already recorded, on resume
	Limit    int                   // the max_messages budget, 0 when none
}

// TurnStarted says a speaker begins message Index (1-based).
type TurnStarted struct {
	Index   int
	Speaker string
	Time    time.Time
}

// Delta is a piece of the message in flight.
type Delta struct {
	Index   int
	Speaker string
	Text    string
}

// Retrying says the message in flight failed and will be tried again; the
// text streamed so far for it is discarded. A model that says the
// conversation is longer than its context, after text of its reply
// streamed, is one such failure: it is asked again, shown fewer messages.
//
// A judge's question is retried too, between turns: Judge is set, Speaker
// is the judge's name and Index the last message it is asked about, which
// is finished and recorded. Nothing is discarded.
type Retrying struct {
	Index   int
	Speaker string
	Attempt int
	Max     int
	Wait    time.Duration
	Reason  string
	Time    time.Time
	Judge   bool
}

// MessageFinished carries a completed message. The recorder has it on disk
// before the next turn starts.
type MessageFinished struct {
	Index   int
	Message transcripts.Message
}

// Progress reports each termination rule's progress after a message.
type Progress struct {
	Index    int
	Progress []policy.Progress
}

// Notice is an operator action or other note worth recording: a pause, an
// injected line, a warning.
type Notice struct {
	Kind   string // "pause", "resume", "inject", "warning", "judge", …
	Detail string
	Time   time.Time
	// For a judge's ruling: the judge's name, the model that answered and
	// what asking it used and cost (nil when it could not be asked).
	Speaker string
	Model   string
	Usage   *transcripts.Usage
	// Failed marks a judge's round that had no verdict: the judge could
	// not be asked, and the conversation went on without it.
	Failed bool
}

// Operator is something the person at the keyboard did: paused, resumed,
// stepped, injected a line, ended the run. The recorder keeps it in the
// JSONL; a live view already showed it as it happened.
type Operator struct {
	Detail string // "the operator paused the conversation", …
	Time   time.Time
	// Dropped is a line the operator injected that never joined: the
	// conversation ended first. No message holds it, so the event keeps
	// its text.
	Dropped *transcripts.Message
}

// Stopped closes the stream, once per run.
type Stopped struct {
	Stop  transcripts.Stop
	Ended time.Time
	// Partial is the message that was in flight when the run stopped, if
	// any text of it had arrived; it is recorded as interrupted.
	Partial *transcripts.Message
	Err     error // the error that stopped the run, for StopError
}

func (Started) event()         {}
func (TurnStarted) event()     {}
func (Delta) event()           {}
func (Retrying) event()        {}
func (MessageFinished) event() {}
func (Progress) event()        {}
func (Notice) event()          {}
func (Operator) event()        {}
func (Stopped) event()         {}

// Sink consumes events. Handle is called from the run's goroutine, in
// order, and must not keep the event's slices past the call unless it
// copies them. An error from Handle stops the run (the recorder's write
// errors do); sinks that must not slow the run, such as a live view, should
// hand events off and return.
type Sink interface {
	Handle(Event) error
}

// SinkFunc adapts a function to Sink.
type SinkFunc func(Event) error

// Handle implements Sink.
func (f SinkFunc) Handle(e Event) error { return f(e) }
