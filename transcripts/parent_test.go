package transcripts

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestParentAndPairingSurviveAResumeAndTheMarkdown(t *testing.T) {
	start := time.Date(2026, 11, 30, 9, 0, 0, 0, time.Local)
	first := Run{Title: "A ↔ C", Started: start, Parent: &Parent{Path: "p.jsonl", At: 40},
		Pairing: &Pairing{Opener: "A", Responder: "C", Run: 2}}
	var b bytes.Buffer
	b.Write(JSONLRun(first))
	b.Write(JSONLMessage(1, Message{Speaker: "A", Content: "hi"}))
	b.Write(JSONLRun(Run{Title: "A ↔ C", Started: start.Add(time.Hour)})) // a resume restates neither
	tr, err := ParseJSONL(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if tr.Run.Resumes != 1 || tr.Run.Parent == nil || *tr.Run.Parent != *first.Parent || tr.Run.Pairing == nil || *tr.Run.Pairing != *first.Pairing {
		t.Errorf("after a resume: parent %+v, pairing %+v, resumes %d", tr.Run.Parent, tr.Run.Pairing, tr.Run.Resumes)
	}
	var md bytes.Buffer
	if err := WriteMarkdown(&md, tr); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "**Messages:** 1\n**Forked from:** p.jsonl, message 40\n\n---\n") {
		t.Errorf("Markdown header:\n%s", md.String())
	}
	back, err := ParseMarkdown(md.Bytes())
	if err != nil || len(back.Messages) != 1 || back.Title != "A ↔ C" {
		t.Errorf("the fork's Markdown does not read back: %v %+v", err, back)
	}
}
