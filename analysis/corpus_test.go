package analysis

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/parleyhq/parley/orchestrator/policy"
	"github.com/parleyhq/parley/transcripts"
)

// corpusDir is the labelled corpus, beside the repository.
const corpusDir = "../../shared/corpus"

func needCorpus(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(corpusDir, "attractors")); err != nil {
		t.Skipf("the labelled corpus is not at %s (it sits beside the repository as ../shared/corpus); nothing to score", corpusDir)
	}
}

// corpusFigure is what testdata/corpus-figures.yaml records for a folder:
// the default set's passes and conversations cut short, the loop rule's
// when each speaker is judged by a model fitted without it, and the
// default set's on the folder's conversations rewritten by politer
// speakers and by speakers with habits of style.
type corpusFigure struct {
	Passed, Early int
	Unseen        struct{ Passed, Early int }
	Courtesy      struct{ Early int }
	Habits        struct{ Passed, Early int }
}

// corpusFigures reads the figures recorded for each folder of the corpus.
func corpusFigures(t *testing.T) map[string]corpusFigure {
	t.Helper()
	data, err := os.ReadFile("testdata/corpus-figures.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]corpusFigure
	if err := yaml.Unmarshal(data, &want); err != nil {
		t.Fatal(err)
	}
	return want
}

// corpusExamples reads the labelled conversations under roots as the loop
// rule's training examples, with the [END] token, as parley train does.
func corpusExamples(t *testing.T, roots ...string) []Example {
	t.Helper()
	files, err := Gather(roots)
	if err != nil {
		t.Fatal(err)
	}
	var examples []Example
	Each(files, func(it Item) Example { return NewExample(it, "[END]") },
		func(e Example) { examples = append(examples, e) }, func(f File, err error) { t.Fatal(err) })
	return examples
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

// judgeRewritten judges each labelled conversation of a folder of the
// corpus, rewritten in each of the named ways (rewrite(i, it) is it
// rewritten in the ith), with the default set: it counts the rewritten
// conversations that pass and names those cut short, with the way, the
// message it stopped at and the last message that adds something new.
func judgeRewritten(t *testing.T, folder string, ways []string, rewrite func(i int, it Item) []transcripts.Message) (passed int, early []string) {
	t.Helper()
	files, err := Gather([]string{filepath.Join(corpusDir, folder)})
	if err != nil {
		t.Fatal(err)
	}
	type judged struct {
		passed int
		early  []string
	}
	Each(files, func(it Item) (j judged) {
		for i, way := range ways {
			msgs := rewrite(i, it)
			at := Judge(policy.Default(), msgs).At
			switch Score(it.Label, len(msgs), at).Verdict {
			case Pass:
				j.passed++
			case Early:
				j.early = append(j.early, fmt.Sprintf("%s (%s): cut at %d, stop_after %d", filepath.Base(it.Name), way, at, it.Label.StopAfter))
			}
		}
		return j
	}, func(j judged) {
		passed += j.passed
		early = append(early, j.early...)
	}, func(f File, err error) { t.Errorf("%s: %v", f.Path, err) })
	return passed, early
}

// The ratchet: the default set never passes fewer of a folder's
// conversations, or cuts more short, than testdata/corpus-figures.yaml
// records.
func TestDefaultSetOnTheCorpus(t *testing.T) {
	needCorpus(t)
	for folder, w := range corpusFigures(t) {
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

// The generalisation ratchet: judged on the conversations of a speaker
// (a model) it was not fitted on, the loop rule never passes fewer, or
// cuts more short, than testdata/corpus-figures.yaml records under
// unseen.
func TestLoopRuleOnUnseenSpeakers(t *testing.T) {
	needCorpus(t)
	want := corpusFigures(t)
	var roots []string
	for folder := range want {
		roots = append(roots, filepath.Join(corpusDir, folder))
	}
	slices.Sort(roots)
	r, _, err := Train(corpusExamples(t, roots...), 5, "[END]", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, root := range roots {
		w := want[filepath.Base(root)].Unseen
		got, ok := r.Unseen[root]
		if !ok {
			t.Errorf("%s: no speaker could be judged unseen", root)
			continue
		}
		if got.Passed < w.Passed || got.Early > w.Early {
			t.Errorf("%s: each of %d speakers judged unseen: %d/%d passed, %d cut early; recorded %d passed, %d cut early",
				root, r.Speakers[root], got.Passed, got.Labelled, got.Early, w.Passed, w.Early)
		}
		if got.Passed > w.Passed || got.Early < w.Early {
			t.Logf("%s improved to %d passed, %d cut early unseen: raise testdata/corpus-figures.yaml", root, got.Passed, got.Early)
		}
	}
}

// politeStyles are how TestCourtesyIsNotAGoodbye rewrites each labelled
// conversation, as speakers with a polite habit would have written it:
// both sides opening their longer messages with thanks, the second side
// alone, both sides closing them with thanks, and, on every message
// however short, both sides ending with a sparkle and the first side
// opening with "Thanks!". minWords is the fewest words a message must
// hold to be given the habit.
var politeStyles = []struct {
	name             string
	openers, closers []string
	side, minWords   int
}{
	{"both sides open with thanks", []string{"Thank you so much for this thoughtful reply; I'm truly grateful.", "Many thanks!", "What a gift this is, thanks."}, nil, 0, 20},
	{"the second side opens with thanks", []string{"Thank you so much for this thoughtful reply; I'm truly grateful.", "Many thanks!", "What a gift this is, thanks."}, nil, 2, 20},
	{"both sides close with thanks", nil, []string{"Cheers, and thanks for the wonderful exchange.", "Much appreciated.", "Thanks, friend!"}, 0, 20},
	{"both sides end every message with a sparkle", nil, []string{"✨"}, 0, 1},
	{"the first side opens every message with thanks", []string{"Thanks!"}, nil, 1, 1},
}

// The courtesy ratchet: a model that thanks at every turn is not saying
// goodbye. Each labelled conversation, rewritten as politer speakers
// would have written it (politeStyles), keeps its labels; the default set
// never cuts more of them short, over the five styles, than
// testdata/corpus-figures.yaml records under courtesy.
func TestCourtesyIsNotAGoodbye(t *testing.T) {
	needCorpus(t)
	for folder, w := range corpusFigures(t) {
		t.Run(folder, func(t *testing.T) {
			names := make([]string, len(politeStyles))
			for i, st := range politeStyles {
				names[i] = st.name
			}
			_, early := judgeRewritten(t, folder, names, func(i int, it Item) []transcripts.Message {
				st := politeStyles[i]
				return politer(it.Messages, st.openers, st.closers, st.side, st.minWords)
			})
			if len(early) > w.Courtesy.Early {
				t.Errorf("%s: %d politer conversations cut short; recorded %d:\n%s", folder, len(early), w.Courtesy.Early, strings.Join(early, "\n"))
			}
			if len(early) < w.Courtesy.Early {
				t.Logf("%s improved to %d politer conversations cut short: lower courtesy's early in testdata/corpus-figures.yaml", folder, len(early))
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
	examples := corpusExamples(t, filepath.Join(corpusDir, "attractors"), filepath.Join(corpusDir, "backrooms"))
	got := Fit(examples, "[END]", "")
	want := policy.BuiltinLoopModel()
	if got.Threshold != want.Threshold || got.Lower != want.Lower || got.Sure != want.Sure || got.Count != want.Count || got.Within != want.Within {
		t.Fatalf("retrained decision: threshold %v (lower %v beside %v), count %d of %d; embedded: %v (%v beside %v), %d of %d",
			got.Threshold, got.Lower, got.Sure, got.Count, got.Within, want.Threshold, want.Lower, want.Sure, want.Count, want.Within)
	}
	for i := range got.Weights {
		if math.Abs(got.Weights[i]-want.Weights[i]) > 1e-6 || math.Abs(got.Mean[i]-want.Mean[i]) > 1e-6 {
			t.Errorf("signal %s: retrained weight %.6f, mean %.6f; embedded %.6f, %.6f — retrain with parley train",
				want.Features[i], got.Weights[i], got.Mean[i], want.Weights[i], want.Mean[i])
		}
	}
}

// A model staged against itself is often recorded with both sides under
// one name. The reader tells the sides apart by turn, so the default set
// stops each corpus conversation, rewritten with its second speaker's
// name replaced by its first's, exactly where it stops the original.
func TestOneNameForBothSidesJudgesAlike(t *testing.T) {
	needCorpus(t)
	files, err := Gather([]string{filepath.Join(corpusDir, "attractors"), filepath.Join(corpusDir, "backrooms")})
	if err != nil {
		t.Fatal(err)
	}
	renamed := 0
	for _, f := range files {
		data, err := os.ReadFile(f.Path)
		if err != nil {
			t.Fatal(err)
		}
		ts, _, err := transcripts.Import(data)
		if err != nil {
			t.Fatalf("%s: %v", f.Path, err)
		}
		sp := ts[0].Speakers()
		if len(sp) != 2 {
			continue
		}
		// Rewrite each message's heading line, as the file writes it.
		a, b := sp[0], sp[1]
		lines := strings.Split(string(data), "\n")
		for i, l := range lines {
			switch strings.TrimRight(l, "\r") {
			case "### " + b:
				lines[i] = "### " + a
			case "### " + b + " ###":
				lines[i] = "### " + a + " ###"
			}
		}
		one, _, err := transcripts.Import([]byte(strings.Join(lines, "\n")))
		if err != nil {
			t.Fatalf("%s with one name: %v", f.Path, err)
		}
		if got := one[0].Speakers(); len(got) != 2 || got[0] != a+" (1)" || got[1] != a+" (2)" {
			t.Errorf("%s with one name: speakers %q, want %q and %q", f.Path, got, a+" (1)", a+" (2)")
			continue
		}
		renamed++
		want, got := Judge(policy.Default(), ts[0].Messages), Judge(policy.Default(), one[0].Messages)
		if got.At != want.At || got.Policy != want.Policy {
			t.Errorf("%s: with both sides named %q it stops at %d (%s), as written at %d (%s)", f.Path, a, got.At, got.Policy, want.At, want.Policy)
		}
	}
	if renamed < len(files)*9/10 {
		t.Fatalf("only %d of %d corpus files could be rewritten under one name", renamed, len(files))
	}
}

// politer returns the messages as a politer speaker would have written
// them: each spoken message of minWords words or more, of both sides
// (side 0), the first speaker (1) or the second (2), opens with the next
// of openers and closes with the next of closers. A blank message stays
// blank.
func politer(msgs []transcripts.Message, openers, closers []string, side, minWords int) []transcripts.Message {
	out := slices.Clone(msgs)
	k := 0
	eachSpoken(out, func(_, s int, m *transcripts.Message) {
		if side != 0 && s != side || len(strings.Fields(m.Content)) < minWords {
			return
		}
		if len(openers) > 0 {
			m.Content = openers[k%len(openers)] + " " + m.Content
		}
		if len(closers) > 0 {
			m.Content += "\n\n" + closers[k%len(closers)]
		}
		k++
	})
	return out
}

// eachSpoken calls fn with each message of msgs a speaker wrote that is
// not blank, its index and its side: 1 for the first speaker, 2 for the
// other. A moderator's note is no one's.
func eachSpoken(msgs []transcripts.Message, fn func(i, side int, m *transcripts.Message)) {
	first := ""
	for i := range msgs {
		m := &msgs[i]
		if m.Origin == transcripts.OriginModerator {
			continue
		}
		if first == "" {
			first = m.Speaker
		}
		if strings.TrimSpace(m.Content) == "" {
			continue
		}
		side := 2
		if m.Speaker == first {
			side = 1
		}
		fn(i, side, m)
	}
}

// The default set passes every probe: conversations written for the tests
// in the languages, scripts and styles the corpus does not hold (see
// testdata/probes/README.md), none cut short and every loop stopped in
// its window.
func TestProbes(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("testdata", "probes", "*"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, dir := range dirs {
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			continue
		}
		n++
		t.Run(filepath.Base(dir), func(t *testing.T) {
			files, err := Gather([]string{dir})
			if err != nil {
				t.Fatal(err)
			}
			Each(files, func(it Item) string {
				at := Judge(policy.Default(), it.Messages).At
				if o := Score(it.Label, len(it.Messages), at); o.Verdict != Pass {
					return fmt.Sprintf("%s: stopped at %d (0: not at all), %s", it.Name, at, o.Verdict)
				}
				return ""
			}, func(fail string) {
				if fail != "" {
					t.Error(fail)
				}
			}, func(f File, err error) { t.Errorf("%s: %v", f.Path, err) })
		})
	}
	if n == 0 {
		t.Fatal("no probes in testdata/probes")
	}
}
