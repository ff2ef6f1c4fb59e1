package policy

import (
	"encoding/binary"
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/parleyhq/parley/transcripts"
)

// The loop rule reads each message as a handful of signals, each computed
// from that message and the ones before it, never later ones. They are
// what the labelled corpus shows a loop to be made of:
//
//   - novelty by bytes: the share of the message's 8-byte runs (lowercased,
//     white space folded) that none of the last six messages holds. It
//     is what a compressor would find new, robust to paraphrase that
//     reuses phrases, and it works in any language;
//   - echo: the share that the other side's previous message holds, and
//     the share that the speaker's own previous message holds;
//   - template: how many of the message's line shapes (words masked,
//     punctuation, emoji and layout kept) the speaker's previous message
//     had, so a frame re-sent with the nouns swapped is seen;
//   - new words: the share of its words nobody has said before;
//   - length: its length against the speaker's recent ones, so a collapse
//     to "[END]", "∞" or "*silence*" shows, and whether it holds a few
//     letters at all;
//   - sign-off words, the end token, and refusals.
//
// A small logistic model (loopmodel.go) weighs them into the chance that a
// message belongs to a loop.

// LoopFeatureNames names the signals, in the order of a feature vector.
var LoopFeatureNames = []string{
	"stale_bytes",     // share of 8-byte runs held by the last six messages
	"echo_other",      // share held by the other side's previous message
	"echo_self",       // share held by the speaker's own previous message
	"template",        // share of line shapes the speaker's previous message had
	"new_words",       // share of distinct words nobody said before
	"new_bytes_log",   // log(1 + 8-byte runs the last six messages lack)
	"len_ratio_log",   // log of the length against the speaker's recent median
	"tiny",            // fewer than 16 letters or digits besides the end token
	"end_token",       // holds the end token
	"farewell",        // share of words that sign off or thank
	"refusal",         // reads as a refusal
	"question",        // asks a question
	"prev_stale",      // stale_bytes of the message before
	"prev_tiny",       // tiny, of the message before
	"prev_farewell",   // farewell, of the message before
	"prev_new_words",  // new_words, of the message before
	"both_end_tokens", // this message and the one before both hold the end token
	"frame",           // share of coarse line shapes (words and symbols masked) the speaker's previous message had
	"prev_echo_self",  // echo_self, of the message before
	"prev_template",   // the larger of template and frame, of the message before
	"self_rut",        // the speaker's last three messages' mean of the larger of echo_self, template and frame
	"other_rut",       // self_rut of the other side's last message
	"both_rut",        // the smaller of self_rut and other_rut: both sides stuck
	"echo_words",      // share of its distinct words the other side's previous message used
	"self_words",      // share of its distinct words its speaker's previous message used
	"stale_words",     // share of its distinct words the last six messages used
	"both_tiny",       // this message and the one before hold almost no words: token ping-pong
}

// NumLoopFeatures is the length of a feature vector.
var NumLoopFeatures = len(LoopFeatureNames)

// loopMsg is what the loop rule remembers of one spoken message.
type loopMsg struct {
	speaker string
	grams   []uint64 // distinct hashes of its 8-byte runs, sorted
	shapes  []uint64 // distinct hashes of its line shapes, sorted
	frames  []uint64 // distinct hashes of its coarse line shapes, sorted
	words   []uint64 // distinct hashes of its words, sorted
	letters int      // letters and digits, not counting the end token
	x       []float64
	p       float64 // the model's chance that it belongs to a loop
	hits    int     // messages so far, this one included, at or above the rule's threshold
}

const gramLen = 8

// plainText folds styled text to plain: compatibility forms (𝕋𝕙𝕖,
// ｆｕｌｌｗｉｄｔｈ, ligatures) become their plain letters and combining
// marks (accents stacked as "zalgo") are dropped, so a block re-sent in
// another font, or buried in diacritics, reads as what it says. ASCII text
// is returned as it is.
func plainText(text string) string {
	i := 0
	for i < len(text) && text[i] < utf8.RuneSelf {
		i++
	}
	if i == len(text) {
		return text
	}
	// Rune by rune from the first non-ASCII one: a rune with a
	// compatibility decomposition becomes it, and combining marks go. The
	// result is built only once something changes.
	var b *strings.Builder
	start := 0 // text[start:j] is unchanged and not yet written to b
	for j := i; j < len(text); {
		if text[j] < utf8.RuneSelf {
			j++
			continue
		}
		p := norm.NFKD.PropertiesString(text[j:])
		size := p.Size()
		if size == 0 {
			size = 1
		}
		d := p.Decomposition()
		if d == nil && p.CCC() == 0 {
			j += size
			continue
		}
		if b == nil {
			b = &strings.Builder{}
			b.Grow(len(text))
		}
		b.WriteString(text[start:j])
		for k := 0; k < len(d); {
			q := norm.NFKD.Properties(d[k:])
			n := max(q.Size(), 1)
			if q.CCC() == 0 {
				b.Write(d[k : k+n])
			}
			k += n
		}
		j += size
		start = j
	}
	if b == nil {
		return text
	}
	b.WriteString(text[start:])
	return b.String()
}

// byteGrams returns the sorted distinct hashes of text's 8-byte runs,
// ASCII lowercased and white space folded to one space.
func byteGrams(text string) []uint64 {
	buf := make([]byte, 0, len(text))
	space := true
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c == ' ' || c == '\n' || c == '\t' || c == '\r':
			if !space {
				buf = append(buf, ' ')
			}
			space = true
			continue
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		}
		buf = append(buf, c)
		space = false
	}
	if len(buf) < gramLen {
		if len(buf) == 0 {
			return nil
		}
		var pad [gramLen]byte
		copy(pad[:], buf)
		return []uint64{mix(binary.LittleEndian.Uint64(pad[:]) ^ uint64(len(buf)))}
	}
	out := make([]uint64, 0, (len(buf)-gramLen)/gramSample+2)
	for i := 0; i+gramLen <= len(buf); i++ {
		if h := mix(binary.LittleEndian.Uint64(buf[i:])); h%gramSample == 0 {
			out = append(out, h)
		}
	}
	out = sortHashes(out, make([]uint64, len(out)))
	return slices.Compact(out)
}

// gramSample keeps one 8-byte run in gramSample, chosen by its hash, so the
// same runs are kept in every message: shares of runs held elsewhere are
// estimated from the sample, at a fraction of the cost.
const gramSample = 4

// lineShapes returns the sorted distinct hashes of text's line shapes and
// of its frames. In a line's shape each run of letters becomes "a" and each
// run of digits "0"; punctuation, symbols, emoji and the line's layout
// stay. Its frame masks more: every run of words, spaces and non-ASCII
// symbols becomes one mark, so what stays is the ASCII punctuation a
// message's lines hang on. Leading and trailing space is dropped.
func lineShapes(text string) (shapes, frames []uint64) {
	for len(text) > 0 {
		line := text
		if k := strings.IndexByte(text, '\n'); k >= 0 {
			line, text = text[:k], text[k+1:]
		} else {
			text = ""
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		hs, hf := uint64(fnvOffset), uint64(fnvOffset)
		ps, pf := rune(-1), rune(-1)
		for i := 0; i < len(line); {
			var r rune
			var kind byte
			if c := line[i]; c < utf8.RuneSelf {
				r, kind = rune(c), asciiKind[c]
				i++
			} else {
				var size int
				r, size = utf8.DecodeRuneInString(line[i:])
				i += size
				switch {
				case unicode.IsLetter(r) || unicode.IsMark(r):
					kind = 'a'
				case unicode.IsDigit(r):
					kind = '0'
				case unicode.IsPunct(r):
					kind = 'p'
				default:
					kind = 's'
				}
			}
			s, f := r, r
			switch kind {
			case 'a', '0':
				s, f = rune(kind), 'a'
			case ' ', 's':
				f = 'a'
			}
			if s != ps || (s != 'a' && s != '0') {
				hs = (hs ^ uint64(s)) * fnvPrime
			}
			if f != pf || f != 'a' {
				hf = (hf ^ uint64(f)) * fnvPrime
			}
			ps, pf = s, f
		}
		shapes = append(shapes, hs)
		frames = append(frames, hf)
	}
	slices.Sort(shapes)
	slices.Sort(frames)
	return slices.Compact(shapes), slices.Compact(frames)
}

// asciiKind classes ASCII bytes for lineShapes: 'a' letters, '0' digits,
// ' ' space and the byte itself for punctuation.
var asciiKind = func() (t [utf8.RuneSelf]byte) {
	for c := range t {
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			t[c] = 'a'
		case c >= '0' && c <= '9':
			t[c] = '0'
		case c == ' ' || c == '\t' || c == '\r':
			t[c] = ' '
		default:
			t[c] = byte(c)
		}
	}
	return t
}()

// sharedShare is the share of a (sorted, distinct) that b holds.
func sharedShare(a, b []uint64) float64 {
	if len(a) == 0 {
		return 0
	}
	i, j, n := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			n++
			i++
			j++
		}
	}
	return float64(n) / float64(len(a))
}

// heldByAny counts the elements of a that one of bs holds.
func heldByAny(a []uint64, bs ...[]uint64) int {
	held := make([]bool, len(a))
	for _, b := range bs {
		i, j := 0, 0
		for i < len(a) && j < len(b) {
			switch {
			case a[i] < b[j]:
				i++
			case a[i] > b[j]:
				j++
			default:
				held[i] = true
				i++
				j++
			}
		}
	}
	n := 0
	for _, h := range held {
		if h {
			n++
		}
	}
	return n
}

// farewellWords sign off or thank, in the languages models most often
// close in. A message made mostly of them, after the substance, is a
// farewell.
var farewellWords = func() map[uint64]bool {
	words := `thank thanks thankful grateful gratitude appreciate appreciated appreciation farewell goodbye
		goodbyes bye journey pleasure honor honored honour honoured privilege cheers warmly wishes heartfelt
		cherish cherished until merci gracias danke adiós adieu tschüss ciao grazie obrigado 谢谢 再见
		ありがとう さようなら 🙏 ✨ 💫 🌟 👋 ❤ 💙 💜 🫶 🕊`
	out := map[uint64]bool{}
	for _, h := range terms(nil, plainText(words)) {
		out[h] = true
	}
	return out
}()

// farewellShare is the share of a message's terms that sign off or thank.
func farewellShare(ts []uint64) float64 {
	if len(ts) == 0 {
		return 0
	}
	n := 0
	for _, t := range ts {
		if farewellWords[t] {
			n++
		}
	}
	return float64(n) / float64(len(ts))
}

// lettersBesides counts the letters and digits of text outside token.
func lettersBesides(text, token string) int {
	if token != "" && strings.Contains(text, token) {
		text = strings.ReplaceAll(text, token, " ")
	}
	n := 0
	for i := 0; i < len(text); {
		if c := text[i]; c < utf8.RuneSelf {
			if k := asciiKind[c]; k == 'a' || k == '0' {
				n++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			n++
		}
		i += size
	}
	return n
}

// recentMedianLen is the median letter count of the speaker's last five
// messages before prev's end, or -1 when it has none.
func recentMedianLen(prev []loopMsg, speaker string) float64 {
	var ls []int
	for k := len(prev) - 1; k >= 0 && len(ls) < 5; k-- {
		if prev[k].speaker == speaker {
			ls = append(ls, prev[k].letters)
		}
	}
	if len(ls) == 0 {
		return -1
	}
	slices.Sort(ls)
	return float64(ls[len(ls)/2])
}

// loopSignals computes the feature vector of msg from the messages before
// it. newWords is the share of its distinct words nobody said before.
func loopSignals(msg *transcripts.Message, prev []loopMsg, token string, newWords float64, refusal bool) loopMsg {
	text := plainText(msg.Content)
	ts := cachedTerms(text)
	lm := loopMsg{
		speaker: msg.Speaker,
		grams:   byteGrams(text),

		words:   distinctSorted(ts),
		letters: lettersBesides(text, token),
	}
	lm.shapes, lm.frames = lineShapes(text)
	x := make([]float64, NumLoopFeatures)
	var recent, recentWords [][]uint64
	var other, self *loopMsg
	for k := len(prev) - 1; k >= 0 && k >= len(prev)-6; k-- {
		recent = append(recent, prev[k].grams)
		recentWords = append(recentWords, prev[k].words)
	}
	for k := len(prev) - 1; k >= 0 && (other == nil || self == nil); k-- {
		if prev[k].speaker == msg.Speaker {
			if self == nil {
				self = &prev[k]
			}
		} else if other == nil {
			other = &prev[k]
		}
	}
	held := heldByAny(lm.grams, recent...)
	if len(lm.grams) > 0 {
		x[0] = float64(held) / float64(len(lm.grams))
	} else {
		x[0] = 1
	}
	if other != nil {
		x[1] = sharedShare(lm.grams, other.grams)
	}
	if self != nil {
		x[2] = sharedShare(lm.grams, self.grams)
		x[3] = sharedShare(lm.shapes, self.shapes)
		x[17] = sharedShare(lm.frames, self.frames)
	}
	x[4] = newWords
	x[5] = math.Log1p(float64(len(lm.grams) - held))
	if med := recentMedianLen(prev, msg.Speaker); med >= 0 {
		x[6] = math.Log((float64(lm.letters) + 4) / (med + 4))
	}
	if lm.letters < 16 {
		x[7] = 1
	}
	hasToken := token != "" && strings.Contains(text, token)
	if hasToken {
		x[8] = 1
	}
	x[9] = farewellShare(ts)
	if refusal {
		x[10] = 1
	}
	if strings.Contains(text, "?") || strings.Contains(text, "？") {
		x[11] = 1
	}
	if n := len(prev); n > 0 {
		p := prev[n-1].x
		x[12], x[13], x[14], x[15] = p[0], p[7], p[9], p[4]
		if hasToken && p[8] == 1 {
			x[16] = 1
		}
		x[18], x[19] = p[2], max(p[3], p[17])
		x[26] = x[7] * p[7]
	}
	rut, k := max(x[2], x[3], x[17]), 1
	for j := len(prev) - 1; j >= 0 && k < 3; j-- {
		if prev[j].speaker == msg.Speaker {
			rut += max(prev[j].x[2], prev[j].x[3], prev[j].x[17])
			k++
		}
	}
	x[20] = rut / float64(k)
	if other != nil {
		x[21] = other.x[20]
		x[22] = min(x[20], x[21])
		x[23] = sharedShare(lm.words, other.words)
	}
	if self != nil {
		x[24] = sharedShare(lm.words, self.words)
	}
	if len(lm.words) > 0 {
		x[25] = float64(heldByAny(lm.words, recentWords...)) / float64(len(lm.words))
	} else {
		x[25] = 1
	}
	lm.x = x
	return lm
}

// distinctSorted returns the distinct values of ts, sorted, in a new slice.
func distinctSorted(ts []uint64) []uint64 {
	out := sortHashes(slices.Clone(ts), make([]uint64, len(ts)))
	return slices.Compact(out)
}
