package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/parleyhq/parley/orchestrator/policy"
)

// train fits a model from labelled transcripts, writes it where --out
// says, and skips the notes a folder of transcripts holds beside them.
func TestTrain(t *testing.T) {
	dir := t.TempDir()
	for i, n := range []int{6, 8, 10, 12} {
		echo := append(words(n), "bye [END]", "bye [END]", "[END]", "[END]", "[END]", "[END]", "[END]", "[END]")
		writeCase(t, dir, "loop"+string(rune('a'+i)), echo, "stop_after: "+strconv.Itoa(n)+"\nstop_by: "+strconv.Itoa(n+6)+"\n")
		writeCase(t, dir, "healthy"+string(rune('a'+i)), words(n+8), "stop_after: "+strconv.Itoa(n+8)+"\nstop_by: null\n")
	}
	os.WriteFile(filepath.Join(dir, "NOTES.md"), []byte("# What we found\n\n## Loops\n\nMost end in [END] echoes.\n"), 0o600)
	model := filepath.Join(t.TempDir(), "model.json")

	code, out, errOut := parley(t, "train", "--folds", "2", "--out", model, dir)
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "Trained on 8 labelled transcripts") || !strings.Contains(out, "2-fold cross-validated here") || !strings.Contains(out, "Wrote the model to "+model) {
		t.Errorf("stdout:\n%s", out)
	}
	if !strings.Contains(errOut, "NOTES.md: skipped") || strings.Contains(errOut, "could not be read") {
		t.Errorf("stderr %q; want NOTES.md skipped, nothing unread", errOut)
	}
	m, err := policy.LoadLoopModel(model)
	if err != nil {
		t.Fatalf("the model written does not load: %v", err)
	}
	if len(m.Weights) != len(policy.LoopFeatureNames) {
		t.Errorf("%d weights, want one per signal (%d)", len(m.Weights), len(policy.LoopFeatureNames))
	}

	// A labelled file no reader takes is an error, not a skip.
	os.WriteFile(filepath.Join(dir, "odd.md"), []byte("# Odd\n\nno conversation\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "odd.expect.yaml"), []byte("stop_after: 1\nstop_by: null\n"), 0o600)
	code, _, errOut = parley(t, "train", "--folds", "2", dir)
	if code != exitFailure || !strings.Contains(errOut, "odd.md: not a transcript layout parley knows") || !strings.Contains(errOut, "1 file could not be read") {
		t.Errorf("with a labelled file no reader takes: exit %d, stderr %q", code, errOut)
	}
}
