package queue

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
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
