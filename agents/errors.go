package agents

import (
	"errors"
	"time"
)

// Retry describes a failed attempt that the agent will make again.
type Retry struct {
	Attempt int           // the attempt that failed, from 1
	Max     int           // the most attempts the agent will make
	Wait    time.Duration // how long the agent waits before the next attempt
	Reason  string        // a short phrase: "429 Too Many Requests", "stream cut off", …
}

// Error is an agent failure in two layers: Sentence tells the person at the
// keyboard what went wrong and what to fix, naming the agent and the URL,
// field or environment variable involved; Err is the underlying cause.
// Neither ever contains an API key.
type Error struct {
	Agent    string
	Sentence string
	Status   int // the HTTP status, when there was one
	Err      error
}

func (e *Error) Error() string {
	if e.Err == nil {
		return e.Sentence
	}
	return e.Sentence + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// ErrContextLength is wrapped by the *Error an agent returns when the
// server refused the request because the conversation is longer than the
// model's context. Retrying the same request cannot help; the caller can
// shrink the history it sends and try again. Check with errors.Is.
var ErrContextLength = errors.New("the conversation is longer than the model's context")
