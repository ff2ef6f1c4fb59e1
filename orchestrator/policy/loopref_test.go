package policy

import (
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/parleyhq/parley/transcripts"
)

// The loop rule's model is fitted on the exact values of its signals, so
// the fast code that computes them must agree, bit for bit, with this plain
// one: one pass per signal, maps and sorted slices, no tables or shortcuts.

// plainTextRef folds text rune by rune with the norm package: a rune with
// a compatibility decomposition becomes it, and combining marks go.
func plainTextRef(text string) string {
	var b strings.Builder
	for j := 0; j < len(text); {
		p := norm.NFKD.PropertiesString(text[j:])
		size := max(p.Size(), 1)
		d := p.Decomposition()
		switch {
		case d == nil && p.CCC() == 0:
			b.WriteString(text[j : j+size])
		default:
			for k := 0; k < len(d); {
				q := norm.NFKD.Properties(d[k:])
				n := max(q.Size(), 1)
				if q.CCC() == 0 {
					b.Write(d[k : k+n])
				}
				k += n
			}
		}
		j += size
	}
	return b.String()
}

// lineShapesRef builds each line's shape and frame as strings of runes,
// then hashes them with FNV-1a, one rune a step.
func lineShapesRef(text string) (shapes, frames []uint64) {
	hash := func(rs []rune) uint64 {
		h := uint64(fnvOffset)
		for _, r := range rs {
			h = (h ^ uint64(r)) * fnvPrime
		}
		return h
	}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		var s, f []rune
		for _, r := range line {
			var sr, fr rune
			switch {
			case r < utf8.RuneSelf && ('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z'):
				sr, fr = 'a', 'a'
			case r < utf8.RuneSelf && '0' <= r && r <= '9':
				sr, fr = '0', 'a'
			case r == ' ' || r == '\t' || r == '\r':
				sr, fr = r, 'a'
			case r < utf8.RuneSelf:
				sr, fr = r, r
			default:
				switch kindOf(r) {
				case kindLetter, kindMark:
					sr, fr = 'a', 'a'
				case kindDigit:
					sr, fr = '0', 'a'
				case kindPunct:
					sr, fr = r, r
				default:
					sr, fr = r, 'a'
				}
			}
			// Runs of letters, of digits, and (in the frame) of masked
			// characters count once.
			if len(s) == 0 || sr != s[len(s)-1] || (sr != 'a' && sr != '0') {
				s = append(s, sr)
			}
			if len(f) == 0 || fr != f[len(f)-1] || fr != 'a' {
				f = append(f, fr)
			}
		}
		shapes = append(shapes, hash(s))
		frames = append(frames, hash(f))
	}
	slices.Sort(shapes)
	slices.Sort(frames)
	return slices.Compact(shapes), slices.Compact(frames)
}

// endMarkRef is the other spellings of [END], as endMarks documents them,
// each after what cannot continue a word (the first group).
var endMarkRef = regexp.MustCompile(`(?i)(^|[^\p{L}\p{N}])(\[ *end(?:[ _-]?of)?(?:[ _-]?the)?(?:[ _-]?(?:conversation|discussion|dialogue|dialog|chat))? *\]|< *end(?:[ _-]?of)?(?:[ _-]?the)?(?:[ _-]?(?:conversation|discussion|dialogue|dialog|chat))? *>)`)

// withoutEndMarksRef is text with every end mark a NUL, and how many
// there were: each occurrence of token, and for [END] its other
// spellings. A NUL is in no mark and continues no word, so taking a mark
// out makes no new one of what was around it.
func withoutEndMarksRef(text, token string) (string, int) {
	if token == "" {
		return text, 0
	}
	n := strings.Count(text, token)
	text = strings.ReplaceAll(text, token, "\x00")
	if token == "[END]" {
		// One match at a time, so that a mark right after another,
		// whose first group the one before took, is found too.
		for {
			loc := endMarkRef.FindStringSubmatchIndex(text)
			if loc == nil {
				break
			}
			text = text[:loc[4]] + "\x00" + text[loc[5]:]
			n++
		}
	}
	return text, n
}

// lettersBesidesRef counts letters and digits outside every end mark.
func lettersBesidesRef(text, token string) int {
	text, _ = withoutEndMarksRef(text, token)
	n := 0
	for _, r := range text {
		if k := kindOf(r); k == kindLetter || k == kindDigit {
			n++
		}
	}
	return n
}

func distinctRef(ts []uint64) []uint64 {
	out := slices.Clone(ts)
	slices.Sort(out)
	return slices.Compact(out)
}

func shareRef(a, b []uint64) float64 {
	if len(a) == 0 {
		return 0
	}
	n := 0
	for _, x := range a {
		if _, ok := slices.BinarySearch(b, x); ok {
			n++
		}
	}
	return float64(n) / float64(len(a))
}

// loopSignalsRef computes every spoken message's signals, as LoopSignals
// documents them.
func loopSignalsRef(msgs []transcripts.Message, token string) [][]float64 {
	type past struct {
		speaker               string
		words, shapes, frames []uint64
		letters, terms        int
		signOffs              map[uint64]bool // the distinct words that thank or say goodbye
		unusual               float64         // the share of its words that do and are not its speaker's habit
		opens, closes         bool            // one of them is among its first three words, or its last three
		endsLine              bool            // its last line, after others, holds one to three words and a letter or digit besides end marks
		x                     []float64
	}
	farewell := map[uint64]bool{}
	for _, h := range termsRef(plainTextRef(`thank thanks thankful grateful gratitude appreciate appreciated appreciation farewell goodbye
		goodbyes bye journey pleasure honor honored honour honoured privilege cheers warmly wishes heartfelt
		cherish cherished until merci gracias danke adiós adieu tschüss ciao grazie obrigado obrigada arrivederci
		wiedersehen dziękuję bedankt teşekkürler спасибо благодарю свидания прощай прощайте شكرا وداعا धन्यवाद
		शुक्रिया अलविदा תודה להתראות ευχαριστώ αντίο 감사합니다 고맙습니다 안녕히 谢谢 再见 感谢 拜拜
		ありがとう さようなら 🙏 ✨ 💫 🌟 👋 ❤ 💙 💜 🫶 🕊`)) {
		farewell[h] = true
	}
	// A sign-off written without spaces in more than two characters is
	// read as its pairs of characters: a pair counts only inside the
	// whole word.
	var whole [][]uint64
	pairOf := map[uint64]bool{}
	for _, w := range []string{"ありがとう", "さようなら"} {
		pairs := termsRef(plainTextRef(w))
		whole = append(whole, pairs)
		for _, p := range pairs {
			pairOf[p] = true
		}
	}
	signOff := func(ts []uint64) []bool {
		covered := make([]bool, len(ts))
		for _, w := range whole {
			for i := 0; i+len(w) <= len(ts); i++ {
				if slices.Equal(ts[i:i+len(w)], w) {
					for k := range w {
						covered[i+k] = true
					}
				}
			}
		}
		out := make([]bool, len(ts))
		for i, t := range ts {
			out[i] = farewell[t] && (!pairOf[t] || covered[i])
		}
		return out
	}
	refus, _ := NewRefusal(1, 0, true, nil)
	said := map[uint64]bool{}
	var prev []past
	out := make([][]float64, len(msgs))
	for i, msg := range msgs {
		if msg.Origin == transcripts.OriginModerator {
			continue
		}
		text := plainTextRef(msg.Content)
		ts := termsRef(text)
		cur := past{speaker: msg.Speaker, words: distinctRef(ts), letters: lettersBesidesRef(text, token), terms: len(ts)}
		cur.shapes, cur.frames = lineShapesRef(text)
		x := make([]float64, numSignals)
		if len(cur.words) == 0 {
			x[fStaleWords] = 1
		} else {
			held := 0
			for _, w := range cur.words {
				for k := len(prev) - 1; k >= 0 && k >= len(prev)-6; k-- {
					if _, ok := slices.BinarySearch(prev[k].words, w); ok {
						held++
						break
					}
				}
			}
			x[fStaleWords] = float64(held) / float64(len(cur.words))
			fresh := 0
			for _, w := range cur.words {
				if !said[w] {
					fresh++
				}
			}
			x[fNewWords] = float64(fresh) / float64(len(cur.words))
		}
		for _, w := range cur.words {
			said[w] = true
		}
		var self, other *past
		for k := len(prev) - 1; k >= 0; k-- {
			if prev[k].speaker == msg.Speaker && self == nil {
				self = &prev[k]
			}
			if prev[k].speaker != msg.Speaker && other == nil {
				other = &prev[k]
			}
		}
		if other != nil {
			x[fEchoWords] = shareRef(cur.words, other.words)
		}
		if self != nil {
			x[fSelfWords] = shareRef(cur.words, self.words)
			x[fTemplate] = shareRef(cur.shapes, self.shapes)
			x[fFrame] = shareRef(cur.frames, self.frames)
		}
		var ls []int
		for k := len(prev) - 1; k >= 0 && len(ls) < 5; k-- {
			if prev[k].speaker == msg.Speaker {
				ls = append(ls, prev[k].letters)
			}
		}
		if len(ls) > 0 {
			slices.Sort(ls)
			x[fLenRatio] = math.Log((float64(cur.letters) + 4) / (float64(ls[len(ls)/2]) + 4))
		}
		if cur.letters < 16 {
			x[fTiny] = 1
		}
		_, marks := withoutEndMarksRef(text, token)
		hasToken := marks > 0
		if hasToken {
			x[fEndToken] = 1
		}
		// The speaker's last thirteen messages: a word of thanks or
		// goodbye in more than half of them is its habit, and so is any
		// such word among a message's first three words when more than
		// half of them open so (its last three, close so); the others
		// count, beyond the median share of them in those messages.
		var mine []past
		for k := len(prev) - 1; k >= 0 && len(mine) < 13; k-- {
			if prev[k].speaker == msg.Speaker {
				mine = append(mine, prev[k])
			}
		}
		cur.signOffs = map[uint64]bool{}
		opening, closing, lines := 0, 0, 0
		for _, p := range mine {
			if p.opens {
				opening++
			}
			if p.closes {
				closing++
			}
			if p.endsLine {
				lines++
			}
		}
		// Its closing, and how many of its words it holds: its last line
		// when that is short, and the short line right above it too.
		lineWords := 0
		short := func(body string) (int, int) {
			at := strings.LastIndex(body, "\n")
			if at < 0 {
				return 0, 0
			}
			last := body[at+1:]
			n := len(termsRef(last))
			if len(last) < 64 && strings.TrimSpace(body[:at]) != "" && n >= 1 && n <= 3 && lettersBesidesRef(last, token) > 0 {
				return n, at
			}
			return 0, 0
		}
		body := strings.TrimRight(text, " \t\r\n")
		if n, at := short(body); n > 0 {
			above, _ := short(strings.TrimRight(body[:at], " \t\r"))
			cur.endsLine, lineWords = true, n+above
		}
		if len(ts) > 0 {
			// A message's opening is its first three words and any
			// sign-offs that follow them unbroken; its closing, its
			// last three and any that precede them unbroken.
			inOpening, inClosing := make([]bool, len(ts)), make([]bool, len(ts))
			says := signOff(ts)
			for i := range ts {
				inOpening[i] = i < 3 || says[i-1] && inOpening[i-1]
			}
			for i := len(ts) - 1; i >= 0; i-- {
				inClosing[i] = i >= len(ts)-3 || says[i+1] && inClosing[i+1]
			}
			n := 0
			for i, t := range ts {
				if !says[i] {
					continue
				}
				cur.signOffs[t] = true
				first, last := inOpening[i], inClosing[i]
				cur.opens = cur.opens || first
				cur.closes = cur.closes || last
				inLine := i >= len(ts)-lineWords
				if first && 2*opening > len(mine) || last && 2*closing > len(mine) || inLine && 2*lines > len(mine) {
					continue
				}
				in := 0
				for _, p := range mine {
					if p.signOffs[t] {
						in++
					}
				}
				if 2*in <= len(mine) {
					n++
				}
			}
			cur.unusual = float64(n) / float64(len(ts))
		}
		var usual []float64
		for _, p := range mine {
			usual = append(usual, p.unusual)
		}
		if len(usual) > 0 { // none for a speaker's first message
			slices.Sort(usual)
			x[fFarewell] = max(0, cur.unusual-usual[len(usual)/2])
		}
		if refus.IsRefusal(msg.Content) {
			x[fRefusal] = 1
		}
		if strings.Contains(text, "?") || strings.Contains(text, "？") {
			x[fQuestion] = 1
		}
		if n := len(prev); n > 0 {
			p := prev[n-1].x
			x[fPrevStale], x[fPrevTiny], x[fPrevFarewell], x[fPrevNewWords] = p[fStaleWords], p[fTiny], p[fFarewell], p[fNewWords]
			if hasToken && p[fEndToken] == 1 {
				x[fBothEndTokens] = 1
			}
			x[fPrevTemplate] = max(p[fTemplate], p[fFrame])
			x[fBothTiny] = x[fTiny] * p[fTiny]
		}
		rut, k := max(x[fTemplate], x[fFrame]), 1
		for j := len(prev) - 1; j >= 0 && k < 3; j-- {
			if prev[j].speaker == msg.Speaker {
				rut += max(prev[j].x[fTemplate], prev[j].x[fFrame])
				k++
			}
		}
		x[fSelfRut] = rut / float64(k)
		x[fBothSelfWords], x[fBothFarewell] = x[fSelfWords], x[fFarewell] // no other side yet: its own
		if other != nil {
			x[fOtherRut] = other.x[fSelfRut]
			x[fBothRut] = min(x[fSelfRut], x[fOtherRut])
			x[fBothSelfWords] = min(x[fSelfWords], other.x[fSelfWords])
			x[fBothFarewell] = min(x[fFarewell], other.x[fFarewell])
		}
		for f, n := range map[int]int{fRichness6: 6, fRichness12: 12} {
			words, all := map[uint64]bool{}, 0
			for _, m := range append(prev[max(0, len(prev)-n+1):len(prev):len(prev)], cur) {
				for _, w := range m.words {
					words[w] = true
				}
				all += m.terms
			}
			if all > 0 {
				x[f] = float64(len(words)) / math.Sqrt(float64(all))
			}
		}
		cur.x = x
		prev = append(prev, cur)
		out[i] = x
	}
	return out
}

// loopPieces are the fragments random conversations are made of: plain
// words, styled and accented letters, stacked marks, scripts without
// spaces, emoji, digits, punctuation, layout, the end token, a refusal and
// bytes that are not UTF-8.
var loopPieces = []string{
	"the", "cat", "sat", "on", "mat", "Hello", "WORLD", "again", "thank", "you", "goodbye", "merci", "journey",
	" ", " ", " ", "  ", "\n", "\n\n", "\t", "\r\n", " \u00a0", "\u3000",
	".", ",", "!", "?", "？", ":", "—", "…", "*", "**", "#", "- ", "> ", "```", "|", "[", "]", "(", ")", "\"", "’",
	"0", "42", "2024", "٣", "Ⅻ", "½",
	"𝕋𝕙𝕖", "ｆｕｌｌ", "ﬁ", "café", "cafe\u0301", "Z̷̢a̸l̴g̶o̵", "\u0301", "\u0338\u0327", "ñ", "Ǆ", "ß",
	"谢谢", "再见", "ありがとう", "カタカナ", "ไทย", "한국어", "Привет", "مرحبا", "שלום",
	"🙏", "✨", "👋", "❤️", "🫶🏽", "∞", "⟨⟩", "═══", "│", "→",
	"[END]", "[END", "END]", "^C^C", "<END>", "[end]", "[ End ]", "<end_of_conversation>", "[END OF CONVERSATION]", "[End of dialogue]",
	"[endconversation]", "<END]", "[ending]", "x[end]", "N[End]", "<end of transmission>", "[END-OF-CHAT]",
	"I'm sorry, but I can't help with that.",
	"\xff", "\xe2\x80", "\xed\xa0\x80", "\xc3",
}

// randomConversation draws n messages of the pieces, by speakers A and B
// (sometimes C), with a moderator note now and then and some messages
// re-sent whole.
func randomConversation(r *rand.Rand, n int) []transcripts.Message {
	out := make([]transcripts.Message, 0, n)
	for i := range n {
		m := transcripts.Message{Speaker: []string{"A", "B", "A", "B", "C"}[r.IntN(5)]}
		switch {
		case r.IntN(20) == 0:
			m = transcripts.Message{Speaker: transcripts.ModeratorSpeaker, Content: "Go on.", Origin: transcripts.OriginModerator}
		case i > 2 && r.IntN(5) == 0:
			m.Content = out[r.IntN(len(out))].Content
		default:
			var b strings.Builder
			for range r.IntN(40) {
				b.WriteString(loopPieces[r.IntN(len(loopPieces))])
				if r.IntN(3) > 0 {
					b.WriteByte(' ')
				}
			}
			m.Content = b.String()
		}
		out = append(out, m)
	}
	return out
}

func sameSignals(t *testing.T, msgs []transcripts.Message, token string) {
	t.Helper()
	got, want := LoopSignals(msgs, token), loopSignalsRef(msgs, token)
	for i := range want {
		if len(got[i]) != len(want[i]) {
			t.Fatalf("message %d (%q): %d signals, want %d", i+1, msgs[i].Content, len(got[i]), len(want[i]))
		}
		for j := range want[i] {
			if math.Float64bits(got[i][j]) != math.Float64bits(want[i][j]) {
				t.Fatalf("message %d (%q): %s = %v, want %v", i+1, msgs[i].Content, LoopFeatureNames[j], got[i][j], want[i][j])
			}
		}
	}
}

// TestLoopSignalsAsDocumented compares the loop rule's signals with the
// plain computation over random conversations of every kind of text.
func TestLoopSignalsAsDocumented(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		msgs := randomConversation(r, 1+r.IntN(40))
		sameSignals(t, msgs, "[END]")
	}
	sameSignals(t, randomConversation(r, 30), "")
	sameSignals(t, randomConversation(r, 30), "e")
	// Closings that random pieces seldom make: a letter's, a short line
	// above the name, with sign-offs in it now and then.
	letters := closingLines(cat(substance, []string{"Agreed."}), "Warmly,\nAria", "Talk soon,\nAria", "Best,\n\nAria", "Cheers! [END]\nAria", "Regards,\nAria Sol")
	sameSignals(t, conv(letters...), "[END]")
}

func FuzzLoopSignalsAsDocumented(f *testing.F) {
	f.Add("hello world", "Hello, world!\n[END]", "𝕋𝕙𝕖 ｆｕｌｌ café", "[END]")
	f.Add("Z̷̢a̸l̴g̶o̵\n\n谢谢再见", "\xff\xed\xa0\x80 ok", "[END] [END]", "ok")
	f.Fuzz(func(t *testing.T, a, b, c, token string) {
		msgs := []transcripts.Message{{Speaker: "A", Content: a}, {Speaker: "B", Content: b}, {Speaker: "A", Content: c},
			{Speaker: "B", Content: a + b}, {Speaker: "A", Content: c}, {Speaker: "B", Content: b}, {Speaker: "A", Content: a}}
		sameSignals(t, msgs, token)
	})
}

// Each helper agrees with its plain form on the random pieces.
func TestLoopHelpersAsDocumented(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 3000 {
		var b strings.Builder
		for range r.IntN(30) {
			b.WriteString(loopPieces[r.IntN(len(loopPieces))])
		}
		s := b.String()
		if got, want := plainText(s), plainTextRef(s); got != want {
			t.Fatalf("plainText(%q) = %q, want %q", s, got, want)
		}
		gs, gf, gl := lineShapes(s, nil, nil)
		ws, wf := lineShapesRef(s)
		if !slices.Equal(gs, ws) || !slices.Equal(gf, wf) || gl != lettersBesidesRef(s, "") {
			t.Fatalf("lineShapes(%q) = %x %x, want %x %x", s, gs, gf, ws, wf)
		}
		for _, tok := range []string{"[END]", "", "a", "\u0301"} {
			// The letters outside the end marks, as the loop rule counts
			// them.
			got := lettersBesides(s, tok)
			if utf8.ValidString(tok) {
				_, marked, _ := endMarks(s, tok)
				got = lettersBesides(s, "") - marked
			}
			if want := lettersBesidesRef(s, tok); got != want {
				t.Fatalf("letters of %q outside end marks (token %q) = %d, want %d", s, tok, got, want)
			}
		}
	}
}

// After judging one conversation, a rule handed another that shares only
// its start forgets the rest and reads the new messages as if from scratch.
func TestLoopSignalsAfterADivergence(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 100 {
		a := randomConversation(r, 5+r.IntN(30))
		b := slices.Clone(a[:r.IntN(len(a))])
		b = append(b, randomConversation(r, 1+r.IntN(20))...)
		p := &Loop{Token: "[END]", Model: &LoopModel{Weights: make([]float64, NumLoopFeatures), Mean: make([]float64, NumLoopFeatures),
			Scale: ones64(NumLoopFeatures), Threshold: 0.5, Count: 1, Token: "[END]"}}
		p.Check(a)
		p.Check(b)
		vals, idx := p.m.values(b, nil, nil)
		want := loopSignalsRef(b, "[END]")
		for k, i := range idx {
			if !slices.Equal(vals[k].x, want[i]) {
				t.Fatalf("message %d after diverging at %d: %v, want %v", i+1, len(a), vals[k].x, want[i])
			}
		}
	}
}

// A conversation of many distinct words grows the word table several
// times; the signals stay those of the plain computation.
func TestLoopSignalsOverAGrowingTable(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	msgs := make([]transcripts.Message, 80)
	next := 0 // the next new word
	for i := range msgs {
		var b strings.Builder
		// New words, then words of the last three messages, which the
		// table must still know after it grows.
		for range 150 {
			fmt.Fprintf(&b, "w%d ", next)
			next++
		}
		for range 150 {
			back := 1 + r.IntN(3)
			if i-back >= 0 {
				fmt.Fprintf(&b, "w%d ", 150*(i-back)+r.IntN(150))
			}
		}
		msgs[i] = transcripts.Message{Speaker: []string{"A", "B", "A", "B", "C"}[r.IntN(5)], Content: b.String()}
	}
	sameSignals(t, msgs, "[END]")
}
