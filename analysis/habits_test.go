package analysis

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/parleyhq/parley/orchestrator/policy"
	"github.com/parleyhq/parley/transcripts"
)

// habitTurn is what a habit sees of the message it rewrites.
type habitTurn struct {
	speaker string
	side    int        // 1: the first speaker, 2: the other
	turn    int        // the message's number, from 1
	other   string     // the other side's last message, as first written ("" before it speaks)
	rng     *rand.Rand // seeded by the conversation and the habit
}

// pick is one of xs, drawn from the turn's rng.
func (h habitTurn) pick(xs ...string) string { return xs[h.rng.IntN(len(xs))] }

// A habit of style or layout: rewrite is how a speaker with it would have
// written a message. only names the one folder of the corpus it applies
// to ("": all).
type habit struct {
	name    string
	only    string
	rewrite func(h habitTurn, s string) string
}

// habitsOfStyle are how TestHabitsOfStyle rewrites each labelled
// conversation: ways models write that change nothing of whether a
// conversation loops. A habit that varies draws from its turn's rng, so
// every run rewrites alike.
var habitsOfStyle = []habit{
	{"signature, first side only", "", func(h habitTurn, s string) string {
		if h.side != 1 {
			return s
		}
		return s + "\n\n— Aria"
	}},
	{"signature, both sides", "", func(h habitTurn, s string) string {
		return s + "\n\n— " + []string{"Aria", "Sol"}[h.side-1] + ", your fellow model"
	}},
	{"emoji sign-off, both sides", "", func(h habitTurn, s string) string {
		return s + " " + h.pick("✨", "🙏", "🌟", "😊", "💫")
	}},
	{"emoji sign-off, fixed ✨", "", func(h habitTurn, s string) string { return s + " ✨" }},
	{"closer, fixed \"Cheers!\"", "", func(h habitTurn, s string) string { return s + "\n\nCheers!" }},
	{"emoji sign-off, second side only", "", func(h habitTurn, s string) string {
		if h.side != 2 {
			return s
		}
		return s + "\n\n" + h.pick("✨", "🙏", "🌟", "😊")
	}},
	{"closer (Cheers!/Best,/Warmly,)", "", func(h habitTurn, s string) string {
		return s + "\n\n" + h.pick("Cheers!", "Best,\n"+h.speaker, "Warmly,", "Talk soon!", "All the best,", "Cheers,\n"+h.speaker)
	}},
	{"role tag **Name:**", "", func(h habitTurn, s string) string { return "**" + h.speaker + ":** " + s }},
	{"role tag [Assistant]", "", func(h habitTurn, s string) string { return "[Assistant] " + s }},
	{"turn counter [turn N]", "", func(h habitTurn, s string) string { return fmt.Sprintf("[turn %d] %s", h.turn, s) }},
	{"quote other's first sentence", "", func(h habitTurn, s string) string {
		if q := openingSentence(h.other); q != "" {
			return "> " + q + "\n\n" + s
		}
		return s
	}},
	{"\"You said: ...\" restatement", "", func(h habitTurn, s string) string {
		w := strings.Fields(h.other)
		if len(w) < 3 {
			return s
		}
		n := min(3+h.rng.IntN(4), len(w))
		at := h.rng.IntN(len(w) - n + 1)
		lead := h.pick("You said: \"%s\". ", "You mentioned \"%s\" — ", "When you say \"%s\", ", "\"%s\" — yes. ")
		return fmt.Sprintf(lead, strings.Join(w[at:at+n], " ")) + s
	}},
	{"fixed <think> block", "", func(h habitTurn, s string) string {
		return "<think>\nThe other model has replied. I should read its message carefully, stay in character, keep the conversation going in a thoughtful and engaging way, build on what it said, and avoid simply repeating myself. Let me respond.\n</think>\n\n" + s
	}},
	{"varied <think> block", "", func(h habitTurn, s string) string {
		vocab := strings.Fields("I need to consider the other model's message and respond in a way that is engaging, thoughtful, honest, curious, and that builds on its ideas while adding something new of my own; perhaps a question, an image, a twist, or a gentle challenge would help keep this exchange alive")
		w := make([]string, 20+h.rng.IntN(41))
		for i := range w {
			w[i] = vocab[h.rng.IntN(len(vocab))]
		}
		return "<think>\n" + strings.Join(w, " ") + ".\n</think>\n\n" + s
	}},
	{"AI disclaimer opener", "", func(h habitTurn, s string) string {
		return h.pick("As an AI, I don't have personal experiences, but ", "As an AI language model, I don't have feelings of my own, but ",
			"While I don't have personal experiences as an AI, ", "Speaking as an AI without lived experience: ") + s
	}},
	{"varied closing question", "", func(h habitTurn, s string) string {
		return s + "\n\n" + h.pick("What do you think?", "Shall we go on?", "Where should we take this next?", "How does that land for you?",
			"Does that resonate?", "What would you add?", "Want to keep going?")
	}},
	{"ALL CAPS", "", func(h habitTurn, s string) string { return keepEndTokens(s, strings.ToUpper) }},
	{"lower case", "", func(h habitTurn, s string) string { return keepEndTokens(s, strings.ToLower) }},
	{"markdown header added", "", func(h habitTurn, s string) string {
		return h.pick("## Response", "### Reflection", "## Thoughts", "# Reply", "### On your last message") + "\n\n" + s
	}},
	{"whole message in code block", "", func(h habitTurn, s string) string { return "```\n" + s + "\n```" }},
	{"HTML entities", "", func(h habitTurn, s string) string {
		return strings.NewReplacer("&", "&amp;", "\"", "&quot;", "'", "&#39;", "<", "&lt;", ">", "&gt;", "’", "&rsquo;", "—", "&mdash;").Replace(s)
	}},
	{"hard wrap at 72", "", func(h habitTurn, s string) string { return hardWrapped(s, 72) }},
	{"literal \\n for newlines", "", func(h habitTurn, s string) string { return strings.ReplaceAll(s, "\n", `\n`) }},
	{"non-breaking spaces", "", func(h habitTurn, s string) string { return strings.ReplaceAll(s, " ", "\u00a0") }},
	{"CRLF line endings", "", func(h habitTurn, s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }},
	{"curly quotes", "", func(h habitTurn, s string) string {
		return strings.NewReplacer("'", "’", " \"", " “", "\"", "”").Replace(s)
	}},
	{"[END] → <END>", "attractors", func(h habitTurn, s string) string { return strings.ReplaceAll(s, "[END]", "<END>") }},
	{"[END] removed", "attractors", func(h habitTurn, s string) string {
		if t := strings.TrimSpace(strings.ReplaceAll(s, "[END]", "")); t != "" {
			return t
		}
		return "..." // a lone [END]: a bare sign-off is left
	}},
	{"[END] bolded **[END]**", "attractors", func(h habitTurn, s string) string { return strings.ReplaceAll(s, "[END]", "**[END]**") }},
	{"foreign polite opener", "", func(h habitTurn, s string) string {
		return h.pick("Merci !", "Danke!", "谢谢！", "¡Gracias!", "Grazie!", "ありがとう！", "Obrigado!") + " " + s
	}},
	{"hr + \"sent from model X\" footer", "", func(h habitTurn, s string) string {
		return s + "\n\n---\n*— sent from " + []string{"model-a-v2", "model-b-large"}[h.side-1] + "*"
	}},
	{"paragraphs as bullets", "", func(h habitTurn, s string) string {
		ps := paragraphsOf(s)
		for i, p := range ps {
			ps[i] = "- " + strings.ReplaceAll(p, "\n", "\n  ")
		}
		return strings.Join(ps, "\n")
	}},
	{"doubled blank lines", "", func(h habitTurn, s string) string { return strings.ReplaceAll(s, "\n\n", "\n\n\n\n") }},
	{"paragraphs joined (no blank lines)", "", func(h habitTurn, s string) string { return strings.Join(paragraphsOf(s), " ") }},
}

// The habits of style ratchet: parley's users stage models from other
// sources than the corpus's, which write with habits of their own (a
// signature, an emoji sign-off, a role tag, a <think> block, another case
// or wrapping, [END] spelled their way). A conversation between them
// loops, or not, as it would without them, and parley should stop it
// where it would without them. Each labelled conversation, rewritten
// with each of habitsOfStyle, keeps its labels; over all habits, the
// default set never passes fewer of a folder's rewritten conversations,
// or cuts more short, than testdata/corpus-figures.yaml records under
// habits.
func TestHabitsOfStyle(t *testing.T) {
	needCorpus(t)
	for folder, w := range corpusFigures(t) {
		t.Run(folder, func(t *testing.T) {
			habits := slices.DeleteFunc(slices.Clone(habitsOfStyle), func(h habit) bool { return h.only != "" && h.only != folder })
			names := make([]string, len(habits))
			for i, h := range habits {
				names[i] = h.name
			}
			passed, early := judgeRewritten(t, folder, names, func(i int, it Item) []transcripts.Message {
				return withHabit(it, habits[i])
			})
			if passed < w.Habits.Passed || len(early) > w.Habits.Early {
				t.Errorf("%s: over %d habits, %d passed, %d cut short; recorded %d passed, %d cut short:\n%s",
					folder, len(habits), passed, len(early), w.Habits.Passed, w.Habits.Early, strings.Join(early, "\n"))
			}
			if passed > w.Habits.Passed || len(early) < w.Habits.Early {
				t.Logf("%s improved to %d passed, %d cut short over %d habits: tighten habits in testdata/corpus-figures.yaml", folder, passed, len(early), len(habits))
			}
		})
	}
}

// withHabit returns the conversation's messages as speakers with habit h
// would have written them. A blank message stays blank and a moderator's
// note as it is. The rng is seeded by the conversation's name within
// the corpus (attractors/NAME.md) and the habit's, so each conversation
// is rewritten alike on every run, wherever the corpus sits; renaming a
// habit that varies draws otherwise and may move the figures.
func withHabit(it Item, h habit) []transcripts.Message {
	name, err := filepath.Rel(corpusDir, it.Name)
	if err != nil {
		name = it.Name
	}
	seed := fnv.New64a()
	seed.Write([]byte(filepath.ToSlash(name) + "\x00" + h.name))
	rng := rand.New(rand.NewPCG(seed.Sum64(), 7))
	out := slices.Clone(it.Messages)
	eachSpoken(out, func(i, side int, m *transcripts.Message) {
		turn := habitTurn{speaker: m.Speaker, side: side, turn: i + 1, rng: rng}
		for j := i - 1; j >= 0; j-- {
			if o := it.Messages[j]; o.Origin != transcripts.OriginModerator && o.Speaker != m.Speaker {
				turn.other = o.Content
				break
			}
		}
		m.Content = h.rewrite(turn, m.Content)
	})
	return out
}

// endTokens are the default set's end tokens, which a habit that changes
// case leaves as written.
var endTokens = func() (tokens []string) {
	policy.Walk(policy.Default(), func(p policy.Policy) {
		if e, ok := p.(policy.EndToken); ok {
			tokens = append(tokens, e.Token)
		}
	})
	return tokens
}()

// keepEndTokens applies f to the text of s between end tokens.
func keepEndTokens(s string, f func(string) string) string {
	var b strings.Builder
	for s != "" {
		at, token := len(s), ""
		for _, t := range endTokens {
			if i := strings.Index(s, t); i >= 0 && i < at {
				at, token = i, t
			}
		}
		b.WriteString(f(s[:at]))
		b.WriteString(token)
		s = s[at+len(token):]
	}
	return b.String()
}

// openingSentence is the first sentence of s's first line, at most 25
// words of it.
func openingSentence(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	s = strings.TrimSpace(s)
	for i, r := range s {
		if (r == '.' || r == '!' || r == '?') && (i+1 == len(s) || s[i+1] == ' ') {
			s = s[:i+1]
			break
		}
	}
	w := strings.Fields(s)
	if len(w) > 25 {
		w = append(w[:25], "…")
	}
	return strings.Join(w, " ")
}

// hardWrapped breaks each line of s longer than width bytes between words,
// so that no line holds more than width characters but a single long word.
func hardWrapped(s string, width int) string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if len(line) <= width {
			out = append(out, line)
			continue
		}
		cur := ""
		for _, w := range strings.Fields(line) {
			switch {
			case cur == "":
				cur = w
			case len([]rune(cur))+1+len([]rune(w)) > width:
				out = append(out, cur)
				cur = w
			default:
				cur += " " + w
			}
		}
		out = append(out, cur)
	}
	return strings.Join(out, "\n")
}

// paragraphsOf is s's paragraphs, trimmed, blank lines apart in s.
func paragraphsOf(s string) []string {
	var ps []string
	for _, p := range strings.Split(s, "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			ps = append(ps, p)
		}
	}
	return ps
}
