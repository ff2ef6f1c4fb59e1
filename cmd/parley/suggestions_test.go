package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/parleyhq/parley/configs"
	"github.com/parleyhq/parley/orchestrator"
	"github.com/parleyhq/parley/orchestrator/batch"
)

// Every command parley suggests is typed as it reads: a path or value
// with a space, a quote or a dollar in it is quoted for the shell, so
// that it reaches parley as the one word it is.
func TestSuggestedCommandsQuoteTheirWords(t *testing.T) {
	const dir = "my batch/it's $HOME"
	m := &batch.Manifest{ID: "20261130T081500", Jobs: make([]batch.PlannedJob, 4)}
	sum := &batch.Summary{Planned: 4, Done: 1, Failed: 2, Interrupted: 1}
	embedded := queueFlags{url: embeddedQueue, dir: "queue dir", listen: "127.0.0.1:4222"}
	nats := queueFlags{url: "nats://u:pw-SECRET@127.0.0.1:4222"}
	onEmbedded := &batch.Manifest{ID: m.ID, Queue: embeddedQueue, QueueDir: "queue dir"}
	roster := &configs.Scenario{Path: "my roster.yaml", Roster: &configs.Roster{Agents: make([]configs.Agent, 3)}}
	errText := func(err error) string {
		if err == nil {
			return ""
		}
		return err.Error()
	}
	for _, c := range []struct {
		name, said, after string
		want              []string
	}{
		{"a local batch with failures", errText(batchFailed(sum, dir, resumeHere(dir))), "continue them with:",
			[]string{"parley", "batch", "--resume", dir, "--retry-failed"}},
		{"a local batch interrupted", errText(batchInterrupted(sum, dir)), "finish the batch with:",
			[]string{"parley", "batch", "--resume", dir}},
		{"a queued batch with failures", errText(batchFailed(sum, dir, resumeQueued(dir, embedded))), "continue them with:",
			[]string{"parley", "batch", "--resume", dir, "--queue", "embedded", "--queue-dir", "queue dir", "--queue-listen", "127.0.0.1:4222", "--retry-failed"}},
		{"an embedded queue interrupted", errText(queuedInterruption(true, 1, 4, "queue dir", dir, m.ID, embedded)), "finish the batch with:",
			[]string{"parley", "batch", "--resume", dir, "--queue", "embedded", "--queue-dir", "queue dir", "--queue-listen", "127.0.0.1:4222"}},
		{"a NATS queue left to follow", errText(queuedInterruption(false, 1, 4, "", dir, m.ID, nats)), "Follow again with:",
			[]string{"parley", "batch", "--resume", dir, "--queue", "nats://REDACTED@127.0.0.1:4222"}},
		{"a NATS queue left to collect", errText(queuedInterruption(false, 1, 4, "", dir, m.ID, nats)), "fetch later with:",
			[]string{"parley", "collect", "--queue", "nats://REDACTED@127.0.0.1:4222", "--batch", m.ID, "--out", dir}},
		{"a local batch resumed on a queue", errText(sameQueue(m, dir, &queueFlags{url: embeddedQueue}, true)), "resume it with",
			[]string{"parley", "batch", "--resume", dir, "--retry-failed"}},
		{"a queued batch resumed here", errText(sameQueue(onEmbedded, dir, &queueFlags{}, false)), "resume it there, with",
			[]string{"parley", "batch", "--resume", dir, "--queue", "embedded", "--queue-dir", "queue dir"}},
		{"a queued batch resumed on another queue", errText(sameQueue(onEmbedded, dir, &nats, true)), "resume it on its own queue, with",
			[]string{"parley", "batch", "--resume", dir, "--queue", "embedded", "--queue-dir", "queue dir", "--retry-failed"}},
		{"a full disk", noRoom(fmt.Errorf("writing: %w", syscall.ENOSPC), dir+"/t.jsonl"), "continue the conversation with:",
			[]string{"parley", "resume", dir + "/t.jsonl"}},
		{"a roster run", errText(orchestrator.OneConversation(roster)), "stage its pairs with",
			[]string{"parley", "batch", "my roster.yaml"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := commandIn(t, c.said, c.after, len(c.want)); !slices.Equal(got, c.want) {
				t.Errorf("%s\nsuggests %q; want %q", c.said, got, c.want)
			}
			if strings.Contains(c.said, "pw-SECRET") {
				t.Errorf("the queue's password is shown: %s", c.said)
			}
		})
	}

	t.Run("two scenarios to run", func(t *testing.T) {
		code, _, errOut := parley(t, "run", "a b.yaml", "it's.yaml")
		want := []string{"parley", "batch", "a b.yaml", "it's.yaml"}
		if got := commandIn(t, errOut, "use", len(want)); code != exitUsage || !slices.Equal(got, want) {
			t.Errorf("exit %d, %s\nsuggests %q; want %d and %q", code, errOut, got, exitUsage, want)
		}
	})
	t.Run("a batch folder already used", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), dir)
		if err := os.MkdirAll(out, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := batch.WriteManifest(out, m); err != nil {
			t.Fatal(err)
		}
		err := batch.WriteManifest(out, m)
		want := []string{"parley", "batch", "--resume", out}
		if got := commandIn(t, errText(err), "finish it with", len(want)); !slices.Equal(got, want) {
			t.Errorf("%v\nsuggests %q; want %q", err, got, want)
		}
	})
}
