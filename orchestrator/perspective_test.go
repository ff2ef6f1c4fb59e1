package orchestrator

import (
	"reflect"
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
	cases := []struct {
		name    string
		msgs    []transcripts.Message
		self    string
		opening string
		window  int
		want    []agents.Message
	}{
		{name: "first turn with opening", self: "A", opening: "Hi", want: []agents.Message{u("Hi")}},
		{name: "first turn blank opening sends nothing", self: "A", opening: " ", want: []agents.Message{}},
		{name: "own messages are assistant", msgs: msgs("A", "a1", "B", "b1"), self: "A", opening: "go",
			want: []agents.Message{u("go"), a("a1"), u("b1")}},
		{name: "other side's are user", msgs: msgs("A", "a1", "B", "b1", "A", "a2"), self: "B",
			want: []agents.Message{u("a1"), a("b1"), u("a2")}},
		{name: "blank message dropped and neighbours merged", msgs: msgs("A", " ", "B", "b1", "A", "a2"), self: "A", opening: "go",
			want: []agents.Message{u("go\n\nb1"), a("a2")}},
		{name: "window keeps the most recent", msgs: msgs("A", "a1", "B", "b1", "A", "a2", "B", "b2"), self: "A", opening: "go", window: 2,
			want: []agents.Message{a("a2"), u("b2")}},
		{name: "window larger than history keeps opening", msgs: msgs("A", "a1"), self: "A", opening: "go", window: 5,
			want: []agents.Message{u("go"), a("a1")}},
		{name: "moderator note reaches both as user", msgs: append(msgs("A", "a1"), moderator), self: "A",
			want: []agents.Message{a("a1"), u("[Moderator] stay on topic")}},
		{name: "moderator note merges with other side", msgs: append(msgs("A", "a1", "B", "b1"), moderator), self: "A",
			want: []agents.Message{a("a1"), u("b1\n\n[Moderator] stay on topic")}},
		{name: "interrupted message never shown", msgs: append(msgs("A", "a1"), partial), self: "A",
			want: []agents.Message{a("a1")}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Perspective(c.msgs, c.self, c.opening, c.window)
			if len(got) == 0 && len(c.want) == 0 {
				return
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got  %q\nwant %q", got, c.want)
			}
			for i := 1; i < len(got); i++ {
				if got[i].Role == got[i-1].Role {
					t.Fatalf("two %s messages in a row at %d", got[i].Role, i)
				}
			}
		})
	}
}
