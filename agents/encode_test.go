package agents

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"
)

// TestEncodeReusesTheHistory: each request's body is what encoding the
// whole request gives, and a request that repeats the last one's history
// plus one message encodes only that message.
func TestEncodeReusesTheHistory(t *testing.T) {
	temp := 0.0
	a := NewOpenAI(OpenAIConfig{BaseURL: "http://127.0.0.1:1/v1", Model: "m", System: "Be <brief> & \"kind\".", Temperature: &temp})
	rng := rand.New(rand.NewPCG(1, 2))
	var history []Message
	for turn := range 40 {
		words := make([]string, 1+rng.IntN(30))
		for i := range words {
			words[i] = []string{"héllo", "<b>", "a\"b", "\\n", "line\nbreak", "🚀", "\u2028", "x"}[rng.IntN(8)]
		}
		role := RoleUser
		if turn%2 == 1 {
			role = RoleAssistant
		}
		history = append(history, Message{Role: role, Content: strings.Join(words, " ")})
		req := a.Request(history)
		before := a.enc.misses
		got := a.encode(&req)
		want, err := json.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want[:len(want)-1], `,"temperature":0}`...)
		if string(got) != string(want) {
			t.Fatalf("turn %d: body\n%s\nwant\n%s", turn, got, want)
		}
		// The system prompt and the history were encoded last time.
		if n := a.enc.misses - before; turn > 0 && n != 1 {
			t.Fatalf("turn %d encoded %d messages; want only the new one", turn, n)
		}
	}
}

// BenchmarkEncode encodes the request of a 100-message conversation whose
// history grows by one message each time, as a run does.
func BenchmarkEncode(b *testing.B) {
	a := NewOpenAI(OpenAIConfig{BaseURL: "http://127.0.0.1:1/v1", Model: "m", System: "Be brief."})
	var history []Message
	for i := range 100 {
		history = append(history, Message{Role: []string{RoleUser, RoleAssistant}[i%2],
			Content: fmt.Sprintf("Message %d: %s", i, strings.Repeat("a few words of text, ", 40))})
	}
	for _, c := range []struct {
		name string
		enc  func(*openai.ChatCompletionRequest) []byte
	}{
		{"cached", a.encode},
		{"whole", func(r *openai.ChatCompletionRequest) []byte { b, _ := json.Marshal(r); return b }},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				// The last request, then the next, one message longer.
				c.enc(a.request(history[:99]))
				c.enc(a.request(history))
			}
		})
	}
}

// A history cut at its start, by a window that moves on a message or two
// or by one halved at once, encodes only its new messages; one whose
// messages are all new encodes them all, as it must.
func TestEncodeReusesAWindowedHistory(t *testing.T) {
	a := NewOpenAI(OpenAIConfig{BaseURL: "http://127.0.0.1:1/v1", Model: "m", System: "Be brief."})
	var all []Message
	for i := range 60 {
		all = append(all, Message{Role: []string{RoleUser, RoleAssistant}[i%2], Content: fmt.Sprintf("message %d", i)})
	}
	for _, c := range []struct {
		history []Message
		encoded int
	}{
		{all[:30], 31}, // the system prompt and every message
		{all[1:31], 1},
		{all[3:32], 1},
		{all[20:33], 1}, // cut by more than lookAhead
		{all[21:34], 1},
		{all[21:34], 0},
		{all[30:36], 2},
		{all[36:40], 4}, // nothing in common but the system prompt
	} {
		req := a.Request(c.history)
		before := a.enc.misses
		got := a.encode(&req)
		want, err := json.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Fatalf("messages %q to %q: body\n%s\nwant\n%s", c.history[0].Content, c.history[len(c.history)-1].Content, got, want)
		}
		if n := a.enc.misses - before; n != c.encoded {
			t.Errorf("messages %q to %q: encoded %d messages; want %d", c.history[0].Content, c.history[len(c.history)-1].Content, n, c.encoded)
		}
	}
}
