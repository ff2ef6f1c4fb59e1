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

// A batch.json edited by hand so that a job's pair names a roster agent
// its scenario does not have is refused with a sentence naming the file,
// the job and the field, not staged (where the sentence named neither)
// nor, with every job done, said to be finished.
func TestAManifestWhoseJobsPairNamesNoRosterAgentIsRefused(t *testing.T) {
	roster := `{"path": "r.yaml", "source": "roster:\n  agents:\n    - {name: A, type: scripted, lines: [a]}\n    - {name: B, type: scripted, lines: [b]}\n    - {name: C, type: scripted, lines: [c]}\n"}`
	one := `{"path": "one.yaml", "source": "roster:\n  agents:\n    - {name: A, type: scripted, lines: [a]}\n  self_play: true\n"}`
	two := `{"path": "s.yaml", "source": "agents:\n  - {name: A, type: scripted, lines: [a]}\n  - {name: B, type: scripted, lines: [b]}\n"}`
	cases := []struct {
		name, scenarios, jobs, want string
	}{
		{"pair.a past the last", roster,
			`[{"id": "b-0001", "scenario": 0, "pair": {"a": 0, "b": 1}}, {"id": "b-0002", "scenario": 0, "pair": {"a": 9, "b": 2}}]`,
			`job b-0002 names roster agent 9 (pair.a), and its scenario, r.yaml, has 3 (roster agents 0 to 2)`},
		{"pair.b below the first", roster,
			`[{"id": "b-0001", "scenario": 0, "pair": {"a": 1, "b": -1}}]`,
			`job b-0001 names roster agent -1 (pair.b), and its scenario, r.yaml, has 3 (roster agents 0 to 2)`},
		{"both", roster,
			`[{"id": "b-0001", "scenario": 0, "pair": {"a": 3, "b": 4}}]`,
			`job b-0001 names roster agents 3 (pair.a) and 4 (pair.b), and its scenario, r.yaml, has 3 (roster agents 0 to 2)`},
		{"a roster of one", one,
			`[{"id": "b-0001", "scenario": 0, "pair": {"a": 0, "b": 1}}]`,
			`job b-0001 names roster agent 1 (pair.b), and its scenario, one.yaml, has 1 (roster agent 0)`},
		{"a scenario without a roster", roster + ", " + two,
			`[{"id": "b-0001", "scenario": 0, "pair": {"a": 0, "b": 1}}, {"id": "b-0002", "scenario": 1, "pair": {"a": 0, "b": 1}}]`,
			`job b-0002 names roster agents 0 (pair.a) and 1 (pair.b), and its scenario, s.yaml, has no roster`},
		{"a roster's job without its pair", roster + ", " + two,
			`[{"id": "b-0001", "scenario": 1}, {"id": "b-0002", "scenario": 0}]`,
			`job b-0002 names no pair, and its scenario, r.yaml, is a roster, which stages one pair a job`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			data := `{"version": 1, "id": "b", "scenarios": [` + c.scenarios + `], "jobs": ` + c.jobs + `}`
			if err := os.WriteFile(filepath.Join(dir, ManifestFile), []byte(data), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := ReadManifest(dir)
			if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, ManifestFile)+": "+c.want) {
				t.Fatalf("ReadManifest: %v; want an error holding %q", err, c.want)
			}
		})
	}
	// The pairs parley plans read back.
	dir := t.TempDir()
	data := `{"version": 1, "id": "b", "scenarios": [` + roster + `, ` + one + `], "jobs": [{"id": "b-0001", "scenario": 0, "pair": {"a": 2, "b": 0}}, {"id": "b-0002", "scenario": 1, "pair": {"a": 0, "b": 0}}]}`
	if err := os.WriteFile(filepath.Join(dir, ManifestFile), []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadManifest(dir); err != nil {
		t.Fatalf("a manifest whose pairs name the roster's agents: %v", err)
	}
}
