package analysis

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/parleyhq/parley/orchestrator/policy"
)

// agrees says which terminal states fit each loop kind of the corpus's hand
// labels (labels.json). A "mixed" loop fits any state but healthy.
var agrees = map[string][]State{
	"none":           {Healthy},
	"farewell":       {Farewell, EndEcho},
	"refusal":        {Refusals},
	"token-pingpong": {EndEcho, PingPong, Silence},
	"verbatim":       {Verbatim, Template, EndEcho},
	"near-verbatim":  {Verbatim, Template},
	"paraphrase":     {Template, Circling},
	"mixed":          {Farewell, EndEcho, Refusals, Template, Verbatim, PingPong, Silence, Circling},
}

// The terminal states the report names agree with the annotators' loop
// kinds on the attractors corpus at least as often as they did when the
// rules were written (a ratchet: raise it when the rules get better).
func TestTerminalStatesAgreeWithTheLabels(t *testing.T) {
	needCorpus(t)
	// 45 of 48 agreed when the rules were written; the floor leaves one for
	// a retrained loop model, which moves stops and loop starts.
	const atLeast = 44
	data, err := os.ReadFile(filepath.Join(corpusDir, "labels.json"))
	if err != nil {
		t.Fatal(err)
	}
	var labels struct {
		Transcripts []struct {
			File     string `json:"file"`
			LoopKind string `json:"loop_kind"`
		} `json:"transcripts"`
	}
	if err := json.Unmarshal(data, &labels); err != nil {
		t.Fatal(err)
	}
	kind := map[string]string{}
	for _, l := range labels.Transcripts {
		kind[filepath.Base(l.File)] = l.LoopKind
	}
	files, err := Gather([]string{filepath.Join(corpusDir, "attractors")})
	if err != nil {
		t.Fatal(err)
	}
	agreed, total := 0, 0
	Each(files, func(it Item) Conversation { return Describe(it, policy.Default) }, func(c Conversation) {
		k, ok := kind[filepath.Base(c.File)]
		if !ok {
			return
		}
		total++
		if slices.Contains(agrees[k], c.State) {
			agreed++
		} else {
			t.Logf("%s: labelled %s, named %s", filepath.Base(c.File), k, c.State)
		}
	}, func(f File, err error) { t.Errorf("%s: %v", f.Path, err) })
	if total == 0 {
		t.Fatal("no labelled conversation found in the attractors folder")
	}
	t.Logf("%d of %d terminal states agree with the labels", agreed, total)
	if agreed < atLeast {
		t.Errorf("%d of %d terminal states agree with the hand labels' loop kinds; they agreed for %d", agreed, total, atLeast)
	}
}
