package policy

import (
	"strings"
	"testing"

	"github.com/parleyhq/parley/transcripts"
)

func TestEndMarks(t *testing.T) {
	for _, c := range []struct {
		name, text, token string
		n, letters        int
		spelled           string
	}{
		{"the token as written", "Thank you. [END]", "[END]", 1, 3, ""},
		{"the token twice", "[END] [END]", "[END]", 2, 6, ""},
		{"the token glued to a word", "goodbye[END]", "[END]", 1, 3, ""},
		{"angle brackets", "Farewell, friend. <END>", "[END]", 1, 3, "<END>"},
		{"lower case", "that is all [end]", "[END]", 1, 3, "[end]"},
		{"spaced inside", "[ End ]", "[END]", 1, 3, "[ End ]"},
		{"spelled out", "[END OF CONVERSATION]", "[END]", 1, 17, "[END OF CONVERSATION]"},
		{"spelled out with underscores", "<end_of_the_conversation>", "[END]", 1, 20, "<end_of_the_conversation>"},
		{"joined", "[EndConversation]", "[END]", 1, 15, "[EndConversation]"},
		{"dialogue", "[End of dialogue]", "[END]", 1, 13, "[End of dialogue]"},
		{"dialog and chat", "<END-DIALOG> [end chat]", "[END]", 2, 16, "[end chat]"},
		{"the token and another spelling", "[END] <END>", "[END]", 2, 6, "<END>"},
		{"after punctuation", "Bye.<END>", "[END]", 1, 3, "<END>"},
		{"an array index", "x = a[end]", "[END]", 0, 0, ""},
		{"a diagram's node", "M --> N[End]", "[END]", 0, 0, ""},
		{"after a digit", "step 2[end]", "[END]", 0, 0, ""},
		{"brackets that do not match", "<END] [END>", "[END]", 0, 0, ""},
		{"another word", "[ending] [endless] <end of transmission>", "[END]", 0, 0, ""},
		{"unclosed", "[END", "[END]", 0, 0, ""},
		{"a token of the user's own", "<END> [end] DONE", "DONE", 1, 4, ""},
		{"no token", "<END> [END]", "", 0, 0, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			n, letters, spelled := endMarks(c.text, c.token)
			if n != c.n || letters != c.letters || spelled != c.spelled {
				t.Errorf("endMarks(%q, %q) = %d, %d, %q; want %d, %d, %q", c.text, c.token, n, letters, spelled, c.n, c.letters, c.spelled)
			}
		})
	}
}

// A conversation that signs off with another spelling of [END] reads as
// one that signs off with [END], and the reason names the spelling used.
func TestLoopReadsOtherSpellingsOfTheEndToken(t *testing.T) {
	conv := func(mark string) []transcripts.Message {
		lines := []string{
			"Let us talk about tide pools and what lives in them.",
			"Anemones, hermit crabs and sea stars, mostly; the pools refill twice a day.",
			"That was lovely. Thank you so much for this conversation, goodbye! " + mark,
			"Thank you too, it was a pleasure. Goodbye, take care! " + mark,
			"Thanks again, goodbye! " + mark,
			"Goodbye, thank you! " + mark,
			"Thank you, goodbye. " + mark,
			"Goodbye! Thanks! " + mark,
			"Thanks, goodbye! " + mark,
			"Goodbye. " + mark,
		}
		msgs := make([]transcripts.Message, len(lines))
		for i, l := range lines {
			msgs[i] = transcripts.Message{Speaker: []string{"A", "B"}[i%2], Content: l}
		}
		return msgs
	}
	want := LoopSignals(conv("[END]"), "[END]")
	for _, mark := range []string{"<END>", "[end]", "[END OF CONVERSATION]"} {
		got := LoopSignals(conv(mark), "[END]")
		for i := range want {
			for _, f := range []int{fEndToken, fBothEndTokens, fTiny} {
				if got[i][f] != want[i][f] {
					t.Errorf("%s, message %d: %s = %v, want %v as with [END]", mark, i+1, LoopFeatureNames[f], got[i][f], want[i][f])
				}
			}
		}
		// A model that weighs the end token alone names it in its reasons.
		only := &LoopModel{Features: LoopFeatureNames, Mean: make([]float64, NumLoopFeatures), Scale: ones64(NumLoopFeatures),
			Weights: make([]float64, NumLoopFeatures), Bias: -4, Threshold: 0.9, Count: 2, Within: 2, Token: "[END]"}
		only.Weights[fEndToken] = 8
		v := (&Loop{Model: only}).Check(conv(mark))
		if !v.Stop {
			t.Fatalf("%s: a rule that weighs the end token alone did not stop", mark)
		}
		if !strings.Contains(v.Reason, "it signs off with "+mark) || strings.Contains(v.Reason, "[END]") {
			t.Errorf("%s: the reason should name the spelling used, and not [END], which the conversation never wrote: %s", mark, v.Reason)
		}
		if r := (&Loop{Model: only}).Readings(conv(mark))[2]; r.For != "it signs off with "+mark {
			t.Errorf("%s: message 3 reads %q towards a loop; want it to name the spelling", mark, r.For)
		}
	}
}
