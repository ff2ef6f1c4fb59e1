package tui

import (
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
	"github.com/rivo/uniseg"

	"github.com/parleyhq/parley/internal/controls"
	"github.com/parleyhq/parley/internal/lazy"
)

// This file is the view's Markdown renderer. It covers what model replies
// use: ATX headings, bullet and numbered lists (nested, with hanging
// indents), bold, italic, inline code, fenced code, block quotes, rules,
// tables (lines starting with "|", laid out in columns) and links (shown
// as their text).
// Anything else shows as written. Every line it returns fits the width it
// is given, counting wide characters and emoji as two cells.
//
// It is line-local by design: the rendering of text split at a blank line
// outside a code fence is the rendering of each part joined by one blank
// line. That lets the live view render a streaming message a paragraph at
// a time, each paragraph once, and get the same lines the finished message
// gets.

var (
	reHeading = lazy.Regexp(`^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$`)
	reRule    = lazy.Regexp(`^ {0,3}(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$`)
	reItem    = lazy.Regexp(`^( *)([-*+]|\d{1,9}[.)])[ \t]+(.*)$`)
	reQuote   = lazy.Regexp(`^ {0,3}>[ ]?(.*)$`)
	reFence   = lazy.Regexp("^ {0,3}(```+|~~~+)")
)

// seg is a piece of text in one inline style.
type seg struct {
	text string
	mask int
}

// para is a paragraph being gathered: its text, how its first and other
// lines begin, and its base style.
type para struct {
	parts       []string // source lines; "\n" entries are hard breaks
	first, rest string   // styled prefixes
	prefixW     int
	mask        int
	depth       int // a quote's: how many quotes it is inside
	open        bool
}

// renderMarkdown renders src to lines no wider than width.
func (s *styles) renderMarkdown(src string, width int) []string {
	width = max(width, 4)
	src = sanitize(src)
	var out []string
	var p para
	blank := func() {
		if len(out) > 0 && out[len(out)-1] != "" {
			out = append(out, "")
		}
	}
	flush := func() {
		if !p.open {
			return
		}
		text := strings.TrimSuffix(strings.Join(p.parts, ""), "\n")
		out = s.wrapRuns(out, parseInline(text, p.mask, nil), width, p.first, p.rest, p.prefixW)
		p = para{}
	}
	start := func(first, rest string, prefixW, mask int) {
		flush()
		p = para{first: first, rest: rest, prefixW: prefixW, mask: mask, open: true}
	}
	lines := strings.Split(src, "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if strings.TrimSpace(line) == "" {
			flush()
			blank()
			continue
		}
		lead := strings.TrimLeft(line, " ")[0]
		if m := maybe(lead, "`~", reFence(), line); m != nil {
			flush()
			fence := m[1]
			for i++; i < len(lines); i++ {
				l := lines[i]
				if closesFence(l, fence) {
					break
				}
				out = s.hardwrap(out, l, width, "  ", sCode)
			}
			continue
		}
		if m := maybe(lead, "#", reHeading(), line); m != nil {
			flush()
			out = s.wrapRuns(out, parseInline(m[2], sHeading, nil), width, "", "", 0)
			continue
		}
		if maybe(lead, "*-_", reRule(), line) != nil {
			flush()
			out = append(out, s.paint(sDim, strings.Repeat("─", width)))
			continue
		}
		if m := maybe(lead, "-*+0123456789", reItem(), line); m != nil {
			indent := min(len(m[1]), width/2)
			marker := bullet(m[2])
			pad := strings.Repeat(" ", indent)
			w := indent + ansi.StringWidth(marker) + 1
			start(pad+s.paint(sBullet, marker)+" ", strings.Repeat(" ", w), w, 0)
			p.parts = append(p.parts, hardBreak(m[3]))
			continue
		}
		if m := maybe(lead, ">", reQuote(), line); m != nil {
			// A quote inside a quote takes a bar more; a list item in
			// a quote is a list item there.
			depth, text := 1, m[1]
			for strings.HasPrefix(text, ">") {
				depth, text = depth+1, reQuote().FindStringSubmatch(text)[1]
			}
			bar := strings.Repeat(s.paint(sDim, "│")+" ", depth)
			if item := reItem().FindStringSubmatch(text); item != nil {
				marker := bullet(item[2])
				w := ansi.StringWidth(marker) + 1
				start(bar+s.paint(sBullet, marker)+" ", bar+strings.Repeat(" ", w), 2*depth+w, sQuote)
				p.depth, text = depth, item[3]
			} else if !p.open || p.mask != sQuote || p.depth != depth {
				start(bar, bar, 2*depth, sQuote)
				p.depth = depth
			}
			p.parts = append(p.parts, hardBreak(text))
			continue
		}
		if lead == '|' {
			flush()
			j := i + 1
			for j < len(lines) && strings.HasPrefix(strings.TrimLeft(lines[j], " "), "|") {
				j++
			}
			out = s.renderTable(out, lines[i:j], width)
			i = j - 1
			continue
		}
		if !p.open {
			indent := min(len(line)-len(strings.TrimLeft(line, " ")), width/2)
			pad := strings.Repeat(" ", indent)
			start(pad, pad, indent, 0)
		}
		p.parts = append(p.parts, hardBreak(strings.TrimLeft(line, " ")))
	}
	flush()
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return out
}

// bullet is how a list item's marker is shown: "-", "*" and "+" as a
// bullet, a number as written.
func bullet(marker string) string {
	if marker == "-" || marker == "*" || marker == "+" {
		return "•"
	}
	return marker
}

// maybe runs re on line only when the line's first non-space byte is one
// that can start a match: most lines are plain text.
func maybe(lead byte, starts string, re *regexp.Regexp, line string) []string {
	if strings.IndexByte(starts, lead) < 0 {
		return nil
	}
	return re.FindStringSubmatch(line)
}

// hardBreak marks the end of a line of a paragraph as a line break. Chat
// text is written line by line (a poem, a listing, a reply of one item a
// line) and shown so, as chat interfaces show it, where Markdown proper
// would join the lines; the two spaces or backslash with which Markdown
// asks for a break are taken off.
func hardBreak(l string) string {
	return strings.TrimSuffix(strings.TrimRight(l, " "), "\\") + "\n"
}

// renderRaw renders src as written: the spaces inside a line kept as
// they are and a tab taken to the next tab stop (sanitize), so columns a
// table or a listing lines up stay lined up, code fences or not. A line
// wider than width is word-wrapped, at a run of spaces (which the break
// takes the place of) where it has one, its indentation kept on every
// line; spaces that end a line are not shown.
func (s *styles) renderRaw(src string, width int) []string {
	width = max(width, 4)
	src = sanitize(src)
	var out []string
	for _, line := range strings.Split(src, "\n") {
		line = strings.TrimRight(line, " ")
		trimmed := strings.TrimLeft(line, " ")
		if trimmed == "" {
			out = append(out, "")
			continue
		}
		indent := min(len(line)-len(trimmed), width/2)
		out = wrapSpaced(out, trimmed, width-indent, strings.Repeat(" ", indent))
	}
	return out
}

// wrapSpaced lays out text, one line with no line break, in lines of at
// most avail cells after pad: words keep the runs of spaces between them,
// but for the run where a line breaks, and a word wider than a line is
// split between graphemes.
func wrapSpaced(out []string, text string, avail int, pad string) []string {
	var b strings.Builder
	w := 0
	emit := func() {
		out = append(out, pad+b.String())
		b.Reset()
		w = 0
	}
	for text != "" {
		gap := len(text) - len(strings.TrimLeft(text, " "))
		text = text[gap:]
		k := strings.IndexByte(text, ' ')
		if k < 0 {
			k = len(text)
		}
		word := text[:k]
		text = text[k:]
		ww := textWidth(word)
		switch {
		case b.Len() > 0 && w+gap+ww <= avail:
			b.WriteString(strings.Repeat(" ", gap))
			b.WriteString(word)
			w += gap + ww
		case ww <= avail:
			if b.Len() > 0 {
				emit()
			}
			b.WriteString(word)
			w = ww
		default: // wider than a line: split between graphemes
			if b.Len() > 0 {
				emit()
			}
			g := uniseg.NewGraphemes(word)
			for g.Next() {
				c := g.Str()
				cw := ansi.StringWidth(c)
				if w+cw > avail && w > 0 {
					emit()
				}
				b.WriteString(c)
				w += cw
			}
		}
	}
	if b.Len() > 0 {
		emit()
	}
	return out
}

// parseInline splits Markdown inline text into styled pieces: `code`,
// **bold**, *italic* (and the _ forms), with backslash escapes.
//
// Finding where a mark closes scans the text after it, and a mark that
// never closes scans to the end: a paragraph of such marks ("[[[[…",
// "*a *a *a …", which a model stuck repeating itself writes for pages)
// would cost a scan each, seconds for a hundred kilobytes. The scans of
// one paragraph share a budget of scanFuel bytes for each byte of it;
// once it is spent, a mark whose end is not yet found shows as written.
func parseInline(text string, base int, out []seg) []seg {
	in := inline{fuel: scanFuel*len(text) + 4<<10}
	return in.parse(text, base, out)
}

// scanFuel is the bytes the marks of a paragraph may scan for their ends,
// for each byte it holds: as many scans of the whole paragraph as that,
// far more than prose with a few unclosed marks needs.
const scanFuel = 32

// inline is one paragraph's parse: the scanning it has left.
type inline struct{ fuel int }

// index is strings.Index(s, sep), or -1 once the budget is spent.
func (in *inline) index(s, sep string) int {
	if in.fuel <= 0 {
		return -1
	}
	j := strings.Index(s, sep)
	if j < 0 {
		in.fuel -= len(s)
	} else {
		in.fuel -= j + len(sep)
	}
	return j
}

// indexAny is strings.IndexAny(s, chars), or -1 once the budget is spent.
func (in *inline) indexAny(s, chars string) int {
	if in.fuel <= 0 {
		return -1
	}
	j := strings.IndexAny(s, chars)
	if j < 0 {
		in.fuel -= len(s)
	} else {
		in.fuel -= j + 1
	}
	return j
}

func (in *inline) parse(text string, base int, out []seg) []seg {
	var plain strings.Builder
	emit := func() {
		if plain.Len() > 0 {
			out = append(out, seg{text: plain.String(), mask: base})
			plain.Reset()
		}
	}
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case c == '\\' && i+1 < len(text) && strings.IndexByte("\\`*_{}[]()#+-.!|>~", text[i+1]) >= 0:
			plain.WriteByte(text[i+1])
			i += 2
			continue
		case c == '`' && base&sCode == 0:
			n := runLen(text, i)
			if j := in.index(text[i+n:], text[i:i+n]); j >= 0 {
				emit()
				code := text[i+n : i+n+j]
				if len(code) > 2 && code[0] == ' ' && code[len(code)-1] == ' ' {
					code = code[1 : len(code)-1]
				}
				out = append(out, seg{text: code, mask: base | sCode})
				i += n + j + n
				continue
			}
			plain.WriteString(text[i : i+n])
			i += n
			continue
		case c == '~' && strings.HasPrefix(text[i:], "~~"):
			// ~~struck~~ shows its text, without the marks.
			if j := in.index(text[i+2:], "~~"); j > 0 && !isSpace(text[i+2]) {
				emit()
				out = in.parse(text[i+2:i+2+j], base|sDim, out)
				i += 2 + j + 2
				continue
			}
			plain.WriteString("~~")
			i += 2
			continue
		case c == '<' && (strings.HasPrefix(text[i:], "<http://") || strings.HasPrefix(text[i:], "<https://")):
			// <https://…> shows the address, without its brackets.
			if j := in.indexAny(text[i+1:], "> \t"); j > 0 && text[i+1+j] == '>' {
				emit()
				out = append(out, seg{text: text[i+1 : i+1+j], mask: base | sLink})
				i += j + 2
				continue
			}
			plain.WriteByte(c)
			i++
			continue
		case c == '[' || c == '!' && i+1 < len(text) && text[i+1] == '[':
			// [text](url) shows as its text, ![alt](src) as its alt text.
			open := i + 1
			if c == '!' {
				open++
			}
			if label, end := in.link(text, open); end > 0 {
				emit()
				out = in.parse(label, base|sLink, out)
				i = end
				continue
			}
			plain.WriteByte(c)
			i++
			continue
		case c == '*' || c == '_':
			n := runLen(text, i)
			if n <= 3 && canOpen(text, i, n) {
				if j := in.findClose(text, i+n, c, n); j >= 0 {
					emit()
					m := base | sItalic
					switch n {
					case 2:
						m = base | sBold
					case 3:
						m = base | sBold | sItalic
					}
					out = in.parse(text[i+n:j], m, out)
					i = j + n
					continue
				}
			}
			plain.WriteString(text[i : i+n])
			i += n
			continue
		}
		plain.WriteByte(c)
		i++
	}
	emit()
	return out
}

// link reads a link whose label starts after the '[' at open-1: it
// returns the label and where the link ends, or an end of 0 when
// text[open-1:] is not "[label](destination)". Brackets and parentheses
// nest; a backslash escapes the character after it.
func (in *inline) link(text string, open int) (string, int) {
	close := in.matching(text, open, '[', ']')
	if close >= 0 && close+1 < len(text) && text[close+1] == '[' && (open < 2 || !isWordByte(text[open-2])) {
		// A reference link, [text][1]: its text. Not "m[i][j]", an index
		// written in prose.
		if end := in.matching(text, close+2, '[', ']'); end >= 0 && end-(close+2) <= 20 && refLabel(text[close+2:end]) {
			return text[open:close], end + 1
		}
	}
	if close < 0 || close+1 >= len(text) || text[close+1] != '(' {
		return "", 0
	}
	end := in.matching(text, close+2, '(', ')')
	if end < 0 {
		return "", 0
	}
	return text[open:close], end + 1
}

// refLabel reports whether s can name a link's reference: letters,
// digits, spaces, "-" and "_" (none, too: "[text][]").
func refLabel(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isWordByte(s[i]) && s[i] != ' ' && s[i] != '-' {
			return false
		}
	}
	return true
}

// matching finds the closer of a bracket opened just before from, or -1.
func (in *inline) matching(text string, from int, opener, closer byte) int {
	if in.fuel <= 0 {
		return -1
	}
	depth := 1
	for j := from; j < len(text); j++ {
		switch text[j] {
		case '\\':
			j++
		case opener:
			depth++
		case closer:
			if depth--; depth == 0 {
				in.fuel -= j + 1 - from
				return j
			}
		}
	}
	in.fuel -= len(text) - from
	return -1
}

func runLen(s string, i int) int {
	n := 1
	for i+n < len(s) && s[i+n] == s[i] {
		n++
	}
	return n
}

func isSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\n' }

func isWordByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b >= 0x80
}

func canOpen(s string, i, n int) bool {
	if i+n >= len(s) || isSpace(s[i+n]) {
		return false
	}
	return s[i] != '_' || i == 0 || !isWordByte(s[i-1])
}

// findClose finds a closing run of exactly n c's from position from, or
// -1.
func (in *inline) findClose(s string, from int, c byte, n int) int {
	if in.fuel <= 0 {
		return -1
	}
	j := from
	defer func() { in.fuel -= j - from }()
	for j < len(s) {
		if s[j] != c {
			if s[j] == '`' { // code spans bind tighter
				m := runLen(s, j)
				if k := in.index(s[j+m:], s[j:j+m]); k >= 0 {
					j += m + k + m
					continue
				}
			}
			j++
			continue
		}
		m := runLen(s, j)
		if m >= n && j > from && !isSpace(s[j-1]) && (c != '_' || j+m >= len(s) || !isWordByte(s[j+m])) {
			if m == n {
				return j
			}
			if m <= 3 && strings.IndexByte(s[from:j], c) >= 0 {
				// A longer run closes an emphasis opened inside this one
				// too: "**Ideas in *Consciousness Explained***". Its last
				// n marks are this one's.
				return j + m - n
			}
		}
		j += m
	}
	return -1
}

// word is a run of pieces with no space between them: segs[from:to].
type word struct {
	from, to int
	width    int
	brk      bool // a hard line break, not a word
}

// textWidth is the width of plain text in cells; ASCII is one a byte.
func textWidth(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return ansi.StringWidth(s)
		}
	}
	return len(s)
}

// wrapRuns lays styled pieces out in lines of at most width cells: the
// first line starts with first, the others with rest, both prefixW wide.
func (s *styles) wrapRuns(out []string, runs []seg, width int, first, rest string, prefixW int) []string {
	if prefixW >= width { // too narrow for the indent: keep one cell for text
		first, rest = ansi.Truncate(first, width-1, ""), ansi.Truncate(rest, width-1, "")
		prefixW = width - 1
	}
	avail := max(width-prefixW, 1)
	segs := make([]seg, 0, len(runs)*4)
	var words []word
	cur := word{}
	end := func() {
		cur.to = len(segs)
		if cur.to > cur.from {
			words = append(words, cur)
		}
		cur = word{from: len(segs)}
	}
	for _, r := range runs {
		t := r.text
		for t != "" {
			k := strings.IndexAny(t, " \n")
			piece := t
			if k >= 0 {
				piece = t[:k]
			}
			if piece != "" {
				segs = append(segs, seg{text: piece, mask: r.mask})
				cur.width += textWidth(piece)
			}
			if k < 0 {
				break
			}
			end()
			if t[k] == '\n' {
				words = append(words, word{brk: true})
			}
			t = t[k+1:]
		}
	}
	end()

	var line []seg
	lineW := 0
	prefix := first
	emit := func() {
		out = append(out, prefix+s.paintSegs(line))
		line, lineW, prefix = line[:0], 0, rest
	}
	add := func(w word, space bool) {
		if space {
			mask := 0
			if last := line[len(line)-1].mask; last == segs[w.from].mask {
				mask = last // a space inside a styled phrase keeps its style
			}
			line = append(line, seg{text: " ", mask: mask})
			lineW++
		}
		line = append(line, segs[w.from:w.to]...)
		lineW += w.width
	}
	for _, w := range words {
		switch {
		case w.brk:
			emit()
		case lineW > 0 && lineW+1+w.width <= avail:
			add(w, true)
		case w.width <= avail:
			if lineW > 0 {
				emit()
			}
			add(w, false)
		default: // wider than a line: split between graphemes
			if lineW > 0 {
				emit()
			}
			for _, sg := range segs[w.from:w.to] {
				g := uniseg.NewGraphemes(sg.text)
				var b strings.Builder
				for g.Next() {
					c := g.Str()
					cw := ansi.StringWidth(c)
					if lineW+cw > avail && lineW > 0 {
						if b.Len() > 0 {
							line = append(line, seg{text: b.String(), mask: sg.mask})
							b.Reset()
						}
						emit()
					}
					b.WriteString(c)
					lineW += cw
				}
				if b.Len() > 0 {
					line = append(line, seg{text: b.String(), mask: sg.mask})
				}
			}
		}
	}
	if lineW > 0 || len(words) == 0 || words[len(words)-1].brk {
		emit()
	}
	return out
}

// paintSegs renders pieces, one style sequence per run of equal style.
func (s *styles) paintSegs(segs []seg) string {
	var b strings.Builder
	for i := 0; i < len(segs); {
		j := i + 1
		text := segs[i].text
		if j < len(segs) && segs[j].mask == segs[i].mask {
			var t strings.Builder
			t.WriteString(text)
			for ; j < len(segs) && segs[j].mask == segs[i].mask; j++ {
				t.WriteString(segs[j].text)
			}
			text = t.String()
		}
		b.WriteString(s.paint(segs[i].mask, text))
		i = j
	}
	return b.String()
}

// minColumn is the narrowest a table's column is squeezed to (unless its
// cells are narrower): a short word's width.
const minColumn = 5

// renderTable lays out the rows of a table (lines starting with "|") in
// columns no wider than width together: a second row of dashes makes the
// first a header and sets each column's alignment; cells too wide for
// their column wrap inside it. A table whose columns do not fit at
// minColumn cells each (or their cells' own width, when narrower) is
// shown as written.
func (s *styles) renderTable(out []string, rows []string, width int) []string {
	var cells [][]string
	aligns := []byte(nil)
	header := false
	for i, r := range rows {
		cs := splitRow(r)
		if i == 1 && isDelimiterRow(cs) {
			header = true
			for _, c := range cs {
				c = strings.TrimSpace(c)
				a := byte('l')
				switch {
				case strings.HasPrefix(c, ":") && strings.HasSuffix(c, ":"):
					a = 'c'
				case strings.HasSuffix(c, ":"):
					a = 'r'
				}
				aligns = append(aligns, a)
			}
			continue
		}
		cells = append(cells, cs)
	}
	n := 0
	for _, cs := range cells {
		n = max(n, len(cs))
	}
	avail := width - 3*(n-1)
	raw := func() []string {
		for _, r := range rows {
			out = s.hardwrap(out, r, width, "", 0)
		}
		return out
	}
	if n == 0 || avail < 2*n { // a column holds a wide character at least
		return raw()
	}
	// Each cell's styled pieces, and each column's natural width.
	runs := make([][][]seg, len(cells))
	natural := make([]int, n)
	for i, cs := range cells {
		runs[i] = make([][]seg, n)
		for j := range n {
			if j >= len(cs) {
				continue
			}
			mask := 0
			if header && i == 0 {
				mask = sBold
			}
			runs[i][j] = parseInline(strings.TrimSpace(cs[j]), mask, nil)
			w := 0
			for _, r := range runs[i][j] {
				w += textWidth(r.text)
			}
			natural[j] = max(natural[j], w)
		}
	}
	// Columns squeezed narrower than a short word break every word: the
	// rows as written read better then.
	need := 0
	for _, w := range natural {
		need += min(w, minColumn)
	}
	if avail < need {
		return raw()
	}
	// Narrow columns keep their width; the others share what is left.
	cols := make([]int, n)
	order := make([]int, n)
	for j := range order {
		order[j] = j
	}
	slices.SortStableFunc(order, func(a, b int) int { return natural[a] - natural[b] })
	left := avail
	for k, j := range order {
		cols[j] = max(1, min(natural[j], left/(n-k)))
		left -= cols[j]
	}
	sep := s.paint(sDim, " │ ")
	for i := range cells {
		wrapped := make([][]string, n)
		height := 1
		for j := range n {
			wrapped[j] = s.wrapRuns(nil, runs[i][j], cols[j], "", "", 0)
			height = max(height, len(wrapped[j]))
		}
		for l := range height {
			var b strings.Builder
			for j := range n {
				if j > 0 {
					b.WriteString(sep)
				}
				cell := ""
				if l < len(wrapped[j]) {
					cell = wrapped[j][l]
				}
				pad := max(cols[j]-ansi.StringWidth(cell), 0)
				a := byte('l')
				if j < len(aligns) {
					a = aligns[j]
				}
				switch a {
				case 'r':
					b.WriteString(strings.Repeat(" ", pad) + cell)
				case 'c':
					b.WriteString(strings.Repeat(" ", pad/2) + cell + strings.Repeat(" ", pad-pad/2))
				default:
					if j < n-1 {
						cell += strings.Repeat(" ", pad)
					}
					b.WriteString(cell)
				}
			}
			out = append(out, strings.TrimRight(b.String(), " "))
		}
		if header && i == 0 {
			parts := make([]string, n)
			for j, w := range cols {
				parts[j] = strings.Repeat("─", w)
			}
			out = append(out, s.paint(sDim, strings.Join(parts, "─┼─")))
		}
	}
	return out
}

// splitRow splits a table row into its cells' text, at the pipes outside
// code spans that no backslash escapes.
func splitRow(r string) []string {
	r = strings.TrimSpace(r)
	r = strings.TrimPrefix(r, "|")
	if strings.HasSuffix(r, "|") && !strings.HasSuffix(r, "\\|") {
		r = r[:len(r)-1]
	}
	var cells []string
	start, code := 0, false
	for i := 0; i < len(r); i++ {
		switch r[i] {
		case '\\':
			i++
		case '`':
			code = !code
		case '|':
			if !code {
				cells = append(cells, r[start:i])
				start = i + 1
			}
		}
	}
	return append(cells, r[start:])
}

// isDelimiterRow reports whether cells are a table's header delimiter:
// each dashes, with a colon at either end for alignment.
func isDelimiterRow(cells []string) bool {
	for _, c := range cells {
		c = strings.Trim(strings.TrimSpace(c), ":")
		if c == "" || strings.Trim(c, "-") != "" {
			return false
		}
	}
	return len(cells) > 0
}

// hardwrap cuts a line into pieces of at most width cells, keeping spaces,
// for code and tables.
func (s *styles) hardwrap(out []string, line string, width int, prefix string, mask int) []string {
	avail := max(width-ansi.StringWidth(prefix), 1)
	if line == "" {
		return append(out, prefix)
	}
	g := uniseg.NewGraphemes(line)
	var b strings.Builder
	w := 0
	for g.Next() {
		c := g.Str()
		cw := ansi.StringWidth(c)
		if w+cw > avail && w > 0 {
			out = append(out, prefix+s.paint(mask, b.String()))
			b.Reset()
			w = 0
		}
		b.WriteString(c)
		w += cw
	}
	return append(out, prefix+s.paint(mask, b.String()))
}

// tabStop is the columns between tab stops.
const tabStop = 4

// sanitize removes what must not reach the terminal from model text, as
// everything parley prints to a terminal is made safe (controls.Strip):
// control characters (escape sequences among them) other than newline
// and tab are dropped, and bytes that are not UTF-8 become U+FFFD, so a
// line is as wide on screen as it was measured when it was wrapped. Tabs
// then become spaces up to the next tab stop.
func sanitize(s string) string {
	s = controls.Strip(s)
	if strings.IndexByte(s, '\t') < 0 {
		return s
	}
	var b strings.Builder
	col := 0 // the column the next character lands in
	for _, r := range s {
		switch r {
		case '\t':
			// To the next tab stop, so that columns a listing lines up
			// with tabs stay lined up.
			n := tabStop - col%tabStop
			b.WriteString("    "[:n])
			col += n
		case '\n':
			b.WriteByte('\n')
			col = 0
		default:
			b.WriteRune(r)
			col++ // a wide character counts one: tabs beside them are rare
		}
	}
	return b.String()
}

// plainLine makes text that reaches the view from outside a message's
// Markdown safe for one line of it: a speaker's name, a title, a notice
// (a judge's rationale, a provider's error), a stop's reason, a path.
// Line breaks (a carriage return among them) and tabs become spaces;
// then, as in message text, controls.Strip drops the other control
// characters and shows bytes that are not UTF-8 as U+FFFD, so the text is
// as wide as it is measured.
func plainLine(s string) string {
	if strings.ContainsAny(s, "\n\t\r") {
		s = lineBreaks.Replace(s)
	}
	return controls.Strip(s)
}

// lineBreaks turns line breaks and tabs into spaces.
var lineBreaks = strings.NewReplacer("\n", " ", "\t", " ", "\r", " ")

// liveDoc renders a message while it streams, for the live view. Complete
// lines inside a code block, and complete paragraphs (text up to a blank
// line, or up to a list item, heading or code fence, each of which starts
// afresh), are rendered once and kept: the renderer is line-local, so
// those lines are the ones the finished message gets. Each frame renders
// only the unfinished tail, and of a tail longer than two screens only
// its last two screens, so a frame costs what the screen holds, not what
// the message does. In raw mode every complete line is kept.
type liveDoc struct {
	w      int
	raw    bool
	gutter string
	lines  []string // the header, then the rendering of text[:at]
	body   int      // lines of rendered text (the rest of lines)
	at     int      // text[:at] is rendered into lines
	// text[at:scanned] is whole lines of a paragraph in progress (none
	// inside a code block, where each line is rendered when complete)
	scanned int
	fence   string // the open code fence's marker, when scanned is inside one
	sep     bool   // a blank line ends text[:at]: what follows starts after a gap
}

// render returns head followed by the lines of text, width cells wide
// (the gutter's width included) on a screen height lines high; the caller
// may append to the slice but must not keep it past the frame.
func (d *liveDoc) render(s *styles, text, head, gutter string, width, height int, raw bool) []string {
	if d.w != width || d.raw != raw || d.gutter != gutter || len(d.lines) == 0 {
		*d = liveDoc{w: width, raw: raw, gutter: gutter, lines: []string{head}}
	}
	d.lines[0] = head
	w := width - 2
	var more []string
	for {
		k := strings.IndexByte(text[d.scanned:], '\n')
		if k < 0 {
			break
		}
		start, end := d.scanned, d.scanned+k+1
		line := sanitize(text[start : end-1])
		d.scanned = end
		switch {
		case raw:
			d.add(s.renderRaw(line, w))
			d.at = end
		case d.fence != "":
			if closesFence(line, d.fence) {
				d.fence = ""
			} else {
				d.code(s, line, w)
			}
			d.at = end
		case strings.TrimSpace(line) == "":
			d.settle(s, text[d.at:end], w)
		default:
			lead := strings.TrimLeft(line, " ")[0]
			if m := maybe(lead, "`~", reFence(), line); m != nil {
				d.settle(s, text[d.at:start], w)
				d.fence, d.at = m[1], end
			} else if maybe(lead, "-*+0123456789", reItem(), line) != nil || maybe(lead, "#", reHeading(), line) != nil {
				d.settle(s, text[d.at:start], w)
			}
		}
	}
	// Only the end of a long tail can be on screen: render a screen's worth
	// of its bytes (8 KB at least, more than most paragraphs hold), more
	// when that makes fewer lines than the screen holds. A paragraph cut
	// so may wrap differently at the top of the screen until it is
	// finished.
	tail := text[d.at:]
	for limit := max(height*width, 8<<10); ; limit *= 2 {
		part := tail
		if len(tail) > limit {
			cut := len(tail) - limit
			if nl := strings.IndexByte(tail[cut:], '\n'); nl >= 0 {
				cut += nl + 1
			}
			for cut < len(tail) && !utf8.RuneStart(tail[cut]) {
				cut++
			}
			part = tail[cut:]
		}
		more = d.tail(s, part, w)
		if len(part) == len(tail) || len(more) >= height {
			break
		}
	}
	gutterLines(more, gutter)
	// Keep room after the kept lines, so a frame appends its tail (and the
	// caller its last line) without copying them.
	d.lines = slices.Grow(d.lines, len(more)+4)
	return append(d.lines, more...)
}

// tail renders the unfinished end of the text.
func (d *liveDoc) tail(s *styles, tail string, w int) []string {
	switch {
	case d.raw:
		return s.renderRaw(tail, w)
	case d.fence != "":
		if l := sanitize(tail); !closesFence(l, d.fence) {
			return s.hardwrap(nil, l, w, "  ", sCode)
		}
		return nil
	}
	more := s.renderMarkdown(tail, w)
	if d.sep && d.body > 0 && len(more) > 0 {
		more = append([]string{""}, more...)
	}
	return more
}

// add keeps rendered lines.
func (d *liveDoc) add(lines []string) {
	gutterLines(lines, d.gutter)
	d.lines = append(d.lines, lines...)
	d.body += len(lines)
}

// code keeps a complete line of a code block.
func (d *liveDoc) code(s *styles, line string, w int) {
	if d.sep && d.body > 0 {
		d.add([]string{""})
	}
	d.sep = false
	d.add(s.hardwrap(nil, line, w, "  ", sCode))
}

// settle keeps the rendering of chunk, whole lines of text outside a code
// block that nothing after them can change, and moves past them.
func (d *liveDoc) settle(s *styles, chunk string, w int) {
	d.at += len(chunk)
	if chunk == "" {
		return
	}
	if more := s.renderMarkdown(chunk, w); len(more) > 0 {
		if d.sep && d.body > 0 {
			d.add([]string{""})
		}
		d.add(more)
		d.sep = false
	}
	body := strings.TrimSuffix(chunk, "\n")
	d.sep = d.sep || strings.TrimSpace(body[strings.LastIndexByte(body, '\n')+1:]) == ""
}

// gutterLines puts the speaker's gutter before each line.
func gutterLines(lines []string, g string) {
	for i, l := range lines {
		if l == "" {
			lines[i] = g
		} else {
			lines[i] = g + " " + l
		}
	}
}

// closesFence reports whether line closes a code block opened by fence.
func closesFence(l, fence string) bool {
	return strings.HasPrefix(strings.TrimLeft(l, " "), fence[:3]) && strings.TrimSpace(strings.Trim(strings.TrimSpace(l), fence[:1])) == ""
}
