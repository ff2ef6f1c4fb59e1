package orchestrator

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/parleyhq/parley/analysis"
	"github.com/parleyhq/parley/orchestrator/policy"
	"github.com/parleyhq/parley/transcripts"
)

// corpusDir is the labelled corpus of real conversations, beside the
// repository.
const corpusDir = "../../shared/corpus"

// A live run and check judge alike, on real conversations: each recording
// of the labelled corpus is staged again, live, with each seat replaying
// its side, under the default set. The run must stop after the message
// check stops it at, with the same rule and reason, having said the
// recording's messages up to there; where check lets it run to its end,
// so does the live run.
func TestALiveReplayOfEachCorpusConversationStopsWhereCheckDoes(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*", "*.md"))
	if len(files) == 0 {
		t.Skipf("the labelled corpus is not at %s (it sits beside the repository as ../shared/corpus); no real conversation to stage", corpusDir)
	}
	staged := 0
	for _, path := range files {
		tr, err := transcripts.ReadOne(path)
		if err != nil {
			continue // notes beside the conversations
		}
		msgs := tr.Messages
		if why := stageable(msgs); why != "" {
			t.Logf("%s: not staged: %s", filepath.Base(path), why)
			continue
		}
		staged++
		t.Run(filepath.Base(path), func(t *testing.T) {
			// A blank opening is shown to the first speaker, and recorded,
			// as the cue: check of the live run's recording judges that.
			live := msgs
			if strings.TrimSpace(msgs[0].Content) == "" {
				live = append([]transcripts.Message(nil), msgs...)
				live[0].Content = Cue
			}
			want := analysis.Judge(policy.Default(), live)
			if orig := analysis.Judge(policy.Default(), msgs); orig.At != want.At {
				t.Errorf("check stops the recording after message %d, and after %d with its blank opening shown as the cue", orig.At, want.At)
			}
			abs, _ := filepath.Abs(path)
			opener, replier := msgs[0].Speaker, msgs[1].Speaker
			y := fmt.Sprintf("agents:\n  - {name: %s, type: replay, transcript: %s, speaker: %s}\n  - {name: %s, type: replay, transcript: %s, speaker: %s}\n",
				strconv.Quote(replier), strconv.Quote(abs), strconv.Quote(replier),
				strconv.Quote(opener), strconv.Quote(abs), strconv.Quote(opener))
			stop, said := stage(t, filepath.Join(t.TempDir(), "s.yaml"), y)
			for i, m := range said {
				if i >= len(live) {
					t.Fatalf("the live run said %d messages; the recording has %d", len(said), len(live))
				}
				if m.Speaker != live[i].Speaker || m.Content != live[i].Content {
					t.Fatalf("message %d of the live run is %s %q; the recording has %s %q", i+1, m.Speaker, clip(m.Content), live[i].Speaker, clip(live[i].Content))
				}
			}
			if want.At == 0 {
				if stop.Kind != transcripts.StopExhausted || len(said) != len(msgs) {
					t.Fatalf("check lets it run to its end (%d messages); the live run stopped after %d: %s (%s)", len(msgs), len(said), stop.Kind, stop.Reason)
				}
				return
			}
			if stop.Kind != transcripts.StopPolicy || len(said) != want.At || stop.Policy != want.Policy || stop.Reason != want.Reason {
				t.Fatalf("check stops it after message %d (%s: %s); the live run stopped after %d (%s %s: %s)",
					want.At, want.Policy, want.Reason, len(said), stop.Kind, stop.Policy, stop.Reason)
			}
		})
		if t.Failed() {
			return
		}
	}
	if staged < len(files)/2 {
		t.Fatalf("only %d of %d corpus files could be staged: the comparison covers too little", staged, len(files))
	}
}

// stageable says why msgs cannot be staged again by two replays taking
// turns, or "" when they can: two speakers, strictly alternating, with
// nothing from a moderator and nothing empty (a live run shows an empty
// message to the agents as a stand-in, which check does not read).
func stageable(msgs []transcripts.Message) string {
	if len(msgs) < 2 {
		return "fewer than two messages"
	}
	for i, m := range msgs {
		switch {
		case m.Origin == transcripts.OriginModerator:
			return fmt.Sprintf("message %d is a moderator's", i+1)
		case m.Partial:
			return fmt.Sprintf("message %d was cut off", i+1)
		case m.Speaker != msgs[i%2].Speaker || msgs[0].Speaker == msgs[1].Speaker:
			return fmt.Sprintf("message %d breaks the two speakers' turns", i+1)
		}
	}
	return ""
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
