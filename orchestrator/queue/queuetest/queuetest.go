// Package queuetest holds what the tests of parley's work queue share: a
// model server whose replies name their turn, a scenario that talks to it
// under a rate limit, and a check that a recorded conversation lost and
// repeated no turn.
package queuetest

import (
	"fmt"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/parleyhq/parley/agents/openaitest"
	"github.com/parleyhq/parley/transcripts"
)

// Opening is the scenario's opening message.
const Opening = "Count with me."

var turn = regexp.MustCompile(`turn (\d+)\b`)

// TurnServer answers each request with a reply naming its place in the
// conversation ("model-a says turn 3: …"), after delay, so a transcript
// shows any message lost or repeated. Its words vary with the turn, so no
// termination rule takes the replies for a loop.
func TurnServer(t testing.TB, delay time.Duration) *openaitest.Server {
	return openaitest.Start(t, func(r openaitest.Request) openaitest.Reply { return Turn(r, delay) })
}

// Turn is TurnServer's reply to r, for a server that answers some
// requests otherwise (an outage, say) and the rest as TurnServer does.
func Turn(r openaitest.Request, delay time.Duration) openaitest.Reply {
	vocab := []string{"harbour", "lantern", "meadow", "quartz", "saffron", "thimble", "vapour", "willow", "ember", "fjord"}
	// A sees the opening and B does not, so B's requests carry one
	// message fewer for the same place in the conversation.
	n := len(r.Body.Messages)
	if r.Body.Model == "model-b" {
		n++
	}
	text := fmt.Sprintf("%s says turn %d: %s %s %s %s.", r.Body.Model, n,
		vocab[n%len(vocab)], vocab[(n*3+1)%len(vocab)], vocab[(n*7+2)%len(vocab)], vocab[(n*9+5)%len(vocab)])
	rep := openaitest.Words(text)
	rep.Delay = delay
	return rep
}

// Scenario is the YAML of a conversation between model-a and model-b at
// url, reading their key from keyEnv, that stops after messages messages
// and may send at most perMinute requests a minute to url.
func Scenario(url, keyEnv string, messages, perMinute int) string {
	return fmt.Sprintf(`title: Turns
agents:
  - name: A
    base_url: %[1]s
    model: model-a
    api_key_env: %[2]s
  - name: B
    base_url: %[1]s
    model: model-b
    api_key_env: %[2]s
opening: %[3]s
termination:
  max_messages: %[4]d
limits:
  %[1]s: {per_minute: %[5]d}
`, url, keyEnv, Opening, messages, perMinute)
}

// CheckTurns fails t unless tr opens with the scenario's opening and then
// holds want-1 complete messages whose turns run 1, 2, 3…: nothing lost,
// nothing repeated. id names the conversation in failures.
func CheckTurns(t testing.TB, id string, tr *transcripts.Transcript, want int) {
	t.Helper()
	if len(tr.Messages) == 0 || tr.Messages[0].Origin != transcripts.OriginOpening || tr.Messages[0].Content != Opening {
		t.Errorf("%s: message 1 is not the opening: %+v", id, tr.Messages[:min(1, len(tr.Messages))])
		return
	}
	var msgs []transcripts.Message
	for _, m := range tr.Messages[1:] {
		if !m.Partial {
			msgs = append(msgs, m)
		}
	}
	if len(msgs) != want-1 {
		t.Errorf("%s: %d messages after the opening, want %d", id, len(msgs), want-1)
		return
	}
	for i, m := range msgs {
		sm := turn.FindStringSubmatch(m.Content)
		if sm == nil {
			t.Errorf("%s: message %d %q names no turn", id, i+2, m.Content)
			return
		}
		if n, _ := strconv.Atoi(sm[1]); n != i+1 {
			t.Errorf("%s: message %d is turn %d, want turn %d", id, i+2, n, i+1)
		}
	}
}
