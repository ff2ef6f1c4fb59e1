package batch

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleyhq/parley/agents/openaitest"
	"github.com/parleyhq/parley/configs"
)

// A conversation continued on a machine whose clock is behind the one that
// started it (a queue's workers): its last start is when it was continued,
// by this machine's clock, not its first start, which this clock has not
// reached yet.
func TestAContinuedRunStartsAtItsResumeWhateverTheFirstClockSaid(t *testing.T) {
	srv, down := outageServer(t)
	m, err := Plan("", []*configs.Scenario{scenario(t, pairYAML(srv.URL, ""))}, 1, 1, nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	job := m.Job(0)
	dir := t.TempDir()
	first, _ := RunJob(context.Background(), job, dir, Env{})
	if first.State != StateFailed || first.JSONL == "" {
		t.Fatalf("first run: %s (%s); want it failed with a transcript", first.State, first.Error)
	}

	// The first run's clock was an hour ahead of this one.
	data, err := os.ReadFile(first.JSONL)
	if err != nil {
		t.Fatal(err)
	}
	was, _ := json.Marshal(first.Started)
	ahead := first.Started.Add(time.Hour)
	now, _ := json.Marshal(ahead)
	if !bytes.Contains(data, was) {
		t.Fatalf("the transcript does not hold its start %s:\n%s", was, data)
	}
	if err := os.WriteFile(first.JSONL, bytes.Replace(data, was, now, 1), 0o600); err != nil {
		t.Fatal(err)
	}

	down.Store(false)
	before := time.Now()
	res, err := RunJob(context.Background(), job, dir, Env{RetryFailed: true})
	after := time.Now()
	if err != nil || res.State != StateDone || res.Resumes != 1 {
		t.Fatalf("continued run: %v, %s, %d resumes; want done, continued once", err, res.State, res.Resumes)
	}
	if !res.Started.Equal(ahead) {
		t.Fatalf("started %v; want the first run's %v", res.Started, ahead)
	}
	if res.LastStart.Before(before) || res.LastStart.After(after) {
		t.Errorf("last start %v; want the resume, between %v and %v", res.LastStart, before, after)
	}
}

// A crash leaves the jobs in flight marked running in the state log, with
// no result: the resumed batch's progress still counts the messages their
// transcripts hold as recorded before, as it does for an interruption.
func TestProgressAfterACrashCountsWhatTheTranscriptsHold(t *testing.T) {
	srv := openaitest.Start(t, talk)
	r := runner(t, []*configs.Scenario{scenario(t, pairYAML(srv.URL, ""))}, 3, 3)
	if sum, err := r.Run(context.Background()); err != nil || sum.Done != 3 {
		t.Fatalf("first run: %v, %+v", err, sum)
	}
	recorded := sumLengths(jsonls(t, r.Dir), t)
	// What the state log held while the three ran: each marked running.
	r2, sum := resumeAfterACrash(t, r.Dir, 3)
	if sum.Done != 3 {
		t.Fatalf("resume: %+v", sum)
	}
	if snap := r2.Progress.Snapshot(); snap.Messages != recorded || snap.MessagesBefore != recorded {
		t.Errorf("progress after the crash: %d messages, %d of them before; want the %d the transcripts hold, all before", snap.Messages, snap.MessagesBefore, recorded)
	}
}

// A resumed batch's progress counts the retries earlier sessions recorded,
// as its summary does, not only this session's.
func TestProgressAfterResumeCountsEarlierRetries(t *testing.T) {
	var failed atomic.Int64
	srv := openaitest.Start(t, func(r openaitest.Request) openaitest.Reply {
		if len(r.Body.Messages) >= 4 && failed.Add(1) <= 2 {
			return openaitest.Error(http.StatusServiceUnavailable, "Try again.")
		}
		return talk(r)
	})
	yaml := strings.ReplaceAll(pairYAML(srv.URL, ""), "    system: You are", "    backoff: 1ms\n    system: You are")
	r := runner(t, []*configs.Scenario{scenario(t, yaml)}, 2, 1)
	first, err := r.Run(context.Background())
	if err != nil || first.Done != 2 || first.Retries != 2 {
		t.Fatalf("first session: %v, %d done, %d retries; want 2 done after 2 retries", err, first.Done, first.Retries)
	}
	// A crash before the results were recorded: the state log marks both
	// running, and their transcripts hold what happened, retries too.
	r2, sum := resumeAfterACrash(t, r.Dir, 1)
	if sum.Done != 2 {
		t.Fatalf("resume: %+v", sum)
	}
	if snap := r2.Progress.Snapshot(); snap.Retries != 2 || snap.Retries != sum.Retries {
		t.Errorf("progress after the resume counts %d retries, the summary %d; want the 2 the first session recorded", snap.Retries, sum.Retries)
	}
}

// resumeAfterACrash leaves the batch in dir as a crash during its run
// would have: its state log holds only the records that mark jobs
// running, none of their results. It then resumes the batch, j at a time,
// and returns the runner and the summary.
func resumeAfterACrash(t *testing.T, dir string, j int) (*Runner, *Summary) {
	t.Helper()
	path := filepath.Join(dir, StateFile)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var kept []byte
	for _, l := range bytes.SplitAfter(data, []byte("\n")) {
		if bytes.Contains(l, []byte(`"state":"running"`)) {
			kept = append(kept, l...)
		}
	}
	if err := os.WriteFile(path, kept, 0o600); err != nil {
		t.Fatal(err)
	}
	m, err := ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	r := prepared(t, dir, m, j)
	sum, err := r.Run(context.Background())
	if err != nil {
		t.Fatalf("resume: %v, %+v", err, sum)
	}
	return r, sum
}
