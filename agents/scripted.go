package agents

import (
	"context"
	"iter"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley/transcripts"
)

var (
	_ Agent = (*Scripted)(nil)
	_ Agent = (*Replay)(nil)
)

// Scripted says a fixed list of lines, one per turn, in order, streamed at a
// configurable pace. It ignores what the other side says.
type Scripted struct {
	// Pace is the delay between streamed pieces; zero streams each line at once.
	Pace time.Duration
	// PieceRunes is how many runes each streamed piece holds (default 4).
	PieceRunes int

	mu    sync.Mutex
	lines []string
	next  int
}

// NewScripted returns an agent that says lines in order.
func NewScripted(lines []string, pace time.Duration) *Scripted {
	return &Scripted{lines: lines, Pace: pace}
}

// Skip moves past the first n lines, for a resumed conversation in which
// the agent already spoke them.
func (s *Scripted) Skip(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next = min(s.next+n, len(s.lines))
}

// Upcoming is the lines still to say, in order, the next first.
func (s *Scripted) Upcoming() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.lines[s.next:])
}

// Remaining reports how many lines are left.
func (s *Scripted) Remaining() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.lines) - s.next
}

// Reply streams the next line.
func (s *Scripted) Reply(ctx context.Context, _ []Message) iter.Seq2[Chunk, error] {
	return func(yield func(Chunk, error) bool) {
		s.mu.Lock()
		if s.next >= len(s.lines) {
			s.mu.Unlock()
			yield(Chunk{}, ErrExhausted)
			return
		}
		line := s.lines[s.next]
		s.next++
		s.mu.Unlock()
		streamText(ctx, line, s.Pace, s.PieceRunes, yield)
	}
}

// streamText yields text in pieces of n runes, pausing pace between them,
// then a final chunk with the finish reason and the usage of a line no
// model was asked for (freeUsage).
func streamText(ctx context.Context, text string, pace time.Duration, n int, yield func(Chunk, error) bool) {
	if n <= 0 {
		n = 4
	}
	if pace <= 0 {
		n = len(text) + 1 // one piece
	}
	var timer *time.Timer
	if pace > 0 {
		timer = time.NewTimer(0)
		<-timer.C
		defer timer.Stop()
	}
	rest := text
	for rest != "" {
		if err := ctx.Err(); err != nil {
			yield(Chunk{}, err)
			return
		}
		cut := 0
		for i := 0; i < n && cut < len(rest); i++ {
			_, size := utf8.DecodeRuneInString(rest[cut:])
			cut += size
		}
		if !yield(Chunk{Text: rest[:cut]}, nil) {
			return
		}
		rest = rest[cut:]
		if pace > 0 && rest != "" {
			timer.Reset(pace)
			select {
			case <-ctx.Done():
				yield(Chunk{}, ctx.Err())
				return
			case <-timer.C:
			}
		}
	}
	yield(Chunk{FinishReason: "stop", Usage: freeUsage(text)}, nil)
}

// freeUsage is the usage of a line no model was asked for (scripted,
// replayed or typed): its tokens estimated, and a cost of nothing, so
// max_cost and the reports count it as free.
func freeUsage(text string) *transcripts.Usage {
	u := EstimateUsage("", text)
	u.Cost = new(float64)
	return u
}

// EstimateUsage guesses token counts where a provider reports none, at
// about four bytes of English a token. The result is marked Estimated.
func EstimateUsage(prompt, completion string) *transcripts.Usage {
	p, c := EstimateTokens(prompt), EstimateTokens(completion)
	return &transcripts.Usage{PromptTokens: p, CompletionTokens: c, TotalTokens: p + c, Estimated: true}
}

// EstimateTokens guesses how many tokens text holds: one per four bytes,
// and at least one per word.
func EstimateTokens(text string) int {
	if text == "" {
		return 0
	}
	return max((len(text)+3)/4, len(strings.Fields(text)))
}
