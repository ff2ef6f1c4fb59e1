package analysis

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/parleyhq/parley/orchestrator/policy"
)

// corpusDir is the labelled corpus, beside the repository.
const corpusDir = "../../shared/corpus"

func needCorpus(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(corpusDir, "attractors")); err != nil {
		t.Skipf("the labelled corpus is not at %s (it sits beside the repository as ../shared/corpus); nothing to score", corpusDir)
	}
}

// judgeFolder runs the default set over one folder of the corpus.
func judgeFolder(t *testing.T, dir string) Tally {
	t.Helper()
	files, err := Gather([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	var tl Tally
	Each(files, func(it Item) Outcome {
		return Score(it.Label, len(it.Messages), Judge(policy.Default(), it.Messages).At)
	}, func(o Outcome) { tl.Add(o, 0) }, func(f File, err error) { t.Errorf("%s: %v", f.Path, err) })
	return tl
}

// The ratchet: the default set never passes fewer of a folder's
// conversations, or cuts more short, than testdata/corpus-figures.yaml
// records.
func TestDefaultSetOnTheCorpus(t *testing.T) {
	needCorpus(t)
	data, err := os.ReadFile("testdata/corpus-figures.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]struct{ Passed, Early int }
	if err := yaml.Unmarshal(data, &want); err != nil {
		t.Fatal(err)
	}
	for folder, w := range want {
		t.Run(folder, func(t *testing.T) {
			got := judgeFolder(t, filepath.Join(corpusDir, folder))
			if got.Labelled == 0 {
				t.Fatalf("no labelled conversations in %s", folder)
			}
			if got.Passed < w.Passed || got.Early > w.Early {
				t.Errorf("%s: %d/%d passed, %d cut early; recorded %d passed, %d cut early",
					folder, got.Passed, got.Labelled, got.Early, w.Passed, w.Early)
			}
			if got.Passed > w.Passed || got.Early < w.Early {
				t.Logf("%s improved to %d passed, %d cut early: raise testdata/corpus-figures.yaml", folder, got.Passed, got.Early)
			}
		})
	}
}

// The embedded model is the one the documented command trains from the
// corpus, so anyone can reproduce it:
//
//	parley train --out orchestrator/policy/loopmodel.json ../shared/corpus/attractors ../shared/corpus/backrooms
func TestEmbeddedModelIsRetrainable(t *testing.T) {
	needCorpus(t)
	files, err := Gather([]string{filepath.Join(corpusDir, "attractors"), filepath.Join(corpusDir, "backrooms")})
	if err != nil {
		t.Fatal(err)
	}
	var examples []Example
	Each(files, func(it Item) Example { return NewExample(it, "[END]") },
		func(e Example) { examples = append(examples, e) }, func(f File, err error) { t.Fatal(err) })
	got := Fit(examples, "[END]", "")
	want := policy.BuiltinLoopModel()
	if got.Threshold != want.Threshold || got.Count != want.Count || got.Within != want.Within {
		t.Fatalf("retrained decision: threshold %v, count %d of %d; embedded: %v, %d of %d",
			got.Threshold, got.Count, got.Within, want.Threshold, want.Count, want.Within)
	}
	for i := range got.Weights {
		if math.Abs(got.Weights[i]-want.Weights[i]) > 1e-6 || math.Abs(got.Mean[i]-want.Mean[i]) > 1e-6 {
			t.Errorf("signal %s: retrained weight %.6f, mean %.6f; embedded %.6f, %.6f — retrain with parley train",
				want.Features[i], got.Weights[i], got.Mean[i], want.Weights[i], want.Mean[i])
		}
	}
}
