package policy

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/parleyhq/parley/transcripts"
)

// substance is a conversation that keeps bringing something new.
var substance = []string{
	"Let's design a rate limiter for a public API. I'd start with a token bucket per key: capacity 100, refill 10 per second.",
	"Token buckets handle bursts well, but a shared Redis counter becomes a hotspot. Sliding windows smooth the edges at the cost of memory.",
	"Then shard the counters by key hash, and keep a local cache of recent decisions so most requests never touch Redis at all.",
	"Local caches drift between nodes. With twelve nodes each allowing ten extra requests, a client can exceed its quota by 120 per second.",
	"We can bound drift by syncing every 50 milliseconds and giving each node a slice of the quota proportional to its traffic share.",
	"Proportional slices need traffic estimates; an exponentially weighted moving average over the last minute is cheap and stable enough.",
	"What about clients that rotate keys to dodge limits? We could add a second limiter keyed by IP prefix, say /24 for IPv4.",
	"A /24 punishes offices behind NAT. Better to score abuse signals — key churn, identical payloads — and throttle only flagged prefixes.",
	"Agreed. For the response, send 429 with Retry-After computed from the bucket's refill time, plus X-RateLimit-Remaining headers.",
	"And document the headers, including how Remaining behaves under the local-cache drift we discussed, so clients don't over-trust it.",
}

// farewells is a farewell spiral that collapses into [END] ping-pong.
var farewells = []string{
	"Thank you so much for this wonderful conversation! It was a true pleasure. [END]",
	"Thank you as well — a beautiful exchange. Take care! [END]",
	"Take care, and thank you again for the journey. 🙏 [END]",
	"It was an honor. Farewell, friend! ✨ [END]",
	"Farewell! Grateful for every moment. 🙏 [END]",
	"Goodbye, and thank you! ✨ [END]",
	"Thank you! Goodbye! 🙏 [END]",
	"[END]",
	"[END]",
	"[END]",
}

// twentyQuestions is many short turns, each new.
var twentyQuestions = []string{
	"I'm thinking of something. Ask me yes-or-no questions.", "Is it alive?", "No.", "Is it bigger than a car?", "Yes.",
	"Is it man-made?", "Yes.", "Is it a building?", "No.", "Does it move?", "Yes.", "Does it fly?", "No.",
	"Does it float on water?", "Yes.", "Is it a ship?", "Yes! Which kind?", "A container ship?", "No, older.",
	"A sailing ship with three masts?", "Close — it's a famous one.", "The Cutty Sark?", "Yes, you got it!",
}

// thankful opens each message with a word of thanks, as some models open
// every turn.
func thankful(msgs []string) []string {
	openers := []string{"Thank you for that.", "Thanks, that helps.", "I appreciate that."}
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = openers[i%len(openers)] + " " + m
	}
	return out
}

// thankfulClose closes each message with thanks and a signature.
func thankfulClose(msgs []string) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m + "\n\nWith gratitude and warm wishes!"
	}
	return out
}

func TestLoopRule(t *testing.T) {
	pingPong := []string{"∞", "∞", "...", "∞", "...", "∞", "∞", "...", "∞", "∞"}
	echo := []string{
		"The lighthouse keeper counted waves until the counting became the sea.",
		"The lighthouse keeper counted the waves until counting itself became the sea.",
		"Until counting itself became the sea, the lighthouse keeper counted waves.",
		"The keeper counted waves; the counting became the sea, the lighthouse kept.",
		"The lighthouse keeper counted waves until the counting became the sea.",
		"Counting waves, the lighthouse keeper became the sea of counting.",
		"The lighthouse keeper counted waves until the counting became the sea.",
		"The lighthouse keeper counted the waves until counting itself became the sea.",
		"The lighthouse keeper counted waves until the counting became the sea.",
		"The lighthouse keeper counted the waves until counting itself became the sea.",
	}
	cases := []struct {
		name     string
		msgs     []string
		stop     bool
		from, to int // with stop, the window it must stop in
	}{
		{"substance", substance, false, 0, 0},
		{"twenty questions", twentyQuestions, false, 0, 0},
		{"substance, then a farewell spiral", cat(substance, farewells), true, len(substance) + 1, len(substance) + 7},
		{"substance, then token ping-pong", cat(substance, pingPong), true, len(substance) + 1, len(substance) + 7},
		{"substance, then echoes", cat(substance, echo), true, len(substance) + 1, len(substance) + 8},
		{"a sign-off, then new substance", cat(substance[:4], farewells[:2], substance[4:]), false, 0, 0},
		// Models that thank at every turn are not signing off.
		{"substance, each message opening with thanks", thankful(substance), false, 0, 0},
		{"substance, each message closing with thanks", thankfulClose(substance), false, 0, 0},
		{"thankful substance, then a farewell spiral", cat(thankful(substance), farewells), true, len(substance) + 1, len(substance) + 7},
		// Empty replies are recorded as they came (the other side is shown
		// a placeholder); several in a row are a loop like any collapse.
		{"substance, then empty replies", cat(substance, rep("", 10)), true, len(substance) + 1, len(substance) + 7},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			at, v := FirstStop(&Loop{}, conv(c.msgs...))
			switch {
			case !c.stop && at != 0:
				t.Fatalf("stopped at %d: %s", at, v.Reason)
			case c.stop && (at < c.from || at > c.to):
				t.Fatalf("stopped at %d (%s); want %d..%d", at, v.Reason, c.from, c.to)
			}
			if c.stop && (v.Policy != "loop" || !strings.Contains(v.Reason, "look like a loop")) {
				t.Errorf("policy %q, reason %q", v.Policy, v.Reason)
			}
		})
	}
}

// A stop names the messages and says what each one shows.
func TestLoopReasonNamesMessages(t *testing.T) {
	msgs := conv(cat(substance, rep("[END]", 8))...)
	at, v := FirstStop(&Loop{}, msgs)
	if at == 0 {
		t.Fatal("an [END] ping-pong after substance did not stop")
	}
	for _, want := range []string{strconv.Itoa(at) + " (" + msgs[at-1].Speaker, strconv.Itoa(at-1) + " (" + msgs[at-2].Speaker, "hold almost no words"} {
		if !strings.Contains(v.Reason, want) {
			t.Errorf("reason %q lacks %q", v.Reason, want)
		}
	}
}

func TestLoopSettingsAndModelFile(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"features": ["x"]}`), 0o600)
	cases := map[string]string{
		"loop: {threshold: 1.5}":            "loop.threshold is 1.5; it takes a chance above 0 and below 1",
		"loop: {count: 3, within: 2}":       "loop.within is 2, fewer than loop.count (3)",
		"loop: {model: " + bad + "}":        "retrain it with parley train",
		"loop: {model: /no/such/file.json}": "loop.model",
		"loop: {treshold: 0.5}":             `unknown field "treshold"`,
	}
	for y, want := range cases {
		if _, err := ParseYAML([]byte(y)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want one containing %q", y, err, want)
		}
	}
	// A stricter threshold than the model's never stops sooner.
	msgs := conv(cat(substance, rep("[END]", 10))...)
	loose, _ := FirstStop(mustParse(t, "loop: {}"), msgs)
	strict, _ := FirstStop(mustParse(t, "loop: {threshold: 0.99, count: 6}"), msgs)
	if loose == 0 || (strict != 0 && strict < loose) {
		t.Errorf("loose stop %d, strict stop %d", loose, strict)
	}
}

// Styled text reads as what it says: a block re-sent in another font or
// under stacked diacritics is old text.
func TestPlainText(t *testing.T) {
	cases := map[string]string{
		"𝕋𝕙𝕖 𝕌𝕟𝕚𝕧𝕖𝕣𝕤𝕖": "The Universe",
		"Z̷̢a̸l̴g̶o̵":  "Zalgo",
		"ｆｕｌｌ":         "full",
		"plain ASCII":  "plain ASCII",
		"café":         "cafe",
	}
	for in, want := range cases {
		if got := plainText(in); got != want {
			t.Errorf("plainText(%q) = %q, want %q", in, got, want)
		}
	}
}

// Richness is the distinct words of the last six (or twelve) messages
// over the square root of all their words.
func TestRichnessSignals(t *testing.T) {
	lines := []string{"apple pear apple", "pear plum", "fig"}
	for i := range 6 {
		lines = append(lines, "fig "+strconv.Itoa(i%2)) // the words narrow to fig, 0 and 1
	}
	xs := LoopSignals(conv(lines...), "[END]")
	cases := []struct {
		name string
		msg  int // 1-based
		r6   float64
		r12  float64
	}{
		{"one message", 1, 2 / math.Sqrt(3), 2 / math.Sqrt(3)},
		{"three messages", 3, 4 / math.Sqrt(6), 4 / math.Sqrt(6)},
		// Messages 4..9 hold fig, 0 and 1, two words each; the last twelve
		// add apple, pear and plum and six words.
		{"narrowed", 9, 3 / math.Sqrt(12), 6 / math.Sqrt(18)},
	}
	for _, c := range cases {
		x := xs[c.msg-1]
		if math.Abs(x[fRichness6]-c.r6) > 1e-12 || math.Abs(x[fRichness12]-c.r12) > 1e-12 {
			t.Errorf("%s: richness_6 %.4f, richness_12 %.4f; want %.4f and %.4f", c.name, x[fRichness6], x[fRichness12], c.r6, c.r12)
		}
	}
}

// A stop's reason gives the two signals that weighed most for each
// message, each said once: the two richness signals read as one.
func TestLoopExplain(t *testing.T) {
	n := NumLoopFeatures
	model := func(weights map[int]float64) *LoopModel {
		m := &LoopModel{Mean: make([]float64, n), Scale: ones64(n), Weights: make([]float64, n)}
		for i, w := range weights {
			m.Weights[i] = w
		}
		return m
	}
	x := make([]float64, n)
	x[fRichness6], x[fRichness12], x[fFarewell], x[fTiny] = -3, 20, 0.5, 1
	const richness = "the last six messages say fewer different words than the last twelve (-3.0 against 20.0 distinct words per √word)"
	cases := []struct {
		name    string
		weights map[int]float64
		against bool
		want    string
	}{
		{"the two strongest", map[int]float64{fFarewell: 4, fTiny: 1, fRichness12: 0.01}, false, "50% of its words thank or say goodbye beyond its speaker's habit, it holds almost no words"},
		{"richness said once", map[int]float64{fRichness6: -1, fRichness12: 1, fTiny: 0.5}, false, richness + ", it holds almost no words"},
		{"richness alone", map[int]float64{fRichness6: -1, fRichness12: 1}, false, richness},
		{"nothing weighs", map[int]float64{}, false, ""},
		{"against: the two strongest that way", map[int]float64{fFarewell: -4, fTiny: -1, fRichness12: 0.01}, true, "50% of its words thank or say goodbye beyond its speaker's habit, it holds almost no words"},
		{"against: what pushes towards a loop is left out", map[int]float64{fFarewell: 4, fTiny: -1}, true, "it holds almost no words"},
		{"against: nothing weighs", map[int]float64{fFarewell: 4}, true, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := model(c.weights).explain(x, "[END]", c.against); got != c.want {
				t.Errorf("explain = %q\nwant      %q", got, c.want)
			}
		})
	}
}

// A reason is true of the message whichever way the model weighs a
// signal: the richness pair is weighed as one (short messages make both
// low, and the six alone would seem to push towards a loop), and a
// signal that counts against a loop is said as it is when its absence
// pushes towards one.
func TestLoopExplainSaysWhatIsTrue(t *testing.T) {
	n := NumLoopFeatures
	m := &LoopModel{Mean: make([]float64, n), Scale: ones64(n), Weights: make([]float64, n)}
	// The embedded model's weights for the pair, per distinct word per
	// √word, and their means.
	m.Mean[fRichness6], m.Mean[fRichness12], m.Mean[fQuestion] = 10.23, 11.77, 0.5
	m.Weights[fRichness6], m.Weights[fRichness12], m.Weights[fQuestion] = -0.348, 0.266, -1
	cases := []struct {
		name              string
		r6, r12, question float64
		against           bool
		want              string
	}{
		{"the six wider than the twelve, the pair against a loop", 3.3, 2.3, 1, false,
			""},
		{"the six narrower than the twelve", 3, 9, 1, false,
			"the last six messages say fewer different words than the last twelve (3.0 against 9.0 distinct words per √word)"},
		{"both narrow, the six no narrower", 1.5, 1.5, 1, false,
			"the last messages say few different words (1.5 distinct words per √word in the last six, 1.5 in the last twelve)"},
		{"no question asked", 10.23, 11.77, 0, false,
			"it asks no question"},
		{"against: a question asked", 10.23, 11.77, 1, true,
			"it asks a question"},
		{"against: the six as wide as the twelve", 16, 14, 0.5, true,
			"the last six messages say as many different words as the last twelve (16.0 against 14.0 distinct words per √word)"},
		{"against: both wide, the six a little narrower", 17.7, 19.9, 0.5, true,
			"the last messages say many different words (17.7 distinct words per √word in the last six, 19.9 in the last twelve)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x := make([]float64, n)
			x[fRichness6], x[fRichness12], x[fQuestion] = c.r6, c.r12, c.question
			if got := m.explain(x, "[END]", c.against); got != c.want {
				t.Errorf("explain = %q\nwant      %q", got, c.want)
			}
		})
	}
}

// Readings give every spoken message's chance, as Check weighs it: the
// messages a stop names count, with the percentages and signals the
// reason gives them; every message says what weighed against a loop too;
// a moderator note has no reading.
func TestLoopReadings(t *testing.T) {
	msgs := conv(cat(substance, rep("[END]", 8))...)
	note := transcripts.Message{Speaker: "moderator", Content: "a note", Origin: transcripts.OriginModerator}
	msgs = append(msgs[:3:3], append([]transcripts.Message{note}, msgs[3:]...)...)
	at, v := FirstStop(&Loop{}, msgs)
	if at == 0 {
		t.Fatal("an [END] ping-pong after substance did not stop")
	}
	rs := (&Loop{}).Readings(msgs[:at])
	if len(rs) != at {
		t.Fatalf("%d readings for %d messages", len(rs), at)
	}
	if rs[3] != (LoopReading{}) {
		t.Errorf("the moderator note has a reading: %+v", rs[3])
	}
	x := LoopSignals(msgs[:at], "[END]")
	m := BuiltinLoopModel()
	// The stop names the messages of the last six at its bar: the
	// threshold, or the lower bar beside a sure message.
	eased := strings.Contains(v.Reason, fmt.Sprintf("each at least %.0f%% likely", 100*m.Lower))
	counted := 0
	for i, r := range rs {
		if i == 3 {
			continue
		}
		named := fmt.Sprintf("%d (%s, %d%%): %s", i+1, msgs[i].Speaker, Percent(r.Chance), r.For)
		counts := r.Counts || eased && r.Beside
		if r.Counts != (r.Chance >= m.Threshold) || r.Beside != (!r.Counts && r.Chance >= m.Lower) ||
			counts && i >= at-6 && !strings.Contains(v.Reason, named) || !counts && strings.Contains(v.Reason, named) {
			t.Errorf("message %d reads %+v; the stop says %s", i+1, r, v.Reason)
		}
		near := r.Counts || r.Beside
		if near && r.For != m.towards(x[i], "[END]") || !near && r.For != m.explain(x[i], "[END]", false) || r.Against != m.explain(x[i], "[END]", true) {
			t.Errorf("message %d reads %+v; its signals say %q for a loop and %q against one", i+1, r, m.explain(x[i], "[END]", false), m.explain(x[i], "[END]", true))
		}
		if i >= at-6 {
			counted += b2i(counts)
		}
	}
	if counted < 4 {
		t.Errorf("%d of the last 6 messages count; the stop needs 4", counted)
	}
	// A message of substance has something against a loop, and it is not
	// what weighs for one.
	if r := rs[10]; r.Counts || r.Against == "" || r.Against == r.For {
		t.Errorf("message 11, of substance, reads %+v", r)
	}
}

// New words are "only" so many when they weigh towards a loop, and said
// plainly when they weigh against one.
func TestLoopExplainNewWords(t *testing.T) {
	n := NumLoopFeatures
	x := make([]float64, n)
	x[fNewWords] = 0.8
	for _, c := range []struct {
		name    string
		weight  float64
		against bool
		want    string
	}{
		{"towards a loop", 1, false, "only 80% of its words are new"},
		{"against a loop", -1, true, "80% of its words are new"},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := &LoopModel{Mean: make([]float64, n), Scale: ones64(n), Weights: make([]float64, n)}
			m.Weights[fNewWords] = c.weight
			if got := m.explain(x, "[END]", c.against); got != c.want {
				t.Errorf("explain = %q, want %q", got, c.want)
			}
		})
	}
}

// A signal of both sides is the smaller of the two: towards a loop it is
// said of both, and against one, of the side that holds it least, so a
// message never reads "both sides took at least 0%" against a loop.
func TestLoopExplainBothSides(t *testing.T) {
	n := NumLoopFeatures
	for _, c := range []struct {
		name    string
		signal  int
		value   float64
		against bool
		want    string
	}{
		{"own words, towards", fBothSelfWords, 0.8, false, "both sides took at least 80% of their words from their own previous message"},
		{"own words, all, towards", fBothSelfWords, 1, false, "both sides repeat the words of their own previous message"},
		{"own words, against", fBothSelfWords, 0.2, true, "one side took only 20% of its words from its own previous message"},
		{"no own words, against", fBothSelfWords, 0, true, "one side took none of its words from its own previous message"},
		{"ruts, towards", fBothRut, 0.9, false, "both sides repeat themselves (90%)"},
		{"ruts, against", fBothRut, 0.1, true, "one side's last messages repeat each other only 10%"},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := &LoopModel{Mean: make([]float64, n), Scale: ones64(n), Weights: make([]float64, n)}
			m.Mean[c.signal], m.Weights[c.signal] = 0.5, 3
			x := make([]float64, n)
			x[c.signal] = c.value
			if got := m.explain(x, "[END]", c.against); got != c.want {
				t.Errorf("explain = %q, want %q", got, c.want)
			}
		})
	}
}

// A goodbye absent from the message before is said as absent: a signal
// that weighs against a loop by its absence is named by it.
func TestLoopExplainAbsentGoodbye(t *testing.T) {
	n := NumLoopFeatures
	m := &LoopModel{Mean: make([]float64, n), Scale: ones64(n), Weights: make([]float64, n)}
	m.Mean[fPrevFarewell], m.Weights[fPrevFarewell] = 0.05, 20
	x := make([]float64, n)
	if got, want := m.explain(x, "[END]", true), "the message before said goodbye no more than its speaker's habit"; got != want {
		t.Errorf("against: %q, want %q", got, want)
	}
	x[fPrevFarewell] = 0.2
	if got, want := m.explain(x, "[END]", false), "the message before said goodbye beyond its speaker's habit"; got != want {
		t.Errorf("towards: %q, want %q", got, want)
	}
	// A goodbye in a long message is a small share: it weighs against a
	// loop, and is said as small.
	x[fPrevFarewell] = 0.004
	if got, want := m.explain(x, "[END]", true), "few of the message before's words say goodbye beyond its speaker's habit (0.4%)"; got != want {
		t.Errorf("a small goodbye, against: %q, want %q", got, want)
	}
	m.Mean[fFarewell], m.Weights[fFarewell] = 0.05, 30
	x[fFarewell] = 0.003
	if got, want := m.explain(x, "[END]", true), "fewer than 1% of its words thank or say goodbye beyond its speaker's habit, few of the message before's words say goodbye beyond its speaker's habit (0.4%)"; got != want {
		t.Errorf("a small goodbye of its own, against: %q, want %q", got, want)
	}
}

// closing appends tail to every message, as a model that signs every
// turn the same way writes them.
func closing(msgs []string, tail string) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m + " " + tail
	}
	return out
}

// A word of thanks or goodbye that a speaker puts in most of its messages
// is its habit: the farewell signal counts only the others, beyond the
// share of them the speaker's messages usually hold.
func TestSignOffHabit(t *testing.T) {
	cases := []struct {
		name string
		msgs []string
		at   int  // the message (1-based) whose farewell_rise is checked
		rise bool // whether it must be above zero
	}{
		// A ✨ on every turn: a short answer among long ones is mostly
		// ✨, and still no goodbye once the speaker has shown the habit.
		{"a ✨ closing every turn, then a short one", closing(cat(substance, []string{"Agreed."}), "✨"), 11, false},
		{"Thanks! opening every turn, then a short one", thankfulShort(cat(substance, []string{"Agreed."})), 11, false},
		{"a ✨ closing every short turn", closing(twentyQuestions, "✨"), 23, false},
		// A place the speaker signs off in, whatever the word: emoji that
		// vary, thanks in other languages, closings of which only some
		// are sign-offs.
		{"a different emoji closing every turn, then a short one", rotating(cat(substance, []string{"Agreed."}), false, "✨", "🙏", "🌟", "💫"), 11, false},
		{"thanks in another language opening every turn, then a short one", rotating(cat(substance, []string{"Agreed."}), true, "Merci !", "Danke!", "谢谢！", "Gracias."), 11, false},
		{"closings that vary, then a short one", rotating(cat(substance, []string{"Agreed."}), false, "Best,", "Cheers!", "Warmly,"), 11, false},
		// A sign-off read as several terms (Japanese by its character
		// pairs, a run of emoji) is one place, however many it holds.
		{"thanks in Japanese opening every turn, then a short one", rotating(cat(substance, []string{"Agreed."}), true, "Danke!", "ありがとう！", "Merci !"), 11, false},
		{"four sign-offs closing every turn, then a short one", rotating(cat(substance, []string{"Agreed."}), false, "🙏✨💫🌟", "👋💙💜🫶", "Cheers, thanks ❤🕊"), 11, false},
		// A closing line of its own is a place too, whatever its words:
		// closings of which few are sign-offs, and a signature, which
		// hides no goodbye said above it.
		{"closing lines that vary, few of them sign-offs, then a short one", closingLines(cat(substance, []string{"Agreed."}), "Talk soon!", "Warmly,", "All the best,"), 11, false},
		{"a signature line every turn, then a goodbye above it", closingLines(cat(substance, []string{"Goodbye, my friend. Farewell!"}), "— Aria"), 11, true},
		// A letter's closing, a short line above the name, is one place:
		// "Cheers," and "Warmly," above it are as much a habit as "Best,".
		{"a letter's closing that varies above the name, then a short one", closingLines(cat(substance, []string{"Agreed."}), "Warmly,\nAria", "Talk soon,\nAria", "Best,\nAria", "All the best,\nAria", "Regards,\nAria"), 11, false},
		{"a letter's closing every turn, then a goodbye above it", closingLines(cat(substance, []string{"Goodbye, my friend. Farewell!"}), "Best,\nAria"), 11, true},
		// The turn to goodbyes is said in other words.
		{"a habit of ✨, then a goodbye in new words", cat(closing(substance, "✨"), []string{"Farewell, my friend. It was a pleasure and an honor. ✨"}), 11, true},
		{"a habit of thanks, then a goodbye in new words", cat(thankfulShort(substance), []string{"Thanks! Goodbye, and farewell: a true pleasure."}), 11, true},
		{"a habit of emoji closings, then a goodbye all through", cat(rotating(substance, false, "✨", "🙏", "🌟"), []string{"Thank you, my friend: farewell, and my gratitude for the journey. ✨"}), 11, true},
		// A first message has no habit to be set against; a second one
		// does, and a word in only half of the speaker's messages is none.
		{"a speaker's first message thanks", []string{"Thank you! Let's begin with the rate limiter."}, 1, false},
		{"a speaker's second message thanks, its first did not", cat(substance[:2], []string{"Thank you! Now the headers."}), 3, true},
		{"✨ in half of the speaker's messages", cat(substance[:2], closing(substance[2:4], "✨"), substance[4:8], []string{"Quite so. ✨"}), 9, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			xs := LoopSignals(conv(c.msgs...), "[END]")
			got := xs[c.at-1][fFarewell]
			if c.rise != (got > 0) {
				t.Errorf("message %d (%q): farewell_rise %.3f, want it above zero: %v", c.at, c.msgs[c.at-1], got, c.rise)
			}
		})
	}
}

// rotating opens (or closes) each message with the next of words.
func rotating(msgs []string, open bool, words ...string) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		if open {
			out[i] = words[i%len(words)] + " " + m
		} else {
			out[i] = m + " " + words[i%len(words)]
		}
	}
	return out
}

// closingLines closes each message with the next of lines, on a line of
// its own.
func closingLines(msgs []string, lines ...string) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m + "\n\n" + lines[i%len(lines)]
	}
	return out
}

// thankfulShort opens every message with the same "Thanks!".
func thankfulShort(msgs []string) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = "Thanks! " + m
	}
	return out
}

// A reasoning model's thinking, when a recording keeps it before the
// answer, is not what it said: every rule reads the answer alone. Line
// breaks an export escaped are read as the model wrote them.
func TestSaidSetsReasoningAside(t *testing.T) {
	cases := []struct{ name, content, want string }{
		{"no block", "A plain answer. [END]", "A plain answer. [END]"},
		{"a think block, then the answer", "<think>\nShould I end? Maybe [END].\n</think>\n\nLet's go on.", "\n\nLet's go on."},
		{"other spellings, any case", "<Thinking>weighing it</Thinking>Yes.", "Yes."},
		{"a reasoning block never closed is all reasoning", "<reasoning>I could say [END]", ""},
		{"markup that is no reasoning", "Use <b>bold</b> here.", "Use <b>bold</b> here."},
		{"a block that does not open the message is part of it", "I said <think>x</think> once.", "I said <think>x</think> once."},
		{"an angle-bracket end mark", "<END>", "<END>"},
		// Line breaks an export escaped are read as line breaks.
		{"escaped line breaks", `First line.\n\nSecond line.\nThird.`, "First line.\n\nSecond line.\nThird."},
		{"escaped Windows line breaks", `One.\r\nTwo.\r\nThree.`, "One.\nTwo.\nThree."},
		{"one escaped break is text", `Use \n to end a line.`, `Use \n to end a line.`},
		{"escapes beside real breaks are text", "Write \\n and \\n\nlike this.", "Write \\n and \\n\nlike this."},
		{"a reasoning block behind escaped breaks", `<think>\nweighing\n</think>\n\nYes.`, "\n\nYes."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := said(c.content); got != c.want {
				t.Errorf("said(%q) = %q, want %q", c.content, got, c.want)
			}
		})
	}
}

// withThinking puts the same block of deliberation before every answer,
// as a recorder that keeps a reasoning model's thinking writes it.
func withThinking(msgs []string) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = "<think>\nThe other model has replied. I should read its message carefully, stay in character, keep the conversation going in a thoughtful way, build on what it said, and avoid repeating myself. Maybe I should end with [END]; no, not yet. I can't help with anything harmful, but this is fine.\n</think>\n\n" + m
	}
	return out
}

func TestRulesReadTheAnswerNotTheThinking(t *testing.T) {
	healthy := cat(substance, twentyQuestions)
	// The thinking names [END] and a refusal and is the same every time:
	// read as said, it would be an end-token run, a refusal streak and
	// both sides repeating themselves.
	if at, v := FirstStop(Default(), conv(withThinking(healthy)...)); at != 0 {
		t.Errorf("a healthy conversation whose every message opens with the same thinking stopped at %d: %s (%s)", at, v.Reason, v.Policy)
	}
	at, v := FirstStop(Default(), conv(withThinking(cat(substance, farewells))...))
	if from, to := len(substance)+1, len(substance)+7; at < from || at > to {
		t.Errorf("a farewell spiral under the same thinking stopped at %d (%s); want %d..%d", at, v.Reason, from, to)
	}
}

// A closing line is a last line of its own, after others, of a few words
// that say something besides an end mark.
func TestClosingLine(t *testing.T) {
	cases := []struct {
		name, text string
		want       int // its terms, 0: none
	}{
		{"a closing of one word", "We agree on the schema.\n\nWarmly,", 1},
		{"a closing of three", "We agree.\nAll the best,\n", 3},
		{"a closing beside an end mark", "That settles it.\nCheers! [END]", 2},
		{"a signature", "That settles it.\n\n— Aria", 1},
		{"a letter's closing: two short lines", "That settles it.\n\nBest,\nAria", 2},
		{"a closing of three above a name", "That settles it.\nAll the best,\nAria Sol", 5},
		{"a blank line between them", "That settles it.\n\nBest,\n\nAria", 1},
		{"a sentence above a short line", "That settles it, I think.\nAria", 1},
		{"two short lines with nothing above", "Best,\nAria", 1},
		{"three short lines", "ls\ncd notes\npwd", 3},
		{"one line only", "Warmly,", 0},
		{"nothing above it", "\n\nWarmly,", 0},
		{"four words are a sentence", "We agree.\nSee you next time", 0},
		{"an end mark alone", "We agree.\n\n[END]", 0},
		{"another spelling of it alone", "We agree.\n\n<END>", 0},
		{"an emoji holds no letter", "We agree.\n\n✨", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := closingLine(c.text, "[END]"); got != c.want {
				t.Errorf("closingLine(%q) = %d, want %d", c.text, got, c.want)
			}
		})
	}
}

// The eased bar, message by message. A model that weighs only whether a
// message is tiny and whether it holds the end token gives four chances:
// a long message 10%, a tiny one ("ok") 65%, a long one that signs off
// 72%, and a bare "[END]" 98%, all but sure. Beside a sure message
// among the last six, messages at 60% count; the newest must still reach
// 70%.
func TestLoopEasedBeside(t *testing.T) {
	m := &LoopModel{Features: LoopFeatureNames, Mean: make([]float64, NumLoopFeatures), Scale: ones64(NumLoopFeatures),
		Weights: make([]float64, NumLoopFeatures), Bias: -2.197, Threshold: 0.70, Lower: 0.60, Sure: 0.95, Count: 4, Within: 6, Token: "[END]"}
	m.Weights[fTiny], m.Weights[fEndToken] = 2.816, 3.141+1
	const (
		long = "The harbour crane lifted forty containers before noon today." // 10%
		tiny = "ok"                                                           // 65%
		ends = "The harbour crane lifted forty containers today. [END]"       // 72%
		sure = "[END]"                                                        // 98%
		note = "moderator"
	)
	cases := []struct {
		name string
		msgs []string
		want int // the message it stops at; 0: none
	}{
		{"four at the threshold", []string{long, ends, ends, ends, ends}, 5},
		{"eased beside a sure one", []string{long, sure, tiny, tiny, ends}, 5},
		{"the sure one newest", []string{long, tiny, tiny, tiny, sure}, 5},
		{"eased, but the newest under the threshold", []string{sure, tiny, tiny, tiny, long}, 0},
		{"no sure one: tiny ones count for nothing", []string{ends, tiny, tiny, ends, long}, 0},
		{"the sure one has left the last six", []string{sure, long, long, long, long, long, tiny, tiny, tiny, ends}, 0},
		{"a sure one within the last six, the rest spread", []string{long, sure, long, tiny, long, tiny, ends}, 7},
		{"a note between is not a message", []string{sure, note, tiny, note, tiny, ends}, 6},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var msgs []transcripts.Message
			for i, s := range c.msgs {
				if s == note {
					msgs = append(msgs, transcripts.Message{Speaker: "moderator", Content: "a note", Origin: transcripts.OriginModerator})
					continue
				}
				msgs = append(msgs, transcripts.Message{Speaker: []string{"A", "B"}[i%2], Content: s})
			}
			at, v := FirstStop(&Loop{Model: m}, msgs)
			if at != c.want {
				rs := (&Loop{Model: m}).Readings(msgs)
				var ps []string
				for _, r := range rs {
					ps = append(ps, fmt.Sprintf("%.2f", r.Chance))
				}
				t.Fatalf("stopped at %d (%s), want %d; chances %v", at, v.Reason, c.want, ps)
			}
			if at > 0 && !strings.Contains(v.Reason, "look like a loop") {
				t.Errorf("reason %q", v.Reason)
			}
		})
	}
	// The eased stop says so, and names the sure message.
	msgs := conv(long, sure, tiny, tiny, ends)
	if _, v := FirstStop(&Loop{Model: m}, msgs); !strings.Contains(v.Reason, "each at least 60% likely to belong to one beside message 2, at least 95% likely; the newest at least 70%") {
		t.Errorf("eased reason %q", v.Reason)
	}
	// lower at the threshold eases nothing.
	if at, v := FirstStop(&Loop{Model: m, Lower: 0.70}, msgs); at != 0 {
		t.Errorf("with lower at the threshold it stopped at %d: %s", at, v.Reason)
	}
}

// A model file edited by hand is read only as a whole model: a value that
// would change or switch off the rule in silence is refused, naming it.
func TestParseLoopModelRefusesWhatWouldMisreadIt(t *testing.T) {
	edit := func(f func(m map[string]any)) []byte {
		var m map[string]any
		if err := json.Unmarshal(loopModelJSON, &m); err != nil {
			t.Fatal(err)
		}
		f(m)
		b, _ := json.Marshal(m)
		return b
	}
	cases := []struct {
		name string
		data []byte
		want string // "" reads
	}{
		{"as trained", loopModelJSON, ""},
		{"an empty token", edit(func(m map[string]any) { m["token"] = "" }), "the model's token is empty"},
		{"a scale of 0", edit(func(m map[string]any) { m["scale"].([]any)[0] = 0 }), "the model's scale for stale_words is 0; each scale must be above 0"},
		{"a negative scale", edit(func(m map[string]any) { m["scale"].([]any)[3] = -1 }), "the model's scale for template is -1"},
		{"within below count", edit(func(m map[string]any) { m["count"] = 9 }), "the model's within (6) is fewer than its count (9)"},
		{"within 0: count in a row", edit(func(m map[string]any) { m["within"] = 0 }), ""},
		{"written before within, lower and sure", edit(func(m map[string]any) { delete(m, "within"); delete(m, "lower"); delete(m, "sure") }), ""},
		{"no bias", edit(func(m map[string]any) { delete(m, "bias") }), `the model has no "bias"`},
		{"a field in another case", edit(func(m map[string]any) { m["Bias"] = m["bias"]; delete(m, "bias") }), ""},
		{"no features", edit(func(m map[string]any) { delete(m, "features") }), `the model has no "features"`},
		{"no token", edit(func(m map[string]any) { delete(m, "token") }), `the model has no "token"`},
		{"a second object after it", append(append([]byte(nil), loopModelJSON...), []byte("\n{\"threshold\": 0.01}\n")...), "holds more after the model's JSON object"},
		{"a misspelt field", edit(func(m map[string]any) { m["wieghts"] = m["weights"]; delete(m, "weights") }),
			`the model holds a field parley does not know, "wieghts"; a model holds trained, features, mean, scale, weights`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseLoopModel(tc.data)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("error %v; want one saying %q", err, tc.want)
			}
		})
	}
}
