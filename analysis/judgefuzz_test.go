package analysis

import (
	"testing"

	"github.com/parleyhq/parley/orchestrator/policy"
	"github.com/parleyhq/parley/transcripts"
)

// FuzzJudgeWhatIsRead: whatever bytes a reader takes for a transcript,
// check's judging of it under the default set neither fails nor gives a
// stop it cannot explain: a stop lies within the messages, and names its
// rule and a reason.
func FuzzJudgeWhatIsRead(f *testing.F) {
	f.Add([]byte("### A ###\nhi [END]\n\n### B ###\nbye [END]\n\n### A ###\nhi [END]\n\n### B ###\nbye [END]\n"))
	f.Add([]byte("A: hello\n\nB: hello\n\nA: hello\n\nB: hello\n\nA: hello\n\nB: hello\n\nA: hello\n\nB: hello\n"))
	f.Add([]byte(`{"messages":[{"role":"user","content":"Thank you, goodbye!"},{"role":"assistant","content":"Goodbye, thank you!"}]}`))
	f.Add([]byte("# A ↔ B\n\n---\n\n### A\n\n∞\n\n---\n\n### B\n\n∞\n\n---\n\n### A\n\n∞\n\n---\n\n### B\n\n∞\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ts, _, err := transcripts.Import(data)
		if err != nil {
			return
		}
		for _, tr := range ts {
			st := Judge(policy.Default(), tr.Messages)
			if st.At < 0 || st.At > len(tr.Messages) || st.At > 0 && (st.Policy == "" || st.Reason == "") || st.At == 0 && st.Policy != "" {
				t.Fatalf("judged %d messages: stop %+v", len(tr.Messages), st)
			}
		}
	})
}
