package tui

import (
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
)

// palette holds the speaker colours: the two seats first, then colours for
// any other speaker a resumed transcript names.
var palette = []lipgloss.Color{"39", "213", "114", "177", "81"}

// moderatorColor marks moderator notes.
const moderatorColor = lipgloss.Color("214")

// styles is every style the view uses, made from one lipgloss renderer so a
// test can fix the colour profile.
type styles struct {
	r      *lipgloss.Renderer
	masks  map[int]lipgloss.Style
	dim    lipgloss.Style
	bold   lipgloss.Style
	warn   lipgloss.Style
	status lipgloss.Style
	paused lipgloss.Style
	banner lipgloss.Style
	rule   lipgloss.Style
}

func newStyles(r *lipgloss.Renderer) *styles {
	if r == nil {
		r = lipgloss.DefaultRenderer()
	}
	return &styles{
		r:      r,
		masks:  map[int]lipgloss.Style{},
		dim:    r.NewStyle().Foreground(lipgloss.Color("245")),
		bold:   r.NewStyle().Bold(true),
		warn:   r.NewStyle().Foreground(lipgloss.Color("208")).Bold(true),
		status: r.NewStyle().Foreground(lipgloss.Color("252")),
		paused: r.NewStyle().Foreground(lipgloss.Color("0")).Background(lipgloss.Color("220")).Bold(true),
		banner: r.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(lipgloss.Color("220")).Padding(0, 1),
		rule:   r.NewStyle().Foreground(lipgloss.Color("238")),
	}
}

// mask returns the style for a combination of inline style bits.
func (s *styles) mask(m int) lipgloss.Style {
	if st, ok := s.masks[m]; ok {
		return st
	}
	st := s.r.NewStyle()
	if m&(sBold|sHeading) != 0 {
		st = st.Bold(true)
	}
	if m&sItalic != 0 {
		st = st.Italic(true)
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
	s.masks[m] = st
	return st
}

// paint renders text in the style for mask m; mask 0 is plain text.
func (s *styles) paint(m int, text string) string {
	if m == 0 || text == "" {
		return text
	}
	return s.mask(m).Render(text)
}

// speaker returns the style of a speaker's name and gutter.
func (s *styles) speaker(c lipgloss.Color) lipgloss.Style {
	return s.r.NewStyle().Foreground(c).Bold(true)
}
