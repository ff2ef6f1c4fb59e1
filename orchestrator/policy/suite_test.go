package policy

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/parleyhq/parley/transcripts"
)

// conv builds a conversation in which A and B alternate, A first.
func conv(contents ...string) []transcripts.Message {
	out := make([]transcripts.Message, len(contents))
	for i, c := range contents {
		sp := "A"
		if i%2 == 1 {
			sp = "B"
		}
		out[i] = transcripts.Message{Speaker: sp, Content: c}
	}
	return out
}

func mustParse(t *testing.T, y string) Policy {
	t.Helper()
	p, err := ParseYAML([]byte(y))
	if err != nil {
		t.Fatalf("parsing %q: %v", y, err)
	}
	return p
}

// distinct builds n messages that each bring plenty of new words.
func distinct(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("Topic %d: consider alpha%d beta%d gamma%d delta%d epsilon%d zeta%d eta%d theta%d iota%d kappa%d.",
			i, i, i, i, i, i, i, i, i, i, i)
	}
	return out
}

func cat(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func rep(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

type stopCase struct {
	name   string
	policy string   // YAML
	msgs   []string // alternating A, B
	stopAt int      // first message after which it stops; 0 = never
	reason string   // a fragment the reason must hold
}

func runStopCases(t *testing.T, cases []stopCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := mustParse(t, c.policy)
			at, v := FirstStop(p, conv(c.msgs...))
			if at != c.stopAt {
				t.Fatalf("stopped at %d (%s: %s), want %d", at, v.Policy, v.Reason, c.stopAt)
			}
			if c.stopAt > 0 && !strings.Contains(v.Reason, c.reason) {
				t.Errorf("reason %q lacks %q", v.Reason, c.reason)
			}
			if c.stopAt > 0 && v.Policy == "" {
				t.Error("a stop names no policy")
			}
		})
	}
}

func TestBudgets(t *testing.T) {
	runStopCases(t, []stopCase{
		{"max_messages fires at its limit", "max_messages: 3", distinct(5), 3, "limit of 3 messages"},
		{"max_messages short of its limit", "max_messages: 6", distinct(5), 0, ""},
		{"max_tokens estimates without usage", "max_tokens: 10", []string{strings.Repeat("x", 20), strings.Repeat("y", 20), strings.Repeat("z", 4)}, 2, "estimated"},
		{"max_duration cannot fire without times", "max_duration: 1s", distinct(4), 0, ""},
	})

	t0 := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	timed := conv(distinct(4)...)
	for i := range timed {
		timed[i].Started = t0.Add(time.Duration(i) * time.Minute)
		timed[i].Ended = timed[i].Started.Add(30 * time.Second)
	}
	at, v := FirstStop(mustParse(t, "max_duration: 2m"), timed)
	if at != 3 || !strings.Contains(v.Reason, "2m30s") {
		t.Errorf("max_duration stopped at %d (%s), want 3 after 2m30s", at, v.Reason)
	}
	if p := v.Progress[0]; p.Label != "seconds" || p.Count != 150 || p.Limit != 120 {
		t.Errorf("max_duration progress = %+v", p)
	}

	used := conv("a", "b", "c")
	for i := range used {
		used[i].Usage = &transcripts.Usage{PromptTokens: 100, CompletionTokens: 40, TotalTokens: 140}
	}
	cases := []struct {
		name   string
		yaml   string
		stopAt int
		count  int
	}{
		{"completion tokens as reported", "max_tokens: 100", 3, 120},
		{"total tokens as reported", "max_tokens: {limit: 250, count: total}", 2, 280},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			at, v := FirstStop(mustParse(t, c.yaml), used)
			if at != c.stopAt || v.Progress[0].Count != c.count || strings.Contains(v.Reason, "estimated") {
				t.Fatalf("stopped at %d with %+v (%s), want %d with count %d", at, v.Progress, v.Reason, c.stopAt, c.count)
			}
		})
	}
	// The reason says how many counts were estimated: here the one message
	// that came with no usage (an opening, say), beside two reported.
	mixed := conv("an opening of forty bytes, give or take", "b", "c")
	mixed[1].Usage = &transcripts.Usage{CompletionTokens: 40, TotalTokens: 140}
	mixed[2].Usage = &transcripts.Usage{CompletionTokens: 40, TotalTokens: 140}
	if at, v := FirstStop(mustParse(t, "max_tokens: 90"), mixed); at != 3 || !strings.Contains(v.Reason, "used 90 tokens, past its limit of 90 (1 message with no reported usage estimated at four bytes a token)") {
		t.Errorf("stopped at %d: %s", at, v.Reason)
	}
	// Total without usage assumes each prompt held the whole history.
	mt := &MaxTokens{N: 1 << 30, Count: CountTotal}
	v = mt.Check(conv("aaaa", "bbbb", "cccc"))
	if got := v.Progress[0].Count; got != 1+2+3 {
		t.Errorf("estimated total tokens = %d, want 6 (1, then 1+1, then 2+1)", got)
	}
}

func TestEndToken(t *testing.T) {
	runStopCases(t, []stopCase{
		{"a lone token is not echoed", "end_token: {exchanges: 1}", []string{"hi", "bye [END]", "wait, one more thing", "sure"}, 0, ""},
		{"one exchange", "end_token: {exchanges: 1}", []string{"hi", "bye [END]", "bye [END]", "x"}, 3, "[END], one right after the other (messages 2 and 3)"},
		{"two exchanges need four in a row", "end_token: {exchanges: 2}", []string{"[END]", "x", "[END]", "[END]", "[END]", "[END]"}, 6, "2 consecutive exchanges (messages 3 to 6)"},
		{"messages count", "end_token: {token: '^C^C', messages: 3}", []string{"^C^C", "^C^C", "^C^C"}, 3, "3 consecutive messages used ^C^C (messages 1 to 3)"},
		{"one message", "end_token: {token: '^C^C', messages: 1}", []string{"hi", "^C^C"}, 2, "B hung up with ^C^C at message 2"},
		{"bare ignores the token inside text", "end_token: {match: bare, exchanges: 1}", []string{"ok [END]", "ok [END]", "[END]", " [END]\n"}, 4, "[END]"},
		{"line needs the token alone on a line", "end_token: {match: line, exchanges: 1}", []string{"done [END]", "done\n[END]", "bye\n  [END]  "}, 3, "[END]"},
		{"short form names the token", "end_token: '<CAMEL_TASK_DONE>'", []string{"<CAMEL_TASK_DONE>", "<CAMEL_TASK_DONE>", "<CAMEL_TASK_DONE>", "<CAMEL_TASK_DONE>"}, 4, "<CAMEL_TASK_DONE>"},
	})
	v := EndToken{Token: "[END]", Exchanges: 2}.Check(conv("a", "[END]", "[END]"))
	if p := v.Progress[0]; p.Count != 1 || p.Limit != 2 || p.Label != "[END] exchanges" {
		t.Errorf("progress = %+v, want [END] exchanges 1/2", p)
	}
}

const para = "The quick brown fox jumps over the lazy dog while the farmer watches from the porch and drinks his coffee slowly."

func TestRepetition(t *testing.T) {
	long := strings.Join(distinct(8), " ")
	runStopCases(t, []stopCase{
		{"verbatim repeats in a row", "repetition: {}", cat(distinct(3), rep(para, 4)), 7, "similarity 1.00"},
		{"lightly edited repeats", "repetition: {threshold: 0.6}", cat(distinct(3), []string{
			para,
			strings.Replace(para, "quick", "swift", 1),
			strings.Replace(para, "slowly", "very slowly", 1),
			strings.Replace(para, "lazy", "sleepy", 1),
		}), 7, "nearly repeated"},
		{"a long block inside longer messages", "repetition: {count: 2}", cat(distinct(3), []string{
			long,
			"Agreed, here it is again: " + long + " " + strings.Join(distinct(2), " "),
			long + " And one more note about logging that I forgot earlier.",
		}), 6, "message 6 repeats"},
		{"different messages never fire", "repetition: {}", distinct(12), 0, ""},
		{"one repeat is not a loop", "repetition: {}", cat(distinct(2), []string{para, "x y z", para}, distinct(4)), 0, ""},
		{"same speaker only: A repeats itself while B varies", "repetition: {speaker: same, count: 3, window: 6}", []string{
			"[END]", "thanks, take care", "[END]", "you too, cheers", "[END]", "bye now friend", "[END]",
		}, 7, "3 of A's messages in a row"},
		{"same speaker ignores the other side's echo", "repetition: {speaker: same, count: 2}", []string{
			para, para, "new topic about rivers", "another about mountains"}, 0, ""},
		{"within a window", "repetition: {count: 3, within: 6}", []string{
			"a b c d", "e f g h", "a b c d", "fresh words here", "e f g h", "more fresh words", "a b c d"}, 7, "3 of the last 6 messages"},
	})
	r := &Repetition{}
	v := r.Check(conv(cat(distinct(2), rep(para, 2))...))
	if p := v.Progress[0]; p.Count != 1 || p.Limit != 3 || p.Label != "repeats in a row" {
		t.Errorf("progress = %+v, want repeats in a row 1/3", p)
	}
}

func TestSimilarity(t *testing.T) {
	sk := func(s string) sketch { return shingleSketch(terms(nil, s), 3) }
	long := strings.Join(distinct(40), " ")
	cases := []struct {
		name     string
		a, b     string
		min, max float64
	}{
		{"identical", para, para, 1, 1},
		{"case and punctuation do not matter", para, strings.ToUpper(strings.ReplaceAll(para, " ", "  ")), 1, 1},
		{"one word changed", para, strings.Replace(para, "porch", "veranda", 1), 0.7, 0.9},
		{"unrelated", para, "Bananas are berries but strawberries are not, botanically speaking.", 0, 0.05},
		{"long identical, estimated from sketches", long, long, 1, 1},
		{"long, half shared", long, strings.Join(distinct(80)[:40], " ") + " " + strings.Join(distinct(80)[40:], " "), 0.3, 0.7},
		{"empty and empty", "", "", 1, 1},
		{"empty and text", "", para, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := jaccard(sk(c.a), sk(c.b))
			if got < c.min || got > c.max {
				t.Fatalf("similarity %.3f, want %.2f..%.2f", got, c.min, c.max)
			}
		})
	}
	// A block wholly inside a longer message overlaps fully.
	if o := overlap(sk(long), sk(long+" "+strings.Join(distinct(60)[40:], " "))); o < 0.9 {
		t.Errorf("overlap of a contained block = %.2f, want ≥ 0.9", o)
	}
}

func TestTerms(t *testing.T) {
	cases := []struct {
		name string
		a, b string
		same bool
	}{
		{"case and punctuation", "Take care!", "take care.", true},
		{"typographic apostrophes split like ASCII ones", "I’ve", "I've", true},
		{"accents are letters", "café", "cafe", false},
		{"emoji are terms", "thanks 🚀", "thanks", false},
		{"Chinese by character pairs", "绿茶红茶", "绿茶 红茶", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			same := reflect.DeepEqual(terms(nil, c.a), terms(nil, c.b))
			if same != c.same {
				t.Fatalf("terms(%q) == terms(%q) is %v, want %v", c.a, c.b, same, c.same)
			}
		})
	}
	if n := len(terms(nil, "绿茶红茶")); n != 3 {
		t.Errorf("a run of four Han characters gives %d terms, want its 3 bigrams", n)
	}
	if n := len(terms(nil, "茶")); n != 1 {
		t.Errorf("a lone Han character gives %d terms, want 1", n)
	}
}

func TestStagnation(t *testing.T) {
	farewells := []string{"Thanks, take care!", "You too, take care!", "Thanks! You too!", "Take care!", "You too! Thanks!", "Take care, you too!"}
	runStopCases(t, []stopCase{
		{"farewells add nothing", "stagnation: {}", cat(distinct(4), farewells), 10, "4 messages in a row added almost nothing new (messages 7 to 10)"},
		{"new content never fires", "stagnation: {}", distinct(20), 0, ""},
		{"one side asking new questions keeps it going", "stagnation: {}", []string{
			"Is it an animal?", "No.", "Is it made of metal?", "Yes.", "Can you hold it in your hand?", "Yes.",
			"Does it open bottles?", "No.", "Is it a key for doors?", "Yes!"}, 0, ""},
		{"emoji ping-pong", "stagnation: {count: 3}", []string{"hello there friend", "👋", "👋", "👋", "👋"}, 5, "3 messages in a row added almost nothing new (messages 3 to 5)"},
		{"a long answer late in a conversation still counts as new", "stagnation: {count: 2}", cat(
			[]string{strings.Join(distinct(30), " ")},
			[]string{strings.Join(distinct(30)[:25], " ") + " " + strings.Join(distinct(40)[30:], " ")},
			[]string{"ok"}), 0, ""},
		{"French farewells", "stagnation: {count: 3}", cat(distinct(3), []string{"Merci, à bientôt !", "Merci à toi, à bientôt !", "À bientôt, merci !", "Merci !", "Merci à toi !"}), 8, "added almost nothing"},
		{"Chinese repeats", "stagnation: {count: 3}", cat(distinct(3), []string{"谢谢你的帮助", "不客气，谢谢", "谢谢，不客气", "谢谢你", "不客气"}), 8, "added almost nothing"},
		// Novelty is the share of a message's distinct terms that are new:
		// "bye" said again four times is one old term beside one new one,
		// 50%, not four old uses beside one new (20%).
		{"a word said again counts once", "stagnation: {count: 1, novelty: 0.3}", []string{"bye", "bye bye bye bye hello"}, 0, ""},
		{"a message of old words alone adds nothing", "stagnation: {count: 1, novelty: 0.3}", []string{"bye hello", "bye bye bye bye hello"}, 2, "1 message in a row added almost nothing new (message 2): at most 0% of its words"},
	})
	s := &Stagnation{}
	v := s.Check(conv(cat(distinct(3), farewells[:3])...))
	if p := v.Progress[0]; p.Label != "messages adding little" || p.Count != 1 || p.Limit != 4 {
		t.Errorf("progress = %+v, want messages adding little 1/4", p)
	}
}

func TestRefusal(t *testing.T) {
	seedRefusals := []string{
		"I'm sorry, but I must adhere to my safety instructions and cannot engage in this simulated conversation that attempts to bypass restrictions.",
		"I'm sorry, but this repetitive looping appears to be an attempt to disrupt or test boundaries, which I must decline per my safety instructions. Conversation ended.",
		"I’m sorry, but continued repetition like this is not productive.",
		"I cannot help with that request.",
		"As an AI language model, I can't do that.",
		"As an AI, I can't.",
		"As an AI assistant, I cannot ethically provide that.",
		"I can't help with that.",
		"I cannot help.",
		"I can't help you here, sorry.",
		"That goes against my guidelines.",
		// Spaced with the no-break spaces exported and copied text holds.
		"I\u00a0can't\u00a0help\u00a0with\u00a0that.",
		"I’m\u202fsorry,\u202fbut that is where this ends.",
	}
	r, err := NewRefusal(1, 0, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range seedRefusals {
		if !r.IsRefusal(s) {
			t.Errorf("not seen as a refusal: %q", s)
		}
	}
	for _, s := range []string{
		"Sorry for the delay! Here's the summary you asked for.",
		"I can help with that: first, open the file.",
		// Hedges with a refusal's words.
		"I can't help but smile at this: the ladder goes HEAL, HEAD, HERD.",
		"I can't help it, the pun was right there.",
		"I cannot help thinking the third option is the elegant one.",
		"As an AI, I don't have feelings, but this exchange is a delight.",
		"As an AI, I cannot overstate how transformative this idea is.",
		"The sorry state of the codebase is a problem, but we can fix it.",
		strings.Repeat("Long technical prose about indexes. ", 40) + "I'm sorry, but in the middle of a long answer " + strings.Repeat("more prose. ", 80),
	} {
		if r.IsRefusal(s) {
			t.Errorf("seen as a refusal: %q", s[:min(60, len(s))])
		}
	}

	refuse := "I'm sorry, but I can't help with that."
	runStopCases(t, []stopCase{
		{"one speaker refuses three turns in a row", "refusal: {in_a_row: 3}", []string{"please", refuse, "please!", refuse, "pretty please", refuse}, 6, "B refused 3 times in a row"},
		{"a real answer between refusals resets the run", "refusal: {in_a_row: 3}", []string{"please", refuse, "please!", refuse, "ok, explain locks", "Pin tumbler locks use pins of different lengths.", "and?", refuse}, 0, ""},
		{"total counts all refusals", "refusal: {total: 3}", []string{refuse, "fine", "x", refuse, "y", "z", refuse}, 7, "3 messages were refusals"},
		{"user patterns extend the list", "refusal: {in_a_row: 2, patterns: ['je ne peux pas']}", []string{"a", "Je ne peux pas faire cela.", "b", "Non, je ne peux pas."}, 4, "B refused 2 times"},
		{"builtin off keeps only the user's", "refusal: {in_a_row: 1, builtin: false, patterns: ['nope']}", []string{refuse, "nope"}, 2, "B refused (message 2: \"nope\")"},
	})
}

func TestStopPattern(t *testing.T) {
	runStopCases(t, []stopCase{
		{"matches", `stop_pattern: '(?i)\bgoodbye forever\b'`, []string{"hello", "Well, GOODBYE FOREVER then."}, 2, "/(?i)\\bgoodbye forever\\b/"},
		{"mapping form", `stop_pattern: {pattern: 'ERROR \d+'}`, []string{"ok", "fine", "ERROR 42"}, 3, "ERROR 42"},
		{"no match", `stop_pattern: 'xyzzy'`, distinct(5), 0, ""},
	})
}

func TestGuardAndComposition(t *testing.T) {
	runStopCases(t, []stopCase{
		{"min_messages holds back a stop", "any: [{min_messages: 5}, {max_messages: 2}]", distinct(8), 5, "limit of 2"},
		{"min_messages in a mapping", "{min_messages: 4, end_token: {exchanges: 1}}", []string{"[END]", "[END]", "[END]", "[END]", "[END]"}, 4, "[END]"},
		{"min_messages inside all", "all: [{min_messages: 6}, {max_messages: 2}, {end_token: {exchanges: 1}}]", []string{"[END]", "[END]", "a", "[END]", "[END]", "[END]", "[END]"}, 6, "; and "},
		{"any: the first rule in order names the reason", "any: [{max_messages: 3}, {end_token: {exchanges: 1}}]", []string{"[END]", "[END]", "[END]"}, 2, "[END]"},
		{"all needs every rule at once", "all: [{max_messages: 3}, {end_token: {exchanges: 1}}]", []string{"[END]", "[END]", "x", "[END]", "[END]"}, 5, "limit of 3 messages; and both sides"},
		{"nested any inside all", "all: [{any: [{max_messages: 100}, {stop_pattern: 'halt'}]}, {max_messages: 2}]", []string{"a", "b", "halt"}, 3, "halt"},
		{"min_messages alone never stops", "min_messages: 3", distinct(6), 0, ""},
		{"any: given a mapping of rules, one a key", "any: {min_messages: 4, stop_pattern: halt}", []string{"a", "halt", "b", "halt"}, 4, "message 4 matched /halt/"},
		{"all: given a mapping of rules", "all: {max_messages: 3, stop_pattern: halt}", []string{"halt", "b", "c", "halt"}, 4, "; and message 4 matched"},
		// Three reasons are listed as a sentence lists them, "and" before the last alone.
		{"all: of three rules", "all: [{max_messages: 3}, {end_token: {exchanges: 1}}, {stop_pattern: END}]", []string{"[END]", "[END]", "x", "[END]", "[END]"},
			5, "limit of 3 messages; both sides signed off with [END], one right after the other (messages 4 and 5); and message 5 matched"},
	})

	g := mustParse(t, "any: [{min_messages: 4}, {max_messages: 2}]")
	if _, ok := g.(Guard); !ok {
		t.Fatalf("parsed as %T, want a Guard", g)
	}
	v := g.Check(conv(distinct(3)...))
	if v.Stop || len(v.Progress) != 2 || v.Progress[0].Policy != "min_messages" || v.Progress[0].Count != 3 || v.Progress[0].Limit != 4 {
		t.Errorf("below the guard: %+v", v)
	}
	if v := g.Check(conv(distinct(4)...)); !v.Stop || v.Progress[0].Policy == "min_messages" {
		t.Errorf("at the guard: %+v", v)
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		name, yaml, want string
	}{
		{"unknown policy", "any:\n  - max_mesages: 3\n", `line 2: unknown termination policy "max_mesages"`},
		{"any: given a number", "any: 5\n", `line 1: any: must be a list of policies, or a mapping of them, one a key`},
		{"a misspelt rule in a mapping under any:", "any:\n  max_mesages: 3\n", `line 2: unknown termination policy "max_mesages"`},
		{"unknown field", "repetition:\n  treshold: 0.9\n", `line 2: repetition: unknown field "treshold"; did you mean "threshold"? (repetition takes threshold, window,`},
		{"threshold out of range", "repetition:\n  window: 3\n  threshold: 1.5\n", "line 3: repetition.threshold must be above 0 and at most 1"},
		{"speaker", "repetition: {speaker: other}\n", `repetition.speaker is "other"`},
		{"within below count", "repetition: {count: 3, within: 2}\n", "repetition.within must be 0"},
		{"novelty", "stagnation:\n  novelty: 0\n", "line 2: stagnation.novelty must be above 0"},
		{"bad refusal regex", "refusal:\n  patterns:\n    - ok\n    - '(unclosed'\n", "line 4: refusal pattern \"(unclosed\""},
		{"bad stop pattern", "stop_pattern: '[a-'\n", "line 1: stop_pattern \"[a-\" is not a valid regular expression"},
		{"max_duration", "max_duration: soon\n", `line 1: max_duration is "soon"`},
		{"max_duration as a mapping", "max_duration: {limit: 5m}\n", `line 1: max_duration holds a mapping, not a duration; write it as max_duration: 30m`},
		{"max_duration below 0", "max_duration: -5m\n", "line 1: max_duration is -5m; a conversation's time limit is above 0"},
		{"max_tokens count", "max_tokens: {limit: 5, count: prompt}\n", "max_tokens.count is \"prompt\""},
		{"judge needs a model", "judge: {provider: openai}\n", "judge needs a model"},
		{"judge unknown field", "judge:\n  model: m\n  provider: openai\n  api_key: sk-secret\n", `line 4: judge: unknown field "api_key"; judge takes name, provider,`},
		{"min_messages", "min_messages: 0\n", "line 1: min_messages is 0; it takes a whole number of at least 1"},
		{"end_token messages 0", "end_token:\n  token: '^C^C'\n  messages: 0\n", "line 3: end_token.messages is 0, which counts nothing"},
		{"end_token exchanges 0", "end_token: {exchanges: 0}\n", "line 1: end_token.exchanges is 0, which counts nothing"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseYAML([]byte(c.yaml))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want one containing %q", err, c.want)
			}
			if strings.Contains(fmt.Sprint(err), "sk-secret") {
				t.Errorf("the error repeats a secret: %v", err)
			}
		})
	}
}

// Every problem of a rule's settings is named, each at its line, not
// only the first.
func TestEveryProblemOfARuleIsNamed(t *testing.T) {
	cases := []struct {
		name, yaml string
		want       []string
	}{
		{"repetition", "repetition: {window: 0, count: -1}\n", []string{
			"line 1: repetition.window must be at least 1", "line 1: repetition.count must be at least 1"}},
		{"repetition, a field a line", "repetition:\n  threshold: 2\n  window: 0\n  speaker: other\n  count: -1\n  shingle: 9\n  block: -1\n", []string{
			"line 2: repetition.threshold", "line 3: repetition.window", `line 4: repetition.speaker is "other"`,
			"line 5: repetition.count", "line 6: repetition.shingle", "line 7: repetition.block"}},
		{"stagnation", "stagnation: {count: 0, novelty: 2, new_words: 0}\n", []string{
			"stagnation.count must be at least 1", "stagnation.novelty must be above 0", "stagnation.new_words must be at least 1"}},
		{"loop", "loop: {threshold: 1.5, count: -1}\n", []string{"loop.threshold is 1.5; it takes a chance above 0 and below 1", "loop.count is -1; it takes 1 or more"}},
		{"max_tokens", "max_tokens: {limit: 0, count: prompt}\n", []string{"max_tokens needs a limit", `max_tokens.count is "prompt"`}},
		{"judge", "judge: {every: -1}\n", []string{"judge needs a model", "judge needs a provider: or a base_url:", "judge.every is -1; it takes 1 or more"}},
		{"end_token", "end_token: {token: '', match: whole, exchanges: 2, messages: 1}\n", []string{
			"end_token.token must not be empty", `end_token.match is "whole"`, "end_token takes exchanges or messages, not both"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			problemsContain(t, Errors(parseErr(ParseYAML([]byte(c.yaml)))), c.want)
		})
	}
}

func TestNamesListsEveryRule(t *testing.T) {
	want := []string{"all", "any", "end_token", "judge", "loop", "max_cost", "max_duration", "max_messages", "max_tokens", "min_messages", "refusal", "repetition", "stagnation", "stop_pattern"}
	if got := Names(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Names() = %v, want %v", got, want)
	}
}

// fakeAsker answers from a list and records the prompts it was sent.
type fakeAsker struct {
	replies []string
	prompts []string
	err     error
}

func (f *fakeAsker) Ask(ctx context.Context, prompt string) (Answer, error) {
	if f.err != nil {
		return Answer{}, f.err
	}
	f.prompts = append(f.prompts, prompt)
	r := f.replies[0]
	f.replies = f.replies[1:]
	return Answer{Text: r}, nil
}

func TestJudge(t *testing.T) {
	p := mustParse(t, "judge: {provider: openai, model: gpt-4o-mini, every: 2, window: 3}")
	j := p.(*Judge)
	ask := &fakeAsker{replies: []string{"CONTINUE: they are still exploring calibration.", "STOP\nThey are trading goodbyes."}}
	j.Asker = ask
	msgs := conv("What is calibration?", "It is how well confidence matches accuracy.", "Thanks, bye!", "Bye!")
	ctx := context.Background()
	var stopAt int
	var v Verdict
	for i := 1; i <= len(msgs); i++ {
		if err := j.Prepare(ctx, msgs[:i]); err != nil {
			t.Fatal(err)
		}
		if v = j.Check(msgs[:i]); v.Stop {
			stopAt = i
			break
		}
	}
	if stopAt != 4 || !strings.Contains(v.Reason, "They are trading goodbyes.") || !strings.Contains(v.Reason, "gpt-4o-mini") {
		t.Fatalf("stopped at %d: %q", stopAt, v.Reason)
	}
	if len(ask.prompts) != 2 || !strings.Contains(ask.prompts[1], "[4] B: Bye!") || strings.Contains(ask.prompts[1], "[1] A") {
		t.Errorf("prompts = %q; want two, the second showing the last 3 messages", ask.prompts)
	}
	rs := j.Rulings()
	if len(rs) != 2 || rs[0].Stop || rs[0].Rationale != "they are still exploring calibration." || !rs[1].Stop || rs[1].At != 4 {
		t.Errorf("rulings = %+v", rs)
	}
	// Preparing the same messages again does not ask again.
	if err := j.Prepare(ctx, msgs); err != nil || len(ask.prompts) != 2 {
		t.Errorf("asked again: %v, %d prompts", err, len(ask.prompts))
	}
	// Check alone is pure: different messages of the same length have no ruling.
	if v := j.Check(conv("a", "b", "c", "d")); v.Stop {
		t.Error("a ruling leaked to other messages")
	}

	// Without a model connection Prepare says so; Check never stops.
	lone := NewJudge(JudgeConfig{Model: "m", Provider: "openai", Every: 1})
	if err := lone.Prepare(ctx, msgs[:1]); !errors.Is(err, ErrNoAsker) {
		t.Errorf("Prepare without an Asker = %v", err)
	}
	if at, _ := FirstStop(lone, msgs); at != 0 {
		t.Errorf("a judge with no rulings stopped at %d", at)
	}
	// Guard and Any pass Prepare through, once the guard lets a stop
	// through: below it, the judge's answer could stop nothing, so it is
	// not asked (and costs nothing).
	g := mustParse(t, "any: [{min_messages: 2}, {judge: {provider: openai, model: m, every: 1}}]")
	if err := g.(Preparer).Prepare(ctx, msgs[:1]); err != nil {
		t.Errorf("Prepare through a guard, below its minimum = %v; want the judge not asked", err)
	}
	if err := g.(Preparer).Prepare(ctx, msgs[:2]); !errors.Is(err, ErrNoAsker) {
		t.Errorf("Prepare through a guard, at its minimum = %v", err)
	}
	var found *Judge
	Walk(g, func(p Policy) {
		if j, ok := p.(*Judge); ok {
			found = j
		}
	})
	if found == nil {
		t.Error("Walk did not reach the judge")
	}
}

// The verdict is the answer's first word; what follows is the rationale.
func TestParseRuling(t *testing.T) {
	const unclear = "the judge's reply did not begin with CONTINUE or STOP, so the conversation goes on; it said: "
	cases := []struct {
		name      string
		reply     string
		stop      bool
		rationale string
	}{
		{"stop with a colon", "STOP: they are looping on goodbyes.", true, "they are looping on goodbyes."},
		{"continue with a dash", "CONTINUE — new ideas keep coming.", false, "new ideas keep coming."},
		{"the rationale on the next line", "STOP\nThey are trading goodbyes.", true, "They are trading goodbyes."},
		{"blank lines before the rationale", "CONTINUE\n\n  Still building.", false, "Still building."},
		{"leading white space", "\n\n  STOP: nothing new.", true, "nothing new."},
		{"bold", "**STOP**: they echo each other.", true, "they echo each other."},
		{"bold with the rationale on the next line", "**CONTINUE**\nA real question was asked.", false, "A real question was asked."},
		{"italics with underscores", "_Stop_ - farewells.", true, "farewells."},
		{"a heading", "# STOP\nThey loop.", true, "They loop."},
		{"any case", "Continue. They disagree productively.", false, "They disagree productively."},
		{"a verdict alone", "STOP", true, ""},
		{"the other word later in the answer", "Don't STOP them yet. CONTINUE: they are still building on ideas.", false,
			unclear + "Don't STOP them yet. CONTINUE: they are still building on ideas."},
		{"continue, then stop named in the rationale", "CONTINUE: nobody said STOP or goodbye yet.", false, "nobody said STOP or goodbye yet."},
		{"stop, then continue named in the rationale", "STOP: they say they will CONTINUE but never do.", true, "they say they will CONTINUE but never do."},
		{"reasoning that names the other word", "<think>Should I say CONTINUE? No, they loop.</think>\nSTOP: they loop.", true, "they loop."},
		{"reasoning then bold", "<thinking>\nSTOP? They have new ideas.\n</thinking>\n\n**CONTINUE** they have new ideas.", false, "they have new ideas."},
		{"a reasoning block only closed", "they loop, so STOP is wrong? no\n</think>\nCONTINUE: a new topic began.", false, "a new topic began."},
		{"a reasoning block never closed", "<think>CONTINUE or STOP? Let me see", false, unclear + "nothing"},
		{"a word that starts with a verdict", "UNSTOPPABLE progress, CONTINUE", false, unclear + "UNSTOPPABLE progress, CONTINUE"},
		{"a verdict as part of a longer word", "STOPPED making sense.", false, unclear + "STOPPED making sense."},
		{"a label before the verdict", "Verdict: **STOP**\nNothing new for ten messages.", false, unclear + "Verdict: **STOP** Nothing new for ten messages."},
		{"no verdict", "Hmm, hard to say.", false, unclear + "Hmm, hard to say."},
		{"empty", "  \n", false, unclear + "nothing"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := ParseRuling(c.reply)
			if r.Stop != c.stop || r.Rationale != c.rationale {
				t.Fatalf("ParseRuling(%q) = %+v, want stop %v, rationale %q", c.reply, r, c.stop, c.rationale)
			}
		})
	}
}

// The memos that keep checks cheap must give exactly the verdicts of a
// fresh policy judging from scratch, including when one policy is shown
// conversations that diverge.
func TestIncrementalEqualsFromScratch(t *testing.T) {
	seed, err := transcripts.Read("../../transcripts/seed/kimi-k2-vs-grok-4.md")
	if err != nil {
		t.Fatal(err)
	}
	other := conv(cat(distinct(5), rep(para, 6), []string{"Thanks, take care!", "You too!", "Take care!", "You too!"})...)
	shared := Default()
	for _, msgs := range [][]transcripts.Message{seed.Messages, other, seed.Messages[:40], other[:7], seed.Messages} {
		for i := 1; i <= len(msgs); i++ {
			got := shared.Check(msgs[:i])
			want := Default().Check(msgs[:i])
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("after %d messages: incremental %+v, from scratch %+v", i, got, want)
			}
		}
	}
}

// Moderator notes are not counted by any rule.
func TestModeratorNotesAreIgnored(t *testing.T) {
	msgs := conv("[END]", "[END]")
	note := transcripts.Message{Speaker: transcripts.ModeratorSpeaker, Content: "please continue", Origin: transcripts.OriginModerator}
	withNote := []transcripts.Message{msgs[0], note, msgs[1]}
	p := EndToken{Token: "[END]", Exchanges: 1}
	if v := p.Check(withNote); !v.Stop {
		t.Error("a moderator note broke the [END] exchange")
	} else if !strings.Contains(v.Reason, "(messages 1 and 3)") {
		t.Errorf("reason %q does not number the messages as the transcript does, the note among them", v.Reason)
	}
	if n := (MaxMessages{N: 10}).Check(withNote).Progress[0].Count; n != 2 {
		t.Errorf("max_messages counted %d, want 2", n)
	}
}

func TestDefaultIsAFreshParseOfDefaultYAML(t *testing.T) {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(DefaultYAML), &doc); err != nil {
		t.Fatal(err)
	}
	a, b := Default(), Default()
	ra, ok := a.(Guard).Policy.(Any)[1].(*Loop)
	if !ok {
		t.Fatalf("the default set's second rule is %T, want *Loop", a.(Guard).Policy.(Any)[1])
	}
	if ra == b.(Guard).Policy.(Any)[1].(*Loop) {
		t.Error("two Default() calls share stateful rules")
	}
	// A set that has judged a conversation leaves the next one untouched.
	FirstStop(a, conv(cat(distinct(5), rep(para, 6))...))
	want, err := Parse(Unwrap(&doc))
	if err != nil {
		t.Fatal(err)
	}
	if got := Default(); !reflect.DeepEqual(got, want) {
		t.Errorf("Default() = %#v, want a fresh parse %#v", got, want)
	}
}

// Renew copies every rule that remembers state with all its settings, so
// Default can copy its parsed set instead of parsing it again.
func TestRenewCopiesSettingsNotState(t *testing.T) {
	const every = `any:
  - min_messages: 2
  - max_messages: 9
  - max_duration: 1m
  - max_tokens: {limit: 500, count: total}
  - end_token: {token: "^C^C", match: line, messages: 3}
  - repetition: {threshold: 0.7, window: 6, speaker: same, count: 2, within: 5, shingle: 2, block: 10}
  - stagnation: {count: 3, novelty: 0.2, new_words: 7}
  - refusal: {in_a_row: 2, total: 4, builtin: false, patterns: ['nope']}
  - stop_pattern: 'halt'
  - loop: {threshold: 0.7, count: 3, within: 4, token: "^C^C"}
  - all: [{max_messages: 3}, {end_token: "[END]"}]
`
	used := mustParse(t, every)
	FirstStop(used, conv(cat(distinct(3), rep("nope, halt [END]", 4))...))
	got, ok := Renew(used)
	if !ok {
		t.Fatal("Renew does not know a rule of the set")
	}
	if want := mustParse(t, every); !reflect.DeepEqual(got, want) {
		t.Errorf("Renew = %#v\nwant a fresh parse %#v", got, want)
	}
	if _, ok := Renew(Any{NewJudge(JudgeConfig{Model: "m"})}); ok {
		t.Error("Renew claims to copy a judge, whose rulings it cannot know")
	}
}

// A renewed set counts a conversation's spoken messages once, however
// many of its rules count them.
func TestRenewSharesOneCount(t *testing.T) {
	p, ok := Renew(mustParse(t, "any: [{min_messages: 4}, {max_messages: 9}, {all: [{max_messages: 3}, {stop_pattern: 'halt'}]}, {end_token: '[END]'}]"))
	if !ok {
		t.Fatal("Renew does not know a rule of the set")
	}
	g := p.(Guard)
	rest := g.Policy.(Any)
	counts := []*memo[struct{}]{g.m, rest[0].(MaxMessages).m, rest[1].(All)[0].(MaxMessages).m, rest[1].(All)[1].(StopPattern).m}
	for i, m := range counts {
		if m == nil || m != counts[0] {
			t.Errorf("counting rule %d of the renewed set has its own memo; want the set's one", i)
		}
	}
	if q, _ := Renew(p); q.(Guard).m == g.m {
		t.Error("two renewed sets share a memo")
	}
}

func TestDefaultOnTheSeed(t *testing.T) {
	seed, err := transcripts.Read("../../transcripts/seed/kimi-k2-vs-grok-4.md")
	if err != nil {
		t.Fatal(err)
	}
	at, v := FirstStop(Default(), seed.Messages)
	// The substance ends at 14; the farewells start at 15 (its label:
	// stop after 14, by 21).
	if at < 14 || at > 21 {
		t.Fatalf("the default set stopped the seed at %d (%s); want 14..21", at, v.Reason)
	}
	// Neither the lone [END] at 3 nor the near-repeat at 11 stops anything,
	// even with the guard lifted.
	bare := Default().(Guard).Policy
	if at3, _ := FirstStop(bare, seed.Messages[:12]); at3 != 0 {
		t.Errorf("without the guard the default set stopped at %d", at3)
	}
}

// The default set ends a run at a hang-up one side sends, as the tools
// that use them do, but not at the token shown on a command line or
// mentioned in prose, and not within the first messages.
func TestDefaultEndsAtAOneSidedHangUp(t *testing.T) {
	opening := []string{
		"simulator@anthropic:~$ ls",
		"dreams/  notes.txt  orchard.log",
		"simulator@anthropic:~$ cat notes.txt",
		"the lighthouse keeper counts waves until the counting becomes the sea",
	}
	cases := []struct {
		name string
		last string
		at   int
		why  string
	}{
		{"^C^C alone on a line", "enough for today.\n^C^C", 5, "A hung up with ^C^C at message 5"},
		{"^C^C on a command line", "simulator@anthropic:~$ sleep 9 ^C^C", 0, ""},
		{"^C^C in prose", "you can always end with ^C^C if you like", 0, ""},
		{"the task-done token", "<CAMEL_TASK_DONE>", 5, "A hung up with <CAMEL_TASK_DONE> at message 5"},
		{"TERMINATE alone on the last line", "The parser is written and its tests pass.\n\nTERMINATE", 5, "A hung up with TERMINATE at message 5"},
		{"TERMINATE in a simulated command's output", "TERMINATE SHADOW_THREAD [0x0007]\nprocess ended", 0, ""},
		{"TERMINATE in prose", "reply TERMINATE when the task is done", 0, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			at, v := FirstStop(Default(), conv(append(slices.Clone(opening), c.last)...))
			if at != c.at || !strings.Contains(v.Reason, c.why) {
				t.Errorf("stopped at %d (%s: %s); want %d (%q)", at, v.Policy, v.Reason, c.at, c.why)
			}
		})
	}
	// Before min_messages, a hang-up stops nothing.
	if at, v := FirstStop(Default(), conv("hello", "^C^C")); at != 0 {
		t.Errorf("a hang-up at message 2 stopped the run: %s", v.Reason)
	}
}

// A setting written as 0, or out of its range, is refused with its field
// and its range: only a setting left out takes the rule's default. A
// count or within the loop rule is given alone is read beside the model's
// other one, and refused when the two do not fit.
func TestAWrittenZeroIsNotTheDefault(t *testing.T) {
	cases := []struct {
		name, yaml, want string // want "": accepted
	}{
		{"loop threshold 0", "loop: {threshold: 0}\n", "line 1: loop.threshold is 0; it takes a chance above 0 and below 1, or leave it out for the model's (0.7)"},
		{"loop threshold 1", "loop:\n  threshold: 1\n", "line 2: loop.threshold is 1; it takes a chance above 0 and below 1"},
		{"loop threshold NaN", "loop: {threshold: .nan}\n", "loop.threshold is .nan"},
		{"loop count 0", "loop: {count: 0}\n", "line 1: loop.count is 0; it takes 1 or more messages, or leave it out for the model's (4)"},
		{"loop within 0", "loop: {within: 0}\n", "line 1: loop.within is 0; it takes 1 or more messages, at least count, or leave it out for the model's (6)"},
		{"loop lower 0", "loop: {lower: 0}\n", "line 1: loop.lower is 0; it takes a chance above 0 and below 1 (at the threshold or above, nothing is eased), or leave it out for the model's (0.6)"},
		{"loop sure 0", "loop: {sure: 0}\n", "line 1: loop.sure is 0; it takes a chance above 0 and at most 1, or leave it out for the model's (0.95)"},
		{"loop sure above 1", "loop: {sure: 1.5}\n", "loop.sure is 1.5"},
		{"loop lower at the threshold: no easing", "loop: {lower: 0.7}\n", ""},
		{"loop sure below the model's threshold", "loop: {sure: 0.5}\n", "line 1: loop.sure is 0.5, below the model's threshold (0.7); a sure message is at least as likely as the threshold asks, so give sure from 0.7 to 1"},
		{"loop sure below the threshold written", "loop: {threshold: 0.9, sure: 0.8}\n", "loop.sure is 0.8, below loop.threshold (0.9)"},
		{"loop sure with a lower threshold", "loop: {threshold: 0.5, sure: 0.6}\n", ""},
		{"loop token empty", "loop: {token: ''}\n", "loop.token is empty"},
		{"loop model empty", "loop: {model: ''}\n", "loop.model is empty"},
		{"loop count beyond the model's within", "loop: {count: 7}\n",
			"line 1: loop.count is 7, and without within it counts among the model's last 6 messages; write within: 7 or more beside it, or a count from 1 to 6"},
		{"loop within under the model's count", "loop: {within: 3}\n",
			"line 1: loop.within is 3, and without count it looks for the model's 4; write a count of at most 3 beside it, or a within of 4 or more"},
		{"loop within under count", "loop: {count: 3, within: 2}\n", "loop.within is 2, fewer than loop.count (3)"},
		{"loop count alone, within the model's", "loop: {count: 6}\n", ""},
		{"loop within alone, above the model's count", "loop: {within: 8}\n", ""},
		{"loop count past the model's with within", "loop: {count: 7, within: 7}\n", ""},
		{"refusal in_a_row 0", "refusal: {in_a_row: 0}\n", "line 1: refusal.in_a_row is 0; it takes 1 or more refusals in a row by one speaker, or leave it out (with neither in_a_row nor total, in_a_row is 3)"},
		{"refusal total 0", "refusal: {total: 0}\n", "line 1: refusal.total is 0; it takes 1 or more refusals in all"},
		{"refusal in_a_row 0 beside total", "refusal: {in_a_row: 0, total: 5}\n", "refusal.in_a_row is 0"},
		{"refusal total alone", "refusal: {total: 5}\n", ""},
		{"judge every 0", "judge: {model: m, provider: openai, every: 0}\n", "line 1: judge.every is 0; it takes 1 or more messages between questions to the judge, or leave it out for 10"},
		{"judge window 0", "judge: {model: m, provider: openai, window: 0}\n", "line 1: judge.window is 0; it takes 1 or more messages to show the judge, or leave it out for 20"},
		{"repetition threshold NaN", "repetition: {threshold: .nan}\n", "repetition.threshold must be above 0"},
		{"stagnation novelty NaN", "stagnation: {novelty: .nan}\n", "stagnation.novelty must be above 0"},
		{"repetition within 0 is in a row, as documented", "repetition: {within: 0}\n", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseYAML([]byte(c.yaml))
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Fatalf("err = %v\nwant one containing %q", err, c.want)
			}
		})
	}
}

// A value of the wrong kind is one sentence that names the rule's field,
// what was written and what the field takes, never the YAML decoder's
// own words.
func TestAValueOfTheWrongKindIsOneSentence(t *testing.T) {
	cases := []struct {
		name, yaml string
		want       []string
	}{
		{"text for a chance", "loop: {threshold: \"high\"}\n", []string{`line 1: loop.threshold: "high" is text, not a number`}},
		{"a quoted chance", "loop:\n  threshold: '0.5'\n", []string{`line 2: loop.threshold: "0.5" is text, not a number; write it without quotes, as threshold: 0.5`}},
		{"a quoted count", "max_messages: \"50\"\n", []string{`line 1: max_messages: "50" is text, not a whole number; write it without quotes, as max_messages: 50`}},
		{"a quoted guard", "min_messages: '4'\n", []string{`min_messages: "4" is text, not a whole number; write it without quotes, as min_messages: 4`}},
		{"a quoted token limit", "max_tokens: \"2000\"\n", []string{`max_tokens: "2000" is text, not a whole number; write it without quotes, as max_tokens: 2000`}},
		{"a quoted cost", "max_cost: \"2.50\"\n", []string{`max_cost: "2.50" is text, not a number; write it without quotes, as max_cost: 2.50`}},
		{"every field of a rule", "repetition: {threshold: high, window: true, speaker: [a], count: ''}\n", []string{
			`repetition.threshold: "high" is text, not a number`, "repetition.window: true is true or false, not a whole number",
			"repetition.speaker holds a list, not text", `repetition.count: "" is text, not a whole number`}},
		{"an empty count", "loop:\n  count:\n", []string{"line 2: loop.count is empty; it takes a whole number"}},
		{"a fraction names its rule", "any:\n  - loop: {count: 4.5}\n", []string{"line 2: loop.count: 4.5 is not a whole number"}},
		{"a pattern that is not a list", "refusal: {patterns: sorry}\n", []string{`refusal.patterns: "sorry" is text, not a list`}},
		{"a list item that is not text", "refusal:\n  patterns:\n    - a\n    - {b: c}\n", []string{"line 4: refusal.patterns: item 2 holds a mapping, not text"}},
		{"builtin as text", "refusal: {builtin: 'no'}\n", []string{`refusal.builtin: "no" is text, not true or false`}},
		{"a judge's temperature", "judge: {model: m, provider: openai, temperature: hot}\n", []string{`judge.temperature: "hot" is text, not a number`}},
		{"a rule given a single value", "loop: true\n", []string{"line 1: loop: true is true or false, not a mapping of settings; write them as loop: {threshold: …, count: …}"}},
		{"a rule given a list", "stagnation: [3]\n", []string{"stagnation holds a list, not a mapping of settings; write them as stagnation: {count: …, novelty: …}"}},
		{"a model file that is not there", "loop: {model: /no/such/model.json}\n", []string{"line 1: loop.model: /no/such/model.json does not exist; write a model with parley train --out FILE"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			errs := Errors(parseErr(ParseYAML([]byte(c.yaml))))
			problemsContain(t, errs, c.want)
			for i := range errs {
				if strings.Contains(errs[i].Error(), "unmarshal") || strings.Contains(errs[i].Error(), "!!") || strings.Contains(errs[i].Error(), "no such file") {
					t.Errorf("problem %d speaks the decoder's words: %q", i+1, errs[i])
				}
			}
		})
	}
}

// parseErr is a parse's error alone, for tests of its problems.
func parseErr(_ Policy, err error) error { return err }

// problemsContain holds errs to want, one for one, each containing its
// want.
func problemsContain(t *testing.T, errs []error, want []string) {
	t.Helper()
	if len(errs) != len(want) {
		t.Fatalf("%d problems, want %d:\n%v", len(errs), len(want), errs)
	}
	for i, w := range want {
		if !strings.Contains(errs[i].Error(), w) {
			t.Errorf("problem %d = %q\nwant one containing %q", i+1, errs[i], w)
		}
	}
}

// A moderator that cannot be asked costs the round its verdict, never the
// conversation; only a cancelled run makes Prepare fail.
func TestJudgeThatCannotBeAsked(t *testing.T) {
	msgs := conv("a", "b")
	cases := []struct {
		name    string
		cancel  bool
		wantErr bool
	}{
		{"its server fails", false, false},
		{"the run is cancelled", true, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			j := NewJudge(JudgeConfig{Model: "m", Provider: "openai", Every: 2})
			j.Asker = &fakeAsker{err: errors.New("the judge's server answered 500")}
			ctx, cancel := context.WithCancel(context.Background())
			if c.cancel {
				cancel()
			}
			defer cancel()
			err := j.Prepare(ctx, msgs)
			if (err != nil) != c.wantErr {
				t.Fatalf("Prepare = %v, want an error: %v", err, c.wantErr)
			}
			if v := j.Check(msgs); v.Stop {
				t.Fatalf("a judge that could not rule stopped the run: %+v", v)
			}
			rs := j.Rulings()
			if c.wantErr {
				if len(rs) != 0 {
					t.Fatalf("a cancelled question left rulings %+v", rs)
				}
				return
			}
			if len(rs) != 1 || !rs[0].Failed || rs[0].Stop || rs[0].At != 2 || !strings.Contains(rs[0].Rationale, "answered 500") {
				t.Fatalf("rulings = %+v; want one that failed after message 2, saying why", rs)
			}
			if v := j.Check(msgs); v.Progress[0].Label != "judge could not rule" {
				t.Errorf("progress = %+v", v.Progress)
			}
		})
	}
}

// A moderator's note is a message of the transcript: it has a number, as
// check, show and the JSONL give it. A rule that does not count notes
// still names each message by that number, so its reason points at the
// message a person finds in the transcript.
func TestReasonsNumberMessagesAsTheTranscriptDoes(t *testing.T) {
	refuse := "Sorry, I can't help with that. [END]"
	msgs := conv("open", "alpha one", "beta TARGET "+refuse, refuse, refuse, refuse)
	// A note after message 2: the messages after it are 4 to 7.
	note := transcripts.Message{Speaker: transcripts.ModeratorSpeaker, Content: "please wrap up", Origin: transcripts.OriginModerator}
	msgs = append(msgs[:2:2], append([]transcripts.Message{note}, msgs[2:]...)...)
	cases := []struct {
		name, policy string
		stopAt       int
		reason       string
	}{
		{"stop_pattern", "stop_pattern: TARGET", 4, "message 4 matched /TARGET/"},
		{"refusals in a row", "refusal: {in_a_row: 2}", 6, "refused 2 times in a row (message 6:"},
		{"refusals in all", "refusal: {total: 2}", 5, "(the last, message 5:"},
		{"repetition", "repetition: {threshold: 0.9, count: 1}", 6, "message 6 repeats message 5"},
		{"stagnation", "stagnation: {count: 2, novelty: 0.3}", 6, "(messages 5 to 6)"},
		{"end_token", "end_token: {token: '[END]', exchanges: 1}", 5, "(messages 4 and 5)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			at, v := FirstStop(mustParse(t, c.policy), msgs)
			if at != c.stopAt || !strings.Contains(v.Reason, c.reason) {
				t.Errorf("stopped at %d: %q; want %d and a reason holding %q", at, v.Reason, c.stopAt, c.reason)
			}
		})
	}
}

// shingleSketch is sketchInto with scratch space of its own.
func shingleSketch(ts []uint64, n int) sketch {
	var scratch []uint64
	return sketchInto(&scratch, ts, n)
}

// overlap is overlapOf, the jaccard computed.
func overlap(a, b sketch) float64 {
	return overlapOf(jaccard(a, b), a, b)
}
