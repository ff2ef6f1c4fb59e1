package batch

import (
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/orchestrator"
	"github.com/parleyhq/parley/transcripts"
)

// A result counts its agents' replies of white space alone, as the
// conversation warns of each, and says when no message beyond the
// opening holds text, as parley report leaves such a conversation out.
func TestAResultCountsItsEmptyReplies(t *testing.T) {
	msg := func(origin, content string) transcripts.Message {
		return transcripts.Message{Speaker: "A", Origin: origin, Content: content}
	}
	opening := msg(transcripts.OriginOpening, "Hello.")
	for _, c := range []struct {
		name      string
		messages  []transcripts.Message
		empty     int
		onlyEmpty bool
	}{
		{"replies with text", []transcripts.Message{opening, msg(transcripts.OriginAgent, "hi"), msg(transcripts.OriginAgent, "ho")}, 0, false},
		{"white space alone", []transcripts.Message{opening, msg(transcripts.OriginAgent, "  \n\t "), msg(transcripts.OriginAgent, "")}, 2, true},
		{"one among replies with text", []transcripts.Message{opening, msg(transcripts.OriginAgent, "hi"), msg(transcripts.OriginAgent, " ")}, 1, false},
		{"a blank opening is no reply", []transcripts.Message{msg(transcripts.OriginOpening, " "), msg(transcripts.OriginAgent, "hi")}, 0, false},
		{"a note is no reply", []transcripts.Message{opening, msg(transcripts.OriginModerator, "a note"), msg(transcripts.OriginAgent, "")}, 1, true},
		{"a reply cut off is not counted", []transcripts.Message{opening, msg(transcripts.OriginAgent, "hi"), {Speaker: "B", Origin: transcripts.OriginAgent, Partial: true}}, 0, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := ResultFromTranscript(&transcripts.Transcript{Messages: c.messages}, nil)
			if r.EmptyReplies != c.empty || r.OnlyEmpty != c.onlyEmpty {
				t.Errorf("%d empty replies, only empty %v; want %d and %v", r.EmptyReplies, r.OnlyEmpty, c.empty, c.onlyEmpty)
			}
		})
	}
}

// The summary counts the empty replies of every conversation, those that
// hold one and those whose every reply is empty, and says so above its
// tables; a batch without one says nothing of them.
func TestSummaryCountsEmptyReplies(t *testing.T) {
	for _, c := range []struct {
		name    string
		results []Result
		want    string // "" for nothing said
	}{
		{"none", []Result{{State: StateDone, Messages: 3}}, ""},
		{"every reply of one", []Result{{State: StateDone, Messages: 3, EmptyReplies: 2, OnlyEmpty: true}},
			"2 empty replies in 1 conversation, which holds no other reply (parley report leaves it out). An empty reply"},
		{"some of some", []Result{{State: StateDone, Messages: 5, EmptyReplies: 4, OnlyEmpty: true}, {State: StateFailed, Messages: 3, EmptyReplies: 1},
			{State: StateInterrupted, Messages: 4, EmptyReplies: 1}, {State: StateDone, Messages: 5}},
			"6 empty replies in 3 conversations, 1 of which holds no other reply (parley report leaves it out). An empty reply"},
		{"none of them only empty", []Result{{State: StateDone, Messages: 3, EmptyReplies: 1}},
			"1 empty reply in 1 conversation. An empty reply"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := Summarize(&Manifest{ID: "b", Jobs: make([]PlannedJob, len(c.results))}, c.results, time.Second)
			var b strings.Builder
			s.Markdown(&b)
			if c.want == "" {
				if strings.Contains(b.String(), "empty repl") || s.EmptyReplies != 0 {
					t.Errorf("a batch without an empty reply speaks of them:\n%s", b.String())
				}
				return
			}
			if !strings.Contains(b.String(), c.want) {
				t.Errorf("summary lacks %q:\n%s", c.want, b.String())
			}
		})
	}
}

// The progress line counts the empty replies agents said, those recorded
// before this session included.
func TestProgressCountsEmptyReplies(t *testing.T) {
	p := &Progress{}
	p.begin(2, 0, Snapshot{Messages: 3, EmptyReplies: 1})
	if line := p.Snapshot().Line(); !strings.Contains(line, " · 1 empty reply · ") {
		t.Errorf("progress says %q; want the empty reply recorded before", line)
	}
	sink := p.sink()
	for i, m := range []transcripts.Message{
		{Speaker: "A", Origin: transcripts.OriginAgent, Content: "\n"},
		{Speaker: "B", Origin: transcripts.OriginAgent, Content: "hi"},
		{Speaker: "B", Origin: transcripts.OriginInjected, Content: " "},
	} {
		sink.Handle(orchestrator.MessageFinished{Index: i + 4, Message: m})
	}
	if s := p.Snapshot(); s.EmptyReplies != 2 || !strings.Contains(s.Line(), " · 2 empty replies · ") {
		t.Errorf("progress counts %d empty replies, saying %q; want 2", s.EmptyReplies, s.Line())
	}
	if line := (&Progress{}).Snapshot().Line(); strings.Contains(line, "empty") {
		t.Errorf("progress without an empty reply says %q", line)
	}
}
