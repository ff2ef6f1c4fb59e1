// Package agents holds the participants of a parley conversation: an
// OpenAI-compatible chat model, a replay of one side of a recorded
// transcript, a scripted list of lines, and a person at the keyboard.
//
// Every participant implements Agent, a single method that streams the next
// reply. The orchestrator decides what each agent sees; an agent only speaks.
package agents

import (
	"context"
	"errors"
	"iter"

	"github.com/parleyhq/parley/transcripts"
)

// Agent is one side of a conversation.
type Agent interface {
	// Reply streams the agent's next message, given the conversation as this
	// agent sees it: its own earlier messages with RoleAssistant, the other
	// side's with RoleUser, oldest first. The history holds no system
	// message; an agent with a system prompt adds its own.
	//
	// Chunks arrive in order; their Text concatenates to the reply. The last
	// chunk may carry Usage and FinishReason with or without text. A chunk
	// with Retry set means the attempt failed: what it yielded so far (its
	// text, and any Usage, FinishReason, Model and Endpoint) is to be
	// discarded, and a fresh attempt follows. A chunk with Wait set says
	// the request is held back (a rate limit) before it is sent.
	//
	// A non-nil error is yielded at most once, as the last element. Breaking
	// out of the loop, or cancelling ctx, stops the reply and releases its
	// connection before the iterator returns. When an agent has nothing left
	// to say it yields ErrExhausted.
	Reply(ctx context.Context, history []Message) iter.Seq2[Chunk, error]
}

// Roles of history messages, from the replying agent's point of view.
const (
	RoleUser      = "user"
	RoleAssistant = "assistant"
)

// Message is one entry of the history an agent is given.
type Message struct {
	Role    string // RoleUser or RoleAssistant
	Content string
}

// Chunk is one piece of a streamed reply.
type Chunk struct {
	Text         string             // the next piece of text; may be empty
	Model        string             // the model the server says answered, when known
	Endpoint     string             // for an agent with replicas (base_urls): the one that answered, on an attempt's first chunk
	Usage        *transcripts.Usage // token usage, usually on the last chunk
	FinishReason string             // "stop", "length", …, on the last chunk
	Retry        *Retry             // non-nil: discard what the attempt yielded so far; another attempt follows
	Wait         *Wait              // non-nil: the request is waiting before it leaves (a rate limit)
}

// ErrExhausted is yielded by replay and scripted agents that have no lines left.
var ErrExhausted = errors.New("no lines left to say")
