package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleyhq/parley/agents/openaitest"
	"github.com/parleyhq/parley/transcripts"
)

// A run stopped mid-message keeps the message, marked interrupted; a
// resume stopped before its first message records nothing in its place,
// so the Markdown keeps it as the JSONL does, where it was dropped from
// the Markdown alone ("**Messages:** 1" beside a JSONL of 2).
func TestAnEmptyResumeKeepsTheInterruptedMessage(t *testing.T) {
	var phase atomic.Int32 // 0: the run, 1: a resume interrupted, 2: one that goes on
	srv := openaitest.Start(t, func(r openaitest.Request) openaitest.Reply {
		switch phase.Load() {
		case 1:
			return openaitest.Stalled(0, "never", " said")
		case 2:
			return openaitest.Words("whole at last")
		}
		return openaitest.Reply{Pieces: []string{"draft ", "not ", "sent"}, Fault: openaitest.CutOff, At: 2}
	})
	dir := t.TempDir()
	p := filepath.Join(dir, "s.yaml")
	os.WriteFile(p, []byte("agents:\n  - {name: A, base_url: "+srv.URL+", model: a, retries: 1}\n  - {name: B, type: scripted, lines: [b1]}\ntermination: {max_messages: 4}\n"), 0o600)
	parley(t, "run", "--no-tui", "--out", dir, p)
	jls, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if len(jls) != 1 {
		t.Fatalf("recorded %v", jls)
	}
	jl := jls[0]
	md := strings.TrimSuffix(jl, ".jsonl") + ".md"
	agree := func(when string) {
		t.Helper()
		for _, f := range []string{md, jl} {
			tr, err := transcripts.Read(f)
			if err != nil {
				t.Fatal(err)
			}
			if n := len(tr.Messages); n != 2 || !tr.Messages[1].Partial || tr.Messages[1].Content != "draft not " {
				t.Errorf("%s, %s holds %d messages: %+v; want the opening and the interrupted \"draft not \"", when, filepath.Base(f), n, tr.Messages)
			}
		}
		if text, _ := os.ReadFile(md); !strings.Contains(string(text), "**Messages:** 2\n") || !strings.Contains(string(text), "### A (interrupted)") {
			t.Errorf("%s, the Markdown:\n%s", when, text)
		}
	}
	agree("after the run")

	// The resume is interrupted while its first request waits for a
	// reply, as Ctrl-C at once interrupts it.
	phase.Store(1)
	before := len(srv.Requests())
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for len(srv.Requests()) == before {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
	}()
	var stdout, stderr strings.Builder
	code := run(ctx, []string{"resume", "--no-tui", jl}, strings.NewReader(""), &stdout, &stderr)
	if code != exitInterrupted {
		t.Fatalf("resume: exit %d; want %d\n%s%s", code, exitInterrupted, stdout.String(), stderr.String())
	}
	if want := "Stopped after message 1 (interrupted): the run was interrupted; message 2 was cut off and is kept, marked (interrupted), so the transcript holds 2 messages.\n"; !strings.Contains(stdout.String(), want) {
		t.Errorf("the stop does not say what the files hold; want %q in:\n%s", want, stdout.String())
	}
	agree("after a resume that recorded nothing")
	if _, err := os.Stat(md + ".edited"); err == nil {
		t.Errorf("the Markdown was kept aside as edited by hand")
	}

	// A resume that records a message puts it in the interrupted one's
	// place, in both files.
	phase.Store(2)
	code, out, errOut := parley(t, "resume", "--no-tui", "--max-messages", "3", jl)
	if code != exitOK {
		t.Fatalf("resume: exit %d\n%s%s", code, out, errOut)
	}
	for _, f := range []string{md, jl} {
		tr, err := transcripts.Read(f)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(tr.Messages); n != 3 || tr.Messages[1].Partial || tr.Messages[1].Content != "whole at last" {
			t.Errorf("after a resume that recorded messages, %s holds %d: %+v; want message 2 whole in the interrupted one's place", filepath.Base(f), n, tr.Messages)
		}
	}
	if text, _ := os.ReadFile(md); strings.Contains(string(text), "draft") {
		t.Errorf("the Markdown still holds the interrupted message:\n%s", text)
	}
}
