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
}

// Matches reports whether content uses the token.
func (p EndToken) Matches(content string) bool {
	switch p.Match {
	case MatchBare:
		return strings.TrimSpace(content) == p.Token
	case MatchLine:
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
	msgs = spoken(msgs)
	run := 0
	for i := len(msgs) - 1; i >= 0 && p.Matches(msgs[i].Content); i-- {
		run++
	}
	count, limit, unit := run/2, p.Exchanges, "exchanges"
	if p.Messages > 0 {
		count, limit, unit = run, p.Messages, "messages"
	}
	if limit <= 0 {
		limit = 2
	}
	label := p.Token + " " + unit
	v := Verdict{Progress: []Progress{{Policy: "end_token", Label: label, Count: min(count, limit), Limit: limit}}}
	if count >= limit {
		v.Stop, v.Policy = true, "end_token"
		v.Reason = fmt.Sprintf("both sides used %s in %d consecutive %s", p.Token, limit, unit)
		if limit == 1 {
			v.Reason = fmt.Sprintf("both sides signed off with %s, one right after the other", p.Token)
		}
		if p.Messages > 0 {
			v.Reason = fmt.Sprintf("%d consecutive messages used %s", limit, p.Token)
		}
	}
	return v
}
