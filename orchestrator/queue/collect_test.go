package queue

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/orchestrator/batch"
)

// Collecting into a folder whose batch.json parley cannot take (edited by
// hand, say) says what is wrong with it, as batch --resume would, not
// that the folder holds a batch to finish with --resume: only a folder
// without a batch.json is one to collect the batch into afresh.
func TestCollectSaysWhatIsWrongWithTheFoldersManifest(t *testing.T) {
	src := `roster:
  defaults: {base_url: http://127.0.0.1:1/v1, system: Talk.}
  agents:
    - {name: Alpha, model: alpha-1}
    - {name: Beta, model: beta-1}
termination: {max_messages: 3}
`
	m := planRoster(t, "edited", src, 1)
	e := startQueue(t)
	q := connect(t, e)
	ctx := context.Background()
	if _, err := q.Submit(ctx, m, time.Second); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		edit func(map[string]any)
		raw  string
		want string
	}{
		{name: "a job naming a scenario the batch lacks",
			edit: func(v map[string]any) { v["jobs"].([]any)[1].(map[string]any)["scenario"] = 3 },
			want: "names scenario 3, and the batch holds 1 (scenario 0)"},
		{name: "not JSON", raw: "{ not json", want: "invalid character"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := t.TempDir()
			if err := batch.WriteManifest(out, m); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(out, batch.ManifestFile)
			data := []byte(c.raw)
			if c.edit != nil {
				var v map[string]any
				raw, _ := os.ReadFile(path)
				if err := json.Unmarshal(raw, &v); err != nil {
					t.Fatal(err)
				}
				c.edit(v)
				data, _ = json.Marshal(v)
			}
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := q.Collect(ctx, m.ID, out)
			if err == nil || !strings.Contains(err.Error(), path+": ") || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "--resume") {
				t.Fatalf("Collect: %v; want the sentence naming %s and holding %q, not a suggestion to --resume", err, path, c.want)
			}
			if after, _ := os.ReadFile(path); string(after) != string(data) {
				t.Errorf("Collect changed %s", path)
			}
		})
	}
	// A folder without a batch.json is collected into, as before.
	out := t.TempDir()
	if _, err := q.Collect(ctx, m.ID, out); err != nil {
		t.Fatalf("collecting into an empty folder: %v", err)
	}
	if prev, err := batch.ReadManifest(out); err != nil || prev.ID != m.ID {
		t.Errorf("the collected folder's batch.json: %v, %v; want batch %s", prev, err, m.ID)
	}
}

// Download replaces a transcript in the batch folder that the queue's
// copy goes on from (the failure a retry continued), which that copy
// holds whole; one that holds what the queue's copy does not (continued
// here, or notes written below its messages) is kept aside, and said so.
func TestDownloadReplacesOnlyWhatTheQueuesCopyGoesOnFrom(t *testing.T) {
	const (
		head     = "# Turns\n\n**Messages:** %d\n\n---\n\n"
		jsonl    = "{\"type\":\"run\"}\n{\"n\":1}\n"
		markdown = "### A\n\nhi\n\n"
	)
	queueJSONL := jsonl + "{\"n\":2}\n"
	queueMD := fmt.Sprintf(head, 2) + markdown + "### B\n\nho\n\n"
	q := connect(t, startQueue(t))
	ctx := context.Background()
	for _, c := range []struct {
		name      string
		jsonl, md string
		keptAside []string
	}{
		{"what the queue's copy goes on from", jsonl, fmt.Sprintf(head, 1) + markdown, nil},
		{"a JSONL continued here", jsonl + "{\"n\":99}\n", fmt.Sprintf(head, 1) + markdown, []string{"t.jsonl"}},
		{"notes below the messages", jsonl, fmt.Sprintf(head, 1) + markdown + "my notes\n", []string{"t.md"}},
		{"a Markdown without its header", jsonl, markdown, []string{"t.md"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			run := filepath.Join(dir, batch.RunsDir, "job")
			os.MkdirAll(run, 0o700)
			os.WriteFile(filepath.Join(run, "t.jsonl"), []byte(c.jsonl), 0o600)
			os.WriteFile(filepath.Join(run, "t.md"), []byte(c.md), 0o600)
			r := Record{Batch: "b", Result: batch.Result{ID: "job", JSONL: "b/runs/job/w-1/t.jsonl", Markdown: "b/runs/job/w-1/t.md"}}
			for name, data := range map[string]string{r.JSONL: queueJSONL, r.Markdown: queueMD} {
				if _, err := q.transcripts.PutBytes(ctx, name, []byte(data)); err != nil {
					t.Fatal(err)
				}
			}
			_, kept, err := q.Download(ctx, r, dir)
			if err != nil {
				t.Fatal(err)
			}
			for file, want := range map[string]string{"t.jsonl": queueJSONL, "t.md": queueMD} {
				if got, _ := os.ReadFile(filepath.Join(run, file)); string(got) != want {
					t.Errorf("%s holds %q; want the queue's copy", file, got)
				}
			}
			var aside []string
			for _, file := range []string{"t.jsonl", "t.md"} {
				if _, err := os.Stat(filepath.Join(run, file+".local")); err == nil {
					aside = append(aside, file)
				}
			}
			if !slices.Equal(aside, c.keptAside) || len(kept) != len(c.keptAside) {
				t.Errorf("kept aside %v, saying %q; want %v", aside, kept, c.keptAside)
			}
		})
	}
}
