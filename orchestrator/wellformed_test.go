package orchestrator

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/parleyhq/parley/agents"
	"github.com/parleyhq/parley/agents/openaitest"
	"github.com/parleyhq/parley/orchestrator/policy"
	"github.com/parleyhq/parley/transcripts"
)

// Two models behind a strict server, with an empty (or whitespace-only)
// reply at every position in turn: every request parley sends is
// accepted, the empty reply is recorded as it came with a warning, and
// the other side is shown the placeholder.
func TestEmptyRepliesAtEveryPositionKeepRequestsWellFormed(t *testing.T) {
	const messages = 7 // the opening and six replies
	for _, blank := range []string{"", " \n\t"} {
		for pos := 0; pos < messages-1; pos++ {
			t.Run(fmt.Sprintf("blank %q at reply %d", blank, pos+1), func(t *testing.T) {
				n := 0
				srv := openaitest.Start(t, openaitest.Strict(func(r openaitest.Request) openaitest.Reply {
					n++
					if n-1 == pos {
						if blank == "" {
							return openaitest.Reply{}
						}
						return openaitest.Text(blank)
					}
					return openaitest.Words(fmt.Sprintf("reply %d", n))
				}))
				y := fmt.Sprintf(`agents:
  - {name: A, base_url: %q, model: m, system: "You are A.", retries: 1}
  - {name: B, base_url: %q, model: m, retries: 1}
empty_reply: "(silence)"
termination:
  max_messages: %d
`, srv.URL, srv.URL, messages)
				cfg, err := FromScenario(scenario(t, "s.yaml", y), Options{})
				if err != nil {
					t.Fatal(err)
				}
				var sink collect
				stop, err := New(cfg).Run(context.Background(), &sink)
				if err != nil || stop.Kind != transcripts.StopPolicy || stop.At != messages {
					t.Fatalf("stop %+v, err %v", stop, err)
				}
				reqs := srv.Requests()
				if len(reqs) != messages-1 {
					t.Fatalf("%d requests, want %d", len(reqs), messages-1)
				}
				for i, r := range reqs {
					if msg := openaitest.Malformed(r.Body.Messages); msg != "" {
						t.Errorf("request %d: %s", i+1, msg)
					}
				}
				got := sink.finished()
				empty := got[pos+1]
				if empty.Content != blank || empty.FinishReason != "stop" {
					t.Errorf("message %d recorded as %q, finish %q; want it as it came", pos+2, empty.Content, empty.FinishReason)
				}
				if pos+1 < len(reqs) {
					next := reqs[pos+1].Body.Messages
					if last := next[len(next)-1]; last.Content != "(silence)" {
						t.Errorf("after the empty reply the other side was shown %q, want the placeholder", last.Content)
					}
				}
				warned := 0
				for _, e := range sink.events {
					if n, ok := e.(Notice); ok && n.Kind == "warning" && strings.Contains(n.Detail, fmt.Sprintf("message %d is an empty reply", pos+2)) {
						warned++
					}
				}
				if warned != 1 {
					t.Errorf("%d warnings for the empty reply, want 1", warned)
				}
			})
		}
	}
}

// spy records every sequence a policy is asked to judge.
type spy struct {
	inner  policy.Policy
	judged [][]transcripts.Message
}

func (s *spy) Check(msgs []transcripts.Message) policy.Verdict {
	s.judged = append(s.judged, append([]transcripts.Message(nil), msgs...))
	return s.inner.Check(msgs)
}

// The live policy judges exactly what check reads back from the
// recording, the opening as message 1 included, from either file.
func TestLivePolicyJudgesWhatTheRecordingHolds(t *testing.T) {
	for _, opening := range []string{"Tell me a story.", " "} {
		a := agents.NewScripted([]string{"a1", "", "a3"}, 0)
		b := agents.NewScripted([]string{"b1", "b2", "b3"}, 0)
		p := &spy{inner: policy.MaxMessages{N: 6}}
		rec := &Recorder{Dir: t.TempDir()}
		if _, err := New(Config{Seats: seats(a, b), Opening: opening, Policy: p}).Run(context.Background(), rec); err != nil {
			t.Fatal(err)
		}
		last := p.judged[len(p.judged)-1]
		md, jl := rec.Paths()
		for _, path := range []string{md, jl} {
			tr, err := transcripts.Read(path)
			if err != nil {
				t.Fatal(err)
			}
			if len(tr.Messages) != len(last) {
				t.Fatalf("%s holds %d messages; the policy last judged %d", path, len(tr.Messages), len(last))
			}
			for i, m := range tr.Messages {
				if m.Speaker != last[i].Speaker || m.Content != last[i].Content || m.Origin != last[i].Origin {
					t.Errorf("%s message %d = %s %q (%s); the policy judged %s %q (%s)", path, i+1,
						m.Speaker, m.Content, m.Origin, last[i].Speaker, last[i].Content, last[i].Origin)
				}
			}
		}
		if first := last[0]; first.Origin != transcripts.OriginOpening || first.Speaker != "B" || strings.TrimSpace(first.Content) == "" {
			t.Errorf("message 1 = %+v, want B's opening as A was shown it", first)
		}
	}
}
