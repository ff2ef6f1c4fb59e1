package batch

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A batch.json edited by hand so that a job names a scenario the batch
// does not hold is refused with a sentence naming the file and the job,
// not read until a conversation of it is staged and parley panics.
func TestAManifestWhoseJobNamesNoScenarioIsRefused(t *testing.T) {
	cases := []struct {
		name, jobs, want string
	}{
		{"past the last", `[{"id": "b-0001", "scenario": 0}, {"id": "b-0002", "scenario": 2}]`,
			`job b-0002 names scenario 2, and the batch holds 1 (scenario 0)`},
		{"below the first", `[{"id": "b-0001", "scenario": -1}]`,
			`job b-0001 names scenario -1, and the batch holds 1 (scenario 0)`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			data := `{"version": 1, "id": "b", "scenarios": [{"path": "s.yaml", "source": "title: s"}], "jobs": ` + c.jobs + `}`
			if err := os.WriteFile(filepath.Join(dir, ManifestFile), []byte(data), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := ReadManifest(dir)
			if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, ManifestFile)+": "+c.want) {
				t.Fatalf("ReadManifest: %v; want an error holding %q", err, c.want)
			}
		})
	}
}
