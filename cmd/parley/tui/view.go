package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

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
	h := max(m.height-len(footer), 1)
	body := m.body(h)
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
	if e.lines == nil || e.w != m.width || e.raw != m.raw {
		lines := []string{m.header(e.msg.Speaker, e.index, tags(e.msg))}
		body := m.content(e.msg.Speaker, e.msg.Content)
		if len(body) == 0 {
			body = []string{m.gutter(e.msg.Speaker) + " " + m.st.paint(sDim, "(empty message)")}
		}
		lines = append(lines, body...)
		if e.msg.Partial {
			lines = append(lines, m.gutter(e.msg.Speaker)+" "+m.st.warn.Render("[interrupted]"))
		}
		e.lines, e.w, e.raw = append(lines, ""), m.width, m.raw
	}
	return e.lines
}

func tags(msg transcripts.Message) string {
	switch msg.Origin {
	case transcripts.OriginInjected:
		return "injected"
	case transcripts.OriginModerator:
		return "moderator note"
	}
	return ""
}

// content renders text with the speaker's gutter, as Markdown or raw.
func (m *Model) content(speaker, text string) []string {
	w := m.width - 2
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
	lines := lv.doc.render(m.st, lv.text.String(), m.header(lv.speaker, lv.index, "speaking…"),
		m.gutter(lv.speaker), m.width, m.height, m.raw)
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
	h := m.st.speakerStyle(m.colour(speaker)).Render(speaker) + m.st.paint(sDim, fmt.Sprintf(" #%d", index))
	if tag != "" {
		h += m.st.paint(sDim, " · "+tag)
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

// footer is everything under the conversation: a rule, the stop banner,
// the input box, the key help and the status lines.
func (m *Model) footer() []string {
	var out []string
	out = append(out, m.rule())
	if m.stopped != nil {
		out = append(out, strings.Split(m.banner(), "\n")...)
	}
	if m.mode != inputNone || m.humanTurn != "" {
		out = append(out, m.fit(m.inputLabel()))
		if m.mode != inputNone {
			out = append(out, strings.Split(m.ta.View(), "\n")...)
		}
	}
	if m.showHelp {
		out = append(out, m.fullHelp()...)
	}
	out = append(out, m.fit(m.statusLine()))
	out = append(out, m.progressLines()...)
	switch {
	case m.notice != "" && m.warn:
		out = append(out, m.fit(m.st.warn.Render("⚠ "+m.notice)))
	case m.notice != "":
		out = append(out, m.fit(m.st.dim.Render(m.notice)))
	default:
		if m.short == "" {
			m.short = m.shortHelp(m.keys.ShortHelp())
		}
		out = append(out, m.fit(m.short))
	}
	return out
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

func (m *Model) banner() string {
	s := m.stopped
	var b strings.Builder
	who := s.stop.Kind
	if s.stop.Policy != "" {
		who = s.stop.Policy
	}
	fmt.Fprintf(&b, "■ Stopped after message %d by %s: %s", s.stop.At, who, s.stop.Reason)
	if s.md != "" {
		fmt.Fprintf(&b, "\nTranscript: %s\nJSONL:      %s", s.md, s.jsonl)
	}
	b.WriteString("\nThe view stays open to scroll back; q quits.")
	return m.st.banner.Width(max(m.width-2, 10)).Render(b.String())
}

func (m *Model) inputLabel() string {
	if m.mode == inputHuman || m.humanTurn != "" {
		if !m.ta.Focused() || m.mode != inputHuman {
			return m.st.bold.Render(fmt.Sprintf("Your turn as %s: press i or enter to type.", m.humanTurn))
		}
		return m.st.bold.Render(fmt.Sprintf("Your turn as %s.", m.humanTurn)) + " " + m.shortHelp([]key.Binding{m.keys.Send, m.keys.Cancel})
	}
	who := "a moderator note both agents see"
	if m.target > 0 {
		who = m.speakers[m.target-1] + " (recorded as injected)"
	}
	return m.st.bold.Render("Inject as "+who+".") + " " + m.shortHelp(m.keys.inputHelp())
}

func (m *Model) statusLine() string {
	var parts []string
	badge := ""
	switch {
	case m.stopped != nil:
		badge = m.st.paused.Render(" STOPPED ") + " "
	case m.paused:
		badge = m.st.paused.Render(" PAUSED ") + " "
	}
	if m.title != "" {
		parts = append(parts, m.st.bold.Render(m.title))
	}
	n := len(m.entries)
	if m.live != nil {
		n = m.live.index
	}
	if m.limit > 0 {
		parts = append(parts, fmt.Sprintf("message %d of %d", n, m.limit))
	} else {
		parts = append(parts, fmt.Sprintf("message %d", n))
	}
	now := m.now()
	if lv := m.live; lv != nil {
		parts = append(parts, m.st.speakerStyle(m.colour(lv.speaker)).Render(lv.speaker)+" speaking "+clock(now.Sub(lv.started)))
		switch {
		case lv.firstAt.IsZero():
			parts = append(parts, "waiting for the first token")
		default:
			if d := lv.lastAt.Sub(lv.firstAt); d > 0 {
				parts = append(parts, fmt.Sprintf("%.0f tok/s", float64(lv.tokens())/d.Seconds()))
			}
			parts = append(parts, "TTFT "+roundDur(lv.firstAt.Sub(lv.started)).String())
		}
	} else if m.lastRate > 0 {
		parts = append(parts, fmt.Sprintf("last reply %.0f tok/s, TTFT %s", m.lastRate, roundDur(m.lastTTFT)))
	}
	tokens := m.tokens
	if m.live != nil {
		tokens += m.live.tokens()
	}
	parts = append(parts, fmt.Sprintf("%s tokens", count(tokens)))
	if !m.started.IsZero() {
		end := now
		if m.stopped != nil && !m.stopped.ended.IsZero() {
			end = m.stopped.ended
		}
		parts = append(parts, clock(end.Sub(m.started)))
	}
	return badge + strings.Join(parts, " · ")
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
	m.help.Width = 0
	defer func() { m.help.Width = m.width }()
	var out []string
	for len(groups) > 0 {
		n := 1
		for n < len(groups) && lipgloss.Width(m.help.FullHelpView(groups[:n+1])) <= m.width {
			n++
		}
		for _, l := range strings.Split(m.help.FullHelpView(groups[:n]), "\n") {
			out = append(out, m.fit(l))
		}
		groups = groups[n:]
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

// shortNames are the one-word names the reminder line uses.
var shortNames = map[string]string{
	"?": "keys", "space": "pause/resume", "n": "step", "e": "end", "i": "inject", "q/ctrl+c": "quit",
	"ctrl+s/alt+enter": "send", "esc": "close", "tab": "speak as",
}

// progressLines shows each policy's progress, on a second line when one
// is too narrow for them all.
func (m *Model) progressLines() []string {
	if len(m.progress) == 0 {
		return []string{m.fit(m.st.status.Render("policies: no message judged yet"))}
	}
	line := "policies: " + policy.FormatProgress(m.progress)
	if textWidth(line) <= m.width {
		return []string{m.st.status.Render(line)}
	}
	var lines []string
	cur := "policies:"
	for _, p := range m.progress {
		part := p.String()
		switch {
		case cur == "policies:" || cur == "":
			cur += " " + part
		case textWidth(cur+" · "+part) <= m.width || len(lines) == 1:
			cur += " · " + part
		default:
			lines = append(lines, cur)
			cur = "         " + part
		}
	}
	lines = append(lines, cur)
	for i, l := range lines {
		lines[i] = m.fit(m.st.status.Render(l))
	}
	return lines
}
