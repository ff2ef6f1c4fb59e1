package analysis

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/parleyhq/parley/orchestrator/policy"
	"github.com/parleyhq/parley/transcripts"
)

// The decision, read plainly: where a run of chances stops.
func TestDecisionRule(t *testing.T) {
	rule := DecisionRule{Threshold: 0.70, Lower: 0.60, Sure: 0.95, Count: 4, Within: 6}
	plain := DecisionRule{Threshold: 0.70, Lower: 0.70, Sure: 0.95, Count: 4, Within: 6}
	const note = -1 // a message the rule does not read
	cases := []struct {
		name string
		rule DecisionRule
		ps   []float64
		want int // the message it stops at; 0: none
	}{
		{"four at the threshold", rule, []float64{0.1, 0.8, 0.8, 0.8, 0.8}, 5},
		{"three are not enough", rule, []float64{0.8, 0.8, 0.8, 0.1, 0.1, 0.1, 0.1}, 0},
		{"four of the last six, the newest among them", rule, []float64{0.8, 0.1, 0.8, 0.1, 0.8, 0.8}, 6},
		{"the newest must be one", rule, []float64{0.8, 0.8, 0.8, 0.1, 0.8}, 5},
		{"four of seven are not four of six", rule, []float64{0.8, 0.1, 0.8, 0.1, 0.8, 0.1, 0.8}, 0},
		{"eased beside a sure one", rule, []float64{0.96, 0.65, 0.65, 0.72}, 4},
		{"eased, the sure one last", rule, []float64{0.65, 0.65, 0.65, 0.97}, 4},
		{"eased, but the newest under the threshold", rule, []float64{0.96, 0.65, 0.65, 0.65}, 0},
		{"no sure one: the lower bar counts for nothing", rule, []float64{0.94, 0.65, 0.65, 0.72}, 0},
		{"the sure one has left the window", rule, []float64{0.96, 0.1, 0.1, 0.1, 0.1, 0.1, 0.65, 0.65, 0.65, 0.72}, 0},
		{"under the lower bar even beside a sure one", rule, []float64{0.96, 0.55, 0.65, 0.72}, 0},
		{"notes between are not counted", rule, []float64{0.96, note, 0.65, note, 0.65, 0.72}, 6},
		{"lower at the threshold eases nothing", plain, []float64{0.96, 0.65, 0.65, 0.72}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.rule.decide(c.ps); got != c.want {
				t.Errorf("decide(%v) = %d, want %d", c.ps, got, c.want)
			}
		})
	}
}

// The loop rule keeps running counts so that a check costs the same
// whatever within says; the plain reading above is what they must add up
// to. On every corpus conversation, the rule alone stops where the
// decision, read plainly from its chances, does.
func TestTheLoopRuleDecidesAsTheDecisionRule(t *testing.T) {
	needCorpus(t)
	files, err := Gather([]string{filepath.Join(corpusDir, "attractors"), filepath.Join(corpusDir, "backrooms")})
	if err != nil {
		t.Fatal(err)
	}
	m := policy.BuiltinLoopModel()
	rule := DecisionRule{Threshold: m.Threshold, Lower: m.Lower, Sure: m.Sure, Count: m.Count, Within: m.Within}
	eased := 0
	Each(files, func(it Item) string {
		ps := chancesOf(it.Messages)
		want := rule.decide(ps)
		at, v := policy.FirstStop(&policy.Loop{}, it.Messages)
		if at != want {
			return fmt.Sprintf("%s: the loop rule stops at %d, the decision at %d (0: none): %s", it.Name, at, want, v.Reason)
		}
		if at > 0 && (DecisionRule{Threshold: m.Threshold, Count: m.Count, Within: m.Within}).decide(ps) != at {
			return "eased"
		}
		return ""
	}, func(s string) {
		switch s {
		case "":
		case "eased":
			eased++
		default:
			t.Error(s)
		}
	}, func(f File, err error) { t.Fatal(err) })
	if eased == 0 {
		t.Error("no corpus conversation stops sooner for the eased bar; the comparison does not reach it")
	}
}

// chancesOf is the loop rule's chance for each message, -1 for those it
// does not read.
func chancesOf(msgs []transcripts.Message) []float64 {
	rs := (&policy.Loop{}).Readings(msgs)
	xs := policy.LoopSignals(msgs, "[END]")
	ps := make([]float64, len(rs))
	for i, r := range rs {
		ps[i] = r.Chance
		if xs[i] == nil {
			ps[i] = -1
		}
	}
	return ps
}
