package transcripts

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func sampleRun() Run {
	return Run{ID: "r1", Title: "A ↔ B", Started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Agents: []AgentInfo{{Name: "A", Type: "openai", Model: "m", APIKeyEnv: "A_KEY"}}}
}

func sampleMessages() []Message {
	t0 := time.Date(2026, 1, 2, 3, 4, 6, 0, time.UTC)
	return []Message{
		{Speaker: "A", Content: "hello\n---\nthere", Model: "m", Started: t0, Ended: t0.Add(time.Second),
			Latency: 1500 * time.Millisecond, TTFT: 250 * time.Millisecond,
			Usage: &Usage{PromptTokens: 10, CompletionTokens: 3, TotalTokens: 13}, FinishReason: "stop"},
		{Speaker: "B", Content: "hi 👋", Usage: &Usage{CompletionTokens: 2, TotalTokens: 2, Estimated: true}, FinishReason: "length"},
	}
}

func TestJSONLRoundTrip(t *testing.T) {
	run := sampleRun()
	run.Stop = &Stop{Kind: StopPolicy, Policy: "end_token", Reason: "done", At: 2}
	run.Events = []Event{{Time: run.Started, Kind: "retry", Speaker: "B", Detail: "429"}}
	in := &Transcript{Title: run.Title, Started: run.Started, Ended: run.Started.Add(time.Minute), Messages: sampleMessages(), Run: &run}
	var buf bytes.Buffer
	if err := WriteJSONL(&buf, in); err != nil {
		t.Fatal(err)
	}
	out, err := ParseJSONL(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Messages) != 2 {
		t.Fatalf("messages = %d", len(out.Messages))
	}
	for i, m := range out.Messages {
		w := in.Messages[i]
		if m.Content != w.Content || m.Latency != w.Latency || m.TTFT != w.TTFT || m.FinishReason != w.FinishReason ||
			*m.Usage != *w.Usage || !m.Started.Equal(w.Started) {
			t.Errorf("message %d = %+v, want %+v", i+1, m, w)
		}
	}
	if out.Run.Stop == nil || *out.Run.Stop != *run.Stop {
		t.Errorf("stop = %+v", out.Run.Stop)
	}
	if len(out.Run.Events) != 1 || out.Run.Events[0].Detail != "429" {
		t.Errorf("events = %+v", out.Run.Events)
	}
	if out.Run.Agents[0].APIKeyEnv != "A_KEY" || !out.Ended.Equal(in.Ended) {
		t.Errorf("run = %+v", out.Run)
	}
}

func TestJSONLTornLastLineIsSkipped(t *testing.T) {
	var buf bytes.Buffer
	WriteJSONL(&buf, &Transcript{Title: "A ↔ B", Messages: sampleMessages()})
	data := buf.Bytes()
	torn := data[:len(data)-15]
	out, err := ParseJSONL(torn)
	if err != nil {
		t.Fatalf("a torn last line must not be fatal: %v", err)
	}
	if len(out.Messages) != 1 {
		t.Errorf("messages = %d, want the 1 complete one", len(out.Messages))
	}
	if len(out.Run.Warnings) != 1 || !strings.Contains(out.Run.Warnings[0], "line 3") {
		t.Errorf("warnings = %q", out.Run.Warnings)
	}
}

func TestJSONLBrokenMiddleLineNamesIt(t *testing.T) {
	in := "{\"type\":\"run\",\"title\":\"A ↔ B\"}\nnot json\n{\"type\":\"message\",\"index\":1,\"speaker\":\"A\",\"content\":\"x\"}\n"
	_, err := ParseJSONL([]byte(in))
	if err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("err = %v, want it to name line 2", err)
	}
}

// A message line whose index does not follow the one before (a line
// repeated, left out or moved by hand) is read where it stands, and the
// reader says so once, at that line; a resume's lines and a replaced
// partial message follow on and say nothing.
func TestJSONLIndexOutOfOrderIsNoted(t *testing.T) {
	msg := func(i int, text string, partial bool) []byte {
		return JSONLMessage(i, Message{Speaker: []string{"A", "B"}[i%2], Content: text, Partial: partial})
	}
	cases := []struct {
		name     string
		lines    [][]byte
		messages int
		warning  string // "" for none
	}{
		{"in order", [][]byte{JSONLRun(sampleRun()), msg(1, "a", false), msg(2, "b", false), msg(3, "c", false)}, 3, ""},
		{"a line repeated", [][]byte{JSONLRun(sampleRun()), msg(1, "a", false), msg(2, "b", false), msg(2, "b", false), msg(3, "c", false)}, 4,
			"line 4 is message 2 by its index, but the message line before it is message 2; it is read as message 3 (was a line repeated, left out or moved?)"},
		{"a line left out", [][]byte{JSONLRun(sampleRun()), msg(1, "a", false), msg(3, "c", false), msg(4, "d", false)}, 3,
			"line 3 is message 3 by its index, but the message line before it is message 1; it is read as message 2"},
		{"a partial message replaced on resume", [][]byte{JSONLRun(sampleRun()), msg(1, "a", false), msg(2, "cut", true), JSONLStop(time.Now(), Stop{Kind: StopInterrupted, At: 1}),
			JSONLRun(sampleRun()), msg(2, "b", false), msg(3, "c", false)}, 3, ""},
		{"events between messages", [][]byte{JSONLRun(sampleRun()), msg(1, "a", false), JSONLEvent(Event{Kind: "retry"}), msg(2, "b", false)}, 2, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := ParseJSONL(bytes.Join(c.lines, nil))
			if err != nil {
				t.Fatal(err)
			}
			if len(out.Messages) != c.messages {
				t.Errorf("read %d messages, want %d: none is dropped", len(out.Messages), c.messages)
			}
			switch {
			case c.warning == "" && len(out.Run.Warnings) != 0:
				t.Errorf("warnings %q, want none", out.Run.Warnings)
			case c.warning != "" && (len(out.Run.Warnings) != 1 || !strings.Contains(out.Run.Warnings[0], c.warning)):
				t.Errorf("warnings %q, want one holding %q", out.Run.Warnings, c.warning)
			}
		})
	}
}

func TestJSONLResumeReplacesPartial(t *testing.T) {
	var buf bytes.Buffer
	buf.Write(JSONLRun(sampleRun()))
	buf.Write(JSONLMessage(1, Message{Speaker: "A", Content: "one"}))
	buf.Write(JSONLMessage(2, Message{Speaker: "B", Content: "cut", Partial: true}))
	buf.Write(JSONLStop(time.Now(), Stop{Kind: StopInterrupted, At: 1}))
	buf.Write(JSONLRun(sampleRun()))
	buf.Write(JSONLMessage(2, Message{Speaker: "B", Content: "whole"}))
	out, err := ParseJSONL(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Messages) != 2 || out.Messages[1].Content != "whole" || out.Messages[1].Partial {
		t.Fatalf("messages = %+v", out.Messages)
	}
	if out.Run.Resumes != 1 {
		t.Errorf("resumes = %d, want 1", out.Run.Resumes)
	}
}

func TestRecordingWritesAsItGoes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new")
	run := sampleRun()
	rec, err := Create(dir, run)
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(dir); st.Mode().Perm() != 0o700 {
		t.Errorf("directory mode = %v, want 0700", st.Mode().Perm())
	}
	msgs := sampleMessages()
	if err := rec.Append(msgs[0]); err != nil {
		t.Fatal(err)
	}
	// Before the run ends, both files already hold the first message.
	for _, p := range []string{rec.MarkdownPath, rec.JSONLPath} {
		tr, err := Read(p)
		if err != nil {
			t.Fatalf("%s mid-run: %v", p, err)
		}
		if len(tr.Messages) != 1 || tr.Messages[0].Content != msgs[0].Content {
			t.Errorf("%s mid-run holds %+v", p, tr.Messages)
		}
		if st, _ := os.Stat(p); st.Mode().Perm() != 0o600 {
			t.Errorf("%s mode = %v, want 0600", p, st.Mode().Perm())
		}
	}
	rec.Append(msgs[1])
	ended := run.Started.Add(2 * time.Minute)
	if err := rec.Finish(ended, Stop{Kind: StopPolicy, Policy: "max_messages", Reason: "limit", At: 2}); err != nil {
		t.Fatal(err)
	}
	md, _ := os.ReadFile(rec.MarkdownPath)
	if !bytes.Contains(md, []byte("**Messages:** 2\n")) || !bytes.Contains(md, []byte("**Ended:** "+ended.Format(TimeLayout))) {
		t.Errorf("header not finalized:\n%s", md[:120])
	}
	// A second recording with the same title and start never overwrites.
	rec2, err := Create(dir, run)
	if err != nil {
		t.Fatal(err)
	}
	defer rec2.Close()
	if rec2.MarkdownPath == rec.MarkdownPath {
		t.Fatal("second recording reused the first one's name")
	}
	again, _ := os.ReadFile(rec.MarkdownPath)
	if !bytes.Equal(again, md) {
		t.Error("creating a second recording changed the first")
	}
}

func TestOpenContinuesARecording(t *testing.T) {
	dir := t.TempDir()
	rec, _ := Create(dir, sampleRun())
	msgs := sampleMessages()
	rec.Append(msgs[0])
	partial := msgs[1]
	partial.Partial = true
	rec.Append(partial)
	rec.Finish(time.Now(), Stop{Kind: StopInterrupted, At: 1})

	rec2, tr, err := Open(rec.JSONLPath)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec2.Messages()) != 1 {
		t.Fatalf("resumed recording holds %d messages, want the 1 complete one", len(rec2.Messages()))
	}
	_ = tr
	run2 := sampleRun()
	rec2.Resumed(&run2)
	rec2.Append(msgs[1])
	rec2.Finish(time.Now(), Stop{Kind: StopPolicy, At: 2})
	for _, p := range []string{rec.MarkdownPath, rec.JSONLPath} {
		got, err := Read(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Messages) != 2 || got.Messages[1].Content != msgs[1].Content || got.Messages[1].Partial {
			t.Errorf("%s after resume: %+v", p, got.Messages)
		}
	}
}

func TestCreateRefusesUnwritableDir(t *testing.T) {
	// A directory under a regular file cannot be made, even by root.
	f := filepath.Join(t.TempDir(), "file")
	os.WriteFile(f, nil, 0o600)
	_, err := Create(filepath.Join(f, "sub"), sampleRun())
	if err == nil || !strings.Contains(err.Error(), f) {
		t.Fatalf("err = %v, want it to name %s", err, f)
	}
	if !errors.Is(err, fs.ErrExist) && !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("err = %v, want the cause kept", err)
	}
}

func FuzzParseJSONL(f *testing.F) {
	var buf bytes.Buffer
	WriteJSONL(&buf, &Transcript{Title: "A ↔ B", Messages: sampleMessages(), Run: &Run{Stop: &Stop{Kind: "policy"}}})
	f.Add(buf.Bytes())
	f.Add([]byte(`{"type":"message","index":1}`))
	f.Add([]byte("{\"type\":\"run\"}\n{\"type\":"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, err := ParseJSONL(data)
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := WriteJSONL(&out, tr); err != nil {
			t.Fatal(err)
		}
		again, err := ParseJSONL(out.Bytes())
		if err != nil {
			t.Fatalf("rewritten JSONL does not read: %v", err)
		}
		if len(again.Messages) != len(tr.Messages) {
			t.Fatalf("%d messages became %d", len(tr.Messages), len(again.Messages))
		}
	})
}

// When the Markdown cannot take a message the JSONL took (a full disk),
// both files go back to the messages before it: they agree with each
// other, and with a stop that names the last message on disk.
func TestAMessageTheMarkdownCannotTakeLeavesBothFilesAgreeing(t *testing.T) {
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skip("no /dev/full to stand for a full disk")
	}
	rec, err := Create(t.TempDir(), sampleRun())
	if err != nil {
		t.Fatal(err)
	}
	msgs := sampleMessages()
	if err := rec.Append(msgs[0]); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(rec.JSONLPath)
	md := rec.md
	rec.md = full // every write fails: no space left on device
	err = rec.Append(msgs[1])
	rec.md = md
	if err == nil || !strings.Contains(err.Error(), rec.MarkdownPath) {
		t.Fatalf("err = %v; want the Markdown's write error", err)
	}
	if after, _ := os.ReadFile(rec.JSONLPath); !bytes.Equal(after, before) {
		t.Errorf("the JSONL kept the message the Markdown could not take:\n%s", after[len(before):])
	}
	if n := len(rec.Messages()); n != 1 {
		t.Errorf("%d messages recorded; want 1", n)
	}
	if err := rec.Finish(time.Now(), Stop{Kind: StopError, Reason: "no space left on device", At: 1}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{rec.MarkdownPath, rec.JSONLPath} {
		if tr, err := Read(p); err != nil || len(tr.Messages) != 1 {
			t.Errorf("%s: %v; want the one message both files took", p, err)
		}
	}
	full.Close()
}
