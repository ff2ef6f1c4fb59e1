package orchestrator

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleyhq/parley/agents"
	"github.com/parleyhq/parley/orchestrator/policy"
)

// A reply asked for again after a failed attempt records what the attempt
// that answered said of it: the usage and finish reason the failed one
// sent are discarded with its text, as the agents' contract says.
func TestARetriedReplyKeepsNoFieldOfTheFailedAttempt(t *testing.T) {
	const (
		chunk = `data: {"id":"c","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{"content":%q},"finish_reason":%s}]%s}` + "\n\n"
		usage = `,"usage":{"prompt_tokens":900,"completion_tokens":700,"total_tokens":1600}`
	)
	tests := []struct {
		name  string
		first string // what the failed attempt sends before it ends
	}{
		{"usage, then the connection drops",
			fmt.Sprintf(chunk, "Hel", "null", "") + fmt.Sprintf(chunk, "lo", "null", usage)},
		{"a finish reason and usage, then an error in the stream",
			fmt.Sprintf(chunk, "Hel", `"length"`, usage) + `data: {"error":{"message":"upstream overloaded","type":"server_error"}}` + "\n\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var n atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				w.Header().Set("Content-Type", "text/event-stream")
				if n.Add(1) == 1 {
					io.WriteString(w, tt.first)
					return // the body ends without [DONE]: the stream is cut off
				}
				// The second attempt sends neither usage nor a finish reason.
				io.WriteString(w, fmt.Sprintf(chunk, "Hello.", "null", "")+"data: [DONE]\n\n")
			}))
			t.Cleanup(srv.Close)
			b := agents.NewOpenAI(agents.OpenAIConfig{Name: "B", Model: "m", BaseURL: srv.URL + "/v1", Backoff: time.Millisecond})
			a := agents.NewScripted([]string{"Hi."}, 0)
			var sink collect
			if _, err := New(Config{Seats: seats(a, b), Policy: policy.MaxMessages{N: 3}}).Run(context.Background(), &sink); err != nil {
				t.Fatal(err)
			}
			if got := n.Load(); got != 2 {
				t.Fatalf("%d requests; want the failed attempt and the one that answered", got)
			}
			msgs := sink.finished()
			if len(msgs) != 3 || msgs[2].Speaker != "B" {
				t.Fatalf("recorded %+v; want the opening, A's line and B's reply", msgs)
			}
			m := msgs[2]
			if m.Content != "Hello." {
				t.Errorf("reply recorded as %q; want the second attempt's", m.Content)
			}
			if m.FinishReason != "" {
				t.Errorf("finish reason recorded as %q, which only the failed attempt sent", m.FinishReason)
			}
			if m.Usage == nil || !m.Usage.Estimated || m.Usage.TotalTokens == 1600 {
				t.Errorf("usage recorded as %+v; want an estimate, since the attempt that answered sent none", m.Usage)
			}
		})
	}
}
