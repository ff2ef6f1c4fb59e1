package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/parleyhq/parley/orchestrator"
	"github.com/parleyhq/parley/orchestrator/policy"
	"github.com/parleyhq/parley/transcripts"
)

// View draws the conversation above the status lines. It renders only the
// messages on screen; finished messages are rendered once per width and
// mode, the message in flight a paragraph at a time.
func (m *Model) View() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	footer := m.footer()
	if len(footer) > m.height {
		// A window too short for even the footer's first lines keeps
		// its last ones: the status line, the line being typed.
		footer = footer[len(footer)-m.height:]
	}
	body := m.body(m.height - len(footer))
	var b strings.Builder
	for _, l := range body {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	for i, l := range footer {
		b.WriteString(l)
		if i < len(footer)-1 {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func (m *Model) bodyHeight() int { return max(m.height-len(m.footer()), 1) }

// count is how many blocks the conversation has: the finished messages and
// the one in flight.
func (m *Model) count() int {
	if m.live != nil {
		return len(m.entries) + 1
	}
	return len(m.entries)
}

// block returns item i's lines: a header, the text and a blank line.
func (m *Model) block(i int) []string {
	if i == len(m.entries) {
		return m.liveBlock()
	}
	e := m.entries[i]
	if e.note != nil {
		if e.lines == nil || e.w != m.width {
			e.lines, e.w = append(m.noteLines(e.note), ""), m.width
		}
		return e.lines
	}
	if e.lines == nil || e.w != m.width || e.raw != m.raw {
		tag := tags(e.msg)
		if t := m.tags[e.index]; t != "" && tag != "" {
			tag += " · " + t
		} else if t != "" {
			tag = t
		}
		lines := []string{m.header(e.msg.Speaker, e.index, tag)}
		body := m.content(e.msg.Speaker, e.msg.Content)
		if len(body) == 0 {
			body = []string{m.gutter(e.msg.Speaker) + " " + m.st.paint(sDim, "(empty message)")}
		}
		lines = append(lines, body...)
		if e.msg.Partial {
			lines = append(lines, m.gutter(e.msg.Speaker)+" "+m.st.warn.Render("[interrupted]"))
		}
		for _, mk := range m.marks[e.index] {
			for _, l := range strings.Split(ansi.Wordwrap("◆ "+plainLine(mk), m.textWidth(), ""), "\n") {
				lines = append(lines, m.st.warn.Render(m.fit(l)))
			}
		}
		e.lines, e.w, e.raw = append(lines, ""), m.width, m.raw
	}
	return e.lines
}

// noteLines wraps a note to the text's width, marked ⚠ when it warns and
// ◇ when it only tells.
func (m *Model) noteLines(n *note) []string {
	mark, st := "◇ ", m.st.dim
	if n.warn {
		mark, st = "⚠ ", m.st.warn
	}
	// Wrapped at spaces, and a word wider than the text (a path, a long
	// quoted line) broken rather than cut: nothing of it is lost. The
	// lines after the first stand under its text, clear of the mark.
	lines := strings.Split(ansi.Wrap(n.text, max(m.textWidth()-2, 1), ""), "\n")
	for i, l := range lines {
		if i == 0 {
			lines[i] = st.Render(m.fit(mark + l))
		} else {
			lines[i] = st.Render(m.fit("  " + l))
		}
	}
	return lines
}

func tags(msg transcripts.Message) string {
	switch msg.Origin {
	case transcripts.OriginInjected:
		return "injected"
	case transcripts.OriginModerator:
		return "moderator note"
	case transcripts.OriginOpening:
		return "opening"
	}
	return ""
}

// DefaultTextWidth is the most columns a message's text takes when the
// window is wider: lines much longer are hard to read.
const DefaultTextWidth = 100

// minRateSpan is the least streaming time a rate is worked out over: a
// reply that came whole at once has none worth showing.
const minRateSpan = 50 * time.Millisecond

// textWidth is the width messages are wrapped to: the window less the
// gutter, at most the configured measure.
func (m *Model) textWidth() int {
	w := m.width - 2
	switch tw := m.cfg.TextWidth; {
	case tw == 0:
		w = min(w, DefaultTextWidth)
	case tw > 0:
		w = min(w, tw)
	}
	return max(w, 1)
}

// content renders text with the speaker's gutter, as Markdown or raw.
func (m *Model) content(speaker, text string) []string {
	w := m.textWidth()
	var lines []string
	if m.raw {
		lines = m.st.renderRaw(text, w)
	} else {
		lines = m.st.renderMarkdown(text, w)
	}
	g := m.gutter(speaker)
	for i, l := range lines {
		if l == "" {
			lines[i] = g
		} else {
			lines[i] = g + " " + l
		}
	}
	return lines
}

func (m *Model) liveBlock() []string {
	lv := m.live
	// render wraps to its width less the gutter's two columns, as content does.
	lines := lv.doc.render(m.st, lv.text.String(), m.header(lv.speaker, lv.index, "speaking…"),
		m.gutter(lv.speaker), m.textWidth()+2, m.height, m.raw)
	switch {
	case len(lines) > 1:
	case lv.bytes == 0:
		lines = append(lines, m.gutter(lv.speaker)+" "+m.st.paint(sDim, "…"))
	default:
		lines = append(lines, m.gutter(lv.speaker)+" "+m.st.paint(sDim, "(empty message)"))
	}
	return append(lines, "")
}

func (m *Model) colour(speaker string) lipgloss.Color {
	if c, ok := m.colours[speaker]; ok {
		return c
	}
	var c lipgloss.Color
	switch speaker {
	case m.speakers[0]:
		c = palette[0]
	case m.speakers[1]:
		c = palette[1]
	case transcripts.ModeratorSpeaker:
		c = moderatorColor
	default:
		c = palette[2+len(m.colours)%(len(palette)-2)]
	}
	m.colours[speaker] = c
	return c
}

func (m *Model) gutter(speaker string) string {
	if g, ok := m.gutters[speaker]; ok {
		return g
	}
	g := m.st.speakerStyle(m.colour(speaker)).Render("│")
	m.gutters[speaker] = g
	return g
}

func (m *Model) header(speaker string, index int, tag string) string {
	h := m.st.speakerStyle(m.colour(speaker)).Render(plainLine(speaker)) + m.st.paint(sDim, fmt.Sprintf(" #%d", index))
	if tag != "" {
		h += m.st.paint(sDim, " · "+plainLine(tag))
	}
	return ansi.Truncate(h, m.width, "…")
}

// body returns exactly h lines of the conversation: the end when
// following, else from the top line the person scrolled to.
func (m *Model) body(h int) []string {
	lines := make([]string, 0, h)
	if !m.follow {
		n := m.count()
		p := m.clampTop()
		for i, l := p.item, p.line; i < n && len(lines) < h; i, l = i+1, 0 {
			b := m.block(i)
			lines = append(lines, b[l:min(len(b), l+h-len(lines))]...)
		}
		if len(lines) == h {
			return lines
		}
		lines = lines[:0]
	}
	// From the end backwards, then in order.
	var parts [][]string
	need := h
	for i := m.count() - 1; i >= 0 && need > 0; i-- {
		b := m.block(i)
		if len(b) > need {
			b = b[len(b)-need:]
		}
		parts = append(parts, b)
		need -= len(b)
	}
	for i := len(parts) - 1; i >= 0; i-- {
		lines = append(lines, parts[i]...)
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return lines
}

// clampTop keeps the scroll position inside the conversation after a
// resize or a mode change.
func (m *Model) clampTop() pos {
	n := m.count()
	if n == 0 {
		return pos{}
	}
	p := m.top
	if p.item >= n {
		p = pos{item: n - 1}
	}
	if b := len(m.block(p.item)); p.line >= b {
		p.line = max(b-1, 0)
	}
	m.top = p
	return p
}

// bottomTop is the top line shown when following the end.
func (m *Model) bottomTop(h int) pos {
	need := h
	for i := m.count() - 1; i >= 0; i-- {
		b := len(m.block(i))
		if b >= need {
			return pos{i, b - need}
		}
		need -= b
	}
	return pos{}
}

// scroll moves the view by d lines. Scrolling up stops following;
// reaching the end by scrolling down follows again.
func (m *Model) scroll(d int) {
	n := m.count()
	if n == 0 {
		return
	}
	h := m.bodyHeight()
	if m.follow {
		if d > 0 {
			return
		}
		m.follow, m.top = false, m.bottomTop(h)
	}
	p := m.clampTop()
	l := p.line + d
	for l < 0 && p.item > 0 {
		p.item--
		l += len(m.block(p.item))
	}
	l = max(l, 0)
	for p.item < n-1 && l >= len(m.block(p.item)) {
		l -= len(m.block(p.item))
		p.item++
	}
	p.line = min(l, max(len(m.block(p.item))-1, 0))
	m.top = p
	if d > 0 && m.atEnd(h) {
		m.follow = true
	}
}

// atEnd reports whether no more than h lines remain from the top line.
func (m *Model) atEnd(h int) bool {
	left := -m.top.line
	for i := m.top.item; i < m.count(); i++ {
		left += len(m.block(i))
		if left > h {
			return false
		}
	}
	return true
}

// minConversation is the lines of the conversation a short window keeps
// before the footer's extra lines: the policies' every line, the keys.
const minConversation = 3

// boxHeight is the lines the input box shows when the window has room.
const boxHeight = 3

// helpCut ends the key help when the window is too short for all of it.
const helpCut = "… a taller window shows every key"

// footer is everything under the conversation: a rule, the stop banner,
// the input box, the key help and the status lines. It takes at most the
// window's lines less minConversation, its first lines aside: the rule,
// the status line, the input box's label and the line being typed, and
// the banner's first line are always drawn.
func (m *Model) footer() []string {
	typing := m.mode != inputNone
	var label []string
	if typing || m.humanTurn != "" {
		label = m.inputLabel()
	}
	status := m.fit(m.statusLine())
	progress := m.progressLines()
	var notice []string
	switch {
	case m.notice.text != "" && m.notice.warn:
		notice = m.noticeLines("⚠ "+m.noticeText(), m.st.warn)
	case m.notice.text != "":
		notice = m.noticeLines(m.noticeText(), m.st.dim)
	}
	keys := []string{m.keyLine()}
	if typing && m.ta.Focused() {
		// Typing, every key but ctrl+c goes into the box, whose own
		// line names its keys: the reminder names only the way out.
		keys = []string{m.fit(m.shortHelp([]key.Binding{typingQuit}))}
	}
	var help []string
	if m.showHelp {
		help = m.fullHelp()
	}

	// The lines left over are given out by need. A short window keeps
	// lines of the conversation: the policies' progress shrinks to its
	// first line, then goes, then the notice, and then the key reminder.
	room := m.height - minConversation
	used := 2 + len(label)
	if typing {
		used++ // the line being typed
	}
	if m.stopped != nil {
		used++ // the banner's first line
	}
	take := func(n int) bool {
		if used+n > room {
			return false
		}
		used += n
		return true
	}
	if !take(len(keys)) {
		keys = nil
	}
	helpRoom := 0
	if len(help) > 0 && take(1) {
		helpRoom = 1 // at least the line that says there is more
	}
	if !take(len(notice)) {
		notice = nil
	}
	whole := progress
	if len(progress) > 1 {
		progress = []string{m.fit(strings.TrimRight(ansi.Strip(progress[0]), " ") + " …")}
	}
	if !take(len(progress)) {
		progress, whole = nil, nil
	}
	box := 1
	for typing && box < boxHeight && take(1) {
		box++
	}
	if helpRoom > 0 {
		more := min(len(help)-1, max(room-used, 0))
		used += more
		helpRoom += more
		if helpRoom < len(help) {
			help = append(help[:helpRoom-1:helpRoom-1], m.fit(m.st.dim.Render(helpCut)))
		}
	} else {
		help = nil
	}
	if len(whole) > 1 && take(len(whole)-1) {
		progress = whole
	}

	out := []string{m.rule()}
	if m.stopped != nil {
		// The banner takes what the window has left, keeping a few
		// lines of the conversation to scroll.
		out = append(out, m.banner(1+max(room-used, 0))...)
	}
	out = append(out, label...)
	if typing {
		out = append(out, m.boxLines(box)...)
	}
	out = append(out, help...)
	out = append(out, status)
	return append(append(append(out, progress...), notice...), keys...)
}

// boxLines draws the input box n lines high, the line being typed among
// them. A box that shrank for a short window and grows again shows the
// lines above that line once more: the text is set anew, scrolled to its
// top, and the cursor put back where it was.
func (m *Model) boxLines(n int) []string {
	if h := m.ta.Height(); h != n {
		if n > h {
			row, li := m.ta.Line(), m.ta.LineInfo()
			col := li.StartColumn + li.ColumnOffset
			m.ta.SetValue(m.ta.Value())
			for m.ta.Line() > row {
				m.ta.CursorUp()
			}
			m.ta.SetCursor(col)
		}
		m.ta.SetHeight(n)
		// The box keeps its cursor in view as it takes a key, among the
		// lines it last drew; a change of height is such a moment.
		m.ta.View()
		m.ta, _ = m.ta.Update(nil)
	}
	return strings.Split(m.ta.View(), "\n")
}

// noticeLines wraps a notice onto at most two lines rather than cutting
// it at the first.
func (m *Model) noticeLines(text string, st sgr) []string {
	lines := strings.Split(ansi.Wordwrap(text, m.width, ""), "\n")
	if len(lines) > 2 {
		lines = []string{lines[0], strings.Join(lines[1:], " ")}
	}
	for i, l := range lines {
		lines[i] = m.fit(st.Render(l))
	}
	return lines
}

// keyLine is the one-line key reminder, laid out for the width: keys are
// left out by priority, and quit is always shown whole.
func (m *Model) keyLine() string {
	if m.short != "" && m.shortW == m.width && m.shortStopped == (m.stopped != nil) {
		return m.short
	}
	bs := m.keys.ShortHelp()
	if m.stopped != nil {
		bs = m.keys.StoppedHelp()
	}
	quit := bs[len(bs)-1]
	rest := bs[:len(bs)-1]
	line := func(keys []key.Binding, q key.Binding) string {
		return m.shortHelp(append(append([]key.Binding(nil), keys...), q))
	}
	l := line(rest, quit)
	if textWidth(l) > m.width {
		// ctrl+c still quits; the reminder names the shorter key.
		quit = key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit"))
		l = line(rest, quit)
	}
	for textWidth(l) > m.width && len(rest) > 0 {
		rest = dropLowest(rest, m.keys.dropOrder())
		l = line(rest, quit)
	}
	m.short, m.shortW, m.shortStopped = m.fit(l), m.width, m.stopped != nil
	return m.short
}

// dropLowest removes the first binding of order found in bs.
func dropLowest(bs []key.Binding, order []key.Binding) []key.Binding {
	for _, o := range order {
		for i, b := range bs {
			if b.Help().Key == o.Help().Key {
				return append(append([]key.Binding(nil), bs[:i]...), bs[i+1:]...)
			}
		}
	}
	return bs[:len(bs)-1]
}

func (m *Model) fit(s string) string {
	if len(s) <= m.width || ansi.StringWidth(s) <= m.width {
		return s
	}
	return ansi.Truncate(s, m.width, "…")
}

func (m *Model) rule() string {
	if m.ruleCache.w == m.width && m.ruleCache.follow == m.follow {
		return m.ruleCache.s
	}
	m.ruleCache.w, m.ruleCache.follow, m.ruleCache.s = m.width, m.follow, m.drawRule()
	return m.ruleCache.s
}

func (m *Model) drawRule() string {
	left := ""
	if !m.follow {
		left = m.st.warn.Render(" ↓ more below · end follows the conversation again ")
	}
	fill := max(m.width-lipgloss.Width(left), 0)
	return m.fit(m.st.rule.Render("─") + left + m.st.rule.Render(strings.Repeat("─", max(fill-1, 0))))
}

// banner says why the run stopped and where it is recorded, in at most
// room lines. Its text is wrapped at spaces only, and a path is broken
// only after a slash (a name longer than the window aside): when the
// window is too narrow for the box, the banner is drawn without it. When
// the window is too short for all of it, the box goes, and then its last
// lines, an ellipsis marking the cut: its first line, the stop and its
// reason, stays.
func (m *Model) banner(room int) []string {
	s := m.stopped
	// The sentence parley prints once the view closes; an error's own
	// sentence, which it prints apart, follows it.
	heads := []string{"■ " + orchestrator.Ending(s.stop, s.md != "", s.partial)}
	if s.stop.Kind == transcripts.StopError && s.stop.Reason != "" {
		heads = append(heads, s.stop.Reason)
	}
	tail := "The view stays open to scroll back; q quits."
	if m.review != nil {
		heads, tail = m.review, "↑/↓ and PgUp/PgDn scroll; q quits."
	}
	layout := func(w int) ([]string, bool) {
		var lines []string
		for _, h := range heads {
			lines = append(lines, wrapWords(h, w)...)
		}
		fits := true
		for _, p := range [][2]string{{"Transcript: ", s.md}, {"JSONL:      ", s.jsonl}} {
			if p[1] == "" {
				continue
			}
			if p[1] == s.jsonl && textWidth(p[1]) > w && textWidth(besideIt) <= w && strings.TrimSuffix(s.jsonl, ".jsonl") == strings.TrimSuffix(s.md, ".md") {
				// Too long to show whole: its name is the transcript's.
				lines = append(lines, besideIt)
				continue
			}
			switch {
			case textWidth(p[0]+p[1]) <= w:
				lines = append(lines, p[0]+p[1])
			case textWidth(p[1]) <= w:
				lines = append(lines, strings.TrimSpace(p[0]), p[1])
			default:
				fits = false
				lines = append(lines, strings.TrimSpace(p[0]))
				lines = append(lines, splitPath(p[1], w)...)
			}
		}
		lines = append(lines, wrapWords(tail, w)...)
		return lines, fits
	}
	inner := max(m.width-4, 10)
	lines, fits := layout(inner)
	for _, l := range lines {
		// A label wider than a narrow window's box: draw it without.
		fits = fits && textWidth(l) <= inner && inner+4 <= m.width
	}
	if fits && len(lines)+2 <= room {
		for i, l := range lines {
			lines[i] = l + strings.Repeat(" ", max(inner-textWidth(l), 0))
		}
		return strings.Split(m.st.banner.Render(strings.Join(lines, "\n")), "\n")
	}
	lines, _ = layout(max(m.width, 4))
	if room < len(lines) {
		// The key line below says how to leave; the rest is in the
		// transcript, and a taller window shows it.
		lines = lines[:max(room, 1)]
		lines[len(lines)-1] += " …"
	}
	for i, l := range lines {
		lines[i] = m.fit(m.st.bold.Render(l))
	}
	return lines
}

// besideIt names the JSONL in the banner when its path is too long to
// show whole and it lies beside the transcript.
const besideIt = "JSONL: beside it, ending .jsonl"

// wrapWords wraps text to lines of at most w columns at spaces alone (a
// hyphen does not end a line: file names hold them). A word wider than w,
// a path most often, is broken after a slash where it can be, else cut.
func wrapWords(text string, w int) []string {
	var out []string
	line := ""
	for _, word := range strings.Fields(text) {
		switch {
		case line == "" && textWidth(word) <= w:
			line = word
		case line != "" && textWidth(line)+1+textWidth(word) <= w:
			line += " " + word
		default:
			if line != "" {
				out = append(out, line)
			}
			line = ""
			if textWidth(word) <= w {
				line = word
				continue
			}
			pieces := splitPath(word, w)
			out = append(out, pieces[:len(pieces)-1]...)
			line = pieces[len(pieces)-1]
		}
	}
	if line != "" || len(out) == 0 {
		out = append(out, line)
	}
	return out
}

// splitPath breaks a path too long for w columns after a slash, never
// inside a name, so each piece can be copied whole; a name itself wider
// than w is cut at w.
func splitPath(p string, w int) []string {
	w = max(w, 1)
	var out []string
	for textWidth(p) > w {
		head := ansi.Truncate(p, w, "")
		cut := strings.LastIndexByte(head, '/')
		if cut <= 0 {
			cut = len(head) - 1 // no slash to break after: cut the name
		}
		out = append(out, p[:cut+1])
		p = p[cut+1:]
	}
	return append(out, p)
}

// inputLabel says what the input box is for and how to send: on one line
// when it fits, else the sentence wrapped and the keys on a line of their
// own, with the shorter send key named.
func (m *Model) inputLabel() []string {
	var sentence string
	var keys []key.Binding
	switch {
	case (m.mode == inputHuman || m.humanTurn != "") && (!m.ta.Focused() || m.mode != inputHuman):
		sentence = fmt.Sprintf("Your turn as %s: press i or enter to type.", plainLine(m.humanTurn))
	case m.mode == inputHuman || m.humanTurn != "":
		sentence, keys = fmt.Sprintf("Your turn as %s.", plainLine(m.humanTurn)), []key.Binding{m.keys.Send, m.keys.Cancel}
	default:
		who := "a moderator note both agents see"
		if m.target > 0 {
			who = plainLine(m.speakers[m.target-1]) + " (recorded as injected)"
		}
		sentence, keys = "Inject as "+who+".", m.keys.inputHelp()
	}
	one := m.st.bold.Render(sentence)
	if len(keys) > 0 {
		one += " " + m.shortHelp(keys)
	}
	if textWidth(one) <= m.width {
		return []string{one}
	}
	var out []string
	for _, l := range strings.Split(ansi.Wordwrap(sentence, m.width, ""), "\n") {
		out = append(out, m.fit(m.st.bold.Render(l)))
	}
	if len(keys) > 0 {
		help := m.shortHelp(keys)
		if textWidth(help) > m.width {
			short := append([]key.Binding(nil), keys...)
			short[0] = key.NewBinding(key.WithKeys("ctrl+s"), key.WithHelp("ctrl+s", "send"))
			help = m.shortHelp(short)
		}
		out = append(out, m.fit(help))
	}
	return out
}

// segment is one part of the status line; the lower its rank, the longer
// it stays as the window narrows.
type segment struct {
	text string
	rank int
}

// statusLine lays out the status by priority: the stop or pause badge, the
// message count, who speaks, the tokens and the elapsed time stay longest;
// the rate and the title go first.
func (m *Model) statusLine() string {
	badge := ""
	switch {
	case m.review != nil:
		badge = m.st.paused.Render(" RECORDED ") + " "
	case m.stopped != nil:
		badge = m.st.paused.Render(" STOPPED ") + " "
	case m.paused:
		badge = m.st.paused.Render(" PAUSED ") + " "
	}
	var segs []segment
	if m.title != "" {
		segs = append(segs, segment{m.st.bold.Render(m.title), 6})
	}
	n := m.counted
	if m.live != nil && m.stopped == nil {
		n++
	}
	compact := fmt.Sprint(n)
	msgText := fmt.Sprintf("message %d", n)
	if m.limit > 0 {
		msgText += fmt.Sprintf(" of %d", m.limit)
		compact += fmt.Sprintf("/%d", m.limit)
	}
	msgAt := len(segs)
	segs = append(segs, segment{msgText, 0})
	now := m.now()
	if lv := m.live; lv != nil {
		segs = append(segs, segment{m.st.speakerStyle(m.colour(lv.speaker)).Render(plainLine(lv.speaker)) + " speaking " + clock(now.Sub(lv.started)), 1})
		_, human := m.cfg.Humans[lv.speaker]
		switch {
		case human:
			segs = append(segs, segment{"your turn", 1})
		case lv.firstAt.IsZero():
			segs = append(segs, segment{"waiting for the first token", 4})
		default:
			if d := lv.lastAt.Sub(lv.firstAt); d >= minRateSpan {
				segs = append(segs, segment{fmt.Sprintf("%.0f tok/s", float64(lv.tokens())/d.Seconds()), 5})
			}
			segs = append(segs, segment{"TTFT " + roundDur(lv.firstAt.Sub(lv.started)).String(), 5})
		}
	} else if m.lastRate > 0 {
		segs = append(segs, segment{fmt.Sprintf("last reply %.0f tok/s, TTFT %s", m.lastRate, roundDur(m.lastTTFT)), 5})
	}
	tokens := m.tokens
	if m.live != nil {
		tokens += m.live.tokens()
	}
	segs = append(segs, segment{fmt.Sprintf("%s tokens", count(tokens)), 2})
	if !m.started.IsZero() {
		end := now
		if m.stopped != nil && !m.stopped.ended.IsZero() {
			end = m.stopped.ended
		}
		segs = append(segs, segment{clock(end.Sub(m.started)), 3})
	}
	join := func() string {
		parts := make([]string, 0, len(segs))
		for _, sg := range segs {
			if sg.text != "" {
				parts = append(parts, sg.text)
			}
		}
		return badge + strings.Join(parts, " · ")
	}
	line := join()
	for textWidth(line) > m.width {
		worst := -1
		for i, sg := range segs {
			if sg.text != "" && sg.rank > 0 && (worst < 0 || sg.rank >= segs[worst].rank) {
				worst = i
			}
		}
		if worst < 0 {
			if segs[msgAt].text == compact {
				break
			}
			segs[msgAt].text = compact
		} else {
			segs[worst].text = ""
		}
		line = join()
	}
	return line
}

// clock formats a duration as 4s, 1:23 or 1:02:03.
func clock(d time.Duration) string {
	d = max(d, 0).Truncate(time.Second)
	h, mnt, s := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	switch {
	case h > 0:
		return fmt.Sprintf("%d:%02d:%02d", h, mnt, s)
	case mnt > 0:
		return fmt.Sprintf("%d:%02d", mnt, s)
	}
	return fmt.Sprintf("%ds", s)
}

// count formats a token count: 950, 12.3k, 1.2M.
func count(n int) string {
	switch {
	case n >= 1_000_000:
		return fmt.Sprintf("%.1fM", float64(n)/1e6)
	case n >= 10_000:
		return fmt.Sprintf("%.1fk", float64(n)/1e3)
	}
	return fmt.Sprint(n)
}

// fullHelp lays the key columns side by side as far as the width allows,
// then in further rows, so no key is cut off.
func (m *Model) fullHelp() []string {
	groups := m.keys.FullHelp()
	if m.stopped != nil {
		groups = m.keys.StoppedFullHelp()
	}
	m.help.Width = 0
	defer func() { m.help.Width = m.width }()
	var out []string
	for len(groups) > 0 {
		n := 1
		for n < len(groups) && lipgloss.Width(m.help.FullHelpView(groups[:n+1])) <= m.width {
			n++
		}
		if n == 1 && lipgloss.Width(m.help.FullHelpView(groups[:1])) > m.width {
			out = append(out, m.narrowHelp(groups[0])...)
		} else {
			for _, l := range strings.Split(m.help.FullHelpView(groups[:n]), "\n") {
				out = append(out, m.fit(l))
			}
		}
		groups = groups[n:]
	}
	return out
}

// narrowHelp lists one column of keys for a window too narrow for it:
// each description wraps under itself instead of being cut.
func (m *Model) narrowHelp(bs []key.Binding) []string {
	kw := 0
	for _, b := range bs {
		kw = max(kw, textWidth(b.Help().Key))
	}
	if kw > m.width/2 {
		kw = 0
	}
	var out []string
	for _, b := range bs {
		h := b.Help()
		pad := strings.Repeat(" ", max(kw-textWidth(h.Key), 0))
		if kw == 0 {
			out = append(out, m.fit(m.st.bold.Render(h.Key)))
			for _, l := range strings.Split(ansi.Wordwrap(h.Desc, m.width-2, ""), "\n") {
				out = append(out, m.fit("  "+m.st.dim.Render(l)))
			}
			continue
		}
		for i, l := range strings.Split(ansi.Wordwrap(h.Desc, max(m.width-kw-1, 10), ""), "\n") {
			k := m.st.bold.Render(h.Key) + pad
			if i > 0 {
				k = strings.Repeat(" ", kw)
			}
			out = append(out, m.fit(k+" "+m.st.dim.Render(l)))
		}
	}
	return out
}

// shortHelp is a one-line reminder of some keys, with their short names.
func (m *Model) shortHelp(bs []key.Binding) string {
	parts := make([]string, 0, len(bs))
	for _, b := range bs {
		parts = append(parts, m.st.bold.Render(b.Help().Key)+" "+m.st.dim.Render(shortNames[b.Help().Key]))
	}
	return strings.Join(parts, m.st.dim.Render(" · "))
}

// typingQuit is the one key that quits while the input box takes every
// other: q would be typed.
var typingQuit = key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit"))

// shortNames are the one-word names the reminder line uses.
var shortNames = map[string]string{
	"?": "keys", "space": "pause/resume", "n": "step", "e": "end", "i": "inject", "q/ctrl+c": "quit",
	"ctrl+s/alt+enter": "send", "ctrl+s": "send", "esc": "close", "tab": "speak as", "↑/↓": "scroll", "r": "raw", "q": "quit", "ctrl+c": "quit",
}

// progressLines shows each policy's progress, wrapped onto as many lines
// as the width needs; a policy's progress is never cut.
func (m *Model) progressLines() []string {
	if len(m.progress) == 0 {
		return []string{m.fit(m.st.status.Render("policies: no message judged yet"))}
	}
	line := "policies: " + plainLine(policy.FormatProgress(m.progress))
	if textWidth(line) <= m.width {
		return []string{m.st.status.Render(line)}
	}
	indent := "  "
	if m.width >= 60 {
		indent = "          "
	}
	var lines []string
	cur := "policies:"
	for _, p := range m.progress {
		part := plainLine(p.String())
		switch {
		case cur == "policies:":
			if textWidth(cur+" "+part) <= m.width {
				cur += " " + part
			} else {
				lines = append(lines, cur)
				cur = indent + part
			}
		case textWidth(cur+" · "+part) <= m.width:
			cur += " · " + part
		default:
			lines = append(lines, cur)
			cur = indent + part
		}
	}
	lines = append(lines, cur)
	for i, l := range lines {
		lines[i] = m.fit(m.st.status.Render(l))
	}
	return lines
}
