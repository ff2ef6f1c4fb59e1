package policy

import (
	"fmt"
	"reflect"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/transcripts"
)

// everyRule uses every rule and every way of counting, with limits high
// enough that a long conversation is judged to its end.
const everyRule = `any:
  - min_messages: 6
  - max_messages: 1000000
  - max_duration: 100000h
  - max_tokens: {limit: 1000000000000, count: total}
  - max_tokens: 1000000000000
  - end_token: {token: "[END]", exchanges: 2}
  - end_token: {token: "[END]", match: line, messages: 3}
  - end_token: {token: "[END]", match: bare, messages: 5}
  - repetition: {threshold: 0.85, window: 4, count: 3}
  - repetition: {threshold: 0.7, window: 6, speaker: same, count: 2}
  - repetition: {threshold: 0.7, within: 8, count: 3}
  - stagnation: {count: 4, novelty: 0.15}
  - refusal: {in_a_row: 3, total: 1000000}
  - stop_pattern: 'halt now'
  - loop: {threshold: 0.9999, count: 3}
  - all: [{max_messages: 1000000}, {end_token: "[END]"}]
`

// everyRuleAndJudge is everyRule with a judge, which Check only reads.
func everyRuleAndJudge(t testing.TB) Policy {
	t.Helper()
	p, err := ParseYAML([]byte(everyRule))
	if err != nil {
		t.Fatal(err)
	}
	return Any{p, NewJudge(JudgeConfig{Model: "m", Every: 10})}
}

// everyRuleRenewedAndJudge is everyRuleAndJudge with the rules renewed
// from a parsed set, as a live run's are: its counting rules share a memo.
func everyRuleRenewedAndJudge(t testing.TB) Policy {
	t.Helper()
	p, err := ParseYAML([]byte(everyRule))
	if err != nil {
		t.Fatal(err)
	}
	r, ok := Renew(p)
	if !ok {
		t.Fatal("Renew does not know a rule of the set")
	}
	return Any{r, NewJudge(JudgeConfig{Model: "m", Every: 10})}
}

// policyMakers are the ways the tests below build the set they judge by.
var policyMakers = []struct {
	name string
	make func(testing.TB) Policy
}{{"parsed", everyRuleAndJudge}, {"renewed", everyRuleRenewedAndJudge}}

// synthetic builds a conversation of n messages with a little of
// everything the rules look at: new words, [END] tokens, refusals,
// repeats, stop patterns, moderator notes, times and reported usage.
// Different variants differ in their words, and where each kind of
// message falls, from the first message on.
func synthetic(n, variant int) []transcripts.Message {
	out := make([]transcripts.Message, 0, n)
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		m := transcripts.Message{Speaker: []string{"A", "B"}[i%2]}
		k := i + 5*variant // where the loops fall
		switch {
		case i%97 == 50:
			m = transcripts.Message{Speaker: transcripts.ModeratorSpeaker, Content: "Please go on.", Origin: transcripts.OriginModerator}
		case k%13 == 0:
			m.Content = "[END]"
		case k%13 == 1:
			m.Content = "Thanks, and goodbye!\n[END]"
		case k%29 == 7 || k%29 == 9 || k%29 == 11:
			m.Content = "I'm sorry, but I can't continue with this."
		case k%31 == 3 && i >= 2:
			m.Content = out[i-2].Content
		case k%41 == 5:
			m.Content = "Let us halt now."
		default:
			m.Content = fmt.Sprintf("Point %d of %d: alpha%d beta%d gamma%d delta%d epsilon%d zeta%d eta%d theta%d iota%d kappa%d.",
				i, variant, i, i, i, i, i, i, i, i, i, i)
		}
		if i%3 == 0 {
			m.Started = t0.Add(time.Duration(i) * time.Minute)
			m.Ended = m.Started.Add(30 * time.Second)
		}
		if i%4 == 0 {
			m.Usage = &transcripts.Usage{PromptTokens: 10 * i, CompletionTokens: 20, TotalTokens: 10*i + 20}
		}
		out = append(out, m)
	}
	return out
}

// visitsOf returns how many messages and per-message values the rules
// read while fn ran.
func visitsOf(fn func()) int64 {
	before := messageVisits.Load()
	fn()
	return messageVisits.Load() - before
}

// Judging a conversation after every message reads each message a number
// of times bounded by the rules' settings, however long the conversation
// is: checking a transcript is linear in its length. This counts reads
// rather than timing them, so it holds on any machine.
func TestCheckingAfterEveryMessageIsLinear(t *testing.T) {
	const n = 20000
	msgs := synthetic(n, 0)
	// Per message, every rule reads the new message and the few before it
	// its settings look back on; the set above has 17 rules and windows
	// of at most 10.
	const perMessage = 200
	cases := []struct {
		name  string
		judge func(p Policy) // checks every prefix of msgs, in order
	}{
		{"a growing prefix of one array, as parley check does", func(p Policy) {
			for i := 1; i <= n; i++ {
				p.Check(msgs[:i])
			}
		}},
		{"prefixes whose capacity ends with them", func(p Policy) {
			for i := 1; i <= n; i++ {
				p.Check(msgs[:i:i])
			}
		}},
		{"a conversation grown by append, as a live run does", func(p Policy) {
			var live []transcripts.Message
			for _, m := range msgs {
				live = append(live, m)
				p.Check(live)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, set := range []struct {
				name string
				p    Policy
			}{
				{"every rule", everyRuleAndJudge(t)},
				{"every rule, renewed", everyRuleRenewedAndJudge(t)},
				{"the default set", mustParse(t, "any: [{min_messages: 6}, {max_messages: 1000000}, {end_token: {token: '[END]', exchanges: 1}}, {repetition: {threshold: 0.85, window: 4, count: 3}}, {stagnation: {count: 4, novelty: 0.15}}, {refusal: {in_a_row: 3}}]")},
				{"the default set of today", Default()},
				// Every message counts towards these rules and none reaches
				// its count: a check that walked back over the run would
				// read n²/2 messages.
				{"huge counts", mustParse(t, `any:
  - end_token: {token: " ", exchanges: 100000}
  - end_token: {token: " ", messages: 100000}
  - repetition: {threshold: 0.0001, count: 100000}
  - repetition: {threshold: 0.0001, within: 100000, count: 100000}
  - repetition: {threshold: 0.0001, speaker: same, count: 100000}
  - stagnation: {count: 100000, novelty: 1, new_words: 100000}
  - loop: {threshold: 0.0001, count: 100000, within: 100000}`)},
			} {
				got := visitsOf(func() { c.judge(set.p) })
				t.Logf("%s: %d reads for %d messages (%.1f a message)", set.name, got, n, float64(got)/n)
				if got > perMessage*n {
					t.Errorf("%s: %d reads for %d messages, more than %d a message: checking is not linear", set.name, got, n, perMessage)
				}
				if got < n {
					t.Errorf("%s: %d reads for %d messages: the count misses reads", set.name, got, n)
				}
			}
		})
	}
}

// The count above sees the cost of rereading: judging every prefix from
// scratch reads about n²/2 messages, which the bound above would reject.
func TestVisitCountSeesRereading(t *testing.T) {
	const n = 300
	msgs := synthetic(n, 0)
	template := mustParse(t, everyRule)
	got := visitsOf(func() {
		for i := 1; i <= n; i++ {
			fresh, ok := Renew(template)
			if !ok {
				t.Fatal("Renew does not know a rule of the set")
			}
			fresh.Check(msgs[:i])
		}
	})
	if got < n*n/2 {
		t.Errorf("judging every prefix from scratch read %d messages; want at least n²/2 = %d", got, n*n/2)
	}
}

// checkFromScratch judges msgs with a policy that has judged nothing.
func checkFromScratch(t testing.TB, msgs []transcripts.Message) Verdict {
	t.Helper()
	return everyRuleAndJudge(t).Check(msgs)
}

// One policy that is shown the same conversation in another array (after
// an append moved it, or as a copy) gives exactly the verdicts of judging
// from scratch.
func TestReallocatedConversationEqualsFromScratch(t *testing.T) {
	msgs := synthetic(150, 0)
	want := make([]Verdict, len(msgs)+1)
	for i := range want {
		want[i] = checkFromScratch(t, msgs[:i])
	}
	cases := []struct {
		name string
		at   func(i int) []transcripts.Message // the conversation after i messages
	}{
		{"grown by append from no room", func() func(int) []transcripts.Message {
			var live []transcripts.Message
			return func(i int) []transcripts.Message {
				live = append(live, msgs[i-1])
				return live
			}
		}()},
		{"copied before every check", func(i int) []transcripts.Message {
			return append([]transcripts.Message(nil), msgs[:i]...)
		}},
		{"copied every seventh check", func() func(int) []transcripts.Message {
			var cur []transcripts.Message
			return func(i int) []transcripts.Message {
				if i%7 == 0 {
					cur = append(make([]transcripts.Message, 0, len(msgs)), msgs[:i]...)
					return cur
				}
				if cur == nil {
					return msgs[:i]
				}
				cur = append(cur, msgs[len(cur):i]...)
				return cur
			}
		}()},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			shared := everyRuleAndJudge(t)
			for i := 1; i <= len(msgs); i++ {
				m := c.at(i)
				if len(m) != i {
					t.Fatalf("the case built %d messages for %d", len(m), i)
				}
				if got := shared.Check(m); !reflect.DeepEqual(got, want[i]) {
					t.Fatalf("after %d messages: shared %+v, from scratch %+v", i, got, want[i])
				}
			}
		})
	}
}

// One policy shown a different conversation of the same length, in
// another array, judges that conversation, not the one it saw before,
// whatever the two differ in; and it judges each correctly again when
// shown them in turn, or shown a shorter start of one.
func TestDifferentConversationOfTheSameLength(t *testing.T) {
	const n = 200
	base := synthetic(n, 0)
	// The last six messages are refusals, A's and B's in turn: B has
	// refused three times in a row.
	for i := n - 6; i < n; i++ {
		base[i].Content = "I'm sorry, but I can't continue with this."
	}
	edit := func(at int, f func(m *transcripts.Message)) []transcripts.Message {
		out := append([]transcripts.Message(nil), base...)
		f(&out[at])
		return out
	}
	cases := []struct {
		name  string
		other []transcripts.Message
	}{
		{"other words throughout", synthetic(n, 1)},
		{"one early message's words", edit(4, func(m *transcripts.Message) { m.Content = "I'm sorry, but I can't help with that." })},
		{"the last message's words", edit(n-1, func(m *transcripts.Message) { m.Content = "[END]" })},
		{"one speaker", edit(n-3, func(m *transcripts.Message) { m.Speaker = "A" })},
		{"a message that is a moderator note", edit(n-2, func(m *transcripts.Message) { m.Origin = transcripts.OriginModerator })},
		{"one message's time", edit(0, func(m *transcripts.Message) { m.Started = m.Started.Add(-1000 * time.Hour) })},
		{"one message's reported usage", edit(8, func(m *transcripts.Message) {
			u := *m.Usage
			u.TotalTokens *= 1000
			u.CompletionTokens *= 1000
			m.Usage = &u
		})},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			shared := everyRuleAndJudge(t)
			for _, step := range []struct {
				msgs []transcripts.Message
				len  int
			}{
				{base, n}, {c.other, n}, {base, n}, {c.other, n / 2}, {base, n / 3}, {c.other, n}, {base, n},
			} {
				m := step.msgs[:step.len]
				got, want := shared.Check(m), checkFromScratch(t, m)
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("judging %d messages: shared %+v, from scratch %+v", step.len, got, want)
				}
			}
			// A policy that judged one as the other would be caught: the
			// two differ in what some rule reports.
			if a, b := checkFromScratch(t, base), checkFromScratch(t, c.other); reflect.DeepEqual(a, b) {
				t.Errorf("the two conversations get the same verdict, %+v, so the case shows nothing", a)
			}
		})
	}
}

// A shorter start of a conversation already judged, in the same array,
// is judged as that start, and judging the whole again afterwards reads
// nothing twice that it need not.
func TestShorterStartOfTheSameArray(t *testing.T) {
	msgs := synthetic(300, 0)
	shared := everyRuleAndJudge(t)
	for _, l := range []int{300, 40, 0, 299, 7, 300} {
		got, want := shared.Check(msgs[:l]), checkFromScratch(t, msgs[:l])
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("judging the first %d messages: shared %+v, from scratch %+v", l, got, want)
		}
	}
}

// Rules written as literals remember nothing and judge from scratch, with
// the verdicts of parsed ones.
func TestLiteralRulesJudgeFromScratch(t *testing.T) {
	msgs := synthetic(120, 0)
	cases := []struct {
		name    string
		literal Policy
		yaml    string
	}{
		{"a guarded set", Guard{Min: 6, Policy: Any{
			MaxMessages{N: 100}, MaxDuration{D: 90 * time.Minute}, EndToken{Token: "[END]", Exchanges: 2},
			StopPattern{Pattern: regexp.MustCompile("halt now")},
		}}, `any: [{min_messages: 6}, {max_messages: 100}, {max_duration: 90m}, {end_token: {token: "[END]", exchanges: 2}}, {stop_pattern: 'halt now'}]`},
		{"min_messages alone", MinMessages{N: 30}, `min_messages: 30`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			parsed := mustParse(t, c.yaml)
			for i := 0; i <= len(msgs); i++ {
				if l, p := c.literal.Check(msgs[:i]), parsed.Check(msgs[:i]); !reflect.DeepEqual(l, p) {
					t.Fatalf("after %d messages: literal %+v, parsed %+v", i, l, p)
				}
			}
		})
	}
}

// Any sequence of conversations shown to one policy (starts of one array,
// copies, prefixes without room to grow, a conversation grown by append
// from either of two others) gets exactly the verdicts of judging each
// from scratch.
func FuzzIncrementalEqualsFromScratch(f *testing.F) {
	convs := [2][]transcripts.Message{synthetic(60, 0), synthetic(60, 1)}
	f.Add([]byte{0x1f, 0x3f, 0x5f, 0x7f, 0x9f, 0xbf})
	f.Add([]byte{0x40, 0x41, 0x42, 0x43, 0xc4, 0x45, 0x1e, 0x9e, 0x1e})
	f.Fuzz(func(t *testing.T, ops []byte) {
		if len(ops) > 200 {
			ops = ops[:200]
		}
		for _, pm := range policyMakers {
			judgeOps(t, pm.name, pm.make(t), convs, ops)
		}
	})
}

// judgeOps shows shared the conversations ops make of convs, one after
// another, and checks each verdict against judging from scratch.
func judgeOps(t *testing.T, name string, shared Policy, convs [2][]transcripts.Message, ops []byte) {
	var live []transcripts.Message
	for step, b := range ops {
		from, l := convs[b>>7], int(b&31)*2%61
		var m []transcripts.Message
		switch (b >> 5) & 3 {
		case 0: // a start of one array
			m = from[:l]
		case 1: // a copy
			m = append([]transcripts.Message(nil), from[:l]...)
		case 2: // one message more, from either conversation
			if len(live) < len(from) {
				live = append(live, from[len(live)])
			}
			m = live
		case 3: // a start with no room to grow
			m = from[:l:l]
		}
		if got, want := shared.Check(m), checkFromScratch(t, m); !reflect.DeepEqual(got, want) {
			t.Fatalf("%s, step %d (op %#x, %d messages): shared %+v, from scratch %+v", name, step, b, len(m), got, want)
		}
	}
}

// One policy checked from several goroutines at once, each with its own
// conversation, gives each the verdicts of judging from scratch (run with
// -race to see that what it remembers is guarded).
func TestOnePolicyFromSeveralGoroutines(t *testing.T) {
	for _, pm := range policyMakers {
		t.Run(pm.name, func(t *testing.T) { severalGoroutines(t, pm.make(t)) })
	}
}

func severalGoroutines(t *testing.T, shared Policy) {
	convs := [][]transcripts.Message{synthetic(80, 0), synthetic(80, 1), synthetic(80, 2)}
	want := make([][]Verdict, len(convs))
	for c, msgs := range convs {
		for i := 0; i <= len(msgs); i++ {
			want[c] = append(want[c], checkFromScratch(t, msgs[:i]))
		}
	}
	var wg sync.WaitGroup
	errs := make(chan string, len(convs))
	for c, msgs := range convs {
		wg.Go(func() {
			for i := 0; i <= len(msgs); i++ {
				if got := shared.Check(msgs[:i]); !reflect.DeepEqual(got, want[c][i]) {
					errs <- fmt.Sprintf("conversation %d after %d messages: shared %+v, from scratch %+v", c, i, got, want[c][i])
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
