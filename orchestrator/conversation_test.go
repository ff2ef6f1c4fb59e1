package orchestrator

import (
	"context"
	"errors"
	"iter"
	"os"
	"slices"

	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/parleyhq/parley/agents"
	"github.com/parleyhq/parley/orchestrator/policy"
	"github.com/parleyhq/parley/transcripts"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// agentFunc lets a test write an agent as a function.
type agentFunc func(ctx context.Context, h []agents.Message) iter.Seq2[agents.Chunk, error]

func (f agentFunc) Reply(ctx context.Context, h []agents.Message) iter.Seq2[agents.Chunk, error] {
	return f(ctx, h)
}

// say is an agent that answers with its name and turn number and
// remembers every history it was given.
type say struct {
	name string
	mu   sync.Mutex
	seen [][]agents.Message
}

func (s *say) Reply(ctx context.Context, h []agents.Message) iter.Seq2[agents.Chunk, error] {
	s.mu.Lock()
	s.seen = append(s.seen, h)
	n := len(s.seen)
	s.mu.Unlock()
	return func(yield func(agents.Chunk, error) bool) {
		if !yield(agents.Chunk{Text: s.name + " "}, nil) {
			return
		}
		yield(agents.Chunk{Text: strings.Repeat("!", n), FinishReason: "stop"}, nil)
	}
}

// collect is a sink that keeps every event.
type collect struct {
	mu     sync.Mutex
	events []Event
}

func (c *collect) Handle(e Event) error {
	c.mu.Lock()
	c.events = append(c.events, e)
	c.mu.Unlock()
	return nil
}

func (c *collect) finished() []transcripts.Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []transcripts.Message
	for _, e := range c.events {
		if f, ok := e.(MessageFinished); ok {
			out = append(out, f.Message)
		}
	}
	return out
}

func seats(a, b agents.Agent) [2]Seat {
	return [2]Seat{{Name: "A", Agent: a, Model: "ma"}, {Name: "B", Agent: b, Model: "mb"}}
}

func TestRunAlternatesFromTheFirstSpeaker(t *testing.T) {
	a, b := &say{name: "a"}, &say{name: "b"}
	var sink collect
	conv := New(Config{Seats: seats(a, b), First: 1, Opening: "Begin.", Policy: policy.MaxMessages{N: 5}})
	stop, err := conv.Run(context.Background(), &sink)
	if err != nil {
		t.Fatal(err)
	}
	if stop.Kind != transcripts.StopPolicy || stop.Policy != "max_messages" || stop.At != 5 {
		t.Fatalf("stop = %+v", stop)
	}
	got := sink.finished()
	// Message 1 is the opening, under the name of the side B was told said it.
	if got[0].Origin != transcripts.OriginOpening {
		t.Errorf("message 1 = %+v, want the opening", got[0])
	}
	want := []string{"A:Begin.", "B:b !", "A:a !", "B:b !!", "A:a !!"}
	for i, m := range got {
		if s := m.Speaker + ":" + m.Content; s != want[i] {
			t.Errorf("message %d = %q, want %q", i+1, s, want[i])
		}
		if i > 0 && (m.FinishReason != "stop" || m.Usage == nil || !m.Usage.Estimated) {
			t.Errorf("message %d lacks finish reason or estimated usage: %+v", i+1, m)
		}
	}
	// B opened and was handed the opening; A never saw it.
	if h := b.seen[0]; len(h) != 1 || h[0].Content != "Begin." || h[0].Role != agents.RoleUser {
		t.Errorf("B's first history = %+v", h)
	}
	if h := a.seen[0]; len(h) != 1 || h[0].Content != "b !" {
		t.Errorf("A's first history = %+v", h)
	}
	// Event order: Started first, Stopped last, Progress after each message.
	if _, ok := sink.events[0].(Started); !ok {
		t.Errorf("first event = %T", sink.events[0])
	}
	if s, ok := sink.events[len(sink.events)-1].(Stopped); !ok || s.Stop != stop {
		t.Errorf("last event = %#v", sink.events[len(sink.events)-1])
	}
	progress := 0
	for _, e := range sink.events {
		if _, ok := e.(Progress); ok {
			progress++
		}
	}
	if progress != 5 {
		t.Errorf("progress events = %d, want one per message", progress)
	}
}

func TestExhaustedReplayEndsTheRun(t *testing.T) {
	a := agents.NewScripted([]string{"one", "two"}, 0)
	b := agents.NewScripted([]string{"uno", "dos", "tres"}, 0)
	stop, err := New(Config{Seats: seats(a, b), Policy: policy.MaxMessages{N: 100}}).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if stop.Kind != transcripts.StopExhausted || stop.At != 5 || stop.Reason != "A has no lines left to say" {
		t.Fatalf("stop = %+v", stop)
	}
}

func TestEndTokenStopsAfterTwoExchanges(t *testing.T) {
	a := agents.NewScripted([]string{"hello [END]", "more", "bye [END]", "[END]", "[END]"}, 0)
	b := agents.NewScripted([]string{"go on", "ok [END]", "[END]", "[END]"}, 0)
	var sink collect
	endToken := policy.Any{policy.MaxMessages{N: 100}, policy.EndToken{Token: "[END]", Match: policy.MatchContains, Exchanges: 2}}
	stop, err := New(Config{Seats: seats(a, b), Policy: endToken}).Run(context.Background(), &sink)
	if err != nil {
		t.Fatal(err)
	}
	// Message 2's lone [END] is not echoed; the run goes on until 4 in a row.
	if stop.Kind != transcripts.StopPolicy || stop.At != 8 {
		t.Fatalf("stop = %+v, want a policy stop at message 8", stop)
	}
}

// blocker streams one piece, then waits for ctx.
func blocker(started chan<- struct{}) agents.Agent {
	return agentFunc(func(ctx context.Context, _ []agents.Message) iter.Seq2[agents.Chunk, error] {
		return func(yield func(agents.Chunk, error) bool) {
			if !yield(agents.Chunk{Text: "half a"}, nil) {
				return
			}
			close(started)
			<-ctx.Done()
			yield(agents.Chunk{}, ctx.Err())
		}
	})
}

func TestCancelRecordsTheMessageInFlightAsInterrupted(t *testing.T) {
	dir := t.TempDir()
	started := make(chan struct{})
	a := agents.NewScripted([]string{"first"}, 0)
	rec := &Recorder{Dir: dir}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { <-started; cancel() }()
	stop, err := New(Config{Seats: seats(a, blocker(started))}).Run(ctx, rec)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if stop.Kind != transcripts.StopInterrupted || stop.At != 2 {
		t.Fatalf("stop = %+v", stop)
	}
	md, jl := rec.Paths()
	for _, p := range []string{md, jl} {
		tr, err := transcripts.Read(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(tr.Messages) != 3 || tr.Messages[0].Origin != transcripts.OriginOpening || tr.Messages[1].Content != "first" ||
			!tr.Messages[2].Partial || tr.Messages[2].Content != "half a" {
			t.Errorf("%s holds %+v", p, tr.Messages)
		}
	}
	tr, _ := transcripts.Read(jl)
	if tr.Run.Stop == nil || tr.Run.Stop.Kind != transcripts.StopInterrupted {
		t.Errorf("JSONL stop = %+v", tr.Run.Stop)
	}
}

func TestEndIsTheOperatorsStop(t *testing.T) {
	started := make(chan struct{})
	a := agents.NewScripted([]string{"first"}, 0)
	conv := New(Config{Seats: seats(a, blocker(started))})
	go func() { <-started; conv.End() }()
	var sink collect
	stop, err := conv.Run(context.Background(), &sink)
	if err != nil {
		t.Fatal(err)
	}
	if stop.Kind != transcripts.StopOperator || stop.At != 2 {
		t.Fatalf("stop = %+v", stop)
	}
	last := sink.events[len(sink.events)-1].(Stopped)
	if last.Partial == nil || last.Partial.Content != "half a" {
		t.Errorf("partial = %+v", last.Partial)
	}
}

// askerFunc lets a test write a judge's model as a function.
type askerFunc func(ctx context.Context, prompt string) (policy.Answer, error)

func (f askerFunc) Ask(ctx context.Context, prompt string) (policy.Answer, error) {
	return f(ctx, prompt)
}

// End while a judge is asked about a message ends the run at once, as an
// End between turns does: the question is cut short, lines injected before
// the End join, and the stop is the operator's.
func TestEndCutsAJudgesQuestionShort(t *testing.T) {
	for _, c := range []struct {
		name    string
		injects []string // lines injected before the run, as A then B
		block   int      // the question End comes during, from 1
		wantAt  int
	}{
		{"about the opening", nil, 1, 1},
		{"about a reply", nil, 2, 2},
		{"about an injected line", []string{"one", "two"}, 2, 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			asked := make(chan struct{})
			n := 0
			j := policy.NewJudge(policy.JudgeConfig{Model: "moderator", Every: 1})
			j.Asker = askerFunc(func(ctx context.Context, _ string) (policy.Answer, error) {
				if n++; n != c.block {
					return policy.Answer{Text: "CONTINUE: go on."}, nil
				}
				close(asked)
				<-ctx.Done() // a model that does not answer before End
				return policy.Answer{}, ctx.Err()
			})
			a := agents.NewScripted([]string{"a1", "a2"}, 0)
			b := agents.NewScripted([]string{"b1", "b2"}, 0)
			conv := New(Config{Seats: seats(a, b), Opening: "Hi", Policy: j})
			for i, line := range c.injects {
				conv.Inject([]string{"A", "B"}[i%2], line)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var sink collect
			type result struct {
				stop transcripts.Stop
				err  error
			}
			done := make(chan result, 1)
			go func() { stop, err := conv.Run(ctx, &sink); done <- result{stop, err} }()
			<-asked
			conv.End()
			var res result
			select {
			case res = <-done:
			case <-time.After(2 * time.Second):
				t.Error("End did not end the run within 2s: the judge's question was still waited for")
				cancel()
				res = <-done
			}
			if res.err != nil || res.stop.Kind != transcripts.StopOperator || res.stop.At != c.wantAt {
				t.Errorf("stop %+v, err %v; want the operator's stop at message %d", res.stop, res.err, c.wantAt)
			}
			if got := len(sink.finished()); got != c.wantAt {
				t.Errorf("%d messages recorded; want %d", got, c.wantAt)
			}
		})
	}
}

func TestPauseStepAndResume(t *testing.T) {
	a := agents.NewScripted([]string{"a1", "a2", "a3"}, 0)
	b := agents.NewScripted([]string{"b1", "b2", "b3"}, 0)
	conv := New(Config{Seats: seats(a, b), Policy: policy.MaxMessages{N: 6}})
	conv.Pause()
	turns := make(chan int, 10)
	done := make(chan transcripts.Stop)
	go func() {
		stop, _ := conv.Run(context.Background(), SinkFunc(func(e Event) error {
			if f, ok := e.(MessageFinished); ok {
				turns <- f.Index
			}
			return nil
		}))
		done <- stop
	}()
	if i := <-turns; i != 1 {
		t.Fatalf("the first message is %d, want the opening", i)
	}
	select {
	case i := <-turns:
		t.Fatalf("message %d arrived while paused", i)
	case <-time.After(50 * time.Millisecond):
	}
	conv.Step()
	if i := <-turns; i != 2 {
		t.Fatalf("step gave message %d, want 2", i)
	}
	select {
	case i := <-turns:
		t.Fatalf("message %d arrived after a single step", i)
	case <-time.After(50 * time.Millisecond):
	}
	if !conv.Paused() {
		t.Fatal("stepping unpaused the conversation")
	}
	conv.Resume()
	stop := <-done
	if stop.At != 6 {
		t.Fatalf("stop = %+v", stop)
	}
}

// Pause, step, resume, inject and end are recorded as operator events in
// the JSONL, in order.
func TestOperatorActionsAreRecorded(t *testing.T) {
	started := make(chan struct{})
	a := agents.NewScripted([]string{"a1", "a2", "a3"}, 0)
	conv := New(Config{Seats: seats(a, blocker(started)), Policy: policy.MaxMessages{N: 20}})
	conv.Pause()
	conv.Step()
	conv.Resume()
	conv.Inject("", "be brief")
	conv.Inject("B", "typed by a person")
	go func() { <-started; conv.End() }()
	rec := &Recorder{Dir: t.TempDir()}
	if _, err := conv.Run(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	_, jl := rec.Paths()
	tr, err := transcripts.Read(jl)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range tr.Run.Events {
		if e.Kind == "operator" {
			got = append(got, e.Detail)
		}
	}
	want := []string{"the operator paused the conversation", "the operator let one more message through",
		"the operator resumed the conversation", "the operator injected a moderator note",
		"the operator injected a line as B", "the operator ended the conversation"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("operator events:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestInjectedLines(t *testing.T) {
	a, b := &say{name: "a"}, &say{name: "b"}
	conv := New(Config{Seats: seats(a, b), Policy: policy.MaxMessages{N: 5}})
	if err := conv.Inject("C", "x"); err == nil || !strings.Contains(err.Error(), `"A", "B"`) {
		t.Fatalf("injecting as an unknown seat: err = %v", err)
	}
	conv.Inject("", "be brief")
	conv.Inject("A", "typed by a person")
	var sink collect
	if _, err := conv.Run(context.Background(), &sink); err != nil {
		t.Fatal(err)
	}
	got := sink.finished()[1:] // after the opening
	if got[0].Origin != transcripts.OriginModerator || got[1].Origin != transcripts.OriginInjected || got[1].Speaker != "A" {
		t.Fatalf("injected messages = %+v", got[:2])
	}
	// A's line was injected, so B speaks next, and sees both lines.
	if got[2].Speaker != "B" {
		t.Fatalf("after an injected A line, %s spoke", got[2].Speaker)
	}
	h := b.seen[0]
	if len(h) != 1 || h[0].Content != "[Moderator] be brief\n\ntyped by a person" {
		t.Errorf("B saw %q", h)
	}
}

// Lines injected together are judged one by one, as check judges the
// recording: a rule that stops after one stops the run there, and the
// lines after it are said not to have been recorded.
func TestInjectedLinesAreJudgedOneByOne(t *testing.T) {
	for _, c := range []struct {
		name       string
		limit      int
		wantAt     int
		unrecorded []string // operator events, want
	}{
		{"the opening reaches the limit", 1, 1, []string{
			"a line the operator injected as A was not recorded: the conversation ended before it could join",
			"a line the operator injected as B was not recorded: the conversation ended before it could join"}},
		{"the first line reaches the limit", 2, 2,
			[]string{"a line the operator injected as B was not recorded: the conversation ended before it could join"}},
		{"the last line reaches the limit", 3, 3, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := agents.NewScripted([]string{"a1", "a2", "a3"}, 0)
			b := agents.NewScripted([]string{"b1", "b2", "b3"}, 0)
			rules := policy.MaxMessages{N: c.limit}
			conv := New(Config{Seats: seats(a, b), Opening: "Hi", Policy: rules})
			conv.Inject("A", "one")
			conv.Inject("B", "two")
			rec := &Recorder{Dir: t.TempDir()}
			stop, err := conv.Run(context.Background(), rec)
			if err != nil {
				t.Fatal(err)
			}
			_, jl := rec.Paths()
			tr, err := transcripts.Read(jl)
			if err != nil {
				t.Fatal(err)
			}
			at, _ := policy.FirstStop(rules, tr.Messages)
			if stop.Kind != transcripts.StopPolicy || stop.At != c.wantAt || at != stop.At || len(tr.Messages) != stop.At {
				t.Errorf("live stop %+v with %d messages recorded, check stops at %d; want both at %d", stop, len(tr.Messages), at, c.wantAt)
			}
			var unrecorded []string
			for _, e := range tr.Run.Events {
				if e.Kind == "operator" && strings.Contains(e.Detail, "not recorded") {
					unrecorded = append(unrecorded, e.Detail)
				}
			}
			if !slices.Equal(unrecorded, c.unrecorded) {
				t.Errorf("operator events %q; want %q", unrecorded, c.unrecorded)
			}
		})
	}
}

func TestAgentErrorStopsTheRunAndKeepsMessages(t *testing.T) {
	dir := t.TempDir()
	a := agents.NewScripted([]string{"one", "two"}, 0)
	failing := agentFunc(func(ctx context.Context, _ []agents.Message) iter.Seq2[agents.Chunk, error] {
		return func(yield func(agents.Chunk, error) bool) {
			yield(agents.Chunk{}, &agents.Error{Agent: "B", Sentence: "B: model \"x\" not found at http://h/v1 (404)", Status: 404, Err: errors.New("raw")})
		}
	})
	rec := &Recorder{Dir: dir}
	stop, err := New(Config{Seats: seats(a, failing)}).Run(context.Background(), rec)
	var ae *agents.Error
	if !errors.As(err, &ae) || ae.Status != 404 {
		t.Fatalf("err = %v", err)
	}
	if stop.Kind != transcripts.StopError || stop.Reason != ae.Sentence || stop.At != 2 {
		t.Fatalf("stop = %+v", stop)
	}
	_, jl := rec.Paths()
	tr, _ := transcripts.Read(jl)
	if len(tr.Messages) != 2 || tr.Run.Stop == nil || tr.Run.Stop.Reason != ae.Sentence {
		t.Fatalf("JSONL = %+v stop %+v", tr.Messages, tr.Run.Stop)
	}
}

func TestRetryDiscardsTheFailedAttempt(t *testing.T) {
	flaky := agentFunc(func(ctx context.Context, _ []agents.Message) iter.Seq2[agents.Chunk, error] {
		return func(yield func(agents.Chunk, error) bool) {
			_ = yield(agents.Chunk{Text: "garbled"}, nil) &&
				yield(agents.Chunk{Retry: &agents.Retry{Attempt: 1, Max: 3, Wait: time.Second, Reason: "stream cut off"}}, nil) &&
				yield(agents.Chunk{Text: "clean"}, nil)
		}
	})
	var sink collect
	New(Config{Seats: seats(flaky, flaky), Policy: policy.MaxMessages{N: 2}}).Run(context.Background(), &sink)
	got := sink.finished()[1:]
	if len(got) != 1 || got[0].Content != "clean" {
		t.Fatalf("messages = %+v", got)
	}
	var retried bool
	for _, e := range sink.events {
		if r, ok := e.(Retrying); ok && r.Reason == "stream cut off" && r.Attempt == 1 {
			retried = true
		}
	}
	if !retried {
		t.Error("no Retrying event")
	}
}

// When the retries run out mid-stream, the last attempt's text is kept as
// an interrupted message (never shown to the agents); earlier attempts'
// text is not. The README says the same.
func TestRetriesRunningOutKeepTheLastAttemptAsInterrupted(t *testing.T) {
	cutOff := errors.New("stream cut off")
	flaky := agentFunc(func(ctx context.Context, _ []agents.Message) iter.Seq2[agents.Chunk, error] {
		return func(yield func(agents.Chunk, error) bool) {
			_ = yield(agents.Chunk{Text: "first try"}, nil) &&
				yield(agents.Chunk{Retry: &agents.Retry{Attempt: 1, Max: 2, Reason: "stream cut off"}}, nil) &&
				yield(agents.Chunk{Text: "second"}, nil) &&
				yield(agents.Chunk{}, cutOff)
		}
	})
	rec := &Recorder{Dir: t.TempDir()}
	stop, err := New(Config{Seats: seats(flaky, flaky)}).Run(context.Background(), rec)
	if !errors.Is(err, cutOff) || stop.Kind != transcripts.StopError || stop.At != 1 {
		t.Fatalf("stop %+v, err %v", stop, err)
	}
	md, jl := rec.Paths()
	for _, p := range []string{md, jl} {
		tr, err := transcripts.Read(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(tr.Messages) != 2 || !tr.Messages[1].Partial || tr.Messages[1].Content != "second" {
			t.Errorf("%s holds %+v; want the opening and the last attempt's text, interrupted", p, tr.Messages)
		}
	}
}

func TestSinkFailureStopsTheRun(t *testing.T) {
	a := agents.NewScripted([]string{"one", "two"}, 0)
	diskFull := errors.New("no space left on device")
	stop, err := New(Config{Seats: seats(a, a)}).Run(context.Background(), SinkFunc(func(e Event) error {
		if _, ok := e.(MessageFinished); ok {
			return diskFull
		}
		return nil
	}))
	if !errors.Is(err, diskFull) || stop.Kind != transcripts.StopError || stop.At != 0 {
		t.Fatalf("stop = %+v, err = %v", stop, err)
	}
}

// Recording what the operator did between turns can fail too: the run
// stops with the error, which Run returns for the person to see, and the
// stop names the last message on disk.
func TestSinkFailureBetweenTurnsIsAnError(t *testing.T) {
	diskFull := errors.New("no space left on device")
	for _, c := range []struct {
		name string
		act  func(*Conversation)
		fail func(Event) bool
	}{
		{"an injected note", func(c *Conversation) { c.Inject("", "be brief") }, func(e Event) bool {
			f, ok := e.(MessageFinished)
			return ok && f.Message.Origin == transcripts.OriginModerator
		}},
		{"an operator's action", func(c *Conversation) { c.Pause(); c.Resume() }, func(e Event) bool {
			_, ok := e.(Operator)
			return ok
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := agents.NewScripted([]string{"one", "two"}, 0)
			conv := New(Config{Seats: seats(a, a), Policy: policy.MaxMessages{N: 20}})
			c.act(conv)
			stop, err := conv.Run(context.Background(), SinkFunc(func(e Event) error {
				if c.fail(e) {
					return diskFull
				}
				return nil
			}))
			// The opening, message 1, is on disk; the note is not.
			if !errors.Is(err, diskFull) || stop.Kind != transcripts.StopError || stop.At != 1 {
				t.Fatalf("stop = %+v, err = %v; want an error stop at message 1 and the error", stop, err)
			}
		})
	}
}

// When a message fails to reach the disk, the stop names the last message
// that did, never the one that was lost.
func TestSinkFailureStopsAtTheLastMessageOnDisk(t *testing.T) {
	a := agents.NewScripted([]string{"one", "two"}, 0)
	b := agents.NewScripted([]string{"uno", "dos"}, 0)
	diskFull := errors.New("no space left on device")
	var stopped Stopped
	stop, err := New(Config{Seats: seats(a, b)}).Run(context.Background(), SinkFunc(func(e Event) error {
		switch e := e.(type) {
		case MessageFinished:
			if e.Index == 3 {
				return diskFull
			}
		case Stopped:
			stopped = e
		}
		return nil
	}))
	if !errors.Is(err, diskFull) || stop.Kind != transcripts.StopError || stop.At != 2 || stopped.Stop.At != 2 {
		t.Fatalf("stop = %+v (sinks saw %+v), err = %v; want an error stop at message 2", stop, stopped.Stop, err)
	}
}

func TestResumeContinuesFromPriorMessages(t *testing.T) {
	prior := msgs("A", "a1", "B", "b1", "A", "a2")
	a, b := &say{name: "a"}, &say{name: "b"}
	var sink collect
	stop, err := New(Config{Seats: seats(a, b), Prior: prior, Policy: policy.MaxMessages{N: 5}}).Run(context.Background(), &sink)
	if err != nil {
		t.Fatal(err)
	}
	got := sink.finished()
	if stop.At != 5 || len(got) != 2 || got[0].Speaker != "B" {
		t.Fatalf("stop %+v, new messages %+v", stop, got)
	}
	if h := b.seen[0]; len(h) != 3 || h[2].Content != "a2" {
		t.Errorf("B resumed with history %+v", h)
	}
}

func TestContextLengthShrinksTheWindowOnce(t *testing.T) {
	// small answers only when shown at most two messages.
	var shown []int
	small := agentFunc(func(ctx context.Context, h []agents.Message) iter.Seq2[agents.Chunk, error] {
		shown = append(shown, len(h))
		return func(yield func(agents.Chunk, error) bool) {
			if len(h) > 2 {
				yield(agents.Chunk{}, &agents.Error{Agent: "B", Sentence: "B: too long", Err: agents.ErrContextLength})
				return
			}
			yield(agents.Chunk{Text: "short"}, nil)
		}
	})
	prior := msgs("A", "a1", "B", "b1", "A", "a2", "B", "b2", "A", "a3")
	var sink collect
	stop, err := New(Config{Seats: seats(agents.NewScripted([]string{"a4"}, 0), small), Prior: prior,
		Policy: policy.MaxMessages{N: 8}}).Run(context.Background(), &sink)
	if err != nil || stop.Kind != transcripts.StopPolicy {
		t.Fatalf("stop %+v, err %v", stop, err)
	}
	// The last two messages are b2 and a3; b2 is B's own, and a request
	// never starts with the agent's own message, so B sees a3 alone.
	if want := []int{5, 1, 1}; !slices.Equal(shown, want) {
		t.Errorf("B was shown %v messages per request, want %v", shown, want)
	}
	var notices int
	for _, e := range sink.events {
		if n, ok := e.(Notice); ok && n.Kind == "context" && strings.Contains(n.Detail, "last 2 messages") {
			notices++
		}
	}
	if notices != 1 {
		t.Errorf("context notices = %d, want 1", notices)
	}

	// A model that rejects even the shrunk window stops the run with its sentence.
	never := agentFunc(func(ctx context.Context, h []agents.Message) iter.Seq2[agents.Chunk, error] {
		return func(yield func(agents.Chunk, error) bool) {
			yield(agents.Chunk{}, &agents.Error{Agent: "B", Sentence: "B: too long", Err: agents.ErrContextLength})
		}
	})
	stop, err = New(Config{Seats: seats(agents.NewScripted([]string{"a4"}, 0), never), Prior: prior}).Run(context.Background())
	if !errors.Is(err, agents.ErrContextLength) || stop.Kind != transcripts.StopError || stop.Reason != "B: too long" {
		t.Fatalf("stop %+v, err %v", stop, err)
	}
}

// What streamed before a context-length error is not the message: the
// sinks are told to drop it, as they drop a failed attempt's text, so that
// what they were streamed is what is recorded.
func TestAContextLengthErrorDiscardsWhatStreamed(t *testing.T) {
	for _, c := range []struct {
		name    string
		before  []string // what streams before the model refuses
		retries int      // Retrying events sinks see, want
	}{
		{"after text streamed", []string{"Hello ", "wor"}, 1},
		{"before any text", nil, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			asked := 0
			small := agentFunc(func(ctx context.Context, _ []agents.Message) iter.Seq2[agents.Chunk, error] {
				asked++
				first := asked == 1
				return func(yield func(agents.Chunk, error) bool) {
					if !first {
						yield(agents.Chunk{Text: "Second try.", FinishReason: "stop"}, nil)
						return
					}
					for _, s := range c.before {
						if !yield(agents.Chunk{Text: s}, nil) {
							return
						}
					}
					yield(agents.Chunk{}, &agents.Error{Agent: "B", Sentence: "B: too long", Err: agents.ErrContextLength})
				}
			})
			var sink collect
			stop, err := New(Config{Seats: seats(agents.NewScripted([]string{"x"}, 0), small), First: 1, Opening: "Hi",
				Policy: policy.MaxMessages{N: 2}}).Run(context.Background(), &sink)
			if err != nil || stop.Kind != transcripts.StopPolicy {
				t.Fatalf("stop %+v, err %v", stop, err)
			}
			var streamed strings.Builder
			retries := 0
			for _, e := range sink.events {
				switch e := e.(type) {
				case Delta:
					streamed.WriteString(e.Text)
				case Retrying:
					streamed.Reset()
					retries++
				}
			}
			if got := sink.finished()[1].Content; streamed.String() != got || got != "Second try." {
				t.Errorf("sinks were streamed %q for message 2, which is recorded as %q", streamed.String(), got)
			}
			if retries != c.retries {
				t.Errorf("%d Retrying events; want %d", retries, c.retries)
			}
		})
	}
}

func TestRateLimitWaitIsANoticeAndNotTimed(t *testing.T) {
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := func() time.Time { clock = clock.Add(time.Millisecond); return clock }
	held := agentFunc(func(ctx context.Context, _ []agents.Message) iter.Seq2[agents.Chunk, error] {
		return func(yield func(agents.Chunk, error) bool) {
			_ = yield(agents.Chunk{Wait: &agents.Wait{Duration: 4 * time.Second, Reason: "openai allows 60 requests a minute"}}, nil) &&
				yield(agents.Chunk{Wait: &agents.Wait{Over: true}}, nil) &&
				yield(agents.Chunk{Text: "hello"}, nil)
		}
	})
	var sink collect
	New(Config{Seats: seats(held, held), Policy: policy.MaxMessages{N: 2}, Now: now}).Run(context.Background(), &sink)
	var notices []string
	for _, e := range sink.events {
		if n, ok := e.(Notice); ok && n.Kind == "wait" {
			notices = append(notices, n.Detail)
		}
	}
	if len(notices) != 1 || notices[0] != "A: waiting 4s (openai allows 60 requests a minute)" {
		t.Fatalf("wait notices = %q", notices)
	}
	m := sink.finished()[1]
	// Each clock reading adds 1ms: the time to first token counts from the wait's end.
	if m.Content != "hello" || m.TTFT != time.Millisecond {
		t.Fatalf("message = %q, TTFT %v", m.Content, m.TTFT)
	}
}

// A replayed or scripted side asks no model, so its messages cost
// nothing, even when its seat names a priced model (as a replay of a
// recorded gpt-4o does): max_cost never fires on them, and each message
// records a cost of 0.
func TestLinesNoModelWasAskedForCostNothing(t *testing.T) {
	long := strings.Repeat("a sentence that would cost something if a model wrote it. ", 200)
	a := agents.NewScripted([]string{long, long, long}, 0)
	b := agents.NewScripted([]string{long, long, long}, 0)
	s := seats(a, b)
	s[0].Model, s[1].Model = "gpt-4o", "openai/gpt-4o"
	var sink collect
	rules := policy.Any{policy.MaxMessages{N: 100}, policy.MaxCost{USD: 0.000001}}
	stop, err := New(Config{Seats: s, Policy: rules}).Run(context.Background(), &sink)
	if err != nil {
		t.Fatal(err)
	}
	if stop.Kind != transcripts.StopExhausted {
		t.Fatalf("stop = %+v; want the scripts to run out, not max_cost", stop)
	}
	n := 0
	for _, e := range sink.events {
		mf, ok := e.(MessageFinished)
		if !ok || mf.Message.Origin != transcripts.OriginAgent {
			continue
		}
		n++
		if u := mf.Message.Usage; u == nil || u.Cost == nil || *u.Cost != 0 || u.CompletionTokens == 0 {
			t.Errorf("message %d records usage %+v; want its tokens estimated and a cost of 0", mf.Index+1, u)
		}
	}
	if n != 6 {
		t.Errorf("%d messages recorded; want 6, three a side", n)
	}
}

// A line injected and then the conversation ended: between turns (paused)
// the line joins and then the conversation ends; while a message streams,
// the End comes first, and the record says the line was not recorded
// rather than leave the injection standing.
func TestALineInjectedBeforeAnEnd(t *testing.T) {
	t.Run("between turns", func(t *testing.T) {
		a, b := agents.NewScripted([]string{"a1", "a2"}, 0), agents.NewScripted([]string{"b1", "b2"}, 0)
		conv := New(Config{Seats: seats(a, b), Policy: policy.MaxMessages{N: 20}})
		conv.Pause()
		conv.Inject("", "please wrap up")
		conv.End()
		rec := &Recorder{Dir: t.TempDir()}
		stop, err := conv.Run(context.Background(), rec)
		if err != nil {
			t.Fatal(err)
		}
		_, jl := rec.Paths()
		tr, _ := transcripts.Read(jl)
		last := tr.Messages[len(tr.Messages)-1]
		if stop.Kind != transcripts.StopOperator || last.Content != "please wrap up" || stop.At != len(tr.Messages) {
			t.Errorf("stop %+v, last message %+v; want the note recorded, then the end", stop, last)
		}
	})
	t.Run("while a message streams", func(t *testing.T) {
		started := make(chan struct{})
		a := agents.NewScripted([]string{"a1", "a2"}, 0)
		conv := New(Config{Seats: seats(a, blocker(started)), Policy: policy.MaxMessages{N: 20}})
		go func() { <-started; conv.Inject("B", "typed by a person"); conv.End() }()
		rec := &Recorder{Dir: t.TempDir()}
		if _, err := conv.Run(context.Background(), rec); err != nil {
			t.Fatal(err)
		}
		_, jl := rec.Paths()
		tr, _ := transcripts.Read(jl)
		var events []string
		for _, e := range tr.Run.Events {
			if e.Kind == "operator" {
				events = append(events, e.Detail)
			}
			// What the operator typed is kept, since no message holds it.
			if e.Kind == "operator" && strings.Contains(e.Detail, "not recorded") && e.Text != "typed by a person" {
				t.Errorf("the event of the line not recorded keeps the text %q, want %q", e.Text, "typed by a person")
			}
		}
		want := "a line the operator injected as B was not recorded: the conversation ended before it could join"
		if !slices.Contains(events, want) {
			t.Errorf("operator events %q; want %q", events, want)
		}
		if raw, _ := os.ReadFile(jl); !strings.Contains(string(raw), `"text":"typed by a person"`) {
			t.Errorf("the JSONL does not hold the line's text:\n%s", raw)
		}
		for _, m := range tr.Messages {
			if m.Content == "typed by a person" {
				t.Errorf("the line was recorded after the message in flight: %+v", tr.Messages)
			}
		}
	})
}
