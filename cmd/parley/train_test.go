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
	if !strings.Contains(errOut, "parley: warning: the model was fitted on only 8 labelled transcripts") {
		t.Errorf("stderr %q; want a warning that 8 labelled transcripts are few to fit on", errOut)
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

// train refuses folds it cannot split the folders into, shuffles below
// 0 and an empty end token, each with a sentence giving what it takes,
// before it prints any figure; with the default folds, a folder too small
// for them says so in its row, and --shuffles adds a row of the spread.
func TestTrainRefusesFoldsAndTokensItCannotUse(t *testing.T) {
	dir, small := t.TempDir(), t.TempDir()
	for i, n := range []int{6, 8, 10, 12} {
		echo := append(words(n), "bye [END]", "bye [END]", "[END]", "[END]", "[END]", "[END]", "[END]", "[END]")
		writeCase(t, dir, "loop"+string(rune('a'+i)), echo, "stop_after: "+strconv.Itoa(n)+"\nstop_by: "+strconv.Itoa(n+6)+"\n")
		writeCase(t, dir, "healthy"+string(rune('a'+i)), words(n+8), "stop_after: "+strconv.Itoa(n+8)+"\nstop_by: null\n")
	}
	for i, n := range []int{6, 8, 10} {
		writeCase(t, small, "healthy"+string(rune('a'+i)), words(n), "stop_after: "+strconv.Itoa(n)+"\nstop_by: null\n")
	}
	cases := []struct {
		name string
		args []string
		code int
		want string // in stdout on success, else stderr
	}{
		{"no folds", []string{"--folds", "0", dir}, exitUsage, "parley: --folds is 0; cross-validation splits each folder into 2 folds or more, up to its labelled transcripts (the default is 5)\n"},
		{"one fold", []string{"--folds", "1", dir}, exitUsage, "parley: --folds is 1; cross-validation splits each folder into 2 folds or more"},
		{"negative folds", []string{"--folds", "-3", dir}, exitUsage, "parley: --folds is -3;"},
		{"more folds than transcripts", []string{"--folds", "9", dir, small}, exitUsage,
			"parley: --folds is 9, and each folder is cross-validated within itself: the largest given, " + dir + ", holds 8 labelled transcripts; give --folds from 2 to 8\n"},
		{"an empty token", []string{"--token", "", dir}, exitUsage, `parley: --token is ""; give the end token the signals look for, such as [END] (the default)` + "\n"},
		{"a blank token", []string{"--token", "  ", dir}, exitUsage, `parley: --token is "  ";`},
		{"as many folds as transcripts", []string{"--folds", "8", dir}, exitOK, "8-fold cross-validated here"},
		{"the default folds on a folder too small for them", []string{dir, small}, exitOK, "5-fold cross-validated here           — (3 labelled, fewer than the folds)"},
		{"negative shuffles", []string{"--shuffles", "-1", dir}, exitUsage, "parley: --shuffles is -1; give how many other deals of each folder into folds to cross-validate over, 0 (the default) or more\n"},
		{"shuffles of the folds", []string{"--folds", "2", "--shuffles", "3", dir}, exitOK, "  the same, 3 shuffles of the folds    "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := parley(t, append([]string{"train"}, c.args...)...)
			got := errOut
			if c.code == exitOK {
				got = out
			}
			if code != c.code || !strings.Contains(got, c.want) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit %d and %q", code, out, errOut, c.code, c.want)
			}
			if c.code != exitOK && out != "" {
				t.Errorf("printed figures before refusing: %q", out)
			}
		})
	}
}

// train says what check says of the labels and files it reads: a table
// whose rows name no file there labels nothing, and train says why it has
// nothing to train on.
func TestTrainSaysWhatCheckSaysOfItsLabels(t *testing.T) {
	dir := t.TempDir()
	writeCase(t, dir, "a", words(8), "")
	os.WriteFile(filepath.Join(dir, "labels.json"), []byte(`{"transcripts": [{"file": "data/convs/a.md", "stop_after": 3, "stop_by": 6}]}`), 0o600)
	code, _, errOut := parley(t, "train", dir)
	if code != exitUsage || !strings.Contains(errOut, "labels.json: 1 of its transcripts is not there: data/convs/a.md") ||
		!strings.Contains(errOut, "or a labels.json whose rows name them") {
		t.Errorf("a table naming no file there: exit %d\n%s", code, errOut)
	}
}
