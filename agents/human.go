package agents

import (
	"context"
	"fmt"
	"iter"
	"strings"
	"sync"
)

var _ Agent = (*Human)(nil)

// Human is a person at the keyboard taking one seat (`type: human`). Its
// Reply waits for the person's message, which the live view hands over
// with Say, and yields it whole; the person reads the conversation on
// screen, so the history is not used.
//
// A message said before the turn starts is kept for that turn; at most one
// can wait.
type Human struct {
	Name  string
	lines chan string

	mu    sync.Mutex
	draft string // what the person had typed but not sent when the run was stopped
}

// NewHuman seats a person under name.
func NewHuman(name string) *Human {
	return &Human{Name: name, lines: make(chan string, 1)}
}

// Say hands the person's message to the turn waiting for it. It never
// blocks. It refuses a blank message, and a second message while one still
// waits to be taken.
func (h *Human) Say(text string) error {
	if strings.TrimSpace(text) == "" {
		return fmt.Errorf("%s's message is empty; type something before sending", h.Name)
	}
	select {
	case h.lines <- text:
		return nil
	default:
		return fmt.Errorf("%s already has a message waiting to be sent", h.Name)
	}
}

// Draft keeps what the person has typed and not sent; the live view
// hands it over as it changes. The turn waiting for their message, when
// its context is cancelled (by any way of ending the run: a quit key, a
// signal, a closed terminal), yields it before the context's error, so the
// run records it as the message in flight, marked interrupted, as it
// records a model's reply cut off, rather than lose it. A blank draft is
// not kept.
func (h *Human) Draft(text string) {
	if strings.TrimSpace(text) == "" {
		text = ""
	}
	h.mu.Lock()
	h.draft = text
	h.mu.Unlock()
}

// Reply waits for the message handed over with Say and yields it, then a
// final chunk with finish reason "stop" and the usage of a line no model
// was asked for: its tokens estimated, its cost nothing. Cancelling ctx
// ends the wait with ctx's error, after the Draft the person left, if
// any; a message said later is kept for the next turn. A message already
// said when ctx is cancelled is yielded whole.
func (h *Human) Reply(ctx context.Context, _ []Message) iter.Seq2[Chunk, error] {
	return func(yield func(Chunk, error) bool) {
		select {
		case <-ctx.Done():
			// A message sent as the run was stopped is the person's
			// message, sent: it is yielded whole, as a model's reply
			// that finished at that instant is, and not left waiting
			// for a turn that never comes.
			select {
			case text := <-h.lines:
				if yield(Chunk{Text: text}, nil) {
					yield(Chunk{FinishReason: "stop", Usage: freeUsage(text)}, nil)
				}
				return
			default:
			}
			h.mu.Lock()
			draft := h.draft
			h.draft = ""
			h.mu.Unlock()
			if draft != "" && !yield(Chunk{Text: draft}, nil) {
				return
			}
			yield(Chunk{}, ctx.Err())
		case text := <-h.lines:
			if !yield(Chunk{Text: text}, nil) {
				return
			}
			yield(Chunk{FinishReason: "stop", Usage: freeUsage(text)}, nil)
		}
	}
}
