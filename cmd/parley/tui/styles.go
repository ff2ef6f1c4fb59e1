package tui

import (
	"strings"

	"github.com/charmbracelet/lipgloss"
)

// Inline style bits, combined in a mask.
const (
	sBold = 1 << iota
	sItalic
	sCode
	sHeading
	sQuote
	sBullet
	sDim
	sLink
)

// palette holds the speaker colours: the two seats first, then colours for
// any other speaker a resumed transcript names.
var palette = []lipgloss.Color{"39", "213", "114", "177", "81"}

// moderatorColor marks moderator notes.
const moderatorColor = lipgloss.Color("214")

// styles is every style the view uses, made from one lipgloss renderer so a
// test can fix the colour profile.
type styles struct {
	r       *lipgloss.Renderer
	masks   map[int]sgr
	dim     sgr
	bold    sgr
	warn    sgr
	status  sgr
	paused  sgr
	rule    sgr
	banner  lipgloss.Style
	speaker map[lipgloss.Color]sgr
}

// sgr is a style reduced to the escape sequences around its text, which
// costs a concatenation to apply where lipgloss's Render costs
// microseconds. It serves single-line text without padding or borders.
type sgr struct{ pre, post string }

func newSGR(st lipgloss.Style) sgr {
	out := st.Render("\x00")
	i := strings.IndexByte(out, 0)
	if i < 0 {
		return sgr{}
	}
	return sgr{pre: out[:i], post: out[i+1:]}
}

// Render styles text.
func (g sgr) Render(text string) string {
	if g.pre == "" || text == "" {
		return text
	}
	return g.pre + text + g.post
}

func newStyles(r *lipgloss.Renderer) *styles {
	if r == nil {
		r = lipgloss.DefaultRenderer()
	}
	return &styles{
		r:       r,
		masks:   map[int]sgr{},
		speaker: map[lipgloss.Color]sgr{},
		dim:     newSGR(r.NewStyle().Foreground(lipgloss.Color("245"))),
		bold:    newSGR(r.NewStyle().Bold(true)),
		warn:    newSGR(r.NewStyle().Foreground(lipgloss.Color("208")).Bold(true)),
		status:  newSGR(r.NewStyle().Foreground(lipgloss.Color("252"))),
		paused:  newSGR(r.NewStyle().Foreground(lipgloss.Color("0")).Background(lipgloss.Color("220")).Bold(true)),
		rule:    newSGR(r.NewStyle().Foreground(lipgloss.Color("238"))),
		banner:  r.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(lipgloss.Color("220")).Padding(0, 1),
	}
}

// mask returns the style for a combination of inline style bits.
func (s *styles) mask(m int) sgr {
	if g, ok := s.masks[m]; ok {
		return g
	}
	st := s.r.NewStyle()
	if m&(sBold|sHeading) != 0 {
		st = st.Bold(true)
	}
	if m&sItalic != 0 {
		st = st.Italic(true)
	}
	if m&sLink != 0 {
		st = st.Underline(true)
	}
	if m&sHeading != 0 {
		st = st.Foreground(lipgloss.Color("75"))
	}
	if m&sCode != 0 {
		st = st.Foreground(lipgloss.Color("209")).Background(lipgloss.Color("236"))
	}
	if m&(sQuote|sBullet|sDim) != 0 && m&sCode == 0 && m&sHeading == 0 {
		st = st.Foreground(lipgloss.Color("245"))
	}
	g := newSGR(st)
	s.masks[m] = g
	return g
}

// paint renders text in the style for mask m; mask 0 is plain text.
func (s *styles) paint(m int, text string) string {
	if m == 0 || text == "" {
		return text
	}
	return s.mask(m).Render(text)
}

// speakerStyle returns the style of a speaker's name and gutter.
func (s *styles) speakerStyle(c lipgloss.Color) sgr {
	if g, ok := s.speaker[c]; ok {
		return g
	}
	g := newSGR(s.r.NewStyle().Foreground(c).Bold(true))
	s.speaker[c] = g
	return g
}
