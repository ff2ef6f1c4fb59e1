package transcripts

import (
	"bytes"
	"errors"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// record writes a recording of the sample messages, left unfinished as a
// crash leaves it, and returns the JSONL's path.
func record(t *testing.T) string {
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
	r.Close()
	return r.JSONLPath
}

// A last line cut off mid-write is cut from the file on resume, kept in a
// side file, and what is appended after it reads back.
func TestOpenCutsATornLastLine(t *testing.T) {
	jl := record(t)
	data, _ := os.ReadFile(jl)
	lastLine := data[bytes.LastIndexByte(data[:len(data)-1], '\n')+1:]
	torn := data[:len(data)-len(lastLine)/2] // half of message 2's line, as a kill mid-write leaves it
	os.WriteFile(jl, torn, 0o600)
	// The JSONL's line is written before the Markdown's block: a kill
	// mid-line leaves the Markdown without message 2.
	md := strings.TrimSuffix(jl, ".jsonl") + ".md"
	mdData, _ := os.ReadFile(md)
	os.WriteFile(md, mdData[:bytes.Index(mdData, []byte("### B"))], 0o600)

	r, tr, err := Open(jl)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Messages) != 1 || len(tr.Run.Warnings) != 1 || !strings.Contains(tr.Run.Warnings[0], jl+".torn") {
		t.Fatalf("opened %d messages, warnings %q", len(tr.Messages), tr.Run.Warnings)
	}
	side, _ := os.ReadFile(jl + ".torn")
	if want := string(torn[len(data)-len(lastLine):]) + "\n"; string(side) != want {
		t.Errorf("side file holds %q, want the torn bytes %q", side, want)
	}
	again := Message{Speaker: "B", Content: "said again"}
	if err := r.Append(again); err != nil {
		t.Fatal(err)
	}
	if err := r.Finish(time.Now(), Stop{Kind: StopPolicy, Reason: "done", At: 2}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{jl, r.MarkdownPath} {
		back, err := Read(p)
		if err != nil {
			t.Fatalf("%s after resume: %v", p, err)
		}
		if len(back.Messages) != 2 || back.Messages[1].Content != "said again" {
			t.Errorf("%s holds %+v", p, back.Messages)
		}
		if back.Run != nil && len(back.Run.Warnings) != 0 {
			t.Errorf("%s still warns: %q", p, back.Run.Warnings)
		}
	}
}

// A last line that lost only its newline is kept and completed.
func TestOpenCompletesALineThatLostItsNewline(t *testing.T) {
	jl := record(t)
	data, _ := os.ReadFile(jl)
	os.WriteFile(jl, data[:len(data)-1], 0o600)
	r, tr, err := Open(jl)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if len(tr.Messages) != 2 || len(tr.Run.Warnings) != 0 {
		t.Fatalf("opened %d messages, warnings %q", len(tr.Messages), tr.Run.Warnings)
	}
	if _, err := os.Stat(jl + ".torn"); err == nil {
		t.Error("a whole line was moved to the side file")
	}
}

// One writer per transcript: a second Open, or a second writer, stops with
// a sentence naming the process that holds the transcript.
func TestOneWriterPerTranscript(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no flock")
	}
	jl := record(t)
	r, _, err := Open(jl)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = Open(jl)
	var le *LockedError
	if !errors.As(err, &le) {
		t.Fatalf("second Open: err = %v, want a LockedError", err)
	}
	if runtime.GOOS == "linux" && le.PID != os.Getpid() {
		t.Errorf("holder pid = %d, want %d", le.PID, os.Getpid())
	}
	if !strings.Contains(err.Error(), jl) || (runtime.GOOS == "linux" && !strings.Contains(err.Error(), "pid ")) {
		t.Errorf("err = %q", err)
	}
	r.Close()
	r2, _, err := Open(jl)
	if err != nil {
		t.Fatalf("after the first writer closed: %v", err)
	}
	r2.Close()

	dir := t.TempDir()
	release, err := LockDir(dir, "batch folder")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := LockDir(dir, "batch folder"); !errors.As(err, &le) || !strings.Contains(err.Error(), "batch folder "+dir) {
		t.Fatalf("second LockDir: %v", err)
	}
	release()
	release2, err := LockDir(dir, "batch folder")
	if err != nil {
		t.Fatal(err)
	}
	release2()
}

// A message the JSONL could not take (a full disk) is not in the rebuilt
// Markdown either: the files say only what reached the disk.
func TestAFailedAppendIsNotRecorded(t *testing.T) {
	r, err := Create(t.TempDir(), sampleRun())
	if err != nil {
		t.Fatal(err)
	}
	msgs := sampleMessages()
	if err := r.Append(msgs[0]); err != nil {
		t.Fatal(err)
	}
	r.jl.Close() // every write now fails, as on a full disk
	if err := r.Append(msgs[1]); err == nil {
		t.Fatal("the append reported no error")
	}
	if n := len(r.Messages()); n != 1 {
		t.Errorf("the recording counts %d messages; want the 1 on disk", n)
	}
	r.Finish(time.Now(), Stop{Kind: StopError, Reason: "disk full", At: 1})
	md, err := Read(r.MarkdownPath)
	if err != nil || len(md.Messages) != 1 {
		t.Fatalf("the Markdown holds %v (%v); want only the message on disk", md, err)
	}
}
