package policy

import (
	"fmt"
	"time"

	"github.com/parleyhq/parley/internal/phrase"
	"github.com/parleyhq/parley/transcripts"
)

// MaxMessages stops once the conversation holds N messages.
type MaxMessages struct {
	N int

	m *memo[struct{}] // counts spoken messages; nil counts from scratch
}

// Check implements Policy.
func (p MaxMessages) Check(msgs []transcripts.Message) Verdict {
	return p.check(msgs, nil)
}

func (p MaxMessages) check(msgs []transcripts.Message, ps []Progress) Verdict {
	n := p.m.spokenCount(msgs)
	v := Verdict{Progress: append(ps, Progress{Policy: "max_messages", Label: "messages", Count: n, Limit: p.N})}
	if n >= p.N {
		v.Stop, v.Policy = true, "max_messages"
		v.Reason = "the conversation reached its limit of " + phrase.Count(p.N, "message", "messages")
	}
	return v
}

// MaxDuration stops once the conversation has run for D of wall-clock time:
// the time its sessions ran, each from the start of its first timed
// message to the end of its last. A resumed conversation counts each
// session's span, not the time between them, when parley was not running
// it; a fork counts its own messages, not those it kept from its parent.
// Only messages parley recorded (the JSONL sidecar) carry times; a
// conversation without them never reaches the limit, so the policy stays
// a pure function of the messages.
type MaxDuration struct {
	D time.Duration

	m *memo[timeSpan] // nil measures from scratch
}

// timeSpan is the span of the session of a message and those before it
// (the earliest start among its timed messages and the end of the latest),
// that session's number, and the spans of the sessions before it, added up.
type timeSpan struct {
	first, last time.Time
	session     int
	before      time.Duration
}

// elapsed is the time the conversation ran up to the message.
func (s timeSpan) elapsed() time.Duration {
	d := s.before
	if !s.first.IsZero() && s.last.After(s.first) {
		d += s.last.Sub(s.first)
	}
	return d
}

func spanOf(msg *transcripts.Message, prev []timeSpan) timeSpan {
	var s timeSpan
	if n := len(prev); n > 0 {
		s = prev[n-1]
	}
	start := msg.Started
	if start.IsZero() {
		start = msg.Ended
	}
	if msg.Inherited || start.IsZero() {
		return s
	}
	if msg.Session != s.session && !s.first.IsZero() {
		// A new session: the one before it ends here.
		s = timeSpan{session: msg.Session, before: s.elapsed()}
	}
	s.session = msg.Session
	if s.first.IsZero() || start.Before(s.first) {
		s.first = start
	}
	end := msg.Ended
	if end.IsZero() {
		end = msg.Started
	}
	s.last = end
	return s
}

// Check implements Policy.
func (p MaxDuration) Check(msgs []transcripts.Message) Verdict {
	m := p.m.orFresh()
	m.mu.Lock()
	var elapsed time.Duration
	if spans, _ := m.values(msgs, spanOf, nil); len(spans) > 0 {
		elapsed = spans[len(spans)-1].elapsed()
	}
	m.mu.Unlock()
	v := Verdict{Progress: []Progress{{Policy: "max_duration", Label: "seconds",
		Count: int(elapsed / time.Second), Limit: int(p.D / time.Second)}}}
	if p.D > 0 && elapsed >= p.D {
		v.Stop, v.Policy = true, "max_duration"
		v.Reason = fmt.Sprintf("the conversation ran for %s, past its limit of %s",
			phrase.Duration(elapsed), phrase.Duration(p.D))
	}
	return v
}

// Token counts for MaxTokens.
const (
	CountCompletion = "completion" // what the agents wrote
	CountTotal      = "total"      // prompt and completion, as billed
)

// MaxTokens stops once the conversation has used N tokens. With Count
// "completion" (the default) it adds up what the agents wrote; with
// "total" it adds prompt and completion tokens, which is what providers
// bill. It uses the usage providers reported; for a message with none (a
// Markdown transcript, a server that reports nothing, a scripted line) it
// estimates: about one token per four bytes of text, and for "total", a
// prompt of every earlier message.
type MaxTokens struct {
	N     int
	Count string // CountCompletion (default) or CountTotal

	m memo[tokenCount]
}

type tokenCount struct {
	own      int  // this message's count
	est      bool // estimated, not reported
	spoken   int  // estimated completion tokens of this message and all before it
	sumSoFar int  // running total including this message
	nEst     int  // how many counts up to this message were estimated
}

// EstimateTokens guesses how many tokens text holds when no provider said:
// one per four bytes, at least one for any non-empty text. It costs
// nothing, so budgets stay cheap on long transcripts.
func EstimateTokens(text string) int {
	if text == "" {
		return 0
	}
	return (len(text) + 3) / 4
}

// Check implements Policy.
func (p *MaxTokens) Check(msgs []transcripts.Message) Verdict {
	p.m.mu.Lock()
	vals, _ := p.m.values(msgs, p.count, nil)
	total, estimated := 0, 0
	if n := len(vals); n > 0 {
		total, estimated = vals[n-1].sumSoFar, vals[n-1].nEst
	}
	p.m.mu.Unlock()
	label := "tokens"
	if estimated > 0 {
		label = "tokens (some estimated)"
	}
	v := Verdict{Progress: []Progress{{Policy: "max_tokens", Label: label, Count: total, Limit: p.N}}}
	if total >= p.N {
		v.Stop, v.Policy = true, "max_tokens"
		what := "tokens"
		if p.Count == CountTotal {
			what = "tokens, prompts included"
		}
		v.Reason = fmt.Sprintf("the conversation used %d %s, past its limit of %d", total, what, p.N)
		if estimated > 0 {
			// Which counts are estimates: an opening, scripted or replayed
			// lines, or a provider that reported nothing.
			v.Reason += fmt.Sprintf(" (%s with no reported usage estimated at four bytes a token)", phrase.Count(estimated, "message", "messages"))
		}
	}
	return v
}

func (p *MaxTokens) count(m *transcripts.Message, vals []tokenCount) tokenCount {
	own := EstimateTokens(m.Content)
	var prev tokenCount
	if i := len(vals); i > 0 {
		prev = vals[i-1]
	}
	c := tokenCount{spoken: prev.spoken + own}
	switch {
	case m.Inherited:
		// The parent's run paid for it; it counts only in the prompts of
		// the messages after it.
		c.sumSoFar, c.nEst = prev.sumSoFar, prev.nEst
		return c
	// Only usage a provider reported counts as such. Usage parley
	// estimated when recording (a scripted or replayed line, a server
	// that reported none) is estimated again here, from the text, as it
	// is for a transcript that records no usage: so a live run, its JSONL
	// and its Markdown count alike.
	case reported(m.Usage) && p.Count == CountTotal && m.Usage.TotalTokens > 0:
		c.own = m.Usage.TotalTokens
	case reported(m.Usage) && p.Count != CountTotal && m.Usage.CompletionTokens > 0:
		c.own = m.Usage.CompletionTokens
	case p.Count == CountTotal:
		// The prompt held every earlier message.
		c.own, c.est = prev.spoken+own, true
	default:
		c.own, c.est = own, true
	}
	c.sumSoFar = prev.sumSoFar + c.own
	c.nEst = prev.nEst + b2i(c.est)
	return c
}

// reported reports whether u is usage a provider reported, not one parley
// estimated when it recorded the message.
func reported(u *transcripts.Usage) bool { return u != nil && !u.Estimated }
