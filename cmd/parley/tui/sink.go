package tui

import (
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/parleyhq/parley/orchestrator"
	"github.com/parleyhq/parley/orchestrator/policy"
	"github.com/parleyhq/parley/transcripts"
)

// Frame is how often the sink hands events to the view at most.
const Frame = time.Second / 60

// Sink is the orchestrator.Sink that feeds the view. Handle never blocks
// the run: it copies the event into a queue and returns. A goroutine hands
// the queue to the program at most once a Frame, with the deltas that
// arrived in between joined into one, so a fast stream costs one redraw a
// frame however many tokens it carries.
type Sink struct {
	send  func(tea.Msg)
	paths func() (markdown, jsonl string)
	now   func() time.Time
	frame time.Duration

	mu      sync.Mutex
	pending []item
	joined  []byte // text of the last pending item when it is a Delta
	wake    chan struct{}
	quit    chan struct{}
	done    chan struct{}
	once    sync.Once
}

var _ orchestrator.Sink = (*Sink)(nil)

// SinkOptions adjust a Sink.
type SinkOptions struct {
	// Paths reports the transcript files, for the stop banner; the
	// recorder's Paths. It is called from Handle, on the run's goroutine,
	// when Stopped arrives (after the recorder, when the recorder is the
	// earlier sink).
	Paths func() (markdown, jsonl string)
	// Frame is the least time between two sends; 0 means Frame.
	Frame time.Duration
	// Now stamps events as they arrive; nil means time.Now.
	Now func() time.Time
}

// NewSink starts a sink that delivers events with send, such as a
// tea.Program's Send. Close stops it; it also stops by itself after
// delivering Stopped.
func NewSink(send func(tea.Msg), opt SinkOptions) *Sink {
	s := &Sink{send: send, paths: opt.Paths, now: opt.Now, frame: opt.Frame,
		wake: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
	if s.now == nil {
		s.now = time.Now
	}
	if s.frame <= 0 {
		s.frame = Frame
	}
	go s.loop()
	return s
}

// Handle implements orchestrator.Sink. It never blocks and never fails.
func (s *Sink) Handle(e orchestrator.Event) error {
	it := item{ev: copyEvent(e), at: s.now()}
	if _, ok := e.(orchestrator.Stopped); ok && s.paths != nil {
		it.md, it.jsonl = s.paths()
	}
	s.mu.Lock()
	if d, ok := e.(orchestrator.Delta); ok && len(s.pending) > 0 {
		if last, ok := s.pending[len(s.pending)-1].ev.(orchestrator.Delta); ok && last.Index == d.Index {
			// Join with the delta already waiting; keep its arrival time
			// as the time of the first token.
			s.joined = append(s.joined, d.Text...)
			s.pending[len(s.pending)-1].last = it.at
			s.mu.Unlock()
			s.signal()
			return nil
		}
	}
	s.flushJoined()
	if d, ok := e.(orchestrator.Delta); ok {
		s.joined = append(s.joined[:0], d.Text...)
	}
	s.pending = append(s.pending, it)
	s.mu.Unlock()
	s.signal()
	return nil
}

// flushJoined writes the joined delta text into the last pending item.
// s.mu must be held.
func (s *Sink) flushJoined() {
	if len(s.pending) == 0 || len(s.joined) == 0 {
		s.joined = s.joined[:0]
		return
	}
	last := &s.pending[len(s.pending)-1]
	if d, ok := last.ev.(orchestrator.Delta); ok {
		d.Text = string(s.joined)
		last.ev = d
	}
	s.joined = s.joined[:0]
}

func (s *Sink) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *Sink) loop() {
	defer close(s.done)
	timer := time.NewTimer(0)
	<-timer.C
	for {
		select {
		case <-s.wake:
		case <-s.quit:
			return
		}
		s.mu.Lock()
		s.flushJoined()
		batch := s.pending
		s.pending = nil
		s.mu.Unlock()
		if len(batch) == 0 {
			continue
		}
		s.send(eventsMsg(batch))
		if _, ok := batch[len(batch)-1].ev.(orchestrator.Stopped); ok {
			return
		}
		// Let the next frame's events gather.
		timer.Reset(s.frame)
		select {
		case <-timer.C:
		case <-s.quit:
			timer.Stop()
			return
		}
	}
}

// Close stops the sink's goroutine and waits for it. Events not yet
// delivered are dropped; the recorder, not the view, keeps the record.
func (s *Sink) Close() {
	s.once.Do(func() { close(s.quit) })
	<-s.done
}

// copyEvent copies the slices an event holds, which the orchestrator may
// reuse after Handle returns.
func copyEvent(e orchestrator.Event) orchestrator.Event {
	switch e := e.(type) {
	case orchestrator.Started:
		e.Prior = append([]transcripts.Message(nil), e.Prior...)
		return e
	case orchestrator.Progress:
		e.Progress = append([]policy.Progress(nil), e.Progress...)
		return e
	case orchestrator.Stopped:
		if e.Partial != nil {
			p := *e.Partial
			e.Partial = &p
		}
		return e
	case orchestrator.Operator:
		if e.Dropped != nil {
			d := *e.Dropped
			e.Dropped = &d
		}
		return e
	}
	return e
}
