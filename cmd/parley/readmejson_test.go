package main

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/orchestrator"
	"github.com/parleyhq/parley/transcripts"
)

// The README's paragraph on run --json names every field of the stopped
// line, the message a stop cut off among them, so a script knows to look
// for each.
func TestREADMENamesEveryFieldOfTheStoppedLine(t *testing.T) {
	var out bytes.Buffer
	j := orchestrator.NewJSONLines(&out, func() (string, string) { return "t.md", "t.jsonl" })
	partial := transcripts.Message{Speaker: "B", Content: "cut", Partial: true}
	if err := j.Handle(orchestrator.Stopped{Stop: transcripts.Stop{Kind: transcripts.StopInterrupted, At: 2}, Ended: time.Now(), Partial: &partial}); err != nil {
		t.Fatal(err)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(out.Bytes(), &fields); err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var para string
	for p := range strings.SplitSeq(string(readme), "\n") {
		if strings.Contains(p, "`parley run --json` prints the event stream") {
			para = p
		}
	}
	if para == "" {
		t.Fatal("the README has no paragraph on parley run --json")
	}
	for f := range fields {
		if f != "type" && !strings.Contains(para, "`"+f+"`") {
			t.Errorf("the README's paragraph on run --json does not name the stopped line's %q", f)
		}
	}
}
