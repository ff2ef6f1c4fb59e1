package transcripts

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"
)

// Continuing a recording rebuilds its Markdown from the JSONL. A Markdown
// that holds what parley did not write there (edited by hand) is kept
// beside it first, and a warning says where; one as parley left it,
// finished, interrupted or cut short by a crash, is rebuilt without a
// word.
func TestOpenKeepsAMarkdownEditedByHand(t *testing.T) {
	cases := []struct {
		name string
		// recording returns the JSONL of a recording, its Markdown as
		// parley left it.
		recording func(t *testing.T) string
		edit      func(md []byte) []byte // nil: left as it is
		wantKept  string                 // the side file's suffix; "" for none
	}{
		{name: "cut short by a crash", recording: record},
		{name: "finished", recording: finished},
		{name: "interrupted mid-message", recording: interruptedMidMessage},
		{name: "crashed before its last message reached the Markdown", recording: record,
			edit: func(md []byte) []byte { return md[:bytes.Index(md, []byte("### B"))] }},
		{name: "emptied by a crash", recording: record, edit: func([]byte) []byte { return nil }},
		{name: "a header cut short", recording: record, edit: func(md []byte) []byte { return md[:20] }},
		{name: "removed", recording: record, edit: func([]byte) []byte { return []byte("removed") }},
		{name: "a message edited", recording: finished, wantKept: ".edited",
			edit: func(md []byte) []byte { return bytes.Replace(md, []byte("hi 👋"), []byte("hi, edited"), 1) }},
		{name: "notes below the last message", recording: record, wantKept: ".edited",
			edit: func(md []byte) []byte { return append(md, "my notes\n"...) }},
		{name: "a message removed", recording: finished, wantKept: ".edited",
			edit: func(md []byte) []byte {
				return append(md[:bytes.Index(md, []byte("### A"))], md[bytes.Index(md, []byte("### B")):]...)
			}},
		{name: "whole where the JSONL's last line is torn", recording: tornJSONL, wantKept: ".edited"},
		{name: "edited again after an earlier resume kept one", recording: finished, wantKept: ".edited-2",
			edit: func(md []byte) []byte { return append(md, "more notes\n"...) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			jl := tc.recording(t)
			md := strings.TrimSuffix(jl, ".jsonl") + ".md"
			if tc.wantKept == ".edited-2" {
				os.WriteFile(md+".edited", []byte("an earlier edit"), 0o600)
			}
			if tc.edit != nil {
				data, _ := os.ReadFile(md)
				if edited := tc.edit(data); string(edited) == "removed" {
					os.Remove(md)
				} else {
					os.WriteFile(md, edited, 0o600)
				}
			}
			before, _ := os.ReadFile(md)
			r, tr, err := Open(jl)
			if err != nil {
				t.Fatal(err)
			}
			r.Close()
			if tc.wantKept == "" {
				if len(tr.Run.Warnings) != 0 {
					t.Errorf("warnings %q; want none", tr.Run.Warnings)
				}
				if _, err := os.Stat(md + ".edited"); err == nil {
					t.Error("a side file was kept")
				}
			} else {
				side := md + tc.wantKept
				kept, err := os.ReadFile(side)
				if err != nil || !bytes.Equal(kept, before) {
					t.Fatalf("%s holds %q (%v); want the Markdown as it was", side, kept, err)
				}
				if w := tr.Run.Warnings; len(w) == 0 || !strings.Contains(w[len(w)-1], side) || !strings.Contains(w[len(w)-1], md) {
					t.Errorf("warnings %q; want one naming %s and %s", tr.Run.Warnings, md, side)
				}
			}
			back, err := Read(md)
			if err != nil || len(back.Messages) != len(tr.Messages) || back.Title != "A ↔ B" {
				t.Errorf("the rebuilt Markdown reads as %v (%v); want the JSONL's %d messages", back, err, len(tr.Messages))
			}
		})
	}
}

// tornJSONL records the sample messages and cuts the JSONL's last line
// in half, as a power cut may leave it while the Markdown, written after
// it but not synced, reached the disk whole. The Markdown alone holds
// message 2 in full.
func tornJSONL(t *testing.T) string {
	t.Helper()
	jl := record(t)
	data, _ := os.ReadFile(jl)
	last := bytes.LastIndexByte(data[:len(data)-1], '\n') + 1
	os.WriteFile(jl, data[:last+(len(data)-last)/2], 0o600)
	return jl
}

// finished records the sample messages and finishes the recording.
func finished(t *testing.T) string {
	t.Helper()
	r, err := Create(t.TempDir(), sampleRun())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range sampleMessages() {
		if err := r.Append(m); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Finish(time.Now(), Stop{Kind: StopPolicy, Reason: "done", At: 2}); err != nil {
		t.Fatal(err)
	}
	return r.JSONLPath
}

// interruptedMidMessage records the sample messages and a third cut off
// mid-reply, kept as interrupted, as Ctrl-C leaves a recording.
func interruptedMidMessage(t *testing.T) string {
	t.Helper()
	r, err := Create(t.TempDir(), sampleRun())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range append(sampleMessages(), Message{Speaker: "A", Content: "and then", Partial: true}) {
		if err := r.Append(m); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Finish(time.Now(), Stop{Kind: StopInterrupted, Reason: "the run was interrupted", At: 2}); err != nil {
		t.Fatal(err)
	}
	return r.JSONLPath
}
