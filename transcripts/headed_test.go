package transcripts

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// headedRef is how "### Name ###" files were read before ParseHeaded sliced
// by offset: a regular expression on every line, and each message's lines
// split and joined again. ParseHeaded must read every file alike.
var headedRef = regexp.MustCompile(`^###[ \t]+(\S(?:.*\S)?)[ \t]+###[ \t]*\r?$`)

func parseHeadedRef(data []byte) (*Transcript, error) {
	lines := strings.Split(strings.TrimPrefix(string(data), "\ufeff"), "\n")
	t := &Transcript{}
	var cur *Message
	var body, preamble []string
	finish := func() {
		if cur == nil {
			return
		}
		cur.Content = trimBlankLinesRef(body)
		t.Messages = append(t.Messages, *cur)
		cur, body = nil, nil
	}
	for _, l := range lines {
		if m := headedRef.FindStringSubmatch(l); m != nil {
			finish()
			cur = &Message{Speaker: m[1]}
			continue
		}
		l = strings.TrimSuffix(l, "\r")
		if cur == nil {
			preamble = append(preamble, l)
			continue
		}
		body = append(body, l)
	}
	finish()
	if len(t.Messages) == 0 {
		return nil, &ParseError{Line: 1, Msg: `no "### Name ###" heading found`}
	}
	if p := trimBlankLinesRef(preamble); p != "" {
		t.Run = &Run{Preamble: p}
	}
	t.Title = defaultTitle(t)
	return t, nil
}

func trimBlankLinesRef(ls []string) string {
	for len(ls) > 0 && strings.TrimSpace(ls[0]) == "" {
		ls = ls[1:]
	}
	for len(ls) > 0 && strings.TrimSpace(ls[len(ls)-1]) == "" {
		ls = ls[:len(ls)-1]
	}
	return strings.Join(ls, "\n")
}

var headedCases = []string{
	headedSample,
	"Log of a run\r\n\r\n### A ###\r\nhi\r\n### B ###\r\nyo\r\n",
	"### a ### b ###\nx\n###\tc\t###\t \r\nline\r\r\n\r\n",
	"### ###\n####  x  ####\n### a\f ###\n### \va ###\n###  ###  ###\n",
	"\ufeff\u00a0\n\u3000 \n### Ünïcode 名前 ###\n\u00a0text\u00a0\n\u0085\n",
	"no heading here\n",
	"### A ###",
	"### A ###\n",
	"### A ###\n### B ###\n\n\n### A ###\n  indented\n\n  \n",
	"### A ###\r",
	"pre\n### A ###\rnot a heading\n",
}

func TestParseHeadedAsBefore(t *testing.T) {
	for _, c := range headedCases {
		checkHeadedAsBefore(t, []byte(c))
	}
	files, _ := corpusFiles(t, "backrooms")
	for _, f := range files {
		checkHeadedAsBefore(t, f.data)
	}
}

func checkHeadedAsBefore(t *testing.T, data []byte) {
	t.Helper()
	got, gerr := ParseHeaded(data)
	want, werr := parseHeadedRef(data)
	if (gerr == nil) != (werr == nil) || !reflect.DeepEqual(got, want) {
		t.Fatalf("ParseHeaded(%q) = %+v, %v; before: %+v, %v", data, got, gerr, want, werr)
	}
}

func FuzzParseHeadedAsBefore(f *testing.F) {
	for _, c := range headedCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkHeadedAsBefore(t, data)
		for _, l := range strings.Split(string(data), "\n") {
			name, ok := headingName(l)
			m := headedRef.FindStringSubmatch(l)
			if ok != (m != nil) || ok && name != m[1] {
				t.Fatalf("headingName(%q) = %q, %v; the expression reads %q", l, name, ok, m)
			}
		}
	})
}

// BenchmarkParseHeaded reads the real "### Name ###" corpus in
// ../shared/corpus/backrooms, now and as before, in one run.
func BenchmarkParseHeaded(b *testing.B) {
	all, size := corpusFiles(b, "backrooms")
	if len(all) == 0 {
		b.Skip("../shared/corpus is absent: no real headed transcripts to read")
	}
	for _, c := range []struct {
		name  string
		parse func([]byte) (*Transcript, error)
	}{{"now", ParseHeaded}, {"before", parseHeadedRef}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				for _, d := range all {
					if _, err := c.parse(d.data); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
