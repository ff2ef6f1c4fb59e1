package tui

import (
	"fmt"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/glamour"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"github.com/parleyhq/parley/orchestrator"
	"github.com/parleyhq/parley/transcripts"
)

func TestRenderMarkdown(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		width int
		want  []string
	}{
		{name: "heading loses its marks", src: "### Classes of **Questions**", width: 40, want: []string{"Classes of Questions"}},
		{name: "a paragraph's lines stay lines, as chat shows them", src: "one\ntwo", width: 40, want: []string{"one", "two"}},
		{name: "a listing stays a listing", src: "total 8\n-rw-r--r-- 1 a b 0 x\ndrwxr-xr-x 2 a b 4096 y", width: 40,
			want: []string{"total 8", "-rw-r--r-- 1 a b 0 x", "drwxr-xr-x 2 a b 4096 y"}},
		{name: "hard break kept", src: "one  \ntwo\\\nthree", width: 40, want: []string{"one", "two", "three"}},
		{name: "blank lines collapse", src: "\n\na\n\n\n\nb\n\n", width: 40, want: []string{"a", "", "b"}},
		{name: "bullets and nesting", src: "- a\n  - b\n* c\n+ d", width: 40, want: []string{"• a", "  • b", "• c", "• d"}},
		{name: "numbers kept", src: "1. one\n2) two\n10. ten", width: 40, want: []string{"1. one", "2) two", "10. ten"}},
		{name: "hanging indent", src: "- aaa bbb ccc", width: 8, want: []string{"• aaa", "  bbb", "  ccc"}},
		{name: "list item continues under itself", src: "1. first\ncontinued here", width: 40, want: []string{"1. first", "   continued here"}},
		{name: "inline marks", src: "**b** *i* `c` ***bi*** __u__ _e_", width: 40, want: []string{"b i c bi u e"}},
		{name: "not emphasis", src: "2 * 3 * 4 and snake_case_name and a*b", width: 60, want: []string{"2 * 3 * 4 and snake_case_name and a*b"}},
		{name: "unclosed marks stay", src: "**open and `tick", width: 40, want: []string{"**open and `tick"}},
		{name: "escapes", src: `\*not italic\* and \_x\_`, width: 40, want: []string{"*not italic* and _x_"}},
		{name: "code span keeps stars", src: "use `a**b**c` here", width: 40, want: []string{"use a**b**c here"}},
		{name: "fenced code kept as written", src: "```go\nfunc  main() {}\n\n  x := 1\n```\nafter", width: 40,
			want: []string{"  func  main() {}", "  ", "    x := 1", "after"}},
		{name: "code hard-wraps", src: "```\nabcdefghij\n```", width: 6, want: []string{"  abcd", "  efgh", "  ij"}},
		{name: "rule", src: "a\n\n---\n\nb", width: 6, want: []string{"a", "", "──────", "", "b"}},
		{name: "quote", src: "> quoted\n> more", width: 40, want: []string{"│ quoted", "│ more"}},
		{name: "a quote in a quote", src: "> outer\n> > inner\n>> tight\n> outer again", width: 40, want: []string{"│ outer", "│ │ inner", "│ │ tight", "│ outer again"}},
		{name: "a list in a quote", src: "> - one\n> - two two two\n> 1. three", width: 12, want: []string{"│ • one", "│ • two two", "│   two", "│ 1. three"}},
		{name: "tabs reach the next tab stop", src: "```\na\tb\nabcde\tf\n\tg\n```", width: 40, want: []string{"  a   b", "  abcde   f", "      g"}},
		{name: "table in columns", src: "| Name | Value |\n|:---|---:|\n| alpha | 1 |\n| **b** | 22222 |", width: 40,
			want: []string{"Name  │ Value", "──────┼──────", "alpha │     1", "b     │ 22222"}},
		{name: "table cells wrap in their column", src: "| Option | What it does |\n|---|---|\n| `--fast` | runs the whole thing a lot faster |\n| x | y |", width: 24,
			want: []string{"Option │ What it does", "───────┼────────────────", "--fast │ runs the whole", "       │ thing a lot", "       │ faster", "x      │ y"}},
		{name: "table without header, escaped pipe", src: "| a \\| b | `c|d` |\n| e |", width: 40, want: []string{"a | b │ c|d", "e     │"}},
		{name: "table too narrow for its columns", src: "| a | b | c |", width: 5, want: []string{"| a |", " b | ", "c |"}},
		{name: "a table squeezed past its words is shown as written", src: "| header | another | third |\n|---|---|---|\n| alpha | beta | gamma |", width: 16,
			want: []string{"| header | anoth", "er | third |", "|---|---|---|", "| alpha | beta |", " gamma |"}},
		{name: "narrow cells keep a table in columns", src: "| n | word |\n|---|---|\n| 1 | a longer cell |", width: 14,
			want: []string{"n │ word", "──┼───────────", "1 │ a longer", "  │ cell"}},
		{name: "italics inside bold, closed together", src: "1. **Core Ideas in *Consciousness Explained***: more", width: 60, want: []string{"1. Core Ideas in Consciousness Explained: more"}},
		{name: "struck text shows without its marks", src: "~~strike~~ this, and a ~~ alone", width: 60, want: []string{"strike this, and a ~~ alone"}},
		{name: "an autolink shows its address", src: "auto <https://auto.example.com> here, <b> stays", width: 60, want: []string{"auto https://auto.example.com here, <b> stays"}},
		{name: "a reference link shows its text, an index does not", src: "see [the docs][1] and m[i][j]", width: 60, want: []string{"see the docs and m[i][j]"}},
		{name: "links show their text", src: "See [the **docs**](https://example.com/x_(y)) and ![alt text](img.png).", width: 60,
			want: []string{"See the docs and alt text."}},
		{name: "not links", src: "[not a link] (x), \\[escaped](y), [open(", width: 60, want: []string{"[not a link] (x), [escaped](y), [open("}},
		{name: "emoji are two cells", src: "👋 👋 👋", width: 5, want: []string{"👋 👋", "👋"}},
		{name: "wide text splits between characters", src: "漢字漢字漢字", width: 5, want: []string{"漢字", "漢字", "漢字"}},
		{name: "arrow and dash are one cell", src: "a ↔ b — c", width: 9, want: []string{"a ↔ b — c"}},
		{name: "escape sequences removed", src: "a\x1b[31mred\x1b[0m\r\tb", width: 40, want: []string{"a[31mred[0m b"}},
		{name: "bytes that are not UTF-8 are one cell each, as they are measured", src: "\xff_\xf4\xf4\xf4 0123456789\xb8\xf6\xa60 0", width: 16,
			want: []string{"\uFFFD_\uFFFD\uFFFD\uFFFD", "0123456789\uFFFD\uFFFD\uFFFD0 0"}},
		{name: "long word splits", src: "abcdefghijkl", width: 5, want: []string{"abcde", "fghij", "kl"}},
	}
	st := newStyles(renderer(termenv.Ascii))
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := st.renderMarkdown(tc.src, tc.width)
			for i := range got {
				got[i] = ansi.Strip(got[i])
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("renderMarkdown(%q, %d) =\n%q\nwant\n%q", tc.src, tc.width, got, tc.want)
			}
			for _, l := range got {
				if lipgloss.Width(l) > tc.width {
					t.Errorf("line %q is wider than %d", l, tc.width)
				}
			}
		})
	}
}

// A paragraph of marks that never close ("[[[[…", "*a *a …", which a model
// stuck repeating itself writes for pages) is shown whole, each mark as
// written. How long it takes is BenchmarkUnclosedMarks's to measure; that
// it cannot take the square of its length is the scans' shared budget,
// held below.
func TestUnclosedMarksAreShownAsWritten(t *testing.T) {
	st := newStyles(renderer(termenv.Ascii))
	for _, tc := range unclosedMarks {
		t.Run(tc.name, func(t *testing.T) {
			text := strings.Repeat(tc.unit, (20<<10)/len(tc.unit))
			lines := st.renderMarkdown(text, 80)
			if got, want := strings.Join(strings.Fields(ansi.Strip(strings.Join(lines, " "))), ""), strings.Join(strings.Fields(text), ""); got != want {
				t.Errorf("the text changed: %d bytes shown of %d", len(got), len(want))
			}
		})
	}
}

// unclosedMarks are paragraphs' units of marks that never close.
var unclosedMarks = []struct{ name, unit string }{
	{name: "brackets", unit: "["},
	{name: "links without their end", unit: "[a]("},
	{name: "stars", unit: "*a "},
	{name: "underscores", unit: "_a "},
	{name: "autolinks without their end", unit: "<https://"},
}

// The scans for marks' ends in one paragraph share one budget: once it
// is spent, every further scan finds nothing at once, so a paragraph's
// scanning is bounded by its length, whatever marks it holds.
func TestTheScansOfAParagraphShareABudget(t *testing.T) {
	for _, c := range []struct {
		name string
		scan func(in *inline) int
	}{
		{"index", func(in *inline) int { return in.index(strings.Repeat("a", 100)+"]", "]") }},
		{"indexAny", func(in *inline) int { return in.indexAny(strings.Repeat("a", 100)+">", "> ") }},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := inline{fuel: 250}
			if got := c.scan(&in); got != 100 || in.fuel != 149 {
				t.Fatalf("a scan within the budget found %d and left %d; want 100 and 149", got, in.fuel)
			}
			c.scan(&in)
			c.scan(&in) // the last the budget allows: it had 48 left
			if got := c.scan(&in); got != -1 || in.fuel > 0 {
				t.Errorf("a scan past the budget found %d, %d left; want -1 and nothing left", got, in.fuel)
			}
		})
	}
	if in := (inline{fuel: 10}); in.index(strings.Repeat("a", 1000), "]") != -1 || in.fuel > 0 {
		t.Errorf("a scan that finds nothing did not spend what it read")
	}
}

// BenchmarkUnclosedMarks renders 200 KB paragraphs of marks that never
// close beside one of plain words: each should cost about what the words
// do, not the square of its length.
func BenchmarkUnclosedMarks(b *testing.B) {
	const size = 200 << 10
	cases := append([]struct{ name, unit string }{{name: "words", unit: "word "}}, unclosedMarks...)
	for _, tc := range cases {
		b.Run(strings.ReplaceAll(tc.name, " ", "-"), func(b *testing.B) {
			st := newStyles(renderer(termenv.Ascii))
			text := strings.Repeat(tc.unit, size/len(tc.unit))
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				st.renderMarkdown(text, 80)
			}
		})
	}
}

func TestRenderRaw(t *testing.T) {
	st := newStyles(renderer(termenv.Ascii))
	got := st.renderRaw("### **Title**\n\n  - item one two\n\n\nend", 13)
	want := []string{"### **Title**", "", "  - item one", "  two", "", "", "end"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("renderRaw = %q, want %q", got, want)
	}
}

// Raw text is shown as written: runs of spaces kept, a tab up to the
// next tab stop, control bytes dropped, and long lines still wrapped to
// the width, at a run of spaces where there is one.
func TestRenderRawKeepsSpacing(t *testing.T) {
	st := newStyles(renderer(termenv.Ascii))
	cases := []struct {
		name  string
		src   string
		width int
		want  []string
	}{
		{"columns lined up with spaces", "name      qty   price\napple       3    1.20", 40,
			[]string{"name      qty   price", "apple       3    1.20"}},
		{"a code fence", "```\nx   =  1\n```", 40, []string{"```", "x   =  1", "```"}},
		{"tabs to the next tab stop", "Tabs:\tcol1\tcol2\n\tindented", 40,
			[]string{"Tabs:   col1    col2", "    indented"}},
		{"a long line wraps at a run of spaces", "aaaa    bbbb    cccc", 12,
			[]string{"aaaa    bbbb", "cccc"}},
		{"a wrapped line keeps its indent", "  ab   cd   ef", 9,
			[]string{"  ab   cd", "  ef"}},
		{"a word wider than the line is split", "abcdefghij  k", 4,
			[]string{"abcd", "efgh", "ij", "k"}},
		{"control bytes are dropped", "a\x1b[31m  b\x07", 40, []string{"a[31m  b"}},
		{"trailing spaces are not shown", "a  \n  ", 40, []string{"a", ""}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := st.renderRaw(c.src, c.width)
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("renderRaw(%q, %d) = %q; want %q", c.src, c.width, got, c.want)
			}
			for _, l := range got {
				if w := textWidth(l); w > c.width {
					t.Errorf("line %q is %d wide, more than %d", l, w, c.width)
				}
			}
		})
	}
}

func TestRenderStyles(t *testing.T) {
	st := newStyles(renderer(termenv.ANSI256))
	got := strings.Join(st.renderMarkdown("# Head\n**bold** `code`", 40), "\n")
	for _, want := range []string{"\x1b[1;", "Head", "bold", "code"} {
		if !strings.Contains(got, want) {
			t.Errorf("styled output %q lacks %q", got, want)
		}
	}
	if strings.Contains(got, "**") || strings.Contains(got, "`") {
		t.Errorf("markers left in styled output: %q", got)
	}
}

// TestSeedFitsEveryWidth renders every seed message at many widths: no
// line may be wider than asked, and no word may be lost.
func TestSeedFitsEveryWidth(t *testing.T) {
	seed, _ := transcripts.ReadEmbedded("transcripts/seed/kimi-k2-vs-grok-4.md")
	st := newStyles(renderer(termenv.ANSI256))
	for _, w := range []int{4, 9, 20, 37, 80, 131} {
		for i, m := range seed.Messages {
			for _, raw := range []bool{false, true} {
				var lines []string
				if raw {
					lines = st.renderRaw(m.Content, w)
				} else {
					lines = st.renderMarkdown(m.Content, w)
				}
				for _, l := range lines {
					if lw := lipgloss.Width(l); lw > w {
						t.Fatalf("message %d at width %d (raw %v): line %d wide: %q", i+1, w, raw, lw, ansi.Strip(l))
					}
				}
				if raw {
					if a, b := strings.Join(strings.Fields(m.Content), ""), strings.Join(strings.Fields(ansi.Strip(strings.Join(lines, " "))), ""); a != b {
						t.Fatalf("message %d at width %d: raw text changed", i+1, w)
					}
				}
			}
		}
	}
}

// BenchmarkMarkdown renders every seed message once, with this renderer
// and with glamour, side by side: the measurement behind choosing our own.
func BenchmarkMarkdown(b *testing.B) {
	seed, _ := transcripts.ReadEmbedded("transcripts/seed/kimi-k2-vs-grok-4.md")
	size := 0
	for _, m := range seed.Messages {
		size += len(m.Content)
	}
	b.Run("parley", func(b *testing.B) {
		st := newStyles(renderer(termenv.ANSI256))
		b.SetBytes(int64(size))
		for b.Loop() {
			for _, m := range seed.Messages {
				st.renderMarkdown(m.Content, 80)
			}
		}
	})
	b.Run("glamour", func(b *testing.B) {
		r, err := glamour.NewTermRenderer(glamour.WithStandardStyle("dark"), glamour.WithWordWrap(80), glamour.WithColorProfile(termenv.ANSI256))
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(size))
		for b.Loop() {
			for _, m := range seed.Messages {
				if _, err := r.Render(m.Content); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

// BenchmarkDelta is the cost of taking one streamed piece into the view
// and drawing it (Update plus View), with 10, 1,000 and 10,000 messages
// already in the conversation. It must not grow with the conversation.
func BenchmarkDelta(b *testing.B) {
	seed, _ := transcripts.ReadEmbedded("transcripts/seed/kimi-k2-vs-grok-4.md")
	for _, n := range []int{10, 1000, 10000} {
		b.Run(fmt.Sprintf("messages=%d", n), func(b *testing.B) {
			m := New(Config{Control: &fakeControl{}, Renderer: renderer(termenv.ANSI256)})
			m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
			m.Update(eventsMsg{{ev: started()}})
			evs := make(eventsMsg, n)
			for i := range evs {
				msg := seed.Messages[i%len(seed.Messages)]
				evs[i] = item{ev: orchestrator.MessageFinished{Index: i + 1, Message: msg}}
			}
			m.Update(evs)
			m.View()
			// The stream: the longest seed reply, in pieces of 4 runes.
			var pieces []string
			long := ""
			for _, msg := range seed.Messages {
				if len(msg.Content) > len(long) {
					long = msg.Content
				}
			}
			r := []rune(long)
			for i := 0; i < len(r); i += 4 {
				pieces = append(pieces, string(r[i:min(i+4, len(r))]))
			}
			index := n + 1
			m.Update(eventsMsg{{ev: orchestrator.TurnStarted{Index: index, Speaker: "grok-4"}}})
			k := 0
			b.ResetTimer()
			for b.Loop() {
				if k == len(pieces) { // the reply is complete: the next one starts
					m.Update(eventsMsg{{ev: orchestrator.MessageFinished{Index: index, Message: transcripts.Message{Speaker: "grok-4", Content: long}}}})
					index++
					m.Update(eventsMsg{{ev: orchestrator.TurnStarted{Index: index, Speaker: "grok-4"}}})
					k = 0
				}
				m.Update(eventsMsg{{ev: orchestrator.Delta{Index: index, Speaker: "grok-4", Text: pieces[k]}}})
				k++
				m.View()
			}
		})
	}
}

// TestTablesFitEveryWidth lays out tables with wide characters, styles and
// uneven rows at every width from 4 to 60: no line may be wider.
func TestTablesFitEveryWidth(t *testing.T) {
	st := newStyles(renderer(termenv.ANSI256))
	src := "| Model | 漢字 score | Notes |\n|:--|:-:|--:|\n| **gpt** | 0.91 | a rather long note that wraps 👋👋 |\n| kimi-k2-0905-preview | 0.88 |\n| x | | `code|cell` [link](u) |"
	for w := 4; w <= 60; w++ {
		for _, l := range st.renderMarkdown(src, w) {
			if lw := lipgloss.Width(l); lw > w {
				t.Fatalf("width %d: line %d wide: %q", w, lw, ansi.Strip(l))
			}
		}
	}
}

// Whatever a model writes renders without a panic, every line within the
// width.
func FuzzRenderMarkdown(f *testing.F) {
	for _, s := range []string{"**a *b***", "~~x~~ <https://a.b> [t][1] m[i][j]", "| a | b |\n|---|---|\n| c | d |", "```\ncode\n```", "> q\n- item\n1. n"} {
		f.Add(s, 20)
	}
	st := newStyles(renderer(termenv.Ascii))
	f.Fuzz(func(t *testing.T, src string, width int) {
		width = 4 + (width%120+120)%120
		for _, l := range st.renderMarkdown(src, width) {
			if w := ansi.StringWidth(l); w > width {
				t.Fatalf("renderMarkdown(%q, %d): line %q is %d wide", src, width, l, w)
			}
		}
	})
}
