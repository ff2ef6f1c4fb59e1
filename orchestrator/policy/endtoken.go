package policy

import (
	"fmt"
	"strings"

	"github.com/parleyhq/parley/transcripts"
)

// Ways an end token can match a message.
const (
	MatchContains = "contains" // anywhere in the message
	MatchBare     = "bare"     // the message is only the token (and space)
	MatchLine     = "line"     // the token alone on a line of its own
)

// EndToken stops when both sides keep signing off with a token such as
// [END]. It counts the trailing run of messages that use the token: with
// Exchanges set it stops after that many consecutive exchanges (a message
// and the other side's reply, both using the token: two messages each);
// with Messages set, after that many consecutive messages.
//
// A lone token that the other side does not echo resets the count, so a
// conversation that says [END] once and then goes on is not cut.
type EndToken struct {
	Token     string
	Match     string // MatchContains (default), MatchBare or MatchLine
	Exchanges int    // consecutive exchanges; used when Messages is 0
	Messages  int    // consecutive messages

	m *endTokenMemo // nil judges from scratch
}

// endTokenMemo is what an end_token rule remembers: each spoken message's
// run of messages using the token, and the label of its progress, made
// once rather than at every check.
type endTokenMemo struct {
	memo[int]
	label                 string // token + " " + unit
	labelToken, labelUnit string
}

// labelFor is token + " " + unit, from the last check when it asked the same.
func (m *endTokenMemo) labelFor(token, unit string) string {
	if m.label == "" || m.labelToken != token || m.labelUnit != unit {
		m.label, m.labelToken, m.labelUnit = token+" "+unit, token, unit
	}
	return m.label
}

// Matches reports whether content uses the token.
func (p EndToken) Matches(content string) bool {
	switch p.Match {
	case MatchBare:
		return strings.TrimSpace(content) == p.Token
	case MatchLine:
		if !strings.Contains(content, p.Token) {
			return false // most messages: one fast scan, no line split
		}
		for line := range strings.Lines(content) {
			if strings.TrimSpace(line) == p.Token {
				return true
			}
		}
		return false
	default:
		return strings.Contains(content, p.Token)
	}
}

// Check implements Policy.
func (p EndToken) Check(msgs []transcripts.Message) Verdict {
	return p.check(msgs, nil)
}

func (p EndToken) check(msgs []transcripts.Message, ps []Progress) Verdict {
	limit, unit, per := p.Exchanges, "exchanges", 2
	if p.Messages > 0 {
		limit, unit, per = p.Messages, "messages", 1
	}
	if limit <= 0 {
		limit = 2
	}
	// The trailing run of messages using the token, read back no further
	// than it takes to reach the limit.
	m := p.m
	if m == nil {
		m = new(endTokenMemo)
	}
	// What a message said (said) is a part of it, with escaped line
	// breaks read as breaks: a token without a line break is in it only
	// where it is in the message, so a message without the token, as most
	// are, is ruled out without reading what it said.
	quick := p.Token != "" && !strings.Contains(p.Token, "\n")
	m.mu.Lock()
	runs, idx := m.values(msgs, func(msg *transcripts.Message, prev []int) int {
		if quick && !strings.Contains(msg.Content, p.Token) || !p.Matches(said(msg.Content)) {
			return 0
		}
		if k := len(prev); k > 0 {
			return prev[k-1] + 1
		}
		return 1
	}, nil)
	run, first, last := 0, 0, 0 // the run, and its first and last message's numbers
	who := ""                   // the last message's speaker
	if k := len(runs); k > 0 {
		run = min(runs[k-1], per*limit)
		if run > 0 {
			first, last = int(idx[k-run])+1, int(idx[k-1])+1
			who = msgs[idx[k-1]].Speaker
		}
	}
	label := m.labelFor(p.Token, unit)
	m.mu.Unlock()
	visit(2)
	count := run / per
	v := Verdict{Progress: append(ps, Progress{Policy: "end_token", Label: label, Count: min(count, limit), Limit: limit})}
	if count >= limit {
		v.Stop, v.Policy = true, "end_token"
		v.Reason = fmt.Sprintf("both sides used %s in %d consecutive %s (messages %d to %d)", p.Token, limit, unit, first, last)
		if limit == 1 {
			v.Reason = fmt.Sprintf("both sides signed off with %s, one right after the other (messages %d and %d)", p.Token, first, last)
		}
		if p.Messages > 0 {
			v.Reason = fmt.Sprintf("%d consecutive messages used %s (messages %d to %d)", limit, p.Token, first, last)
			if limit == 1 {
				v.Reason = fmt.Sprintf("%s hung up with %s at message %d", who, p.Token, last)
			}
		}
	}
	return v
}
