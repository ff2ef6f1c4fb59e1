package orchestrator

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/parleyhq/parley/agents"
	"github.com/parleyhq/parley/transcripts"
)

func msgs(pairs ...string) []transcripts.Message {
	var out []transcripts.Message
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, transcripts.Message{Speaker: pairs[i], Content: pairs[i+1]})
	}
	return out
}

func TestPerspective(t *testing.T) {
	u := func(c string) agents.Message { return agents.Message{Role: agents.RoleUser, Content: c} }
	a := func(c string) agents.Message { return agents.Message{Role: agents.RoleAssistant, Content: c} }
	moderator := transcripts.Message{Speaker: "Moderator", Content: "stay on topic", Origin: transcripts.OriginModerator}
	partial := transcripts.Message{Speaker: "B", Content: "cut", Partial: true}
	opening := func(c string) []transcripts.Message {
		return []transcripts.Message{{Speaker: "B", Content: c, Origin: transcripts.OriginOpening}}
	}
	cases := []struct {
		name   string
		msgs   []transcripts.Message
		self   string
		window int
		empty  string
		want   []agents.Message
	}{
		{name: "first turn with opening", msgs: opening("Hi"), self: "A", want: []agents.Message{u("Hi")}},
		{name: "nothing said yet: the cue", self: "A", want: []agents.Message{u(Cue)}},
		{name: "the opening's nominal speaker never saw it", msgs: append(opening("go"), msgs("A", "a1")...), self: "B",
			want: []agents.Message{u("a1")}},
		{name: "own messages are assistant", msgs: append(opening("go"), msgs("A", "a1", "B", "b1")...), self: "A",
			want: []agents.Message{u("go"), a("a1"), u("b1")}},
		{name: "other side's are user", msgs: msgs("A", "a1", "B", "b1", "A", "a2"), self: "B",
			want: []agents.Message{u("a1"), a("b1"), u("a2")}},
		{name: "empty reply shown as the placeholder", msgs: append(opening("go"), msgs("A", " ", "B", "b1", "A", "a2", "B", "")...), self: "A",
			want: []agents.Message{u("go"), a(DefaultEmptyReply), u("b1"), a("a2"), u(DefaultEmptyReply)}},
		{name: "placeholder is configurable", msgs: msgs("A", "a1", "B", "\n\t "), self: "A", empty: "[silence]",
			want: []agents.Message{u("[silence]")}},
		{name: "window keeps the most recent", msgs: msgs("A", "a1", "B", "b1", "A", "a2", "B", "b2"), self: "A", window: 2,
			want: []agents.Message{a("a2"), u("b2")}[1:]},
		{name: "window larger than history keeps opening", msgs: append(opening("go"), msgs("A", "a1", "B", "b1")...), self: "A", window: 5,
			want: []agents.Message{u("go"), a("a1"), u("b1")}},
		{name: "moderator note reaches both as user", msgs: append(msgs("B", "b1", "A", "a1"), moderator), self: "A",
			want: []agents.Message{u("b1"), a("a1"), u("[Moderator] stay on topic")}},
		{name: "moderator note merges with other side", msgs: append(msgs("A", "a1", "B", "b1"), moderator), self: "A",
			want: []agents.Message{u("b1\n\n[Moderator] stay on topic")}},
		{name: "interrupted message never shown", msgs: append(msgs("B", "b1", "A", "a1", "B", "b2"), partial), self: "A",
			want: []agents.Message{u("b1"), a("a1"), u("b2")}},
		{name: "own message last: the placeholder answers it", msgs: append(msgs("B", "b1", "A", "a1"), partial), self: "A",
			want: []agents.Message{u("b1"), a("a1"), u(DefaultEmptyReply)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Perspective(c.msgs, c.self, c.window, c.empty)
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got  %q\nwant %q", got, c.want)
			}
			if msg := wellFormed(got); msg != "" {
				t.Fatal(msg)
			}
		})
	}
}

// wellFormed names what a strict provider would reject in a history, or "".
func wellFormed(h []agents.Message) string {
	if len(h) == 0 {
		return "an empty history"
	}
	for i, m := range h {
		if strings.TrimSpace(m.Content) == "" {
			return fmt.Sprintf("message %d is blank", i+1)
		}
		if i > 0 && m.Role == h[i-1].Role {
			return fmt.Sprintf("two %s messages in a row at %d", m.Role, i+1)
		}
	}
	if h[0].Role != agents.RoleUser || h[len(h)-1].Role != agents.RoleUser {
		return fmt.Sprintf("starts with %s and ends with %s; want user both", h[0].Role, h[len(h)-1].Role)
	}
	return ""
}

// Whatever the messages, the perspective is well formed.
func FuzzPerspective(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5}, uint8(0))
	f.Fuzz(func(t *testing.T, kinds []byte, window uint8) {
		var ms []transcripts.Message
		for i, k := range kinds {
			m := transcripts.Message{Speaker: []string{"A", "B"}[k&1], Content: []string{"x", "", " \n"}[int(k>>1)%3]}
			switch k >> 3 & 3 {
			case 1:
				m.Partial = true
			case 2:
				m.Origin, m.Speaker = transcripts.OriginModerator, transcripts.ModeratorSpeaker
			case 3:
				if i == 0 {
					m.Origin = transcripts.OriginOpening
				}
			}
			ms = append(ms, m)
		}
		for _, self := range []string{"A", "B"} {
			if msg := wellFormed(Perspective(ms, self, int(window%8), "")); msg != "" {
				t.Fatalf("%s sees %s", self, msg)
			}
		}
	})
}
