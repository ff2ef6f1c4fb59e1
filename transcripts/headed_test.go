package transcripts

import (
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// headedRef is how "### Name ###" files were read before ParseHeaded sliced
// by offset: a regular expression on every line, and each message's lines
// split and joined again. ParseHeaded must read every file alike.
var headedRef = regexp.MustCompile(`^###[ \t]+(\S(?:.*\S)?)[ \t]+###[ \t]*\r?$`)

func parseHeadedRef(data []byte) (*Transcript, error) {
	lines := strings.Split(strings.TrimPrefix(string(data), "\ufeff"), "\n")
	// The headings, by line, but for those on the lines skip marks (at is
	// the line).
	headings := func(skip []bool) []heading {
		var hs []heading
		for i, l := range lines {
			if m := headedRef.FindStringSubmatch(l); m != nil && (skip == nil || !skip[i]) {
				stacked := len(hs) > 0
				for _, between := range lines[min(i, hs0(hs)+1):i] {
					stacked = stacked && strings.TrimSpace(between) == ""
				}
				hs = append(hs, heading{at: i, name: m[1], stacked: stacked})
			}
		}
		return hs
	}
	hs := headings(nil)
	// Headings inside code blocks, as the labelled reader reads labels
	// there: an example log's (quotedLog), and all of them when that
	// mends a speaker following itself.
	if fenced := fencedLines(lines); fenced != nil && len(hs) > 0 {
		var seq []speakerLabel
		for _, h := range speaking(hs) {
			seq = append(seq, speakerLabel{line: h.at, name: h.name})
		}
		if quoted := quotedLog(lines, seq, fenced); quoted != nil {
			if f := headings(quoted); twoSpeakers(headingNames(speaking(f))) {
				hs = f
			}
		}
		if plain := headingNames(speaking(hs)); repeats(plain) > 0 {
			if f := headings(fenced); betterSkipping(plain, headingNames(speaking(f))) {
				hs = f
			}
		}
	}
	// Kept as speaking keeps them.
	hs = speaking(hs)
	if len(hs) == 0 {
		return nil, &ParseError{Line: 1, Msg: `no "### Name ###" heading found`}
	}
	body := func(from, to int) string {
		ls := slices.Clone(lines[from:to])
		for i := range ls {
			ls[i] = strings.TrimSuffix(ls[i], "\r")
		}
		return trimBlankLinesRef(ls)
	}
	t := &Transcript{}
	var system []string
	for k, h := range hs {
		next := len(lines)
		if k+1 < len(hs) {
			next = hs[k+1].at
		}
		m := Message{Speaker: h.name, Content: body(h.at+1, next)}
		switch strings.ToLower(h.name) {
		case "system", "developer":
			if len(t.Messages) == 0 {
				system = append(system, m.Content)
				continue
			}
			m.Speaker, m.Origin = ModeratorSpeaker, OriginModerator
		case "moderator":
			m.Speaker, m.Origin = ModeratorSpeaker, OriginModerator
		}
		t.Messages = append(t.Messages, m)
	}
	if p := body(0, hs[0].at); p != "" || len(system) > 0 {
		t.Run = &Run{Preamble: p, System: strings.Join(system, "\n\n")}
	}
	footerOfLast(t) // an exporter's footer after the last message (cutFooter)
	t.Title = defaultTitle(t)
	return t, nil
}

// hs0 is the line of the last heading of hs (-1 when there is none).
func hs0(hs []heading) int {
	if len(hs) == 0 {
		return -1
	}
	return hs[len(hs)-1].at
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
	"### A ###\nhi\n### B ###\nyo\n\n=====\nExported 2 message(s)\n=====\n",
	"### A ###\nls\n### B ###\n### WARNING ###\nx\n### A ###\ncat\n### B ###\n \n### WARNING ###\ny\n### A ###\nq\n### B ###\nz\n",
	"### A ###\n### B ###\n### A ###\n### B ###\n",
	"### A ###\nx\n```\n### A ###\n```\n### B ###\ny\n### A ###\nz\n### B ###\nw\n",
	"### A ###\n\nlog:\n\n```\n### B ###\nhello\n### A ###\nhi\n```\n\n### B ###\n\nyes\n\n### A ###\n\nno\n\n### B ###\n\nok\n",
	"### A ###\n\nlog:\n\n```\n### H ###\n\nhello\n\n### I ###\n\nhi\n\n### H ###\n\nbye\n\n### I ###\n\nbye\n```\n\n### B ###\n\nyes\n\n### A ###\n\nno\n\n### B ###\n\nok\n",
}

func TestParseHeadedAsBefore(t *testing.T) {
	for _, c := range headedCases {
		checkHeadedAsBefore(t, []byte(c))
	}
	files, _ := corpusFiles(t, "backrooms")
	for _, f := range files {
		checkHeadedAsBefore(t, f.data)
	}
	if len(files) == 0 {
		t.Log("../shared/corpus/backrooms is absent: only the cases above were read both ways, not its 45 real logs")
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
		checkFencedSpans(t, string(data))
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

// TestHeadedHeadingsInsideMessages holds the "### Name ###" reader to the
// headings that start a message: models draw the same marks inside their
// messages (boxes, banners), and those lines stay the message's own.
func TestHeadedHeadingsInsideMessages(t *testing.T) {
	cases := []struct {
		name   string
		in     string
		want   []said
		system string
	}{
		{
			name: "a box drawn with ### is the message's",
			in:   "### A ###\nhi\n### B ###\n### ### ###\n#       #\n### ### ###\nhere is your box\n### A ###\nnice\n",
			want: []said{{"A", "hi"}, {"B", "### ### ###\n#       #\n### ### ###\nhere is your box"}, {"A", "nice"}},
		},
		{
			name: "a banner heard once, after both sides spoke twice, is the message's",
			in:   "### A ###\none\n### B ###\ntwo\n### A ###\nthree\n### B ###\n### SYSTEM ALERT ###\nreality buffer overflow\n### A ###\nfour\n",
			want: []said{{"A", "one"}, {"B", "two"}, {"A", "three"}, {"B", "### SYSTEM ALERT ###\nreality buffer overflow"}, {"A", "four"}},
		},
		{
			name: "a short conversation keeps every heading",
			in:   "### A ###\none\n### B ###\ntwo\n### A ###\nthree\n",
			want: []said{{"A", "one"}, {"B", "two"}, {"A", "three"}},
		},
		{
			name: "a third speaker who speaks twice is a speaker",
			in:   "### A ###\n1\n### B ###\n2\n### C ###\n3\n### A ###\n4\n### B ###\n5\n### C ###\n6\n",
			want: []said{{"A", "1"}, {"B", "2"}, {"C", "3"}, {"A", "4"}, {"B", "5"}, {"C", "6"}},
		},
		{
			name:   "a System heading before every message is the system prompt",
			in:     "### System ###\nYou are two AIs.\n### A ###\none\n### B ###\ntwo\n### A ###\nthree\n### B ###\nfour\n",
			want:   []said{{"A", "one"}, {"B", "two"}, {"A", "three"}, {"B", "four"}},
			system: "You are two AIs.",
		},
		{
			name: "a Moderator heading is a moderator's note",
			in:   "### A ###\none\n### B ###\ntwo\n### Moderator ###\nwrap up\n### A ###\nthree\n### B ###\nfour\n",
			want: []said{{"A", "one"}, {"B", "two"}, {ModeratorSpeaker, "wrap up"}, {"A", "three"}, {"B", "four"}},
		},
		{
			name: "a one-off heading before the speakers' first is kept",
			in:   "### Opening ###\nBegin.\n### A ###\none\n### B ###\ntwo\n### A ###\nthree\n### B ###\nfour\n",
			want: []said{{"Opening", "Begin."}, {"A", "one"}, {"B", "two"}, {"A", "three"}, {"B", "four"}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			checkHeadedAsBefore(t, []byte(c.in))
			tr, err := ParseHeaded([]byte(c.in))
			if err != nil {
				t.Fatal(err)
			}
			readAs(t, tr, c.want, c.system)
		})
	}
}

// A banner a message opens with each time ("### WARNING ###" right under
// the speaker's heading) is the message's own line, not a third speaker
// whose every turn follows an empty message.
func TestHeadedBannersUnderTheSpeakersHeading(t *testing.T) {
	data := "### Claude 1 ###\nls -la\n\n### Claude 2 ###\n### WARNING ###\ntotal 4\n\n### Claude 1 ###\ncat readme.txt\n\n" +
		"### Claude 2 ###\n\n### WARNING ###\nhello world\n\n### Claude 1 ###\nexit\n\n### Claude 2 ###\nbye\n"
	tr, err := ParseHeaded([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	var speakers []string
	for _, m := range tr.Messages {
		speakers = append(speakers, m.Speaker)
	}
	if want := []string{"Claude 1", "Claude 2", "Claude 1", "Claude 2", "Claude 1", "Claude 2"}; !slices.Equal(speakers, want) {
		t.Fatalf("speakers %q; want %q", speakers, want)
	}
	if got := tr.Messages[1].Content; got != "### WARNING ###\ntotal 4" {
		t.Errorf("message 2 is %q; want the banner and the text under it", got)
	}
	if got := tr.Messages[3].Content; got != "### WARNING ###\nhello world" {
		t.Errorf("message 4 is %q; want the banner and the text under it", got)
	}
}
