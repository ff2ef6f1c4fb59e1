package main

import (
	"bytes"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleyhq/parley/agents/openaitest"
	"github.com/parleyhq/parley/orchestrator/queue/queuetest"
)

// A batch with nothing left to run, resumed, is left byte for byte: its
// summary and state log as they were, no session added. One whose only
// unfinished conversations failed says that nothing is left to run but
// them, with the command that continues them, here or on its queue, and
// exits 1 as a batch with a failure does.
func TestResumingABatchWithNothingLeftLeavesItAsItIs(t *testing.T) {
	var down atomic.Bool
	srv := openaitest.Start(t, func(r openaitest.Request) openaitest.Reply {
		if down.Load() && r.Body.Seed != nil && *r.Body.Seed == 2 && len(r.Body.Messages) >= 4 {
			return openaitest.Error(http.StatusBadRequest, "The provider is down.")
		}
		return queuetest.Turn(r, time.Millisecond)
	})
	t.Setenv("PARLEY_QUEUE_E2E_KEY", queueTestKey)
	local := func(*testing.T) []string { return nil }
	embedded := func(*testing.T) []string { return []string{"--queue", "embedded"} }
	nats := func(t *testing.T) []string { return natsWithWorker(t, 2) }
	cases := []struct {
		name   string
		queue  func(t *testing.T) []string // the batch's queue flags
		failed bool                        // one conversation of two fails
		want   string                      // what the resume says; DIR is the batch folder, FLAGS its queue flags
	}{
		{"here, every conversation done", local, false, "is finished: all 2 conversations ended, and nothing is left to run. Its summary is DIR/summary.md."},
		{"here, a failure left", local, true, "has nothing left to run but its 1 failed conversation (of 2), whose error is in DIR/summary.md; once the cause is fixed, continue it with: parley batch --resume DIR --retry-failed\n"},
		{"on an embedded queue, every conversation done", embedded, false, "is finished: all 2 conversations have their transcripts in DIR/runs; its summary is DIR/summary.md\n"},
		{"on an embedded queue, a failure left", embedded, true, "has nothing left to run but its 1 failed conversation (of 2), whose error is in DIR/summary.md; once the cause is fixed, continue it with: parley batch --resume DIR FLAGS --retry-failed\n"},
		{"on a NATS server, every conversation done", nats, false, "is finished: all 2 conversations have their transcripts in DIR/runs; its summary is DIR/summary.md\n"},
		{"on a NATS server, a failure left", nats, true, "has nothing left to run but its 1 failed conversation (of 2), whose error is in DIR/summary.md; once the cause is fixed, continue it with: parley batch --resume DIR FLAGS --retry-failed\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			down.Store(c.failed)
			dir := t.TempDir()
			flags := c.queue(t)
			out := filepath.Join(dir, "batch")
			code, stdout, stderr := parley(t, append([]string{"batch", queueScenario(t, dir, srv.URL, 6, 100000), "--vary", "seed=1,2", "--out", out, "--plain"}, flags...)...)
			if want := map[bool]int{false: exitOK, true: exitFailure}[c.failed]; code != want {
				t.Fatalf("batch: exit %d, want %d\n%s%s", code, want, stdout, stderr)
			}
			before := folderBytes(t, out)
			code, stdout, stderr = parley(t, append([]string{"batch", "--resume", out, "--plain"}, flags...)...)
			want := strings.NewReplacer("DIR", out, "FLAGS", strings.Join(flags, " ")).Replace(c.want)
			said, wantCode := stdout, exitOK
			if c.failed {
				said, wantCode = stderr, exitFailure
			}
			if code != wantCode || !strings.Contains(said, want) || strings.Count(stdout+stderr, "\n") != 1 {
				t.Errorf("resume: exit %d; want %d and %q alone\nstdout:\n%s\nstderr:\n%s", code, wantCode, want, stdout, stderr)
			}
			after := folderBytes(t, out)
			for name, data := range before {
				if !bytes.Equal(after[name], data) {
					t.Errorf("resume changed %s", name)
				}
			}
			for name := range after {
				if _, ok := before[name]; !ok {
					t.Errorf("resume wrote %s", name)
				}
			}
		})
	}
}

// folderBytes is every file under dir, by its path, with its bytes.
func folderBytes(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		files[path] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}
