// Package transcripts reads and writes parley's recorded conversations.
//
// A conversation is recorded twice, side by side:
//
//   - NAME.md, the human-readable Markdown layout (see markdown.go), and
//   - NAME.jsonl, an append-only sidecar that holds what Markdown cannot:
//     per-message timings, token usage, finish reasons, the scenario, each
//     agent's settings and the stop reason (see jsonl.go).
//
// Both grow while a conversation runs. The JSONL is the source of truth: the
// Markdown can always be rebuilt from it.
package transcripts

import (
	"fmt"
	"time"
)

// TimeLayout is how times are written in the Markdown header.
const TimeLayout = "2006-01-02 15:04:05"

// Usage is the token usage of one message, as the provider reported it or,
// when Estimated is set, as parley estimated it.
type Usage struct {
	PromptTokens     int  `json:"prompt_tokens"`
	CompletionTokens int  `json:"completion_tokens"`
	TotalTokens      int  `json:"total_tokens"`
	Estimated        bool `json:"estimated,omitempty"` // the token counts were estimated
	// Cost is what the provider said the request cost, in US dollars,
	// when it said (OpenRouter does); nil when it did not. A replayed,
	// scripted or typed message, which asked no model, records 0.
	Cost *float64 `json:"cost,omitempty"`
}

// Origins of a message other than an agent's reply.
const (
	OriginAgent     = ""          // an agent's own reply
	OriginInjected  = "injected"  // typed by the operator in a speaker's seat
	OriginModerator = "moderator" // a note from the operator that both agents see
	OriginOpening   = "opening"   // message 1: what the first speaker was shown first, under the other seat's name
)

// ModeratorSpeaker is the speaker name under which moderator notes are recorded.
const ModeratorSpeaker = "Moderator"

// Message is one message of a conversation.
type Message struct {
	Speaker string
	Content string

	// The fields below are known for messages parley recorded itself (they
	// live in the JSONL sidecar) and are zero for messages read from Markdown.
	Model        string
	Endpoint     string // the replica that answered, for an agent with several (base_urls)
	Started      time.Time
	Ended        time.Time
	Latency      time.Duration // from the request leaving parley to the last token
	TTFT         time.Duration // time to first token
	Usage        *Usage
	FinishReason string
	Origin       string // OriginAgent, OriginInjected or OriginModerator
	Partial      bool   // cut short by an interruption; never shown to agents

	// Inherited marks a message a fork kept from its parent: it was
	// spoken, and paid for, in the parent's run. The budgets that measure
	// what a run spends (max_tokens, max_cost, max_duration) leave it out.
	// Readers set it for the first Parent.At messages of a fork's JSONL.
	Inherited bool
	// Session is the session of its recording that wrote the message: 0
	// for the run that created it, 1 after the first resume, and so on.
	// Readers set it from the run lines of a JSONL; max_duration counts
	// each session's own span, not the time between sessions.
	Session int
}

// Stop kinds: why a conversation ended.
const (
	StopPolicy      = "policy"      // a termination policy fired
	StopExhausted   = "exhausted"   // a replay or scripted agent ran out of lines
	StopOperator    = "operator"    // the person at the keyboard ended it
	StopInterrupted = "interrupted" // a signal or quit cut it short
	StopError       = "error"       // an error the run could not recover from
)

// Stop records why and where a conversation ended.
type Stop struct {
	Kind   string `json:"kind"`
	Policy string `json:"policy,omitempty"` // the policy that fired, for StopPolicy
	Reason string `json:"reason"`           // a sentence for people
	At     int    `json:"at"`               // the 1-based index of the last message judged
}

// Transcript is a whole recorded conversation.
type Transcript struct {
	Title    string
	Started  time.Time
	Ended    time.Time
	Messages []Message

	// Run holds what only the JSONL sidecar records; read from Markdown,
	// only what its header or blocks say beyond the messages (a fork's
	// parent, a system prompt's block), else nil.
	Run *Run

	// Warnings are what a reader noticed but could read past, each a
	// sentence for people (the caller adds the file's name).
	Warnings []string

	// LocalTimes says some of its times were written with no time zone
	// (a Markdown header's, a chat log's "[2024-05-01 12:00]", a
	// runner's "2025-10-26T13:08:38"): they are read as this machine's
	// local time, as parley writes its Markdown's, and a JSONL made of
	// the transcript, which writes every time with its offset, gives
	// them this machine's.
	LocalTimes bool
}

// ReaderWarnings lists what the reader noticed and read past, whatever
// the layout: a header count that disagrees with the messages, a last
// message or line cut off mid-write.
func (t *Transcript) ReaderWarnings() []string {
	w := t.Warnings
	if t.Run != nil && len(t.Run.Warnings) > 0 {
		w = append(append([]string(nil), w...), t.Run.Warnings...)
	}
	return w
}

// Speakers returns the distinct speakers in order of first appearance,
// leaving out moderator notes.
func (t *Transcript) Speakers() []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range t.Messages {
		if m.Origin == OriginModerator || seen[m.Speaker] {
			continue
		}
		seen[m.Speaker] = true
		out = append(out, m.Speaker)
	}
	return out
}

// Judged returns the messages a live run's policy judged: msgs without
// the interrupted (partial) messages that end it, which no agent saw, and
// how many were left out. A resumed run replaces its partial message, so
// only the last can be one. check, show and report judge and count these.
func Judged(msgs []Message) ([]Message, int) {
	n := len(msgs)
	for n > 0 && msgs[n-1].Partial {
		n--
	}
	return msgs[:n], len(msgs) - n
}

// PartialLeftOut says that the interrupted message after the judged ones
// is left out, as check and show say it (the caller adds the file's name).
func PartialLeftOut(judged int) string {
	return fmt.Sprintf("message %d was interrupted mid-reply and is left out: no agent saw it and a live run's policy never judged it", judged+1)
}
