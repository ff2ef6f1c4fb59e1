package transcripts

import (
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A resume leaves out the interrupted message its recording ends with,
// since the turn it resumes speaks it again; until a message of the
// resumed run takes its place, the Markdown keeps it, as the JSONL does:
// a resume that records nothing, finished or cut short by a crash, loses
// nothing recorded.
func TestAResumeKeepsTheInterruptedMessageUntilOneTakesItsPlace(t *testing.T) {
	whole := Message{Speaker: "A", Content: "and then it ended"}
	again := Message{Speaker: "A", Content: "and th", Partial: true}
	cases := []struct {
		name string
		// resumed acts on the reopened recording; it finishes or closes it.
		resumed func(t *testing.T, r *Recording)
		want    Message // the last message both files hold
	}{
		{"nothing recorded", func(t *testing.T, r *Recording) {
			if err := r.Finish(time.Now(), Stop{Kind: StopInterrupted, Reason: "the run was interrupted", At: 2}); err != nil {
				t.Fatal(err)
			}
		}, Message{Speaker: "A", Content: "and then", Partial: true}},
		{"nothing recorded, and a crash", func(t *testing.T, r *Recording) {
			if err := r.Close(); err != nil {
				t.Fatal(err)
			}
		}, Message{Speaker: "A", Content: "and then", Partial: true}},
		{"a message in its place", func(t *testing.T, r *Recording) {
			if err := r.Append(whole); err != nil {
				t.Fatal(err)
			}
			if err := r.Finish(time.Now(), Stop{Kind: StopPolicy, Policy: "max_messages", At: 3}); err != nil {
				t.Fatal(err)
			}
		}, whole},
		{"a message in its place, and a crash", func(t *testing.T, r *Recording) {
			if err := r.Append(whole); err != nil {
				t.Fatal(err)
			}
			if err := r.Close(); err != nil {
				t.Fatal(err)
			}
		}, whole},
		{"a message the Markdown cannot take", func(t *testing.T, r *Recording) {
			// The Markdown cannot be written again (a full disk): the
			// message is recorded in neither file, and the interrupted
			// one stays in both.
			prev := syncFile
			syncFile = func(*os.File) error { return syscall.ENOSPC }
			err := r.Append(whole)
			syncFile = prev
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("Append = %v; want the full disk", err)
			}
			if err := r.Finish(time.Now(), Stop{Kind: StopError, Reason: "the disk is full", At: 2}); err != nil {
				t.Fatal(err)
			}
		}, Message{Speaker: "A", Content: "and then", Partial: true}},
		{"another interrupted message in its place", func(t *testing.T, r *Recording) {
			if err := r.Append(again); err != nil {
				t.Fatal(err)
			}
			if err := r.Finish(time.Now(), Stop{Kind: StopInterrupted, Reason: "the run was interrupted", At: 2}); err != nil {
				t.Fatal(err)
			}
		}, again},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			jl := interruptedMidMessage(t)
			md := strings.TrimSuffix(jl, ".jsonl") + ".md"
			r, tr, err := Open(jl)
			if err != nil {
				t.Fatal(err)
			}
			if n := len(tr.Messages); n != 2 || len(r.Messages()) != 2 {
				t.Fatalf("the resume is given %d messages (the recording %d); want the 2 complete ones", n, len(r.Messages()))
			}
			// While the resumed run has recorded nothing, the Markdown
			// holds what the JSONL holds.
			if mid, err := Read(md); err != nil || len(mid.Messages) != 3 || !mid.Messages[2].Partial {
				t.Fatalf("the Markdown once the recording is reopened: %v, %+v; want the interrupted message kept", err, mid)
			}
			run := sampleRun()
			if err := r.Resumed(&run); err != nil {
				t.Fatal(err)
			}
			c.resumed(t, r)
			for _, p := range []string{md, jl} {
				got, err := Read(p)
				if err != nil {
					t.Fatal(err)
				}
				if n := len(got.Messages); n != 3 {
					t.Fatalf("%s holds %d messages; want 3", p, n)
				}
				if m := got.Messages[2]; m.Speaker != c.want.Speaker || m.Content != c.want.Content || m.Partial != c.want.Partial {
					t.Errorf("%s's message 3 = %q by %s (interrupted %v); want %q by %s (interrupted %v)",
						p, m.Content, m.Speaker, m.Partial, c.want.Content, c.want.Speaker, c.want.Partial)
				}
			}
			text, _ := os.ReadFile(md)
			if n := strings.Count(string(text), "### A"); n != 2 {
				t.Errorf("the Markdown has %d messages of A; want 2:\n%s", n, text)
			}
			// Opened again, the recording is as parley wrote it: no
			// Markdown is kept aside as edited by hand.
			r2, tr2, err := Open(jl)
			if err != nil {
				t.Fatal(err)
			}
			defer r2.Close()
			if len(tr2.Run.Warnings) != 0 {
				t.Errorf("opened again: %q", tr2.Run.Warnings)
			}
		})
	}
}
