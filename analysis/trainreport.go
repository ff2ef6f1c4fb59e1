package analysis

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"strconv"
	"sync"

	"github.com/parleyhq/parley/internal/phrase"
	"github.com/parleyhq/parley/orchestrator/policy"
)

// TrainingReport is what `parley train` measures: the model fitted on every
// example, how it scores on each folder it saw, and cross-validated
// figures that show how it does on conversations it did not see.
type TrainingReport struct {
	Folders []string
	Fitted  map[string]Tally // the model fitted on all, scored on each folder
	KFold   map[string]Tally // k-fold within each folder
	Across  map[string]Tally // fitted on the other folders, scored on this one
	// Unseen judges, for each speaker of a folder that takes part in at
	// most half its conversations (a model, not a seat every run has),
	// the conversations it takes part in by a model fitted on every
	// conversation it does not, in any folder; a conversation of two such
	// speakers is judged twice. Speakers counts them.
	Unseen   map[string]Tally
	Speakers map[string]int
	// Shuffled is the k-fold figure of each folder over Shuffles other
	// deals of its examples into folds: how far it moves with the split.
	Shuffled map[string]ShuffledTally
	Shuffles int
	K        int
	Examples int
	Looping  int // examples whose label has a loop: stop_by set, or loops
}

// ShuffledTally is how a folder's k-fold figures moved over shuffles of
// its folds.
type ShuffledTally struct {
	Labelled      int    // in each shuffle
	Passed, Early Spread // over the shuffles
}

// Spread is a figure's lowest, median and highest over several runs.
type Spread struct {
	Low, High int
	Median    float64 // the mean of the two middle runs when their count is even
}

// String writes the spread as "40–41–42", or one number when it did not move.
func (s Spread) String() string {
	if s.Low == s.High {
		return fmt.Sprint(s.Low)
	}
	return fmt.Sprintf("%d–%s–%d", s.Low, strconv.FormatFloat(s.Median, 'f', -1, 64), s.High)
}

// spreadOf is the spread of xs, which holds one or more.
func spreadOf(xs []int) Spread {
	xs = slices.Sorted(slices.Values(xs))
	n := len(xs)
	return Spread{Low: xs[0], High: xs[n-1], Median: float64(xs[(n-1)/2]+xs[n/2]) / 2}
}

// Train fits a model on all examples and cross-validates it: k folds
// within each folder (and again over shuffles other deals of each folder
// into folds, when shuffles is above 0) and, with several folders, each
// folder scored by a model fitted on the others.
func Train(examples []Example, k int, token string, shuffles int) (TrainingReport, *policy.LoopModel, error) {
	if len(examples) == 0 {
		return TrainingReport{}, nil, fmt.Errorf("no labelled transcripts to train on; give folders that hold NAME.md files with NAME.expect.yaml labels, or a labels.json whose rows name them")
	}
	r := TrainingReport{Fitted: map[string]Tally{}, KFold: map[string]Tally{}, Across: map[string]Tally{},
		Unseen: map[string]Tally{}, Speakers: map[string]int{}, Shuffled: map[string]ShuffledTally{},
		Shuffles: shuffles, K: k, Examples: len(examples)}
	for _, e := range examples {
		if e.Label.StopBy != nil || len(e.Label.Loops) > 0 {
			r.Looping++
		}
	}
	by := map[string][]Example{}
	for _, e := range examples {
		if _, ok := by[e.Folder]; !ok {
			r.Folders = append(r.Folders, e.Folder)
		}
		by[e.Folder] = append(by[e.Folder], e)
	}
	m := Fit(examples, token, TrainedOn(examples))
	for _, f := range r.Folders {
		r.Fitted[f] = Evaluate(m, by[f])
		if k > 1 && len(by[f]) >= k {
			r.KFold[f], _ = CrossValidate(by[f], k, token)
			if shuffles > 0 {
				passed, early := shuffledFolds(by[f], k, token, shuffles)
				r.Shuffled[f] = ShuffledTally{Labelled: r.KFold[f].Labelled, Passed: spreadOf(passed), Early: spreadOf(early)}
			}
		}
		if len(r.Folders) > 1 {
			var others []Example
			for _, g := range r.Folders {
				if g != f {
					others = append(others, by[g]...)
				}
			}
			r.Across[f] = Evaluate(Fit(others, token, ""), by[f])
		}
		if t, n := unseenSpeakers(examples, by[f], token); n >= minUnseenSpeakers {
			r.Unseen[f], r.Speakers[f] = t, n
		}
	}
	return r, m, nil
}

// shuffledFolds cross-validates examples over shuffles 1 to n of their
// folds, on one worker per core, and returns each shuffle's passes and
// conversations cut early.
func shuffledFolds(examples []Example, k int, token string, n int) (passed, early []int) {
	passed, early = make([]int, n), make([]int, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(n, runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			for s := range next {
				t, _ := crossValidate(examples, k, token, uint64(s+1))
				passed[s], early[s] = t.Passed, t.Early
			}
		})
	}
	for s := range n {
		next <- s
	}
	close(next)
	wg.Wait()
	return passed, early
}

// minUnseenSpeakers is the fewest speakers a folder's unseen-speaker
// figure is made of: with fewer, it says little about speakers in general.
const minUnseenSpeakers = 3

// unseenSpeakers judges each speaker of folder that takes part in at most
// half its conversations on those conversations, by a model fitted on
// every example it takes no part in, and sums the tallies; n is how many
// speakers were judged.
func unseenSpeakers(all, folder []Example, token string) (t Tally, n int) {
	runs := map[string]int{}
	var order []string
	for _, e := range folder {
		for _, s := range e.Speakers {
			if runs[s] == 0 {
				order = append(order, s)
			}
			runs[s]++
		}
	}
	for _, s := range order {
		if 2*runs[s] > len(folder) {
			continue // a seat every run has, such as "Claude 1"
		}
		var train, test []Example
		for _, e := range all {
			if !slices.Contains(e.Speakers, s) {
				train = append(train, e)
			}
		}
		for _, e := range folder {
			if slices.Contains(e.Speakers, s) {
				test = append(test, e)
			}
		}
		t = addTally(t, Evaluate(Fit(train, token, ""), test))
		n++
	}
	return t, n
}

// fewToTrainOn is how many labelled transcripts a model can be fitted on
// before parley warns that it will learn their particulars: the built-in
// model was fitted on 93, and its cross-validated figures hold within a
// conversation of its fitted ones.
const fewToTrainOn = 30

// Warnings are sentences for the person training: a model fitted on too
// few labelled transcripts, or on labels that show it no loop, or
// nothing but loops, will not judge other recordings as its figures say.
func (r TrainingReport) Warnings() []string {
	var out []string
	if r.Examples < fewToTrainOn {
		out = append(out, fmt.Sprintf("the model was fitted on only %s: a model fitted on so few learns their particulars and will not hold on other recordings (the built-in one was fitted on 93); label more, or read the cross-validated rows before using it",
			phrase.Count(r.Examples, "labelled transcript", "labelled transcripts")))
	}
	switch r.Looping {
	case 0:
		out = append(out, "none of the labels shows a loop (each has stop_by: null and no loops), so the model learns never to stop; label recordings that loop too")
	case r.Examples:
		out = append(out, "every label shows a loop, so the model learns no healthy conversation to leave alone; label recordings that stay healthy to the end too (stop_by: null)")
	}
	return out
}

// Print writes the report as a table.
func (r TrainingReport) Print(w io.Writer) {
	row := func(name string, t Tally, ok bool) string {
		if !ok {
			return fmt.Sprintf("  %-37s %s", name, "—")
		}
		return fmt.Sprintf("  %-37s %d/%d passed, %d cut early, %d late", name, t.Passed, t.Labelled, t.Early, t.Late)
	}
	for _, f := range r.Folders {
		fmt.Fprintf(w, "%s\n", f)
		fmt.Fprintln(w, row("fitted on all, scored here", r.Fitted[f], true))
		t, ok := r.KFold[f]
		kfold := row(fmt.Sprintf("%d-fold cross-validated here", r.K), t, ok)
		if n := r.Fitted[f].Labelled; !ok && n < r.K {
			kfold += fmt.Sprintf(" (%d labelled, fewer than the folds)", n)
		}
		fmt.Fprintln(w, kfold)
		if st, ok := r.Shuffled[f]; ok {
			fmt.Fprintf(w, "  %-37s %s/%d passed, %s cut early (lowest, median, highest)\n",
				fmt.Sprintf("the same, %s of the folds", phrase.Count(r.Shuffles, "shuffle", "shuffles")), st.Passed, st.Labelled, st.Early)
		}
		t, ok = r.Across[f]
		fmt.Fprintln(w, row("fitted on the other folders", t, ok))
		t, ok = r.Unseen[f]
		name := "each speaker, fitted without"
		if ok {
			name = fmt.Sprintf("each of %d speakers, fitted without", r.Speakers[f])
		}
		fmt.Fprintln(w, row(name, t, ok))
	}
}
