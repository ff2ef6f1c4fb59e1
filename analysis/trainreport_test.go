package analysis

import (
	"fmt"
	"strings"
	"testing"

	"github.com/parleyhq/parley/transcripts"
)

// speakerExamples builds one labelled example per pair: eight messages of
// substance, then an [END] echo from message 9 (labelled to stop by 15).
func speakerExamples(folder string, pairs ...[2]string) []Example {
	var out []Example
	for i, p := range pairs {
		msgs := conv(repeat(12, "[END]")...)
		for j := range msgs {
			msgs[j].Speaker = p[j%2]
		}
		stopBy := 15
		it := Item{File: File{Path: fmt.Sprintf("%s/%d.md", folder, i), Root: folder}, Name: fmt.Sprintf("%d", i),
			Messages: msgs, Label: &Label{StopAfter: 8, StopBy: &stopBy}}
		out = append(out, NewExample(it, "[END]"))
	}
	return out
}

// A folder's unseen-speaker figure judges each speaker that takes part in
// at most half its conversations on those conversations, by a model fitted
// without them: a seat every run has is no such speaker, a conversation of
// two such speakers is judged twice, and a folder with fewer than three of
// them has no figure.
func TestTrainJudgesEachSpeakerUnseen(t *testing.T) {
	seats := speakerExamples("seats", [2]string{"Host", "kimi"}, [2]string{"Host", "grok"}, [2]string{"Host", "gpt"}, [2]string{"Host", "4o"})
	models := speakerExamples("models", [2]string{"kimi", "grok"}, [2]string{"gpt", "4o"}, [2]string{"kimi", "gpt"}, [2]string{"grok", "4o"}, [2]string{"qwen", "mistral"})
	few := speakerExamples("few", [2]string{"a", "b"}, [2]string{"a", "b"}, [2]string{"a", "c"})
	all := append(append(append([]Example{}, seats...), models...), few...)
	r, _, err := Train(all, 2, "[END]", 0)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		folder   string
		speakers int // 0: no figure
		judged   int
	}{
		{"seats", 4, 4},   // Host, in every run, is left out; each model once
		{"models", 6, 10}, // every conversation twice
		{"few", 0, 0},     // b and c qualify (a speaks in all three), too few
	}
	for _, c := range cases {
		got, ok := r.Unseen[c.folder]
		if (c.speakers > 0) != ok || r.Speakers[c.folder] != c.speakers || got.Labelled != c.judged {
			t.Errorf("%s: figure %v, %d speakers, %d judged; want %d speakers, %d judged", c.folder, ok, r.Speakers[c.folder], got.Labelled, c.speakers, c.judged)
		}
	}
	var b strings.Builder
	r.Print(&b)
	for _, want := range []string{"each of 4 speakers, fitted without", "each of 6 speakers, fitted without", "each speaker, fitted without"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the report lacks %q:\n%s", want, b.String())
		}
	}
}

// The speakers of an example are those of its messages, in order, without
// the moderator.
func TestExampleSpeakers(t *testing.T) {
	msgs := conv("one more")
	msgs = append(msgs[:2], append([]transcripts.Message{{Speaker: transcripts.ModeratorSpeaker, Content: "a note", Origin: transcripts.OriginModerator}}, msgs[2:]...)...)
	stopBy := 9
	e := NewExample(Item{Name: "x", Messages: msgs, Label: &Label{StopAfter: 9, StopBy: &stopBy}}, "[END]")
	if strings.Join(e.Speakers, ",") != "alice,bob" {
		t.Errorf("speakers %v; want alice, bob", e.Speakers)
	}
}

// Training warns of labels a model cannot learn from well: too few, none
// that loop, none that stay healthy.
func TestTrainingWarnings(t *testing.T) {
	cases := []struct {
		name              string
		examples, looping int
		want              []string
	}{
		{"the corpus", 93, 57, nil},
		{"a few", 8, 4, []string{"fitted on only 8 labelled transcripts"}},
		{"no loop", 40, 0, []string{"none of the labels shows a loop"}},
		{"nothing but loops", 40, 40, []string{"every label shows a loop"}},
		{"three, all loops", 3, 3, []string{"fitted on only 3 labelled transcripts", "every label shows a loop"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := TrainingReport{Examples: c.examples, Looping: c.looping}.Warnings()
			if len(got) != len(c.want) {
				t.Fatalf("warnings %q; want %d", got, len(c.want))
			}
			for i, w := range c.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("warning %d is %q; want it to say %q", i, got[i], w)
				}
			}
		})
	}
}

// Shuffle 0 deals the folds in name order, as CrossValidate does; each
// other shuffle is one order, the same every run, and the report gives
// the lowest, median and highest figures over the shuffles.
func TestShuffledFoldsAreFixedAndSpread(t *testing.T) {
	var ex []Example
	for i := range 12 {
		ex = append(ex, speakerExamples(fmt.Sprintf("f%d", i%2), [2]string{"a", "b"})[0])
		ex[i].Name = fmt.Sprintf("%02d", i)
		ex[i].Folder = "f"
	}
	named, _ := CrossValidate(ex, 3, "[END]")
	if zero, _ := crossValidate(ex, 3, "[END]", 0); zero != named {
		t.Errorf("shuffle 0 gave %+v, CrossValidate %+v; want the same", zero, named)
	}
	order := func(s uint64) string {
		var names []string
		for _, e := range dealOrder(ex, s) {
			names = append(names, e.Name)
		}
		return strings.Join(names, ",")
	}
	if got := order(0); got != "00,01,02,03,04,05,06,07,08,09,10,11" {
		t.Errorf("shuffle 0 dealt %s; want name order", got)
	}
	if a, b, c := order(3), order(3), order(4); a != b || a == order(0) || a == c {
		t.Errorf("shuffle 3 dealt %s, then %s, shuffle 4 %s; want one deal each run, each shuffle its own", a, b, c)
	}
	r, _, err := Train(ex, 3, "[END]", 4)
	if err != nil {
		t.Fatal(err)
	}
	st, ok := r.Shuffled["f"]
	if !ok || st.Labelled != 12 || float64(st.Passed.Low) > st.Passed.Median || st.Passed.Median > float64(st.Passed.High) || st.Passed.High > 12 {
		t.Fatalf("shuffled %+v (%v); want a spread of passes over 12 labelled", st, ok)
	}
	var b strings.Builder
	r.Print(&b)
	if want := "the same, 4 shuffles of the folds"; !strings.Contains(b.String(), want) {
		t.Errorf("report:\n%s\nwant a row %q", b.String(), want)
	}
	for _, c := range []struct {
		runs []int
		want string
	}{
		{[]int{42, 40, 41}, "40–41–42"},
		{[]int{41, 40, 42, 40}, "40–40.5–42"},
		{[]int{33, 33}, "33"},
	} {
		if got := spreadOf(c.runs).String(); got != c.want {
			t.Errorf("the spread of %v reads %q; want %q", c.runs, got, c.want)
		}
	}
}
