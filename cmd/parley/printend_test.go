package main

import (
	"bytes"
	"testing"

	"github.com/parleyhq/parley/transcripts"
)

// The line that says where a run stopped ends its reason with one period,
// whether the rule's reason has one (a judge's rationale) or not.
func TestPrintEndEndsTheReasonOnce(t *testing.T) {
	cases := []struct {
		name string
		stop transcripts.Stop
		want string
	}{
		{"a judge's rationale with its period", transcripts.Stop{Kind: transcripts.StopPolicy, Policy: "judge", At: 4,
			Reason: "the judge (m) judged after message 4 that the conversation is going nowhere: They are only saying goodbye."},
			"Stopped after message 4 (judge): the judge (m) judged after message 4 that the conversation is going nowhere: They are only saying goodbye.\n"},
		{"a rule's reason without one", transcripts.Stop{Kind: transcripts.StopPolicy, Policy: "max_messages", At: 50,
			Reason: "the conversation holds 50 messages"},
			"Stopped after message 50 (max_messages): the conversation holds 50 messages.\n"},
		{"the operator", transcripts.Stop{Kind: transcripts.StopOperator, At: 3, Reason: "the operator ended the conversation"},
			"Stopped after message 3 (operator): the operator ended the conversation.\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			printEnd(&b, result{Stop: c.stop})
			if b.String() != c.want {
				t.Errorf("printed %q, want %q", b.String(), c.want)
			}
		})
	}
}
