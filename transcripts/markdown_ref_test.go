package transcripts

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// parseMarkdownRef is how parley Markdown was read before ParseMarkdown
// sliced by offset: the file split into lines and each message's lines
// joined again. ParseMarkdown must read every file alike.
func parseMarkdownRef(data []byte) (*Transcript, error) {
	text := string(data)
	text = strings.TrimPrefix(text, "\ufeff")
	lines := strings.Split(text, "\n")
	t := &Transcript{}
	i := 0
	for i < len(lines) && strings.TrimSpace(lines[i]) == "" {
		i++
	}
	if i >= len(lines) || !strings.HasPrefix(lines[i], "# ") {
		return nil, &ParseError{Line: i + 1, Msg: `expected a "# A ↔ B" title line`}
	}
	t.Title = strings.TrimSuffix(lines[i][2:], "\r")
	i++
	for ; i < len(lines); i++ {
		l := strings.TrimSuffix(lines[i], "\r")
		if l == "---" {
			i++
			break
		}
		if k, v, ok := headerField(l); ok {
			switch k {
			case "Started":
				t.Started, _ = time.ParseInLocation(TimeLayout, v, time.Local)
			case "Ended":
				t.Ended, _ = time.ParseInLocation(TimeLayout, v, time.Local)
			case "Messages":
				if _, err := strconv.Atoi(v); err != nil && v != "" {
					return nil, &ParseError{Line: i + 1, Msg: fmt.Sprintf("**Messages:** is %q, not a number", v)}
				}
			}
		}
	}
	for i < len(lines) {
		l := strings.TrimSuffix(lines[i], "\r")
		if strings.TrimSpace(l) == "" {
			i++
			continue
		}
		if !strings.HasPrefix(l, "### ") {
			return nil, &ParseError{Line: i + 1, Msg: fmt.Sprintf("expected a \"### Speaker\" line, found %q", clip(l))}
		}
		m := parseSpeaker(l[4:])
		start := i + 1
		j := start
		for j < len(lines) && strings.TrimSuffix(lines[j], "\r") != "---" {
			j++
		}
		body := lines[start:j]
		if len(body) > 0 && isBlankLine(body[0]) {
			body = body[1:]
		}
		if j < len(lines) && len(body) > 0 && isBlankLine(body[len(body)-1]) {
			body = body[:len(body)-1]
		} else if j >= len(lines) {
			for len(body) > 0 && isBlankLine(body[len(body)-1]) {
				body = body[:len(body)-1]
			}
		}
		for k, b := range body {
			body[k] = unescapeLine(b)
		}
		m.Content = strings.Join(body, "\n")
		t.Messages = append(t.Messages, m)
		i = j + 1
	}
	return t, nil
}

var markdownCases = []string{
	"# A ↔ B\n\n**Started:** 2025-10-26 13:08:38\n**Ended:** \n**Messages:** 2\n\n---\n\n### A\n\nhi\n\n---\n\n### B\n\nyo\n\n---\n\n",
	"# A ↔ B\r\n\r\n**Messages:** 1\r\n\r\n---\r\n\r\n### A\r\n\r\nline\r\n\\---\r\n\\\\---\r\n\r\n---\r\n",
	"# T\n---\n### A\n---\n### B (injected)\n\n\n\n---\n### A (interrupted)\n\ntorn\n\n\n",
	"# T\n---\n### A",
	"# T\n---\n### A\n",
	"# T\n---\n### A\n\n",
	"# T\n---\n### A\nno blank\n---",
	"# T\n---\n### A\n\nx\n---\r\n### B\n\ny\n---\r\r\nnot a separator\n---\n",
	"\n\n  \n",
	"",
	"# T\n**Messages:** many\n---\n",
	"# T\n---\nnot a heading\n",
	"# T\n---\n### Moderator\n\nnote\n\n---\n\n### A\n\n\\---\n\n---\n",
	"# T\n---\n### A\n\n---x\n----\n--- \n---\n",
}

func TestParseMarkdownAsBefore(t *testing.T) {
	for _, c := range markdownCases {
		checkMarkdownAsBefore(t, []byte(c))
	}
	files, _ := filepath.Glob("../../shared/corpus/attractors/*.md")
	seed, _ := filepath.Glob("seed/*.md")
	corpus, _ := filepath.Glob("corpus/*.md")
	for _, f := range append(append(files, seed...), corpus...) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		checkMarkdownAsBefore(t, data)
	}
}

func checkMarkdownAsBefore(t *testing.T, data []byte) {
	t.Helper()
	got, gerr := ParseMarkdown(data)
	want, werr := parseMarkdownRef(data)
	if !reflect.DeepEqual(gerr, werr) || !reflect.DeepEqual(got, want) {
		t.Fatalf("ParseMarkdown(%q) = %+v, %v; before: %+v, %v", data, got, gerr, want, werr)
	}
}

func FuzzParseMarkdownAsBefore(f *testing.F) {
	for _, c := range markdownCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkMarkdownAsBefore(t, data) })
}

// BenchmarkParseMarkdown reads the real Markdown corpus in
// ../shared/corpus/attractors (the files parley's reader accepts), now
// and as before, in one run.
func BenchmarkParseMarkdown(b *testing.B) {
	files, _ := filepath.Glob("../../shared/corpus/attractors/*.md")
	var all [][]byte
	size := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := ParseMarkdown(data); err != nil {
			continue // the corpus's own unescaped separators
		}
		all = append(all, data)
		size += len(data)
	}
	if len(all) == 0 {
		b.Skip("../shared/corpus is absent: no real Markdown transcripts to read")
	}
	for _, c := range []struct {
		name  string
		parse func([]byte) (*Transcript, error)
	}{{"now", ParseMarkdown}, {"before", parseMarkdownRef}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				for _, d := range all {
					c.parse(d)
				}
			}
		})
	}
}
