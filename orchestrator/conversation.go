// Package orchestrator runs a conversation between two agents: it hands
// each agent the conversation from its own point of view, alternates turns,
// applies the termination policy after every message and emits one stream
// of events that every consumer (the transcript recorder, the headless
// printer, the live view) reads alike. It knows nothing of any UI.
package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/parleyhq/parley/agents"
	"github.com/parleyhq/parley/orchestrator/policy"
	"github.com/parleyhq/parley/transcripts"
)

// Seat is one side of the conversation.
type Seat struct {
	Name  string
	Agent agents.Agent
	Model string // recorded with each message when the server names none
}

// Config is everything a run needs.
type Config struct {
	Run   transcripts.Run // recorded as the run's header; Title and Started are filled in if empty
	Seats [2]Seat
	First int // index into Seats of the agent that opens
	// Opening is handed to the first speaker as if the other side had said
	// it; blank means Cue. A new run records it as message 1, marked as the
	// opening, under the other seat's name, and the policies judge it.
	Opening string
	// EmptyReply is what an empty or whitespace-only message is shown to
	// the agents as; blank means DefaultEmptyReply.
	EmptyReply string
	// HistoryWindow keeps only the most recent messages in what agents are
	// shown (0 keeps all).
	HistoryWindow int
	Policy        policy.Policy
	// Prior holds messages already recorded, when resuming.
	Prior []transcripts.Message
	// Recorded, when set, is Prior as recorded: the speakers are the
	// recording's own, where Prior names seats that took another name
	// (formerly:). Started carries it, so every sink shows what the files
	// hold.
	Recorded []transcripts.Message
	// Session is the number of the recording's session this run is, which
	// every new message carries: 0 for a new recording, 1 for the first
	// resume, and so on.
	Session int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Conversation is one run. Its control methods (Pause, Step, End, Inject)
// may be called from any goroutine while Run runs. Run runs it once.
type Conversation struct {
	cfg running
	// header is the Config's Run, until Run has announced it: what the
	// recording's header says is not held while the conversation runs.
	header *transcripts.Run

	mu      sync.Mutex
	paused  bool
	steps   int
	ended   bool
	injects []transcripts.Message
	actions []Operator // operator actions not yet emitted
	wake    chan struct{}
	cancel  context.CancelFunc // cancels the turn, or the judge's question, in flight
}

// New prepares a conversation.
func New(cfg Config) *Conversation {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Policy == nil {
		cfg.Policy = policy.Default()
	}
	if cfg.Run.Title == "" {
		cfg.Run.Title = cfg.Seats[0].Name + " ↔ " + cfg.Seats[1].Name
	}
	header := cfg.Run
	return &Conversation{cfg: running{Seats: cfg.Seats, First: cfg.First, Opening: cfg.Opening, EmptyReply: cfg.EmptyReply,
		HistoryWindow: cfg.HistoryWindow, Policy: cfg.Policy, Prior: cfg.Prior, Recorded: cfg.Recorded,
		Session: cfg.Session, Now: cfg.Now}, header: &header, wake: make(chan struct{}, 1)}
}

// running is what a conversation keeps of its Config: all of it but the
// run's header (TestSettingsAreConfigLessItsRun holds the two alike).
type running struct {
	Seats         [2]Seat
	First         int
	Opening       string
	EmptyReply    string
	HistoryWindow int
	Policy        policy.Policy
	Prior         []transcripts.Message
	Recorded      []transcripts.Message
	Session       int
	Now           func() time.Time
}

// Pause holds the conversation after the message in flight; Resume lets it go on.
func (c *Conversation) Pause() {
	c.set(func() { c.paused = true; c.act("paused the conversation") })
}

// Resume undoes Pause.
func (c *Conversation) Resume() {
	c.set(func() { c.paused, c.steps = false, 0; c.act("resumed the conversation") })
}

// act notes an operator action, to be emitted (and so recorded) from the
// run's goroutine. c.mu must be held.
func (c *Conversation) act(detail string) {
	c.actions = append(c.actions, Operator{Detail: "the operator " + detail, Time: c.cfg.Now()})
}

// Paused reports whether the conversation is paused.
func (c *Conversation) Paused() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.paused
}

// Step lets one more message through while paused.
func (c *Conversation) Step() {
	c.set(func() { c.steps++; c.act("let one more message through") })
}

// End stops the conversation now, as the operator's decision. The message
// in flight is recorded as interrupted; a judge's question about the last
// message is cut short, and that message goes unjudged.
func (c *Conversation) End() {
	c.set(func() {
		c.ended = true
		c.act("ended the conversation")
		if c.cancel != nil {
			c.cancel()
		}
	})
}

// Inject adds a line to the conversation before the next turn. With
// speaker "" (or "Moderator") it is a moderator note that both agents see;
// with a seat's name it is recorded as that speaker's, marked injected, and
// the other seat speaks next.
func (c *Conversation) Inject(speaker, text string) error {
	m := transcripts.Message{Speaker: speaker, Content: text, Origin: transcripts.OriginInjected}
	switch speaker {
	case "", transcripts.ModeratorSpeaker:
		m.Speaker, m.Origin = transcripts.ModeratorSpeaker, transcripts.OriginModerator
	case c.cfg.Seats[0].Name, c.cfg.Seats[1].Name:
	default:
		return fmt.Errorf("no seat is named %q; inject as %q, %q or the moderator",
			speaker, c.cfg.Seats[0].Name, c.cfg.Seats[1].Name)
	}
	c.set(func() {
		c.injects = append(c.injects, m)
		if m.Origin == transcripts.OriginModerator {
			c.act("injected a moderator note")
		} else {
			c.act("injected a line as " + m.Speaker)
		}
	})
	return nil
}

// cancellable derives from ctx the context a turn's agent or a judge is
// asked under, which End cancels; it is cancelled at once when the
// conversation has ended already. release cancels it and forgets it.
func (c *Conversation) cancellable(ctx context.Context) (_ context.Context, release context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	c.mu.Lock()
	c.cancel = cancel
	if c.ended {
		cancel()
	}
	c.mu.Unlock()
	return ctx, func() {
		cancel()
		c.mu.Lock()
		c.cancel = nil
		c.mu.Unlock()
	}
}

func (c *Conversation) set(f func()) {
	c.mu.Lock()
	f()
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// ErrSink wraps an error a sink returned, such as a failed transcript write.
type ErrSink struct{ Err error }

func (e *ErrSink) Error() string { return e.Err.Error() }
func (e *ErrSink) Unwrap() error { return e.Err }

// Run runs the conversation to its end and returns why it stopped. Every
// sink sees every event. A policy stop, a replay running out and an
// operator's End are normal ends (a nil error); the error is non-nil when
// an agent failed, a sink failed, or ctx was cancelled. In every case each
// sink sees Stopped last.
func (c *Conversation) Run(ctx context.Context, sinks ...Sink) (transcripts.Stop, error) {
	r := newRun(c, sinks)
	stop, partial, err := r.loop(ctx)
	return r.finish(stop, partial, err)
}

//go:noinline
func newRun(c *Conversation, sinks []Sink) *run {
	r := &run{c: c, sinks: sinks, msgs: append([]transcripts.Message(nil), c.cfg.Prior...)}
	policy.Walk(c.cfg.Policy, func(p policy.Policy) {
		if _, ok := p.(*policy.Judge); ok {
			r.asks = true
		}
	})
	return r
}

// finish records what the run ends with: operator actions the loop did
// not reach (an End mid-turn) and the stop.
//
//go:noinline
func (r *run) finish(stop transcripts.Stop, partial *transcripts.Message, err error) (transcripts.Stop, error) {
	c := r.c
	c.mu.Lock()
	actions, injects := c.actions, c.injects
	c.actions, c.injects = nil, nil
	c.mu.Unlock()
	// A line injected while the last message streamed would have joined
	// after it; the conversation ended first (an End mid-turn, a quit).
	// The record says so rather than leave the injection standing.
	for _, m := range injects {
		what := "a moderator note the operator injected"
		if m.Origin == transcripts.OriginInjected {
			what = "a line the operator injected as " + m.Speaker
		}
		actions = append(actions, Operator{Detail: what + " was not recorded: the conversation ended before it could join",
			Time: c.cfg.Now(), Dropped: &m})
	}
	for _, a := range actions {
		if e := r.emit(a); e != nil && err == nil {
			err = e
		}
	}
	ended := c.cfg.Now()
	ev := Stopped{Stop: stop, Ended: ended, Partial: partial, Err: err}
	if e := r.emit(ev); e != nil && err == nil {
		err = e
	}
	return stop, err
}

type run struct {
	c       *Conversation
	sinks   []Sink
	msgs    []transcripts.Message
	judged  int                   // how many messages the policy last judged
	windows [2]int                // history windows shrunk after a context-length error, by seat; 0: none
	shrunk  [2]bool               // seats whose window was shrunk already
	ruled   map[*policy.Judge]int // each judge's rulings recorded so far
	asks    bool                  // the policy holds a judge, to be asked before it is checked
}

func (r *run) emit(e Event) error {
	var first error
	for _, s := range r.sinks {
		if err := s.Handle(e); err != nil && first == nil {
			first = &ErrSink{Err: err}
		}
	}
	return first
}

func (r *run) loop(ctx context.Context) (transcripts.Stop, *transcripts.Message, error) {
	next, st, err := r.begin()
	if st != nil {
		return *st, nil, err
	}
	for {
		// Between turns: honour End, pauses and injected lines.
		if stop, ok, err := r.between(ctx, &next); !ok {
			if err == nil && ctx.Err() != nil {
				return interrupted(len(r.msgs)), nil, ctx.Err()
			}
			return stop, nil, err
		}
		if stop, done, err := r.judge(ctx); done || err != nil {
			return stop, nil, err
		}
		if r.c.isEnded() {
			continue // an End while the rules judged: between ends the run
		}
		stop, partial, err := r.turn(ctx, next)
		if stop != nil {
			return *stop, partial, err
		}
		if stop, done, err := r.judge(ctx); done || err != nil {
			return stop, nil, err
		}
		next = 1 - next
	}
}

// begin says the run started and, when it starts afresh, records the
// opening. It returns the seat that speaks next, or the stop when the run
// must end.
func (r *run) begin() (int, *transcripts.Stop, error) {
	cfg := &r.c.cfg
	if err := r.announce(); err != nil {
		st := errorStop(len(r.msgs), err)
		return 0, &st, err
	}
	if len(r.msgs) == 0 {
		if err := r.open(); err != nil {
			st := errorStop(0, err)
			return 0, &st, err
		}
	}
	next := cfg.First
	if last := LastSpeaker(r.msgs); last != "" {
		next = 0
		if cfg.Seats[0].Name == last {
			next = 1
		}
	}
	return next, nil, nil
}

// announce says the run started.
func (r *run) announce() error {
	cfg := &r.c.cfg
	prior := cfg.Prior
	if cfg.Recorded != nil {
		prior = cfg.Recorded
	}
	ev := &Started{Speakers: [2]string{cfg.Seats[0].Name, cfg.Seats[1].Name}, Prior: prior}
	if h := r.c.header; h != nil {
		ev.Run = *h
		r.c.header = nil // the sinks keep what they need of it
	}
	if ev.Run.Started.IsZero() {
		ev.Run.Started = cfg.Now()
	}
	for _, p := range cfg.Policy.Check(r.msgs).Progress {
		if p.Policy == "max_messages" {
			ev.Limit = p.Limit
		}
	}
	return r.emit(*ev)
}

// open records the opening: what the first speaker is shown first is
// message 1.
func (r *run) open() error {
	cfg := &r.c.cfg
	open := cfg.Opening
	if strings.TrimSpace(open) == "" {
		open = Cue
	}
	now := cfg.Now()
	m := transcripts.Message{Speaker: cfg.Seats[1-cfg.First].Name, Content: open,
		Origin: transcripts.OriginOpening, Started: now, Ended: now, Session: cfg.Session}
	r.msgs = append(r.msgs, m)
	return r.emit(MessageFinished{Index: 1, Message: m})
}

func interrupted(at int) transcripts.Stop {
	return transcripts.Stop{Kind: transcripts.StopInterrupted, Reason: "the run was interrupted", At: at}
}

// judge applies the policy to the messages so far.
func (r *run) judge(ctx context.Context) (transcripts.Stop, bool, error) {
	if len(r.msgs) == 0 || r.judged == len(r.msgs) {
		return transcripts.Stop{}, false, nil
	}
	r.judged = len(r.msgs)
	// A judge is asked only about the messages this run adds. Those a
	// resumed recording holds were the recorded run's to ask about, and a
	// fork's kept messages can stop nothing (policy.Ends): asking about
	// them again costs a request for an answer that changes nothing. The
	// rules still check them, so their progress shows. The judge counts
	// the whole conversation's messages, so a resumed or forked run asks
	// after the messages an uninterrupted run would. Nor is it asked where
	// its answer could change nothing either (policy.Prepare): after a
	// message at which another rule ends the run anyway, or inside an all:
	// whose other rules do not stop there.
	if r.asks && len(r.msgs) > len(r.c.cfg.Prior) {
		// A judge's question is retried as an agent's reply is; each
		// retry and wait is shown, printed and recorded as it happens.
		var sinkErr error
		watch := askWatcher(func(judge string, ch *agents.Chunk) error {
			if sinkErr = r.asking(judge, ch); sinkErr != nil {
				return sinkErr
			}
			return nil
		})
		// End cuts the question short, as it does a turn.
		ask, release := r.c.cancellable(ctx)
		err := policy.Prepare(context.WithValue(ask, askWatcherKey{}, watch), r.c.cfg.Policy, r.msgs)
		release()
		switch {
		case sinkErr != nil:
			return errorStop(len(r.msgs), sinkErr), true, sinkErr
		case err != nil && ctx.Err() != nil:
			return interrupted(len(r.msgs)), true, ctx.Err()
		case err != nil && r.c.isEnded():
			// The message goes unjudged, and the run ends as an End
			// between turns ends it, in between.
			return transcripts.Stop{}, false, nil
		case err != nil:
			return errorStop(len(r.msgs), err), true, err
		}
	}
	if err := r.recordRulings(); err != nil {
		return errorStop(len(r.msgs), err), true, err
	}
	v := r.c.cfg.Policy.Check(r.msgs)
	if err := r.emit(Progress{Index: len(r.msgs), Progress: v.Progress}); err != nil {
		return errorStop(len(r.msgs), err), true, err
	}
	if !policy.Ends(v, r.msgs) {
		return transcripts.Stop{}, false, nil
	}
	return transcripts.Stop{Kind: transcripts.StopPolicy, Policy: v.Policy, Reason: v.Reason, At: len(r.msgs)}, true, nil
}

// asking shows a judge's retry or wait while it is asked about the
// messages so far, as an agent's are shown while it replies.
func (r *run) asking(judge string, ch *agents.Chunk) error {
	switch {
	case ch.Retry != nil:
		return r.emit(Retrying{Index: len(r.msgs), Speaker: judge, Attempt: ch.Retry.Attempt, Max: ch.Retry.Max,
			Wait: ch.Retry.Wait, Reason: ch.Retry.Reason, Time: r.c.cfg.Now(), Judge: true})
	case ch.Wait != nil && !ch.Wait.Over:
		return r.waiting(judge, ch.Wait)
	}
	return nil
}

func errorStop(at int, err error) transcripts.Stop {
	return transcripts.Stop{Kind: transcripts.StopError, Reason: Sentence(err), At: at}
}

// recordRulings emits a notice for each judge's ruling on the messages so
// far, so "continue" verdicts are recorded as well as stops.
func (r *run) recordRulings() error {
	if !r.asks {
		return nil // no judge, no rulings
	}
	var err error
	policy.Walk(r.c.cfg.Policy, func(p policy.Policy) {
		j, ok := p.(*policy.Judge)
		if !ok || err != nil {
			return
		}
		rs := j.Rulings()
		if r.ruled == nil {
			r.ruled = map[*policy.Judge]int{}
		}
		// Each ruling once, whatever notes came after the message it
		// judged.
		for _, ru := range rs[min(r.ruled[j], len(rs)):] {
			verdict := "CONTINUE"
			if ru.Stop {
				verdict = "STOP"
			}
			detail := fmt.Sprintf("%s after message %d: %s: %s", j.Config.Model, ru.At, verdict, ru.Rationale)
			if ru.Failed {
				detail = fmt.Sprintf("%s after message %d: NO VERDICT: the %s could not be asked, so the conversation goes on without its verdict this round: %s",
					j.Config.Model, ru.At, j.Config.Name, ru.Rationale)
			}
			// A model is named only when one answered: a round it could
			// not be asked cost nothing known.
			model := ru.Model
			if model == "" && !ru.Failed {
				model = j.Config.Model
			}
			if err = r.emit(Notice{Kind: "judge", Time: r.c.cfg.Now(), Detail: detail,
				Speaker: j.Config.Name, Model: model, Usage: ru.Usage, Failed: ru.Failed}); err != nil {
				return
			}
			r.ruled[j]++
		}
	})
	return err
}

// Sentence is the person-facing sentence of an error: an agent's own
// sentence when it has one, the error's text otherwise.
func Sentence(err error) string {
	var ae *agents.Error
	if errors.As(err, &ae) {
		return ae.Sentence
	}
	return err.Error()
}

// between waits out a pause and applies injected lines, judging each. It
// returns false when the run must stop (End, ctx, or the rules after an
// injected line), and the error when recording an operator's action or an
// injected line, or judging one, failed.
func (r *run) between(ctx context.Context, next *int) (transcripts.Stop, bool, error) {
	c := r.c
	for {
		c.mu.Lock()
		ended := c.ended
		injects := c.injects
		actions := c.actions
		c.injects, c.actions = nil, nil
		paused := c.paused && c.steps == 0
		if !paused && c.paused {
			c.steps--
		}
		c.mu.Unlock()
		for _, a := range actions {
			if err := r.emit(a); err != nil {
				return errorStop(len(r.msgs), err), false, err
			}
		}
		for i, m := range injects {
			// The messages before a line are judged before it joins, as
			// check judges the recording, one message at a time: when the
			// rules stop there, the run ends, and this line and those
			// after it are said not to have been recorded (finish says so
			// of what is left in c.injects). The last line is judged
			// after between, as a turn's message is. After an End, one
			// that came while the rules judged included, the lines join
			// unjudged.
			if !ended && !c.isEnded() {
				if stop, done, err := r.judge(ctx); done || err != nil {
					c.mu.Lock()
					c.injects = slices.Concat(injects[i:], c.injects)
					c.mu.Unlock()
					return stop, false, err
				}
			}
			now := c.cfg.Now()
			m.Started, m.Ended, m.Session = now, now, c.cfg.Session
			r.msgs = append(r.msgs, m)
			if err := r.emit(MessageFinished{Index: len(r.msgs), Message: m}); err != nil {
				return errorStop(len(r.msgs)-1, err), false, err // say only what is on disk
			}
			if m.Origin == transcripts.OriginInjected {
				*next = 0
				if c.cfg.Seats[0].Name == m.Speaker {
					*next = 1
				}
			}
		}
		// A line injected before the operator ended the conversation
		// between turns joins it, as the view said it would, and then
		// the conversation ends.
		if ended {
			return transcripts.Stop{Kind: transcripts.StopOperator, Reason: "the operator ended the conversation", At: len(r.msgs)}, false, nil
		}
		if c.isEnded() {
			continue // an End during this round: the next records it and ends the run
		}
		if !paused {
			return transcripts.Stop{}, true, nil
		}
		select {
		case <-ctx.Done():
			return transcripts.Stop{}, false, nil
		case <-c.wake:
		}
	}
}

// turn runs one message. It returns a non-nil stop when the run must end.
//
// A conversation's goroutine waits under turn, loop and Run while a reply
// streams, so their frames are kept small: what a turn prepares and
// finishes is done in calls of their own, and its state is on the heap. A
// batch holds a thousand such goroutines, and each one's stack is as large
// as the deepest point it reached, rounded up to a power of two.
func (r *run) turn(ctx context.Context, seat int) (*transcripts.Stop, *transcripts.Message, error) {
	t, st, err := r.startTurn(ctx, seat)
	if t == nil {
		return st, nil, err
	}
	defer t.end()
	replyErr := r.stream(t)
	if errors.Is(replyErr, agents.ErrContextLength) && !r.shrunk[seat] {
		if st, err := r.shrink(t); st != nil {
			return st, nil, err
		}
		replyErr = r.stream(t)
	}
	return r.finishTurn(ctx, t, replyErr)
}

// turnState is one turn's: what its agent is shown and what arrived.
type turnState struct {
	ctx     context.Context    // cancelled by End
	cancel  context.CancelFunc // releases ctx (Conversation.cancellable)
	seat    int
	s       Seat
	index   int // the message's number
	window  int
	history []agents.Message
	start   time.Time
	m       transcripts.Message // what arrived

	text         strings.Builder // the reply so far
	failed       int             // the last attempt the agent said failed and retried, 0: none
	firstToken   time.Time
	attemptStart time.Time // when the attempt the reply came from was sent
}

// startTurn prepares a turn and says it started. A nil turn means the run
// must end, for the stop returned.
func (r *run) startTurn(ctx context.Context, seat int) (*turnState, *transcripts.Stop, error) {
	c := r.c
	cfg := &c.cfg
	t := &turnState{seat: seat, s: cfg.Seats[seat], index: len(r.msgs) + 1, window: cfg.HistoryWindow}
	t.ctx, t.cancel = c.cancellable(ctx)
	if w := r.windows[seat]; w > 0 {
		t.window = w
	}
	t.history = Perspective(r.msgs, t.s.Name, t.window, cfg.EmptyReply)
	t.start = cfg.Now()
	if err := r.emit(TurnStarted{Index: t.index, Speaker: t.s.Name, Time: t.start}); err != nil {
		t.end()
		st := errorStop(len(r.msgs), err)
		return nil, &st, err
	}
	return t, nil, nil
}

// end releases the turn's context.
func (t *turnState) end() { t.cancel() }

// shrink halves what the turn's agent is shown, once for the rest of the
// run, after its model said the conversation is longer than its context,
// so that the turn can ask again. A non-nil stop means the run must end.
func (r *run) shrink(t *turnState) (*transcripts.Stop, error) {
	cfg := &r.c.cfg
	r.shrunk[t.seat] = true
	// Text that streamed before the model refused is not the message:
	// sinks drop it as they drop a failed attempt's, so what they show is
	// what is recorded.
	if t.m.Content != "" {
		attempt := t.failed + 1
		if err := r.emit(Retrying{Index: t.index, Speaker: t.s.Name, Attempt: attempt, Max: attempt + 1,
			Reason: "the conversation is longer than its model's context", Time: cfg.Now()}); err != nil {
			st := errorStop(len(r.msgs), err)
			return &st, err
		}
	}
	visible := len(r.msgs)
	if t.window > 0 {
		visible = min(visible, t.window)
	}
	t.window = max(2, visible/2)
	r.windows[t.seat] = t.window
	if err := r.emit(Notice{Kind: "context", Time: cfg.Now(), Detail: fmt.Sprintf(
		"%s: the conversation is longer than its model's context; it now sees only the last %d messages", t.s.Name, t.window)}); err != nil {
		st := errorStop(len(r.msgs), err)
		return &st, err
	}
	t.history = Perspective(r.msgs, t.s.Name, t.window, cfg.EmptyReply)
	t.start = cfg.Now()
	return nil, nil
}

// finishTurn records what the turn's reply brought, or says why the run
// must end.
func (r *run) finishTurn(ctx context.Context, t *turnState, replyErr error) (*transcripts.Stop, *transcripts.Message, error) {
	c := r.c
	cfg := &c.cfg
	m := &t.m
	if replyErr != nil {
		var partial *transcripts.Message
		if m.Content != "" {
			m.Partial = true
			partial = m
		}
		var se *ErrSink
		switch {
		case errors.As(replyErr, &se):
			st := errorStop(len(r.msgs), replyErr)
			return &st, partial, replyErr
		case errors.Is(replyErr, agents.ErrExhausted):
			st := transcripts.Stop{Kind: transcripts.StopExhausted, Policy: "exhausted",
				Reason: fmt.Sprintf("%s has no lines left to say", t.s.Name), At: len(r.msgs)}
			return &st, nil, nil
		case c.isEnded():
			st := transcripts.Stop{Kind: transcripts.StopOperator, Reason: "the operator ended the conversation", At: len(r.msgs)}
			return &st, partial, nil
		case ctx.Err() != nil:
			st := interrupted(len(r.msgs))
			return &st, partial, ctx.Err()
		default:
			st := errorStop(len(r.msgs), replyErr)
			return &st, partial, replyErr
		}
	}
	if c.isEnded() {
		// End arrived as the last token did: keep the whole message.
		r.msgs = append(r.msgs, *m)
		if err := r.emit(MessageFinished{Index: t.index, Message: *m}); err != nil {
			st := errorStop(len(r.msgs)-1, err) // say only what is on disk
			return &st, nil, err
		}
		st := transcripts.Stop{Kind: transcripts.StopOperator, Reason: "the operator ended the conversation", At: len(r.msgs)}
		return &st, nil, nil
	}
	if m.Usage == nil {
		var prompt strings.Builder
		for _, h := range t.history {
			prompt.WriteString(h.Content)
		}
		m.Usage = agents.EstimateUsage(prompt.String(), m.Content)
	}
	r.msgs = append(r.msgs, *m)
	if err := r.emit(MessageFinished{Index: t.index, Message: *m}); err != nil {
		// A sink failed to record it (a full disk): the stop names the
		// last message that is surely on disk, not this one.
		st := errorStop(len(r.msgs)-1, err)
		return &st, nil, err
	}
	if strings.TrimSpace(m.Content) == "" {
		shown := cfg.EmptyReply
		if strings.TrimSpace(shown) == "" {
			shown = DefaultEmptyReply
		}
		if err := r.emit(Notice{Kind: "warning", Time: cfg.Now(), Detail: fmt.Sprintf(
			"%s: message %d is an empty reply (finish reason %q); the agents are shown %q in its place",
			t.s.Name, t.index, m.FinishReason, shown)}); err != nil {
			st := errorStop(len(r.msgs), err)
			return &st, nil, err
		}
	}
	return nil, nil, nil
}

// stream asks the turn's agent for its reply and emits its deltas and
// retries. The turn's message holds what arrived. What the loop keeps is in
// the turn, on the heap: the loop's frame is under every wait for a token.
func (r *run) stream(t *turnState) error {
	s := t.s
	t.m = transcripts.Message{}
	t.m.Speaker, t.m.Model, t.m.Started, t.m.Session = s.Name, s.Model, t.start, r.c.cfg.Session
	t.text.Reset()
	t.firstToken = time.Time{}
	t.attemptStart = t.start
	var replyErr error
	for ch, err := range s.Agent.Reply(t.ctx, t.history) {
		if err == nil {
			err = r.chunk(t, &ch)
		}
		if err != nil {
			replyErr = err
			break
		}
	}
	r.ended(t)
	return replyErr
}

// chunk takes one chunk of the turn's reply.
func (r *run) chunk(t *turnState, ch *agents.Chunk) error {
	now := r.c.cfg.Now
	m := &t.m
	switch {
	case ch.Wait != nil && ch.Wait.Over:
		// Timings count from when the request left, not from the wait.
		t.attemptStart = now()
		return nil
	case ch.Wait != nil:
		return r.waiting(t.s.Name, ch.Wait)
	case ch.Retry != nil:
		// Everything the failed attempt said goes with it: its usage,
		// finish reason, model and replica as well as its text, which
		// the attempt that answers may not send again.
		t.failed = ch.Retry.Attempt
		t.text.Reset()
		t.firstToken = time.Time{}
		m.Usage, m.FinishReason, m.Model, m.Endpoint = nil, "", t.s.Model, ""
		at := now()
		if err := r.emit(Retrying{Index: t.index, Speaker: t.s.Name, Attempt: ch.Retry.Attempt, Max: ch.Retry.Max,
			Wait: ch.Retry.Wait, Reason: ch.Retry.Reason, Time: at}); err != nil {
			return err
		}
		t.attemptStart = at.Add(ch.Retry.Wait)
		return nil
	}
	if ch.Text != "" {
		if t.firstToken.IsZero() {
			t.firstToken = now()
		}
		t.text.WriteString(ch.Text)
		if err := r.emit(Delta{Index: t.index, Speaker: t.s.Name, Text: ch.Text}); err != nil {
			return err
		}
	}
	if ch.Model != "" {
		m.Model = ch.Model
	}
	if ch.Endpoint != "" {
		m.Endpoint = ch.Endpoint
	}
	if ch.Usage != nil {
		m.Usage = ch.Usage
	}
	if ch.FinishReason != "" {
		m.FinishReason = ch.FinishReason
	}
	return nil
}

// ended completes the turn's message once its reply has ended.
//
//go:noinline
func (r *run) ended(t *turnState) {
	m := &t.m
	end := r.c.cfg.Now()
	m.Content = t.text.String()
	m.Ended = end
	m.Latency = end.Sub(t.attemptStart)
	if !t.firstToken.IsZero() {
		m.TTFT = t.firstToken.Sub(t.attemptStart)
	}
}

// waiting says that the turn's agent is waiting, and why.
func (r *run) waiting(name string, w *agents.Wait) error {
	detail := fmt.Sprintf("%s: waiting (%s)", name, w.Reason)
	if w.Duration > 0 {
		detail = fmt.Sprintf("%s: waiting %s (%s)", name, w.Duration.Round(100*time.Millisecond), w.Reason)
	}
	return r.emit(Notice{Kind: "wait", Detail: detail, Time: r.c.cfg.Now()})
}

func (c *Conversation) isEnded() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ended
}

// LastSpeaker is who spoke the last whole message of msgs: not a
// moderator's note, nor a message cut off mid-reply. "" when none did.
func LastSpeaker(msgs []transcripts.Message) string {
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Origin != transcripts.OriginModerator && !msgs[i].Partial {
			return msgs[i].Speaker
		}
	}
	return ""
}
