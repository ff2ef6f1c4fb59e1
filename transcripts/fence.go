package transcripts

import "strings"

// Models write code blocks, and a code block may hold a line that looks
// like a speaker's label, a heading or a "---" line: a transcript format
// shown as an example, a dict whose key is a speaker's name. Such a line
// inside a fenced block (``` or ~~~) is the message's text, not the start
// of another message.
//
// A reader cannot simply skip fenced lines, though: models also open a
// fence and never close it, and a fence left open in one message would
// then pair with one in a later message and hide every message between.
// So each reader reads a file as it is, and reads it again with fenced
// lines skipped only when the first reading shows what a label inside a
// fence causes: the same speaker twice in a row. The second reading is
// taken when it has fewer such repeats, and removes about one for each
// label it hid (betterSkipping); hiding messages that took turns removes
// none.
//
// Before that, the labelled and the headed readers take an example log
// out of the reading (quotedLog): labels or headings inside code blocks
// whose names are heard only there, or which open no paragraph where every
// speaker's outside the blocks does. An example log of the speakers' own
// names taking turns repeats no speaker, and is found so; a fence paired
// wrongly hides labels of names heard outside that open paragraphs as the
// others do, and those are kept.

// fencedLines marks the lines of fenced code blocks, the fences included:
// a line of three or more backticks or tildes (after at most three
// spaces; backticks may be followed by an info string), closed by a line
// of the same mark at least as long, with nothing after it. A block that
// is never closed is not marked: where it ends is not known.
func fencedLines(lines []string) []bool {
	var fenced []bool
	f := newFences()
	for i, l := range lines {
		if at, closed := f.see(trimLineEnd(l), i); closed {
			if fenced == nil {
				fenced = make([]bool, len(lines))
			}
			for k := at; k <= i; k++ {
				fenced[k] = true
			}
		}
	}
	return fenced
}

// fencedSpans gives the fenced blocks of s as fencedLines marks them,
// each as the offsets of its opening line's start and its closing line's
// end. It reads only the lines that hold a fence's mark, so the headed
// reader tells whether a heading lies in a block without splitting s into
// lines.
func fencedSpans(s string) [][2]int {
	var spans [][2]int
	f := newFences()
	next := [2]int{-1, -1} // the next "```" and "~~~" at or after at (-1: not searched)
	for at := 0; at < len(s); {
		i := -1
		for k, m := range [2]string{"```", "~~~"} {
			if next[k] != -2 && next[k] < at {
				if j := strings.Index(s[at:], m); j >= 0 {
					next[k] = at + j
				} else {
					next[k] = -2 // none left
				}
			}
			if next[k] >= 0 && (i < 0 || next[k] < i) {
				i = next[k]
			}
		}
		if i < 0 {
			break
		}
		start := strings.LastIndexByte(s[:i], '\n') + 1
		end := strings.IndexByte(s[i:], '\n')
		if end < 0 {
			end = len(s)
		} else {
			end += i
		}
		at = end + 1
		if open, closed := f.see(trimLineEnd(s[start:end]), start); closed {
			spans = append(spans, [2]int{open, end})
		}
	}
	return spans
}

// fences follows the fenced blocks of a text one line at a time, for
// fencedLines and fencedSpans alike.
type fences struct {
	open int  // where the open block's fence is; -1 when none is open
	mark byte // its mark, ` or ~
	size int  // how many of it the fence has
}

func newFences() fences { return fences{open: -1} }

// see reads the line t (its end trimmed), found at pos (a line's number
// or its offset): a fence opens a block, and one of the open block's
// mark, at least as long and with nothing after it, closes it. When t
// closes a block, see returns where the block opened.
func (f *fences) see(t string, pos int) (opened int, closed bool) {
	indent := len(t) - len(strings.TrimLeft(t, " "))
	if indent > 3 {
		return 0, false
	}
	t = t[indent:]
	n := 0
	for n < len(t) && (t[n] == '`' || t[n] == '~') && t[n] == t[0] {
		n++
	}
	if n < 3 {
		return 0, false
	}
	switch {
	case f.open < 0:
		if t[0] == '`' && strings.Contains(t[n:], "`") {
			return 0, false // inline code, not a fence
		}
		f.open, f.mark, f.size = pos, t[0], n
	case t[0] == f.mark && n >= f.size && n == len(t):
		opened = f.open
		f.open = -1
		return opened, true
	}
	return 0, false
}

// mayHoldFences reports, cheaply, whether text could hold a fenced block.
func mayHoldFences(text string) bool {
	return strings.Contains(text, "```") || strings.Contains(text, "~~~")
}

// repeats counts the speakers that follow themselves in names.
func repeats(names []string) int {
	n := 0
	for k := 1; k < len(names); k++ {
		if names[k] == names[k-1] {
			n++
		}
	}
	return n
}

// betterSkipping reports whether a reading with some lines skipped (the
// fenced ones, or labels inside paragraphs; fenced is its speakers in
// order) is to be taken over the plain one: it
// has fewer repeats, and it removed at least one for every two labels it
// hid, as labels inside fences do, where a fence paired wrongly hides
// messages that took turns; and the plain reading has two speakers.
func betterSkipping(plain, fenced []string) bool {
	if len(fenced) == 0 || !twoSpeakers(plain) {
		// With one name on every message (a model staged against
		// itself), every message follows itself: that tells nothing.
		return false
	}
	hid := len(plain) - len(fenced)
	removed := repeats(plain) - repeats(fenced)
	return removed > 0 && 2*removed >= hid
}

// twoSpeakers reports whether names holds two different names.
func twoSpeakers(names []string) bool {
	for _, n := range names {
		if n != names[0] {
			return true
		}
	}
	return false
}
