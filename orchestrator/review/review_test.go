package review

import (
	"fmt"
	"strings"
	"testing"

	"github.com/parleyhq/parley/orchestrator/policy"
	"github.com/parleyhq/parley/transcripts"
)

func msgs(texts ...string) []transcripts.Message {
	out := make([]transcripts.Message, len(texts))
	for i, t := range texts {
		out[i] = transcripts.Message{Speaker: []string{"A", "B"}[i%2], Content: t}
	}
	return out
}

func TestEachRuleIsMarkedWhereItFirstFires(t *testing.T) {
	const src = `termination:
  any:
    - min_messages: 3
    - max_messages: 6
    - end_token: {token: "[END]", exchanges: 1}
    - stop_pattern: 'banana'
`
	newPolicy := func() policy.Policy {
		p, err := policy.ParseYAML([]byte(src))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	m := msgs("hello there", "banana split", "[END]", "[END]", "banana again", "more", "and more")
	r := Judge(newPolicy, m)
	if len(r.Marks) != 3 {
		t.Fatalf("marks %+v", r.Marks)
	}
	got := fmt.Sprint(r.Marks)
	// banana is said at message 2, while the guard holds every rule back;
	// the rule fires when it is said again.
	want := "[{4 end_token " + r.Marks[0].Reason + "} {5 stop_pattern " + r.Marks[1].Reason + "} {6 max_messages " + r.Marks[2].Reason + "}]"
	if got != want || len(r.Marks) != 3 {
		t.Fatalf("marks %s\nwant %s", got, want)
	}
	if r.StopAt != 4 || r.Stop.Policy != "end_token" {
		t.Errorf("the whole policy stops at %d by %s", r.StopAt, r.Stop.Policy)
	}
}

func TestTheDefaultSetOnTheSeed(t *testing.T) {
	tr, err := transcripts.Read("../../transcripts/seed/kimi-k2-vs-grok-4.md")
	if err != nil {
		t.Fatal(err)
	}
	r := Judge(policy.Default, tr.Messages)
	at, v := policy.FirstStop(policy.Default(), tr.Messages)
	if r.StopAt != at || r.Stop.Reason != v.Reason || len(r.Marks) == 0 || r.Marks[0].At != at {
		t.Fatalf("stop %d (%s), marks %+v; check says %d", r.StopAt, r.Stop.Reason, r.Marks, at)
	}
	// The loop rule reads every message, the whole recording through; the
	// last message of the stop counts towards it, with the chance its
	// reason gives.
	if len(r.Loop) != len(tr.Messages) {
		t.Fatalf("%d loop readings for %d messages", len(r.Loop), len(tr.Messages))
	}
	last := r.Loop[at-1]
	if named := fmt.Sprintf("%d (%s, %d%%): %s", at, tr.Messages[at-1].Speaker, policy.Percent(last.Chance), last.For); !last.Counts || !strings.Contains(v.Reason, named) {
		t.Errorf("message %d reads %+v; the stop says %s", at, last, v.Reason)
	}
}

func TestNoLoopRuleNoReadings(t *testing.T) {
	p := func() policy.Policy { return policy.Any{policy.MaxMessages{N: 3}} }
	if r := Judge(p, msgs("a", "b", "c", "d")); r.Loop != nil {
		t.Errorf("readings %+v without a loop rule", r.Loop)
	}
}

// An interrupted (partial) last message is not judged: no agent saw it,
// and the live run's policy never judged it. The loop rule gives it no
// reading, where a zero one would be said as a chance of 0%.
func TestJudgeLeavesOutAnInterruptedMessage(t *testing.T) {
	msgs := []transcripts.Message{
		{Speaker: "a", Content: "Tell me about tides."},
		{Speaker: "b", Content: "They follow the moon."},
		{Speaker: "a", Content: "[END]", Partial: true},
	}
	p := func() policy.Policy {
		q, err := policy.ParseYAML([]byte("any: {stop_pattern: '\\[END\\]', loop: {}}"))
		if err != nil {
			t.Fatal(err)
		}
		return q
	}
	r := Judge(p, msgs)
	if r.StopAt != 0 || len(r.Marks) != 0 {
		t.Errorf("stop at %d, marks %+v; the partial message was judged", r.StopAt, r.Marks)
	}
	if len(r.Loop) != 2 {
		t.Errorf("%d loop readings for 2 messages judged and an interrupted one", len(r.Loop))
	}
}
