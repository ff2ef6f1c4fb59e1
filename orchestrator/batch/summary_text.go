package batch

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Text writes the summary for a terminal: the same sections as Markdown,
// with each table's columns aligned (numbers to the right) instead of
// Markdown pipes, and prose wrapped to width columns.
func (s *Summary) Text(w io.Writer, width int) {
	var md bytes.Buffer
	s.Markdown(&md)
	MarkdownToText(w, md.String(), width)
}

// MarkdownToText renders the simple Markdown a summary is written in
// (headings, paragraphs and pipe tables) as aligned plain text.
func MarkdownToText(w io.Writer, md string, width int) {
	if width <= 0 {
		width = 100
	}
	bw := bufio.NewWriter(w)
	defer bw.Flush()
	lines := strings.Split(md, "\n")
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		switch {
		case strings.HasPrefix(l, "|"):
			j := i
			for j < len(lines) && strings.HasPrefix(lines[j], "|") {
				j++
			}
			writeTable(bw, lines[i:j])
			i = j - 1
		case strings.HasPrefix(l, "# "):
			title := strings.TrimPrefix(l, "# ")
			fmt.Fprintf(bw, "%s\n%s\n", title, strings.Repeat("═", min(ansi.StringWidth(title), width)))
		case strings.HasPrefix(l, "## "):
			title := strings.TrimPrefix(l, "## ")
			fmt.Fprintf(bw, "%s\n%s\n", title, strings.Repeat("─", min(ansi.StringWidth(title), width)))
		default:
			fmt.Fprintln(bw, ansi.Wordwrap(l, width, ""))
		}
	}
}

// splitRow reads the cells of a pipe table row; "\|" is a pipe in a cell.
func splitRow(row string) []string {
	row = strings.TrimSpace(row)
	row = strings.TrimPrefix(strings.TrimSuffix(row, "|"), "|")
	var cells []string
	var cur strings.Builder
	for i := 0; i < len(row); i++ {
		switch {
		case row[i] == '\\' && i+1 < len(row) && row[i+1] == '|':
			cur.WriteByte('|')
			i++
		case row[i] == '|':
			cells = append(cells, strings.TrimSpace(cur.String()))
			cur.Reset()
		default:
			cur.WriteByte(row[i])
		}
	}
	return append(cells, strings.TrimSpace(cur.String()))
}

func writeTable(w io.Writer, rows []string) {
	var table [][]string
	var right []bool
	for i, r := range rows {
		cells := splitRow(r)
		if i == 1 && isRule(cells) {
			for _, c := range cells {
				right = append(right, strings.HasSuffix(c, ":"))
			}
			continue
		}
		table = append(table, cells)
	}
	var widths []int
	for _, r := range table {
		for j, c := range r {
			if j >= len(widths) {
				widths = append(widths, 0)
			}
			widths[j] = max(widths[j], ansi.StringWidth(c))
		}
	}
	for i, r := range table {
		var b strings.Builder
		for j, c := range r {
			pad := strings.Repeat(" ", widths[j]-ansi.StringWidth(c))
			if j > 0 {
				b.WriteString("  ")
			}
			if j < len(right) && right[j] {
				b.WriteString(pad + c)
			} else {
				b.WriteString(c + pad)
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
		if i == 0 && len(table) > 1 {
			var u []string
			for _, wd := range widths {
				u = append(u, strings.Repeat("─", wd))
			}
			fmt.Fprintln(w, strings.Join(u, "  "))
		}
	}
}

func isRule(cells []string) bool {
	for _, c := range cells {
		if strings.Trim(c, "-:") != "" || !strings.Contains(c, "-") {
			return false
		}
	}
	return len(cells) > 0
}
