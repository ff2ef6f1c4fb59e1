package transcripts

import (
	"bytes"
	"os"
	"path/filepath"
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
			// The resume is given the complete messages; the Markdown
			// keeps an interrupted one after them, as the JSONL does.
			want := len(tr.Messages)
			if r.Held() {
				want++
			}
			back, err := Read(md)
			if err != nil || len(back.Messages) != want || back.Title != "A ↔ B" {
				t.Errorf("the rebuilt Markdown reads as %v (%v); want the JSONL's %d messages", back, err, want)
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

// A JSONL removed or cut short under a running recording stops it at the
// next message, with a sentence naming the file, and the Markdown is
// written again from the messages so far, its folder too when that was
// removed: the run does not go on writing to a file nobody can read.
func TestARecordingWhoseJSONLIsLostStops(t *testing.T) {
	cases := []struct {
		name string
		lose func(t *testing.T, r *Recording)
		want string // in the error; "" for none
	}{
		{name: "untouched", lose: func(*testing.T, *Recording) {}},
		{name: "the JSONL removed", want: "was removed", lose: func(t *testing.T, r *Recording) { os.Remove(r.JSONLPath) }},
		{name: "its folder removed", want: "was removed", lose: func(t *testing.T, r *Recording) { os.RemoveAll(filepath.Dir(r.JSONLPath)) }},
		{name: "another file in its place", want: "was removed", lose: func(t *testing.T, r *Recording) {
			os.Remove(r.JSONLPath)
			os.WriteFile(r.JSONLPath, []byte("{}\n"), 0o600)
		}},
		{name: "cut short", want: "was cut short", lose: func(t *testing.T, r *Recording) {
			fi, _ := os.Stat(r.JSONLPath)
			os.Truncate(r.JSONLPath, fi.Size()/2)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Create(filepath.Join(t.TempDir(), "out"), sampleRun())
			if err != nil {
				t.Fatal(err)
			}
			msgs := sampleMessages()
			if err := r.Append(msgs[0]); err != nil {
				t.Fatal(err)
			}
			tc.lose(t, r)
			err = r.Append(msgs[1])
			if tc.want == "" {
				if err != nil {
					t.Fatalf("append: %v", err)
				}
				r.Close()
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), r.JSONLPath) || !strings.Contains(err.Error(), "after message 1") {
				t.Fatalf("append: %v; want a sentence that the JSONL %s, naming it and message 1", err, tc.want)
			}
			if err := r.Finish(time.Now(), Stop{Kind: StopError, Reason: err.Error(), At: 1}); err != nil {
				t.Fatalf("finish: %v", err)
			}
			md, err := Read(r.MarkdownPath)
			if err != nil || len(md.Messages) != 1 || md.Messages[0].Content != msgs[0].Content {
				t.Errorf("the Markdown reads as %v (%v); want message 1", md, err)
			}
		})
	}
}
