package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleyhq/parley/agents/openaitest"
	"github.com/parleyhq/parley/orchestrator/batch"
	"github.com/parleyhq/parley/orchestrator/queue/queuetest"
	"github.com/parleyhq/parley/transcripts"
)

const lateKey = "sk-late-retry-5e0b"

// A queued batch whose conversations failed, one when its provider went
// down mid-conversation and two before they recorded anything (their key
// was not set), says in its failure how to continue them, and that
// command hands them to the queue's workers: the one with messages goes
// on from its last completed message, its transcript's earlier lines kept
// byte for byte, and the two with nothing recorded run afresh, while the
// conversation that ended well is neither run again (the provider sees
// no request of it) nor written again. So on an embedded queue gone with
// the batch's end, on one kept with --queue-dir, and on a NATS server.
func TestAQueuedBatchRetriesItsFailuresOnItsQueue(t *testing.T) {
	var down atomic.Bool
	srv := openaitest.Start(t, func(r openaitest.Request) openaitest.Reply {
		if down.Load() && r.Body.Seed != nil && *r.Body.Seed == 2 && len(r.Body.Messages) >= 4 {
			return openaitest.Error(http.StatusBadRequest, "The provider is down.")
		}
		return queuetest.Turn(r, time.Millisecond)
	})
	t.Setenv("PARLEY_QUEUE_E2E_KEY", queueTestKey)
	for _, mode := range []struct {
		name string
		// queue starts what the batch runs on and returns its flags.
		queue func(t *testing.T, dir string) []string
		gone  bool // the embedded queue is removed once the batch ends
	}{
		{"embedded, gone with the batch's end", func(*testing.T, string) []string { return []string{"--queue", "embedded"} }, true},
		{"embedded, kept with --queue-dir", func(t *testing.T, dir string) []string {
			return []string{"--queue", "embedded", "--queue-dir", filepath.Join(dir, "q")}
		}, false},
		{"a NATS server", func(t *testing.T, dir string) []string { return natsWithWorker(t, 4) }, false},
	} {
		t.Run(mode.name, func(t *testing.T) {
			down.Store(true)
			t.Setenv("PARLEY_RETRY_LATE_KEY", "")
			dir := t.TempDir()
			turns := queueScenario(t, dir, srv.URL, 6, 100000)
			late := filepath.Join(dir, "late.yaml")
			if err := os.WriteFile(late, []byte(queuetest.Scenario(srv.URL, "PARLEY_RETRY_LATE_KEY", 6, 100000)), 0o600); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "batch")
			flags := mode.queue(t, dir)
			code, stdout, stderr := parley(t, append([]string{"batch", turns, late, "--vary", "seed=1,2", "--out", out, "--plain"}, flags...)...)
			want := "3 of 4 conversations failed; their errors are in " + filepath.Join(out, "summary.md") +
				"; once the cause is fixed, continue them with: parley batch --resume " + out + " " + strings.Join(flags, " ") + " --retry-failed\n"
			if code != exitFailure || !strings.HasSuffix(stderr, want) {
				t.Fatalf("batch: exit %d; want 1 and the failure ending %q\nstdout:\n%s\nstderr:\n%s", code, want, stdout, stderr)
			}
			m, err := batch.ReadManifest(out)
			if err != nil {
				t.Fatal(err)
			}
			// The jobs by what they run: the scenario file and the seed.
			jobOf := func(scenario int, seed string) string {
				for _, j := range m.Jobs {
					if j.Scenario == scenario && j.Vary["seed"] == seed {
						return j.ID
					}
				}
				t.Fatalf("no job of scenario %d with seed %s", scenario, seed)
				return ""
			}
			done, midway := jobOf(0, "1"), jobOf(0, "2")
			transcript := func(id string) string {
				found, _ := filepath.Glob(filepath.Join(out, batch.RunsDir, id, "*.jsonl"))
				if len(found) != 1 {
					t.Fatalf("%s has transcripts %v; want one", id, found)
				}
				return found[0]
			}
			type file struct {
				data []byte
				mod  time.Time
			}
			before := map[string]file{}
			for _, id := range []string{done, midway} {
				jl := transcript(id)
				for _, f := range []string{jl, strings.TrimSuffix(jl, ".jsonl") + ".md"} {
					data, err := os.ReadFile(f)
					st, serr := os.Stat(f)
					if err != nil || serr != nil {
						t.Fatal(err, serr)
					}
					before[f] = file{data, st.ModTime()}
				}
			}
			if tr, err := transcripts.Read(transcript(midway)); err != nil || len(tr.Messages) < 3 || tr.Run.Stop == nil || tr.Run.Stop.Kind != transcripts.StopError {
				t.Fatalf("the conversation the outage stopped: %v; want its messages so far and the error's stop", err)
			}

			// The cause fixed, the command the failure named continues them.
			down.Store(false)
			t.Setenv("PARLEY_RETRY_LATE_KEY", lateKey)
			sent := len(srv.Requests())
			resume := strings.Fields(strings.TrimSuffix(want[strings.LastIndex(want, "with: ")+len("with: "):], "\n"))[1:]
			code, stdout, stderr = parley(t, append(resume, "--plain")...)
			if code != exitOK {
				t.Fatalf("%v: exit %d\nstdout:\n%s\nstderr:\n%s", resume, code, stdout, stderr)
			}
			if first, _, _ := strings.Cut(stdout, "\n"); !strings.Contains(first, "to retry)") {
				t.Errorf("the first line %q does not say which failed conversations it retries", first)
			}
			if sum := readSummaryJSON(t, out); sum.Done != 4 || sum.Failed != 0 {
				t.Errorf("after the retry: %d done, %d failed; want 4 and 0\n%s", sum.Done, sum.Failed, stdout)
			}
			for _, r := range srv.Requests()[sent:] {
				if r.Header.Get("Authorization") == "Bearer "+queueTestKey && (r.Body.Seed == nil || *r.Body.Seed != 2) {
					t.Errorf("the retry sent a request of %s, which had ended well", done)
				}
			}
			for f, was := range before {
				data, _ := os.ReadFile(f)
				st, err := os.Stat(f)
				if err != nil {
					t.Fatal(err)
				}
				switch {
				case strings.Contains(f, done) && (!bytes.Equal(data, was.data) || !st.ModTime().Equal(was.mod)):
					t.Errorf("%s, of the conversation that ended well, was written again", f)
				case strings.Contains(f, midway) && strings.HasSuffix(f, ".jsonl") && !bytes.HasPrefix(data, was.data):
					t.Errorf("%s does not start with the %d bytes it held when it failed", f, len(was.data))
				}
			}
			for _, j := range m.Jobs {
				tr, err := transcripts.Read(transcript(j.ID))
				if err != nil {
					t.Fatal(err)
				}
				queuetest.CheckTurns(t, j.ID, tr, 6)
				resumes := 0
				if j.ID == midway {
					resumes = 1
				}
				if tr.Run.Resumes != resumes || tr.Run.Stop == nil || tr.Run.Stop.Kind != transcripts.StopPolicy {
					t.Errorf("%s: resumed %d times, stopped %+v; want %d and the policy's stop", j.ID, tr.Run.Resumes, tr.Run.Stop, resumes)
				}
			}
			if aside, _ := filepath.Glob(filepath.Join(out, batch.RunsDir, "*", "*.local*")); len(aside) > 0 {
				t.Errorf("files kept aside: %v\n%s", aside, stderr)
			}
			if _, err := os.Stat(filepath.Join(out, "queue")); mode.gone && !os.IsNotExist(err) {
				t.Errorf("the embedded queue is kept in %s once the retried batch is complete", filepath.Join(out, "queue"))
			}
			// Nothing is left to retry.
			code, stdout, stderr = parley(t, append(resume, "--plain")...)
			if code != exitOK || strings.Contains(stdout, "to retry") {
				t.Errorf("retried again: exit %d\n%s%s", code, stdout, stderr)
			}
		})
	}
}

// A queued batch's retry of its failures, interrupted while the workers
// continue them, names the command that finishes the batch, as a local
// batch names it: the plain --resume. That command goes on with the
// retries the queue holds (or fetches those its workers finished since),
// rather than saying that nothing is left to run but the failures, which
// the folder still records: each conversation runs to its end, the lines
// it recorded before it failed kept byte for byte. So on an embedded
// queue, on one kept with --queue-dir, and on a NATS server, whose
// workers carry on once the batch stops following them.
func TestAnInterruptedQueuedRetryIsFinishedByTheCommandItNames(t *testing.T) {
	var down atomic.Bool
	srv := openaitest.Start(t, func(r openaitest.Request) openaitest.Reply {
		if down.Load() {
			if len(r.Body.Messages) >= 4 {
				return openaitest.Error(http.StatusBadRequest, "The provider is down.")
			}
			return queuetest.Turn(r, time.Millisecond)
		}
		return queuetest.Turn(r, 60*time.Millisecond) // slow enough to be interrupted
	})
	t.Setenv("PARLEY_QUEUE_E2E_KEY", queueTestKey)
	for _, mode := range []struct {
		name  string
		queue func(t *testing.T, dir string) []string
		// said is how the interruption names the command, before it.
		said string
	}{
		{"embedded", func(*testing.T, string) []string { return []string{"--queue", "embedded"} }, "finish the batch with: "},
		{"embedded, kept with --queue-dir", func(t *testing.T, dir string) []string {
			return []string{"--queue", "embedded", "--queue-dir", filepath.Join(dir, "q")}
		}, "finish the batch with: "},
		{"a NATS server", func(t *testing.T, dir string) []string { return natsWithWorker(t, 4) }, "Follow again with: "},
	} {
		t.Run(mode.name, func(t *testing.T) {
			down.Store(true)
			dir := t.TempDir()
			out := filepath.Join(dir, "batch")
			flags := mode.queue(t, dir)
			code, stdout, stderr := parley(t, append([]string{"batch", queueScenario(t, dir, srv.URL, 10, 100000), "--vary", "seed=1,2", "--out", out, "--plain"}, flags...)...)
			if code != exitFailure || !strings.Contains(stderr, "2 of 2 conversations failed") {
				t.Fatalf("batch: exit %d; want 1 with both failed\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			m, err := batch.ReadManifest(out)
			if err != nil {
				t.Fatal(err)
			}
			failed := map[string][]byte{}
			for _, j := range m.Jobs {
				found, _ := filepath.Glob(filepath.Join(out, batch.RunsDir, j.ID, "*.jsonl"))
				if len(found) != 1 {
					t.Fatalf("%s has transcripts %v; want one", j.ID, found)
				}
				if failed[found[0]], err = os.ReadFile(found[0]); err != nil {
					t.Fatal(err)
				}
			}

			// The cause fixed, the retry is interrupted while the
			// workers continue the conversations.
			down.Store(false)
			sent := len(srv.Requests())
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go func() {
				for len(srv.Requests()) < sent+2 {
					time.Sleep(5 * time.Millisecond)
				}
				cancel()
			}()
			var rout, rerr syncBuffer
			code = run(ctx, append([]string{"batch", "--resume", out, "--retry-failed", "--plain"}, flags...), strings.NewReader(""), &rout, &rerr)
			said := rerr.String()
			if code != exitInterrupted {
				t.Fatalf("the retry: exit %d; want %d\nstdout:\n%s\nstderr:\n%s", code, exitInterrupted, rout.String(), said)
			}
			_, named, ok := strings.Cut(said, mode.said)
			named, _, _ = strings.Cut(named, ", or fetch later")
			named = strings.TrimSuffix(named, "\n")
			if want := "parley batch --resume " + out + " " + strings.Join(flags, " "); !ok || named != want {
				t.Fatalf("the interruption names %q; want %q\n%s", named, want, said)
			}

			// Resumed without its queue, it is sent to its queue, which
			// holds the retries, as a batch the queue holds unfinished is.
			code, stdout, stderr = parley(t, "batch", "--resume", out, "--plain")
			if code != exitUsage || !strings.Contains(stderr, "which still holds its conversations: resume it there, with "+named+";") {
				t.Errorf("resumed without its queue: exit %d; want %d, sent to its queue with %s\nstdout:\n%s\nstderr:\n%s", code, exitUsage, named, stdout, stderr)
			}

			code, stdout, stderr = parley(t, append(strings.Fields(named)[1:], "--plain")...)
			if code != exitOK || strings.Contains(stderr, "nothing left to run") {
				t.Fatalf("%s: exit %d; want the batch finished\nstdout:\n%s\nstderr:\n%s", named, code, stdout, stderr)
			}
			if sum := readSummaryJSON(t, out); sum.Done != 2 || sum.Failed != 0 {
				t.Errorf("after %s: %d done, %d failed; want 2 and 0\n%s", named, sum.Done, sum.Failed, stdout)
			}
			for f, was := range failed {
				now, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.HasPrefix(now, was) {
					t.Errorf("%s does not start with the %d bytes it held when it failed", f, len(was))
				}
				tr, err := transcripts.Read(f)
				if err != nil {
					t.Fatal(err)
				}
				queuetest.CheckTurns(t, f, tr, 10)
				if tr.Run.Resumes < 1 || tr.Run.Stop == nil || tr.Run.Stop.Kind != transcripts.StopPolicy {
					t.Errorf("%s: resumed %d times, stopped %+v; want continued to the policy's stop", f, tr.Run.Resumes, tr.Run.Stop)
				}
			}
		})
	}
}

// A queued conversation that failed before it recorded anything (its key
// was not set) stays failed on a plain resume, as a local batch's does,
// though its folder holds no transcript of it and its embedded queue is
// gone with the batch's end: the resume runs nothing (the provider sees
// no request), leaves the folder byte for byte, exits 1 and names the
// --retry-failed command, which runs it afresh. So for the resume named
// with its queue, and for --resume DIR alone where that finds the queue.
func TestAQueuedFailureThatRecordedNothingStaysFailedOnAPlainResume(t *testing.T) {
	srv := queuetest.TurnServer(t, time.Millisecond)
	t.Setenv("PARLEY_QUEUE_E2E_KEY", queueTestKey)
	for _, mode := range []struct {
		name  string
		queue func(t *testing.T, dir string) []string
		bare  bool // --resume DIR alone finds the queue too
	}{
		{"embedded, gone with the batch's end", func(*testing.T, string) []string { return []string{"--queue", "embedded"} }, true},
		{"embedded, kept with --queue-dir", func(t *testing.T, dir string) []string {
			return []string{"--queue", "embedded", "--queue-dir", filepath.Join(dir, "q")}
		}, true},
		{"a NATS server", func(t *testing.T, dir string) []string { return natsWithWorker(t, 2) }, false},
	} {
		t.Run(mode.name, func(t *testing.T) {
			t.Setenv("PARLEY_RETRY_LATE_KEY", "")
			dir := t.TempDir()
			turns := queueScenario(t, dir, srv.URL, 4, 100000)
			late := filepath.Join(dir, "late.yaml")
			if err := os.WriteFile(late, []byte(queuetest.Scenario(srv.URL, "PARLEY_RETRY_LATE_KEY", 4, 100000)), 0o600); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "batch")
			flags := mode.queue(t, dir)
			resume := append([]string{"batch", "--resume", out}, flags...)
			retry := "parley " + strings.Join(resume, " ") + " --retry-failed"
			code, stdout, stderr := parley(t, append([]string{"batch", turns, late, "--out", out, "--plain"}, flags...)...)
			if code != exitFailure || !strings.HasSuffix(stderr, "continue it with: "+retry+"\n") {
				t.Fatalf("batch: exit %d; want 1, naming %s\nstdout:\n%s\nstderr:\n%s", code, retry, stdout, stderr)
			}
			m, err := batch.ReadManifest(out)
			if err != nil {
				t.Fatal(err)
			}
			if found, _ := filepath.Glob(filepath.Join(out, batch.RunsDir, "*", "*.jsonl")); len(found) != 1 {
				t.Fatalf("transcripts %v; want the one of the conversation that ended well", found)
			}
			folder := func() map[string]string {
				files := map[string]string{}
				filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
					if err != nil || d.IsDir() || strings.HasPrefix(p, filepath.Join(dir, "q")) {
						return err
					}
					data, err := os.ReadFile(p)
					files[p] = string(data)
					return err
				})
				return files
			}
			before := folder()

			// The key is set now, so a run would pass: a plain resume
			// still keeps the failure.
			t.Setenv("PARLEY_RETRY_LATE_KEY", lateKey)
			plain := [][]string{resume}
			if mode.bare {
				plain = append(plain, []string{"batch", "--resume", out})
			}
			for _, args := range plain {
				sent := len(srv.Requests())
				code, stdout, stderr := parley(t, append(args, "--plain")...)
				want := "batch " + m.ID + " in " + out + " has nothing left to run but its 1 failed conversation (of 2), whose error is in " +
					filepath.Join(out, "summary.md") + "; once the cause is fixed, continue it with: " + retry + "\n"
				if code != exitFailure || !strings.HasSuffix(stderr, want) {
					t.Errorf("%v: exit %d; want 1 and %q\nstdout:\n%s\nstderr:\n%s", args, code, want, stdout, stderr)
				}
				if n := len(srv.Requests()) - sent; n > 0 {
					t.Errorf("%v sent %d requests; want none", args, n)
				}
				if now := folder(); !reflect.DeepEqual(now, before) {
					for p := range now {
						if now[p] != before[p] {
							t.Errorf("%v changed %s", args, p)
						}
					}
					for p := range before {
						if _, ok := now[p]; !ok {
							t.Errorf("%v removed %s", args, p)
						}
					}
				}
			}

			// The command it names runs the failure afresh, and then the
			// batch is finished.
			code, stdout, stderr = parley(t, append(resume, "--retry-failed", "--plain")...)
			if code != exitOK {
				t.Fatalf("%s: exit %d\nstdout:\n%s\nstderr:\n%s", retry, code, stdout, stderr)
			}
			if first, _, _ := strings.Cut(stdout, "\n"); !strings.Contains(first, "1 failed one to retry)") {
				t.Errorf("the retry's first line %q does not say it retries the failed conversation", first)
			}
			if sum := readSummaryJSON(t, out); sum.Done != 2 || sum.Failed != 0 {
				t.Errorf("after the retry: %d done, %d failed; want 2 and 0\n%s", sum.Done, sum.Failed, stdout)
			}
			code, stdout, stderr = parley(t, append(resume, "--plain")...)
			if code != exitOK || !strings.Contains(stdout, "is finished") {
				t.Errorf("resumed once retried: exit %d; want 0, finished\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
		})
	}
}
