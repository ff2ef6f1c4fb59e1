package tui

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// screen is a small terminal emulator for the end-to-end test: enough of
// xterm to follow what bubbletea's renderer writes (cursor moves, erases,
// text with wide characters) and to answer the terminal queries lipgloss
// makes at start-up. Styles are ignored.
type screen struct {
	rows, cols int
	cells      [][]string // "" after a wide character's first cell
	row, col   int
	pending    []byte // an incomplete sequence or rune left from the last feed
	reply      func(string)
}

func newScreen(rows, cols int, reply func(string)) *screen {
	s := &screen{rows: rows, cols: cols, reply: reply}
	s.clear()
	return s
}

func (s *screen) clear() {
	s.cells = make([][]string, s.rows)
	for i := range s.cells {
		s.cells[i] = blankRow(s.cols)
	}
}

func blankRow(n int) []string {
	r := make([]string, n)
	for i := range r {
		r[i] = " "
	}
	return r
}

// Text returns the screen, one line per row, trailing spaces trimmed.
func (s *screen) Text() string {
	lines := make([]string, s.rows)
	for i, r := range s.cells {
		lines[i] = strings.TrimRight(strings.Join(r, ""), " ")
	}
	return strings.Join(lines, "\n")
}

func (s *screen) feed(b []byte) {
	data := append(s.pending, b...)
	s.pending = nil
	i := 0
	for i < len(data) {
		c := data[i]
		switch {
		case c == 0x1b:
			n := s.escape(data[i:])
			if n == 0 {
				s.pending = append([]byte(nil), data[i:]...)
				return
			}
			i += n
			continue
		case c == '\r':
			s.col = 0
		case c == '\n':
			s.lineFeed()
		case c == '\b':
			s.col = max(s.col-1, 0)
		case c == '\t':
			s.col = min((s.col/8+1)*8, s.cols-1)
		case c < 0x20 || c == 0x7f:
		default:
			if !utf8.FullRune(data[i:]) {
				s.pending = append([]byte(nil), data[i:]...)
				return
			}
			r, size := utf8.DecodeRune(data[i:])
			s.put(string(r))
			i += size
			continue
		}
		i++
	}
}

func (s *screen) lineFeed() {
	if s.row == s.rows-1 {
		copy(s.cells, s.cells[1:])
		s.cells[s.rows-1] = blankRow(s.cols)
		return
	}
	s.row++
}

func (s *screen) put(g string) {
	w := ansi.StringWidth(g)
	if w == 0 { // a combining mark or variation selector joins the cell before
		if s.col > 0 {
			s.cells[s.row][s.col-1] += g
		}
		return
	}
	if s.col+w > s.cols {
		s.col = 0
		s.lineFeed()
	}
	s.cells[s.row][s.col] = g
	if w == 2 && s.col+1 < s.cols {
		s.cells[s.row][s.col+1] = ""
	}
	s.col += w
}

// escape handles the sequence at the start of b and returns its length,
// or 0 when b ends before the sequence does.
func (s *screen) escape(b []byte) int {
	if len(b) < 2 {
		return 0
	}
	switch b[1] {
	case '[':
		for j := 2; j < len(b); j++ {
			if b[j] >= 0x40 && b[j] <= 0x7e {
				s.csi(string(b[2:j]), b[j])
				return j + 1
			}
		}
		return 0
	case ']', 'P', '_', '^':
		for j := 2; j < len(b); j++ {
			if b[j] == 0x07 {
				s.osc(string(b[2:j]))
				return j + 1
			}
			if b[j] == 0x1b && j+1 < len(b) && b[j+1] == '\\' {
				s.osc(string(b[2:j]))
				return j + 2
			}
		}
		return 0
	case '(', ')':
		if len(b) < 3 {
			return 0
		}
		return 3
	}
	return 2
}

func (s *screen) osc(body string) {
	if body == "11;?" && s.reply != nil {
		s.reply("\x1b]11;rgb:0000/0000/0000\x07")
	}
}

func (s *screen) csi(params string, final byte) {
	if strings.HasPrefix(params, "?") || strings.HasPrefix(params, ">") {
		if final == 'h' && strings.Contains(params, "1049") {
			s.clear()
		}
		return
	}
	ps := strings.Split(params, ";")
	arg := func(i, def int) int {
		if i < len(ps) {
			if n, err := strconv.Atoi(ps[i]); err == nil && n > 0 {
				return n
			}
		}
		return def
	}
	switch final {
	case 'H', 'f':
		s.row, s.col = min(arg(0, 1), s.rows)-1, min(arg(1, 1), s.cols)-1
	case 'A':
		s.row = max(s.row-arg(0, 1), 0)
	case 'B':
		s.row = min(s.row+arg(0, 1), s.rows-1)
	case 'C':
		s.col = min(s.col+arg(0, 1), s.cols-1)
	case 'D':
		s.col = max(s.col-arg(0, 1), 0)
	case 'G':
		s.col = min(arg(0, 1), s.cols) - 1
	case 'K':
		col := min(s.col, s.cols)
		switch arg(0, 0) {
		case 0:
			for c := col; c < s.cols; c++ {
				s.cells[s.row][c] = " "
			}
		case 1:
			for c := 0; c <= min(col, s.cols-1); c++ {
				s.cells[s.row][c] = " "
			}
		case 2:
			s.cells[s.row] = blankRow(s.cols)
		}
	case 'J':
		switch arg(0, 0) {
		case 0:
			for c := min(s.col, s.cols); c < s.cols; c++ {
				s.cells[s.row][c] = " "
			}
			for r := s.row + 1; r < s.rows; r++ {
				s.cells[r] = blankRow(s.cols)
			}
		case 2, 3:
			s.clear()
		}
	case 'n':
		if params == "6" && s.reply != nil {
			s.reply("\x1b[" + strconv.Itoa(s.row+1) + ";" + strconv.Itoa(s.col+1) + "R")
		}
	}
}
