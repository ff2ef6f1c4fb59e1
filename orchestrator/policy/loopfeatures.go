package policy

import (
	"math"
	"math/bits"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/parleyhq/parley/transcripts"
)

// The loop rule reads each message as a handful of signals, each computed
// from that message and the ones before it, never later ones. They are
// what the labelled corpus shows a loop to be made of:
//
//   - novelty: the share of the message's distinct words (lowercased, with
//     styled letters such as 𝕋𝕙𝕖 and stacked diacritics folded to plain
//     ones; in scripts written without spaces, pairs of characters) that
//     the last six messages already used, and the share nobody has used
//     before;
//   - echo: the share that the other side's previous message used, and the
//     share that the speaker's own previous message used; and the smaller
//     of that share and the other side's own last one, so both sides
//     restating themselves shows (one side alone doing it is often a
//     fixed wrapper around new content);
//   - template: how many of the message's line shapes (words masked,
//     punctuation, emoji and layout kept) and of its coarser frame the
//     speaker's previous message had, so a frame re-sent with the nouns
//     swapped is seen;
//   - length: its length against the speaker's recent ones, so a collapse
//     to "[END]", "∞" or "*silence*" shows, and whether it holds a few
//     letters at all, alone and as ping-pong with the message before;
//   - sign-off words beyond the speaker's habit (speakerUsual), and
//     whether both sides use them (the smaller of the message's share and
//     the other side's last one), the end token, and refusals;
//   - each side's rut: how much its last messages repeat each other;
//   - richness: the distinct words of the last six messages, and of the
//     last twelve, over the square root of all their words (a measure of
//     vocabulary that, unlike a plain ratio, does not fall just because
//     there is more text). A conversation that narrows into a loop says
//     fewer different words in its last six messages than its last twelve
//     held, whatever the words are and in any language.
//
// A small logistic model (loop.go) weighs them into the chance that a
// message belongs to a loop. Shares of 8-byte runs (what a compressor
// would find new) were measured too: under cross-validation on the
// labelled corpus they added nothing the word shares do not, at twice the
// cost, so they are not computed.

// The signals, by their place in a feature vector.
const (
	fStaleWords    = iota // share of its distinct words the last six messages used
	fEchoWords            // share of its distinct words the other side's previous message used
	fSelfWords            // share of its distinct words its speaker's previous message used
	fTemplate             // share of line shapes the speaker's previous message had
	fFrame                // share of coarse line shapes (words and symbols masked) the speaker's previous message had
	fNewWords             // share of distinct words nobody said before
	fLenRatio             // log of the length against the speaker's recent median
	fTiny                 // fewer than 16 letters or digits besides the end token
	fEndToken             // holds the end token
	fFarewell             // share of words that thank or say goodbye, beyond its speaker's habit (speakerUsual)
	fRefusal              // reads as a refusal
	fQuestion             // asks a question
	fPrevStale            // stale_words of the message before
	fPrevTiny             // tiny, of the message before
	fPrevFarewell         // farewell (beyond the usual), of the message before
	fPrevNewWords         // new_words, of the message before
	fBothEndTokens        // this message and the one before both hold the end token
	fPrevTemplate         // the larger of template and frame, of the message before
	fSelfRut              // the speaker's last three messages' mean of the larger of template and frame
	fOtherRut             // self_rut of the other side's last message
	fBothRut              // the smaller of self_rut and other_rut: both sides stuck
	fBothTiny             // this message and the one before hold almost no words: token ping-pong
	fRichness6            // distinct words over the square root of all words, in the last six messages
	fRichness12           // the same over the last twelve
	fBothSelfWords        // the smaller of self_words and the other side's last self_words: both sides restating themselves
	fBothFarewell         // the smaller of farewell and the other side's last farewell: both sides saying goodbye more than they usually do
	numSignals
)

// LoopFeatureNames names the signals, in the order of a feature vector.
var LoopFeatureNames = []string{
	fStaleWords: "stale_words", fEchoWords: "echo_words", fSelfWords: "self_words",
	fTemplate: "template", fFrame: "frame", fNewWords: "new_words", fLenRatio: "len_ratio_log",
	fTiny: "tiny", fEndToken: "end_token", fFarewell: "farewell_rise", fRefusal: "refusal",
	fQuestion: "question", fPrevStale: "prev_stale", fPrevTiny: "prev_tiny",
	fPrevFarewell: "prev_farewell_rise", fPrevNewWords: "prev_new_words", fBothEndTokens: "both_end_tokens",
	fPrevTemplate: "prev_template", fSelfRut: "self_rut",
	fOtherRut: "other_rut", fBothRut: "both_rut", fBothTiny: "both_tiny",
	fRichness6: "richness_6", fRichness12: "richness_12", fBothSelfWords: "both_self_words",
	fBothFarewell: "both_farewell_rise",
}

// NumLoopFeatures is the length of a feature vector.
var NumLoopFeatures = len(LoopFeatureNames)

// loopMsg is what the loop rule remembers of one spoken message.
type loopMsg struct {
	speaker  string
	shapes   []uint64 // distinct hashes of its line shapes, in the order of its lines
	frames   []uint64 // distinct hashes of its coarse line shapes, in the order of its lines
	words    []uint64 // distinct hashes of its words, in the order they first occur
	letters  int      // letters and digits, not counting the end token
	mark     string   // the end token as it spelled it, when not as the rule's token is
	terms    int      // its words, each counted as often as it occurs
	thanks   float64  // the share of its words that thank or say goodbye
	signOffs []uint64 // its words that thank or say goodbye, as often as they occur
	opens    bool     // one of them is among its first slotWords words
	closes   bool     // one of them is among its last slotWords words
	endsLine bool     // it ends with a closing line (closingLine)
	unusual  float64  // the share of its words that thank or say goodbye and are not its speaker's habit (speakerUsual)
	x        []float64
	p        float64 // the model's chance that it belongs to a loop
	hits     int     // messages so far, this one included, at or above the rule's threshold
	lows     int     // messages so far, this one included, at or above its lower bar
	sureAt   int32   // the last of them, this one included, at or above its sure chance; -1: none
}

// spelled is the end token as the message spelled it, for saying what
// it holds: token, or the other spelling of [END] it used (<END>).
func (m *loopMsg) spelled(token string) string {
	if m.mark != "" {
		return m.mark
	}
	return token
}

// plainText folds styled text to plain: compatibility forms (𝕋𝕙𝕖,
// ｆｕｌｌｗｉｄｔｈ, ligatures) become their plain letters and combining
// marks (accents stacked as "zalgo") are dropped, so a block re-sent in
// another font, or buried in diacritics, reads as what it says. ASCII text
// is returned as it is.
func plainText(text string) string {
	var b strings.Builder
	if !appendPlain(&b, text) {
		return text
	}
	return b.String()
}

// appendPlain writes plainText(text) to b and reports true, or, when
// folding changes nothing, writes nothing and reports false.
func appendPlain(b *strings.Builder, text string) bool {
	i := asciiPrefix(text, 0)
	if i == len(text) {
		return false
	}
	// Rune by rune from the first non-ASCII one: a rune with a
	// compatibility decomposition becomes it, and combining marks go.
	// Nothing is written until something changes.
	wrote := false
	start := 0 // text[start:j] is unchanged and not yet written to b
	for j := i; j < len(text); {
		if text[j] < utf8.RuneSelf {
			j = asciiPrefix(text, j+1)
			continue
		}
		// Most characters are kept: the table says so in one lookup. An
		// invalid byte is left to the norm lookup, as are the characters
		// that fold.
		if r, size := utf8.DecodeRuneInString(text[j:]); size > 1 && block(r).plain[r&0xff] {
			j += size
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
		if !wrote {
			b.Grow(len(text))
			wrote = true
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
	if wrote {
		b.WriteString(text[start:])
	}
	return wrote
}

// asciiPrefix returns where the run of ASCII bytes at text[i:] ends,
// reading eight bytes at a time.
func asciiPrefix(text string, i int) int {
	for ; i+8 <= len(text); i += 8 {
		if m := load64(text, i) & highs; m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	for i < len(text) && text[i] < utf8.RuneSelf {
		i++
	}
	return i
}

// runeShape is what a character r outside ASCII, of kind k, stands for in
// a line's shape and its frame, and 1 when it counts as a letter or digit.
func runeShape(r rune, k uint8) (s, f rune, letters int) {
	switch k {
	case kindLetter:
		return 'a', 'a', 1
	case kindMark:
		return 'a', 'a', 0
	case kindDigit:
		return '0', 'a', 1
	case kindPunct:
		return r, r, 0
	}
	return r, 'a', 0
}

// mixShape adds the next character of a line, s in its shape and f in its
// frame, to their hashes; ps and pf are the characters before it. A run of
// letters (or of digits) counts once.
func mixShape(hs, hf uint64, ps, pf, s, f rune) (uint64, uint64) {
	if s != ps || (s != 'a' && s != '0') {
		hs = (hs ^ uint64(s)) * fnvPrime
	}
	if f != pf || f != 'a' {
		hf = (hf ^ uint64(f)) * fnvPrime
	}
	return hs, hf
}

// readText reads text once for the loop rule, as plainText folds it: it
// appends its terms to ts, as terms does, and the hashes of its line
// shapes and frames to shapes and frames, one of each per line that holds
// more than space, in the order of the lines; it counts its letters and
// digits, and returns the folded text, plainText(text).
//
// In a line's shape each run of letters becomes "a" and each run of
// digits "0"; punctuation, symbols, emoji and the line's layout stay. Its
// frame masks more: every run of words, spaces and non-ASCII symbols
// becomes one mark, so what stays is the ASCII punctuation a message's
// lines hang on. Leading and trailing space is dropped. Each is hashed with
// FNV-1a, one character a step. lineHashes (in the tests) is the same
// reading on its own, which readText is held to. A line break ends a word and a run of characters in
// both readings, space at either end of a line is in neither, and
// plainText folds each character on its own, so each line is read on its
// own, in one pass for both (readLine). A line is read as it is until a
// character plainText might fold; then it is folded and read again. Only
// a text with such a line is copied.
func readText(text string, ts, shapes, frames []uint64) (_, _, _ []uint64, letters int, folded string) {
	shapes, frames = shapes[:0], frames[:0]
	var b *strings.Builder // the folded text, once a line is folded
	done := 0              // text[:done] is in b, when there is one
	for start := 0; start < len(text); {
		raw, next := text[start:], len(text)
		if k := strings.IndexByte(raw, '\n'); k >= 0 {
			raw, next = raw[:k], start+k+1
		}
		// Space at either end of the line is in neither reading.
		lo, hi := 0, len(raw)
		for lo < hi && asciiSpace[raw[lo]] {
			lo++
		}
		for hi > lo && asciiSpace[raw[hi-1]] {
			hi--
		}
		line, ok := raw[lo:hi], true
		if lo < hi && (raw[lo] >= utf8.RuneSelf || raw[hi-1] >= utf8.RuneSelf) {
			// Space outside ASCII may end the line too, and plainText
			// may fold it (a no-break space is a space).
			line = strings.TrimSpace(line)
			ok = len(line) == hi-lo
		}
		var hs, hf uint64
		var n int
		mark := len(ts)
		if ok && line != "" {
			ts, hs, hf, n, ok = readLine(ts, line, true)
		}
		if !ok {
			// Something to fold: the line's terms so far go, and it is
			// read again folded, as it is written to the folded text. The
			// builder only appends, so what it holds stays as it is.
			ts = ts[:mark]
			if b == nil {
				b = &strings.Builder{}
				b.Grow(len(text))
			}
			b.WriteString(text[done:start])
			at := b.Len()
			if !appendPlain(b, raw) {
				b.WriteString(raw)
			}
			fl := b.String()[at:]
			done = start + len(raw)
			if line = strings.TrimSpace(fl); line != "" {
				ts, hs, hf, n, _ = readLine(ts, line, false)
			}
		}
		start = next
		if line == "" {
			continue
		}
		shapes = append(shapes, hs)
		frames = append(frames, hf)
		letters += n
	}
	if b == nil {
		return ts, shapes, frames, letters, text
	}
	b.WriteString(text[done:])
	return ts, shapes, frames, letters, b.String()
}

// asciiSpace marks the ASCII bytes strings.TrimSpace drops.
var asciiSpace = [256]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}

// readLine reads line, which holds more than space and has none at
// either end, in one pass: it appends the line's terms to ts, as terms
// does, and returns the hashes of its shape and frame and its letters and
// digits, as lineHashes does. Each character is classed once and then
// taken by both readings: the terms' state is terms' own (a word being
// built, a run of a script written without spaces), the shape's the last
// character of the shape and of the frame. With check set it stops,
// reporting false, at a character plainText might fold.
func readLine(ts []uint64, line string, check bool) (_ []uint64, hs, hf uint64, letters int, plain bool) {
	hs, hf = uint64(fnvOffset), uint64(fnvOffset)
	ps, pf := rune(-1), rune(-1) // the last character of the shape and of the frame
	var (
		wbuf   [64]byte
		word   = wbuf[:0]      // the lowercased bytes of a word holding more than ASCII, so far
		inWord bool            // word holds a word in progress
		prev   rune       = -1 // the last character of a spaceless run, or -1
		single bool            // the run so far is one character, kept as a term
	)
	for i := 0; i < len(line); {
		c := line[i]
		if c < utf8.RuneSelf && !wordByte[c] {
			// ASCII space or punctuation. Terms: it ends a word and a
			// run; DEL, the one ASCII symbol that is not punctuation, is
			// a term. Shape: itself; frame: a space is masked like a
			// word, punctuation is itself.
			if inWord {
				ts = append(ts, hashWord(string(word), 0))
				word, inWord = word[:0], false
			}
			prev, single = -1, false
			if c == 0x7f {
				ts = append(ts, mix(uint64(c)+1))
			}
			s, f := asciiShape[c], asciiFrame[c]
			hs = (hs ^ uint64(s)) * fnvPrime
			if f != pf || f != 'a' {
				hf = (hf ^ uint64(f)) * fnvPrime
			}
			ps, pf = s, f
			i++
			continue
		}
		if c < utf8.RuneSelf {
			// ASCII letters and digits. Terms: a word, or part of one
			// that goes on outside ASCII; a spaceless run ends. Shape:
			// each run of letters "a", each run of digits "0"; frame:
			// all of it "a".
			prev, single = -1, false
			if pf != 'a' {
				hf = (hf ^ 'a') * fnvPrime
				pf = 'a'
			}
			if !inWord && i+8 <= len(line) {
				// Letters alone, fewer than eight, ending at an ASCII
				// byte within the eight at hand: the word is hashed from
				// them at once, as hashWord(line[i:i+n], 0x20) would.
				x := load64(line, i)
				w := wordBytes(x)
				if n := bits.TrailingZeros64(^w&highs) >> 3; n < 8 && x>>(8*n)&0x80 == 0 {
					below := uint64(1)<<(8*n) - 1
					if letterBytes(x)&below == w&below {
						ts = append(ts, mix(wordSeed^uint64(n)*wordMul^(x|0x20*ones)&below))
						if ps != 'a' {
							hs = (hs ^ 'a') * fnvPrime
							ps = 'a'
						}
						letters += n
						i += n
						if x>>(8*n)&0xff == ' ' {
							// One space after it, the commonest thing
							// after a word: itself in the shape and,
							// after a word, nothing in the frame.
							hs = (hs ^ ' ') * fnvPrime
							ps = ' '
							i++
						}
						continue
					}
				}
			}
			j := i
			for j < len(line) && wordByte[line[j]] {
				s := asciiShape[line[j]]
				k := j + 1
				if s == 'a' {
					// The end of the run of letters, eight bytes at a time.
				run:
					for ; k+8 <= len(line); k += 8 {
						if m := ^letterBytes(load64(line, k)) & highs; m != 0 {
							k += bits.TrailingZeros64(m) >> 3
							break run
						}
					}
					for k < len(line) && letterByte[line[k]] {
						k++
					}
				} else {
					for k < len(line) && line[k]-'0' < 10 {
						k++
					}
				}
				if s != ps {
					hs = (hs ^ uint64(s)) * fnvPrime
					ps = s
				}
				j = k
			}
			if !inWord && (j == len(line) || line[j] < utf8.RuneSelf) {
				ts = append(ts, hashWord(line[i:j], 0x20))
			} else {
				for k := i; k < j; k++ {
					word = append(word, line[k]|0x20)
				}
				inWord = true
			}
			letters += j - i
			i = j
			continue
		}
		// A character outside ASCII, classed from the table once for both.
		r, size := utf8.DecodeRuneInString(line[i:])
		i += size
		b := block(r)
		if check && (size == 1 || !b.plain[r&0xff]) { // as plainText tells what it keeps
			return ts, hs, hf, letters, false
		}
		cls, lower, knd := b.class[r&0xff], b.lower[r&0xff], b.kind[r&0xff]
		// Terms, as terms reads it.
		switch cls {
		case classSeparator:
			if inWord {
				ts = append(ts, hashWord(string(word), 0))
				word, inWord = word[:0], false
			}
			prev, single = -1, false
		case classSpaceless:
			if inWord {
				ts = append(ts, hashWord(string(word), 0))
				word, inWord = word[:0], false
				prev, single = -1, false
			}
			ts, single = appendSpaceless(ts, prev, single, r)
			prev = r
		case classWord:
			if prev >= 0 {
				prev, single = -1, false // inWord is false
			}
			word = utf8.AppendRune(word, lower)
			inWord = true
		default: // symbols such as emoji
			if inWord {
				ts = append(ts, hashWord(string(word), 0))
				word, inWord = word[:0], false
			}
			prev, single = -1, false
			ts = append(ts, b.sym[r&0xff]) // symbolHash(r)
		}
		// The shape and frame of the character.
		s, f, n := runeShape(r, knd)
		letters += n
		hs, hf = mixShape(hs, hf, ps, pf, s, f)
		ps, pf = s, f
	}
	if inWord {
		ts = append(ts, hashWord(string(word), 0))
	}
	return ts, hs, hf, letters, true
}

// letterBytes sets the top bit of each byte of x that is an ASCII letter.
func letterBytes(x uint64) uint64 {
	y := x | highs | 0x20*ones // every top bit set, so no subtraction borrows; letters lowercased
	return (y - 'a'*ones) &^ (y - ('z'+1)*ones) & highs &^ x
}

// letterByte marks the ASCII letters.
var letterByte = func() (t [256]bool) {
	for c := range utf8.RuneSelf {
		t[c] = asciiKind[c] == 'a'
	}
	return t
}()

// asciiShape and asciiFrame are what an ASCII character is in a line's
// shape and frame: letters "a", digits "0" (in the frame "a"), spaces
// themselves (in the frame "a"), punctuation itself.
var asciiShape, asciiFrame = func() (s, f [utf8.RuneSelf]rune) {
	for c := range s {
		s[c], f[c] = rune(c), rune(c)
		switch asciiKind[c] {
		case 'a':
			s[c], f[c] = 'a', 'a'
		case '0':
			s[c], f[c] = '0', 'a'
		case ' ':
			f[c] = 'a'
		}
	}
	return s, f
}()

// asciiKind classes ASCII bytes for line shapes: 'a' letters, '0' digits,
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

// farewellText holds the words that sign off or thank, in the languages
// models most often close in. A message made mostly of them, after the
// substance, is a farewell.
const farewellText = `thank thanks thankful grateful gratitude appreciate appreciated appreciation farewell goodbye
	goodbyes bye journey pleasure honor honored honour honoured privilege cheers warmly wishes heartfelt
	cherish cherished until merci gracias danke adiós adieu tschüss ciao grazie obrigado obrigada arrivederci
	wiedersehen dziękuję bedankt teşekkürler спасибо благодарю свидания прощай прощайте شكرا وداعا धन्यवाद
	शुक्रिया अलविदा תודה להתראות ευχαριστώ αντίο 감사합니다 고맙습니다 안녕히 谢谢 再见 感谢 拜拜
	ありがとう さようなら 🙏 ✨ 💫 🌟 👋 ❤ 💙 💜 🫶 🕊`

// spacelessFarewells are the sign-offs of farewellText in a script
// written without spaces and longer than two characters (ありがとう),
// each as the terms it is read as: pairs of neighbouring characters, as
// plainText folds them (が reads as か). A pair alone is no sign-off (あり
// is in あります, よう in ような): only the whole run of a word's pairs is.
// They are read the first time a message holds a sign-off.
var spacelessFarewells = sync.OnceValue(func() (words [][]uint64) {
	for _, w := range []string{"ありがとう", "さようなら"} {
		words = append(words, terms(nil, plainText(w)))
	}
	return words
})

// signsOff reports whether ts[i] thanks or says goodbye: a term of
// farewellText that is no pair of a spaceless sign-off's characters, or
// one inside the whole sign-off.
func signsOff(ts []uint64, i int) bool {
	return isFarewell(ts[i]) && inSpacelessFarewell(ts, i)
}

// inSpacelessFarewell reports whether ts[i], a term of farewellText, is
// no pair of a spaceless sign-off's characters, or is one inside the whole
// sign-off.
func inSpacelessFarewell(ts []uint64, i int) bool {
	part := false
	for _, w := range spacelessFarewells() {
		for k, p := range w {
			if p != ts[i] {
				continue
			}
			part = true
			if start := i - k; start >= 0 && start+len(w) <= len(ts) && slices.Equal(ts[start:start+len(w)], w) {
				return true
			}
		}
	}
	return !part
}

// farewellHashes are the distinct terms of farewellText, sorted, written
// out: reading the words at run time would fill the character tables of
// a dozen scripts and emoji, about half a millisecond of every check.
// TestFarewellHashes holds them to terms(plainText(farewellText)) and
// prints them anew when the words change.
var farewellHashes = [...]uint64{
	0x015c81546a5bf519, 0x03b0457117663342, 0x05ab19a4af2dbdd9, 0x09c3fa2a21be9ee1,
	0x0ac49080c253b24f, 0x0add9dea98d3bd9e, 0x0e1ba85cf0191537, 0x102f2ae57f40d47e,
	0x10e8108874aeafbc, 0x11bf5f7cd0f816a1, 0x13972d66e0b66281, 0x14975ea49e7f9d39,
	0x1bb31048b9e2ba6a, 0x1ca71e8d3bfabe6c, 0x2289d2d788745e35, 0x238c6e471db09727,
	0x261a6ba18996e52d, 0x286d739833465c58, 0x2b359370a1bd3dfc, 0x2ceb5d5b0c33b077,
	0x2d382ef70f76a74d, 0x2d3add2e1c6c04f0, 0x360865f6199e2135, 0x3747d3facc2949fc,
	0x3c4a19bbc7a8e440, 0x3ffc465dd2765725, 0x43527e50f845dc9d, 0x480fe23838fb70e8,
	0x4a4bd153529a91bb, 0x4ecb4ec134e82879, 0x61967b712be608ff, 0x6264fd0d76593fc0,
	0x63eb07152291edf7, 0x6c6ab46f3285c486, 0x720d6a2ba6eb0df7, 0x792d3aad5c37bf1c,
	0x79a39ca1e0f488f0, 0x7b0644abb6b99e96, 0x7cf2677e2569c6ec, 0x7eded8e49218971f,
	0x803c2b5433fad4c1, 0x809a321eaa6d3e18, 0x83d44adc0b53822b, 0x888561ac38f54091,
	0x8aea828bf45d6199, 0x8e4a27deaf4476c2, 0x900cc4071ca2ef97, 0x912fcca56a72590a,
	0x91cad9921013fc06, 0x93bc8cc0df9d0058, 0x98036d0e68dca777, 0x983a75ad9af2f91b,
	0x9e86f90a791c758e, 0xa3e9eab0161d5452, 0xa541e9b83ccb444b, 0xad5fbeeda3f8d7d9,
	0xae7033b406ed63bf, 0xb1ba4888d9b7ad8b, 0xb1f6d9b5ba517fe1, 0xb26258246db44fd4,
	0xb2735495b5a7aa3e, 0xb3b40ba320161800, 0xb6f6cd106ec640fe, 0xb76b613d5bf963be,
	0xba5129a5132a3e06, 0xbc008ebd38d4c46b, 0xbeaa0e70973184a4, 0xc0b51f4f4cfeb7f0,
	0xc612c6d2a42fe3c5, 0xc8b601ad20a27c7f, 0xcc2297cc1cb02a0d, 0xd3bfdc80f0201b58,
	0xd7a98ee6cc7b5720, 0xdf53f397ff71e3e9, 0xe2d5e00bba697abe, 0xe7bdcf1275c21faa,
	0xeb68821f5beabc32, 0xeed2d329cd34c052, 0xef5d7e7aa43062ea, 0xfe04fccedc44c96d,
}

// farewellFilter has one bit of 4096 set for each of farewellHashes,
// which turns away almost every other word in one lookup; a search of the
// hashes settles the rest.
var farewellFilter = func() (f [4096 / 64]uint64) {
	for _, h := range farewellHashes {
		f[h%4096/64] |= 1 << (h % 64)
	}
	return f
}()

// isFarewell reports whether a term signs off or thanks.
func isFarewell(t uint64) bool {
	if farewellFilter[t%4096/64]&(1<<(t%64)) == 0 {
		return false
	}
	_, ok := slices.BinarySearch(farewellHashes[:], t)
	return ok
}

// signOffs returns the terms of ts that sign off or thank, each as often
// as it occurs and in its order (most messages hold none), appended to
// dst; opening and closing count those in the message's opening and its
// closing, so the first opening of them open the message and the last
// closing close it. The opening is the first slotWords terms and the
// sign-offs that follow them unbroken, the closing the last slotWords and
// those that precede them unbroken: a sign-off read as several terms
// ("ありがとう", four pairs of characters) or a run of them ("🙏✨💫🌟")
// is one place, however many terms it holds.
func signOffs(dst, ts []uint64) (out []uint64, opening, closing int) {
	start, lastOpen := len(dst), -2
	for i, t := range ts {
		if signsOff(ts, i) {
			dst = append(dst, t)
			if i < slotWords || lastOpen == i-1 {
				opening++
				lastOpen = i
			}
		}
	}
	if len(dst) == start {
		return dst, 0, 0
	}
	next := false
	for i := len(ts) - 1; i >= 0; i-- {
		in := (i >= len(ts)-slotWords || next) && signsOff(ts, i)
		if !in && i < len(ts)-slotWords {
			break
		}
		closing += b2i(in)
		next = in
	}
	return dst, opening, closing
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
		if k := kind(r); k == kindLetter || k == kindDigit {
			n++
		}
		i += size
	}
	return n
}

// richness is distinct words over the square root of all the words of the
// last n messages, the newest of which, not yet in prev, holds terms words.
func richness(distinct, terms int, prev []loopMsg, n int) float64 {
	for k := len(prev) - 1; k >= max(0, len(prev)-n+1); k-- {
		terms += prev[k].terms
	}
	if terms == 0 {
		return 0
	}
	return float64(distinct) / math.Sqrt(float64(terms))
}

// speakerUsual reads a speaker's last messages before prev's end, once
// for both of the signals that set a message against its speaker's habit.
// medLen is the median letter count of its last five (-1 when it has
// none). unusual is how many of signOffs, a new message's words that
// thank or say goodbye (its first opening of them open it, its last
// closing close it: see signOffs), are not the speaker's habit, and usual the
// share of such unusual words its messages hold, the median of its last
// thirteen (0 when it has none). A habit is a word the speaker used in
// more than half of those thirteen (a "Thanks!" opening every message),
// or a place: when more than half of them open with a word of thanks or
// goodbye among their first three words (or close with one among their
// last three), any such word there is the habit, whichever it is (a ✨
// one turn and a 🙏 the next, "Merci !" and "Danke!"); so is a closing
// line of its own when more than half of them end with one (closingLine:
// "Warmly," one turn, "Talk soon!" the next), and inLine is how many of
// signOffs the new message's closing line holds. The farewell
// signals count only what a message holds beyond it: a habit raises
// nothing once shown a few times, however short the message it closes,
// while a turn from substance to goodbyes still does, in words all
// through the message, and the median moves only once seven of the
// thirteen say goodbye, by when the loop rule has long weighed the turn.
func speakerUsual(prev []loopMsg, speaker string, signOffs []uint64, opening, closing, inLine int) (medLen, usual float64, unusual int) {
	var (
		lens   [usualLengthOf]int
		shares [usualFarewellOf]float64
		mine   [usualFarewellOf]int32
	)
	n, zeros, opens, closes, lines := 0, 0, 0, 0, 0
	for k := len(prev) - 1; k >= 0 && n < usualFarewellOf; k-- {
		if prev[k].speaker == speaker {
			if n < usualLengthOf {
				lens[n] = prev[k].letters
			}
			shares[n] = prev[k].unusual
			mine[n] = int32(k)
			zeros += b2i(shares[n] == 0)
			opens += b2i(prev[k].opens)
			closes += b2i(prev[k].closes)
			lines += b2i(prev[k].endsLine)
			n++
		}
	}
	opensHabit, closesHabit, linesHabit := 2*opens > n, 2*closes > n, 2*lines > n
	for j, t := range signOffs {
		if opensHabit && j < opening || closesHabit && j >= len(signOffs)-closing || linesHabit && j >= len(signOffs)-inLine ||
			habitual(t, prev, mine[:n]) {
			continue
		}
		unusual++
	}
	if n == 0 {
		return -1, 0, unusual
	}
	ls := lens[:min(n, usualLengthOf)]
	slices.Sort(ls)
	medLen = float64(ls[len(ls)/2])
	if 2*zeros > n {
		return medLen, 0, unusual // most say nothing unusual: no need to sort
	}
	sh := shares[:n]
	slices.Sort(sh)
	return medLen, sh[n/2], unusual
}

// closingLine is the number of terms of text's closing, 0 when it has
// none: a last line of its own, after others, of at most slotWords terms
// ("Warmly,", "Talk soon!", "— Aria", "Cheers! [END]"), whatever its
// words, that holds a letter or digit besides end marks; and, when the
// line right above it is one such line too, with more above that, that
// line as well: a letter's closing, "Best,\nAria".
func closingLine(text, token string) int {
	t := strings.TrimRight(text, " \t\r\n")
	n, at := shortLastLine(t, token)
	if n == 0 {
		return 0
	}
	// A blank line above leaves nothing of the line above to take.
	above, _ := shortLastLine(strings.TrimRight(t[:at], " \t\r"), token)
	return n + above
}

// shortLastLine is the number of terms of t's last line, and the offset
// of the line break before it, when the line is a closing line (see
// closingLine) with something besides space above it; 0 otherwise.
func shortLastLine(t, token string) (n, at int) {
	i := strings.LastIndexByte(t, '\n')
	if i < 0 || len(t)-i > closingLineBytes || strings.TrimSpace(t[:i]) == "" {
		return 0, 0
	}
	last := t[i+1:]
	var room [8]uint64 // a line of more terms takes room of its own, rarely
	n = len(terms(room[:0], last))
	if n == 0 || n > slotWords {
		return 0, 0
	}
	if _, markLetters, _ := endMarks(last, token); lettersBesides(last, "") <= markLetters {
		return 0, 0
	}
	return n, i
}

// closingLineBytes is the longest a closing line may be: longer, it is
// no line of a few words.
const closingLineBytes = 64

// habitual reports whether the sign-off word t is a speaker's habit: it
// is in more than half of mine, the speaker's last messages (indexes into
// prev).
func habitual(t uint64, prev []loopMsg, mine []int32) bool {
	in := 0
	for _, k := range mine {
		if slices.Contains(prev[k].signOffs, t) {
			in++
		}
	}
	return 2*in > len(mine)
}

// slotWords is how many of a message's first words make its opening, and
// of its last its closing, for a habit of signing off there.
const slotWords = 3

// usualLengthOf and usualFarewellOf are how many of a speaker's last
// messages speakerUsual takes the median length and the median share of
// thanks of.
const (
	usualLengthOf   = 5
	usualFarewellOf = 13
)

// loopSignals computes the feature vector of lm, the message msg, from
// the messages before it. lm holds its speaker, distinct words (in any
// order), distinct line shapes, frames (in any order) and letters, all of
// them, the end token's too; text is its plain text
// (plainText), ts its terms, stale the number of its distinct words the
// last six messages used and fresh of those no message before used; echo
// and selfShare the shares of them that other (the other side's last
// message) and self (its speaker's) used; distinct6 and distinct12 the
// distinct words of the last six and twelve messages, this one included;
// set is room to compare line shapes in, and x, zeroed, room for the
// vector.
func loopSignals(lm loopMsg, msg *transcripts.Message, text string, ts []uint64, stale, fresh int, echo, selfShare float64,
	distinct6, distinct12 int, prev []loopMsg, self, other *loopMsg, token string, refusal bool, set *hashSet, x []float64) loopMsg {
	marks, markLetters, spelled := endMarks(text, token)
	hasToken := marks > 0
	if hasToken {
		lm.mark = spelled
		if utf8.ValidString(token) {
			// Each end mark takes its letters away: a token that is
			// valid UTF-8 (as every other spelling of [END] is) starts
			// no character that the bytes before it could have begun,
			// so the rest reads the same without it.
			lm.letters -= markLetters
		} else {
			lm.letters = lettersBesides(text, token)
		}
	}
	if len(lm.words) > 0 {
		x[fStaleWords] = float64(stale) / float64(len(lm.words))
		x[fNewWords] = float64(fresh) / float64(len(lm.words))
	} else {
		x[fStaleWords] = 1
	}
	x[fEchoWords], x[fSelfWords] = echo, selfShare
	if self != nil {
		x[fTemplate] = set.share(lm.shapes, self.shapes)
		x[fFrame] = set.share(lm.frames, self.frames)
	}
	var opening, closing int
	lm.signOffs, opening, closing = signOffs(nil, ts)
	lm.opens, lm.closes = opening > 0, closing > 0
	inLine := 0 // its sign-offs in its closing line
	if k := closingLine(text, token); k > 0 {
		lm.endsLine = true
		if len(lm.signOffs) > 0 {
			for i := max(0, len(ts)-k); i < len(ts); i++ {
				inLine += b2i(signsOff(ts, i))
			}
		}
	}
	medLen, usualShare, unusual := speakerUsual(prev, msg.Speaker, lm.signOffs, opening, closing, inLine)
	if medLen >= 0 {
		x[fLenRatio] = math.Log((float64(lm.letters) + 4) / (medLen + 4))
	}
	if lm.letters < 16 {
		x[fTiny] = 1
	}
	if hasToken {
		x[fEndToken] = 1
	}
	if len(ts) > 0 {
		lm.thanks = float64(len(lm.signOffs)) / float64(len(ts))
		lm.unusual = float64(unusual) / float64(len(ts))
	}
	if medLen >= 0 {
		// A speaker's first message has no habit to be set against: a
		// model that opens with thanks may thank at every turn.
		x[fFarewell] = max(0, lm.unusual-usualShare)
	}
	if refusal {
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
			q := prev[j].x
			rut += max(q[fTemplate], q[fFrame])
			k++
		}
	}
	x[fSelfRut] = rut / float64(k)
	x[fBothSelfWords], x[fBothFarewell] = x[fSelfWords], x[fFarewell]
	if other != nil {
		x[fOtherRut] = other.x[fSelfRut]
		x[fBothRut] = min(x[fSelfRut], x[fOtherRut])
		x[fBothSelfWords] = min(x[fSelfWords], other.x[fSelfWords])
		x[fBothFarewell] = min(x[fFarewell], other.x[fFarewell])
	}
	x[fRichness6] = richness(distinct6, lm.terms, prev, 6)
	x[fRichness12] = richness(distinct12, lm.terms, prev, 12)
	lm.x = x
	return lm
}
