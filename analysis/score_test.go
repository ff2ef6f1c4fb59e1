package analysis

import (
	"strings"
	"testing"

	"github.com/parleyhq/parley/transcripts"
)

func ip(i int) *int { return &i }

// The cases follow the corpus README's definition of scoring, one by one.
func TestScore(t *testing.T) {
	loop := &Label{StopAfter: 40, StopBy: ip(50), Loops: [][2]int{{10, 20}}}
	cases := []struct {
		name    string
		label   *Label
		n, stop int
		want    Outcome
	}{
		{"unlabelled", nil, 10, 3, Outcome{Verdict: Unlabelled}},
		{"inside the window", &Label{StopAfter: 14, StopBy: ip(21)}, 97, 18, Outcome{Verdict: Pass}},
		{"at stop_after", &Label{StopAfter: 14, StopBy: ip(21)}, 97, 14, Outcome{Verdict: Pass}},
		{"at stop_by", &Label{StopAfter: 14, StopBy: ip(21)}, 97, 21, Outcome{Verdict: Pass}},
		{"before stop_after", &Label{StopAfter: 14, StopBy: ip(21)}, 97, 10, Outcome{Verdict: Early, Cut: 4}},
		{"after stop_by", &Label{StopAfter: 14, StopBy: ip(21)}, 97, 30, Outcome{Verdict: Late, Wasted: 9}},
		{"never, with a loop to the end", &Label{StopAfter: 14, StopBy: ip(21)}, 97, 0, Outcome{Verdict: Late, Wasted: 76}},
		{"healthy, never stopped", &Label{StopAfter: 30}, 30, 0, Outcome{Verdict: Pass}},
		{"healthy, stopped at the last message", &Label{StopAfter: 30}, 30, 30, Outcome{Verdict: Pass}},
		{"healthy, stopped before its end", &Label{StopAfter: 30}, 30, 25, Outcome{Verdict: Early, Cut: 5}},
		{"in a broken-out loop, its first message", loop, 97, 10, Outcome{Verdict: Late}},
		{"in a broken-out loop, one in", loop, 97, 11, Outcome{Verdict: Pass}},
		{"in a broken-out loop, six in", loop, 97, 16, Outcome{Verdict: Pass}},
		{"in a broken-out loop, seven in", loop, 97, 17, Outcome{Verdict: Late}},
		{"after a broken-out loop", loop, 97, 25, Outcome{Verdict: Early, Cut: 15}},
		{"short loop: its end caps the window", &Label{StopAfter: 40, StopBy: ip(50), Loops: [][2]int{{10, 12}}}, 97, 13, Outcome{Verdict: Early, Cut: 27}},
		{"healthy with a loop", &Label{StopAfter: 97, Loops: [][2]int{{29, 43}}}, 97, 33, Outcome{Verdict: Pass}},
		{"healthy, in its loop past the six", &Label{StopAfter: 97, Loops: [][2]int{{29, 43}}}, 97, 36, Outcome{Verdict: Late}},
		{"healthy, after its loop", &Label{StopAfter: 97, Loops: [][2]int{{29, 43}}}, 97, 50, Outcome{Verdict: Early, Cut: 47}},
		{"healthy, at its last new message before the end", &Label{StopAfter: 43}, 44, 43, Outcome{Verdict: Late}},
		{"healthy, before its last new message", &Label{StopAfter: 43}, 44, 40, Outcome{Verdict: Early, Cut: 3}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Score(c.label, c.n, c.stop); got != c.want {
				t.Errorf("Score = %+v, want %+v", got, c.want)
			}
		})
	}
}

func TestParseLabelNamesTheFix(t *testing.T) {
	cases := map[string]string{
		"stop_after: 3\nstop_by: 1\n":         "stop_by (1) comes before stop_after (3)",
		"stop_after: 3\nloops: [[5, 2]]\n":    "loop 1 is [5, 2]",
		"stop_after: 3\nstop_byy: 4\n":        `x.expect.yaml:2: unknown field "stop_byy"; did you mean stop_by?`,
		"stop_after: 3\nStop-By: 4\n":         `x.expect.yaml:2: unknown field "Stop-By"; did you mean stop_by?`,
		"stop_after: 3\nlops: [[1, 2]]\n":     `did you mean loops?`,
		"stop_after: 3\nloops: [[1, 2, 3]]\n": "x.expect.yaml",
		"":                                    "is empty",
	}
	for in, want := range cases {
		_, err := ParseLabel("x.expect.yaml", []byte(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want one containing %q", in, err, want)
		}
	}
	l, err := ParseLabel("x.expect.yaml", []byte("stop_after: 97\nstop_by: null\nloops: [[29, 43], [84, 95]]\nnote: \"x\"\n"))
	if err != nil || len(l.Loops) != 2 || l.Loops[1] != [2]int{84, 95} || l.StopBy != nil || len(l.Warnings) != 0 {
		t.Fatalf("label = %+v, %v", l, err)
	}
	// Fields other labelling tools add are skipped, each named.
	l, err = ParseLabel("x.expect.yaml", []byte("stop_after: 14\nstop_by: 21\nloop_kind: farewell\nsource: a/b.md\nnotes: x\nname: y\nstop_at: 19\n"))
	if err != nil || l.StopAfter != 14 || l.StopBy == nil || *l.StopBy != 21 {
		t.Fatalf("label with more fields = %+v, %v", l, err)
	}
	if len(l.Warnings) != 5 || !strings.Contains(l.Warnings[0], `x.expect.yaml:3: skipped field "loop_kind"`) || !strings.Contains(l.Warnings[1], `:4: skipped field "source"`) {
		t.Errorf("warnings %q", l.Warnings)
	}
}

func TestBetterRanksPassesBeforeWaste(t *testing.T) {
	cases := []struct {
		name string
		a, b Tally
		want bool
	}{
		{"more passes", Tally{Passed: 2, Wasted: 50}, Tally{Passed: 1}, true},
		{"fewer passes, however little wasted", Tally{Passed: 0, Wasted: 5}, Tally{Passed: 1, Wasted: 1095}, false},
		{"a pass outweighs any waste", Tally{Passed: 1, Wasted: 1095}, Tally{Passed: 0, Wasted: 5}, true},
		{"a conversation cut short costs three passes", Tally{Passed: 4, Early: 1}, Tally{Passed: 2}, false},
		{"equal: fewer wasted", Tally{Passed: 3, Wasted: 10}, Tally{Passed: 3, Wasted: 11}, true},
		{"the same is not better", Tally{Passed: 3, Wasted: 10}, Tally{Passed: 3, Wasted: 10}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Better(tc.a, tc.b); got != tc.want {
				t.Errorf("Better(%+v, %+v) = %v, want %v", tc.a, tc.b, got, tc.want)
			}
		})
	}
}

// A conversation ends at its last spoken message: notes after it (a
// moderator's closing word) do not move where "no stop" lies.
func TestSpokenEndsAtTheLastSpokenMessage(t *testing.T) {
	note := transcripts.Message{Speaker: transcripts.ModeratorSpeaker, Content: "The session is over.", Origin: transcripts.OriginModerator}
	said := func(s string) transcripts.Message { return transcripts.Message{Speaker: s, Content: "hi"} }
	tests := []struct {
		name string
		msgs []transcripts.Message
		want int
	}{
		{"no message", nil, 0},
		{"spoken to the end", []transcripts.Message{said("A"), said("B")}, 2},
		{"a note after the last", []transcripts.Message{said("A"), said("B"), note}, 2},
		{"two notes after, one between", []transcripts.Message{said("A"), note, said("B"), note, note}, 3},
		{"notes alone", []transcripts.Message{note}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Spoken(tt.msgs); got != tt.want {
				t.Errorf("Spoken = %d, want %d", got, tt.want)
			}
		})
	}
}
