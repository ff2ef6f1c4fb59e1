package tui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"github.com/parleyhq/parley/transcripts"
)

var liveSamples = []string{
	"Intro paragraph\nstill intro.\n\n```go\nfunc main() {\n\tfmt.Println(\"hi\")\n\n}\n```\nafter the code\n\n- item one\n  continued\n- item two\n# Heading\ntext",
	"para\n\n```\nunclosed code\nmore code\n",
	"> quote\n> more\n\n| a | b |\n|---|---|\n| 1 | two words |\n\nSee [the docs](https://example.com/x_(y)) and ![alt text](img.png).",
	"1. first\ncontinued here\n2. second\n\n\n\n~~~\ntilde fence\n~~~\n\n***\n\nend  \nhard break",
	"CRLF line\r\n\r\n```\r\ncode\r\n```\r\ndone\r\n",
	"",
	"\n\n\n",
	"```\n" + strings.Repeat("x", 300) + "\n```",
	"Wide 漢字漢字 text 👋 and a line that is long enough to wrap at narrow widths for sure.\n\n## Head **bold** `code`",
}

// streamLive feeds text to a liveDoc in pieces of n bytes, rendering after
// each piece as the view does, and returns the last frame's lines.
func streamLive(st *styles, text string, n, width, height int, raw bool) []string {
	var d liveDoc
	var lines []string
	for i := 0; i < len(text) || i == 0; i += n {
		lines = d.render(st, text[:min(i+n, len(text))], "head", "│", width, height, raw)
		if i+n >= len(text) {
			break
		}
	}
	return append([]string(nil), lines[1:]...)
}

func wholeRender(st *styles, text string, width int, raw bool) []string {
	var lines []string
	if raw {
		lines = st.renderRaw(text, width-2)
	} else {
		lines = st.renderMarkdown(text, width-2)
	}
	gutterLines(lines, "│")
	return lines
}

// TestLiveDocMatchesFinished: what the live view shows once every piece has
// arrived is what the finished message shows, however the text was cut.
func TestLiveDocMatchesFinished(t *testing.T) {
	st := newStyles(renderer(termenv.ANSI256))
	seed, _ := transcripts.ReadEmbedded("transcripts/seed/kimi-k2-vs-grok-4.md")
	texts := append([]string(nil), liveSamples...)
	for _, m := range seed.Messages {
		texts = append(texts, m.Content)
	}
	for ti, text := range texts {
		for _, width := range []int{100, 41, 9} {
			for _, raw := range []bool{false, true} {
				for _, n := range []int{1, 3, 7, 64} {
					if n < 7 && ti >= len(liveSamples) {
						continue // the seed in larger pieces: it is long
					}
					got := streamLive(st, text, n, width, 40, raw)
					want := wholeRender(st, text, width, raw)
					if strings.Join(got, "\n") != strings.Join(want, "\n") {
						t.Fatalf("text %d, width %d, raw %v, pieces of %d: streamed\n%s\nfinished\n%s", ti, width, raw, n,
							ansi.Strip(strings.Join(got, "\n")), ansi.Strip(strings.Join(want, "\n")))
					}
				}
			}
		}
	}
}

// TestLiveDocFillsTheScreen: of a paragraph longer than the screen, a
// frame renders only the end, but enough of it to fill the screen.
func TestLiveDocFillsTheScreen(t *testing.T) {
	st := newStyles(renderer(termenv.Ascii))
	for _, text := range []string{
		strings.Repeat("word ", 20000),
		strings.Repeat("漢字👋 ", 20000),
		strings.Repeat("a line of its own\n", 5000),
	} {
		var d liveDoc
		lines := d.render(st, text, "head", "│", 30, 24, false)
		if len(lines)-1 < 24 {
			t.Fatalf("%d lines for a %d-byte paragraph; want the screen filled", len(lines)-1, len(text))
		}
		if len(lines) > 2000 {
			t.Fatalf("%d lines rendered for a screen of 24", len(lines))
		}
	}
}

// TestLiveDocKeepsCompleteCodeLines: inside a code block each complete
// line is rendered once, so the frame's tail is the unfinished line alone.
func TestLiveDocKeepsCompleteCodeLines(t *testing.T) {
	st := newStyles(renderer(termenv.Ascii))
	var d liveDoc
	text := "```\n" + strings.Repeat("some code here\n", 1000) + "unfinished"
	d.render(st, text, "head", "│", 80, 40, false)
	if d.at != len(text)-len("unfinished") {
		t.Fatalf("rendered up to %d of %d: complete code lines are not kept", d.at, len(text))
	}
	if d.body != 1000 {
		t.Fatalf("kept %d lines, want 1000", d.body)
	}
}

// liveText is a message of size bytes that ends inside one unfinished
// code block or paragraph, followed by room bytes more of the same, as
// the pieces still to arrive: text[:size+k] is the message after k bytes.
func liveText(kind string, size, room int) string {
	var b strings.Builder
	line := "\tif err := check(value, 42); err != nil { return fmt.Errorf(\"wrapped: %w\", err) }\n"
	if kind == "code" {
		b.WriteString("Here is the file:\n\n```go\n")
	} else {
		line = "and the paragraph goes on with more words about nothing in particular "
	}
	for b.Len() < size+room {
		b.WriteString(line)
	}
	return b.String()
}

// BenchmarkLiveFrame is the cost of one frame of the message in flight
// (four more bytes arrive, the live block is rendered) inside one
// unfinished code block, and one unfinished paragraph, of growing size, on
// a 120×40 screen. It must stay flat, under 2 ms.
func BenchmarkLiveFrame(b *testing.B) {
	st := newStyles(renderer(termenv.ANSI256))
	for _, kind := range []string{"code", "paragraph"} {
		for _, size := range []int{7 << 10, 64 << 10, 256 << 10, 5 << 20} {
			b.Run(fmt.Sprintf("%s=%dKB", kind, size>>10), func(b *testing.B) {
				const room = 256 << 10
				text := liveText(kind, size, room)
				var d liveDoc
				d.render(st, text[:size], "head", "│", 120, 40, false)
				k := 0
				for b.Loop() {
					if k += 4; k > room {
						b.StopTimer()
						d, k = liveDoc{}, 4
						d.render(st, text[:size], "head", "│", 120, 40, false)
						b.StartTimer()
					}
					d.render(st, text[:size+k], "head", "│", 120, 40, false)
				}
			})
		}
	}
}
