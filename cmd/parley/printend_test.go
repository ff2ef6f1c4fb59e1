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
		res  result // its Stop is stop
		want string
	}{
		{name: "a judge's rationale with its period", stop: transcripts.Stop{Kind: transcripts.StopPolicy, Policy: "judge", At: 4,
			Reason: "the judge (m) judged after message 4 that the conversation is going nowhere: They are only saying goodbye."},
			want: "Stopped after message 4 (judge): the judge (m) judged after message 4 that the conversation is going nowhere: They are only saying goodbye.\n"},
		{name: "a rule's reason without one", stop: transcripts.Stop{Kind: transcripts.StopPolicy, Policy: "max_messages", At: 50,
			Reason: "the conversation holds 50 messages"},
			want: "Stopped after message 50 (max_messages): the conversation holds 50 messages.\n"},
		{name: "the operator", stop: transcripts.Stop{Kind: transcripts.StopOperator, At: 3, Reason: "the operator ended the conversation"},
			want: "Stopped after message 3 (operator): the operator ended the conversation.\n"},
		{name: "the first reply failed", stop: transcripts.Stop{Kind: transcripts.StopError, At: 1, Reason: "B: 500 after 3 attempts"},
			want: "Stopped before any reply was recorded (error); no transcript was kept.\n"},
		{name: "a stream cut off", stop: transcripts.Stop{Kind: transcripts.StopError, At: 2, Reason: "B: cut off after 2 attempts"},
			res:  result{Markdown: "t.md", JSONL: "t.jsonl", Partial: true},
			want: "Stopped after message 2 (error); message 3 was cut off and is kept, marked (interrupted), so the transcript holds 3 messages.\nTranscript: t.md\nJSONL:      t.jsonl\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			r := c.res
			r.Stop = c.stop
			printEnd(&b, r)
			if b.String() != c.want {
				t.Errorf("printed %q, want %q", b.String(), c.want)
			}
		})
	}
}
