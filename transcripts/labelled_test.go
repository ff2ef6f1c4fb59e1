package transcripts

import (
	"strings"
	"testing"
)

func TestLabelOf(t *testing.T) {
	cases := []struct {
		name, line string
		form       uint8
		speaker    string
		rest       string
		ok         bool
	}{
		{"level-two heading", "## Claude", 2, "Claude", "", true},
		{"heading with a colon and closing marks", "### Claude 3 Opus: ###", 3, "Claude 3 Opus", "", true},
		{"heading in bold", "#### **GPT-4o**", 4, "GPT-4o", "", true},
		{"heading with CR", "# Model A\r", 1, "Model A", "", true},
		{"seven marks is no heading", "####### Claude", 0, "", "", false},
		{"no space after the marks", "##Claude", 0, "", "", false},
		{"a heading that is a sentence", "## Why this matters.", 2, "Why this matters.", "", false},
		{"a heading too long for a name", "## " + strings.Repeat("word ", 6), 2, "", "", false},
		{"bold name, colon inside", "**Claude:** Hello there.", labelBold, "Claude", "Hello there.", true},
		{"bold name, colon after", "**GPT** : Hi.", labelBold, "GPT", "Hi.", true},
		{"bold text that is no label", "**Important** things first.", 0, "", "", false},
		{"bold name alone", "**Assistant**", labelBold, "Assistant", "", true},
		{"bold sentence alone", "**This matters a great deal.**", labelBold, "", "", false},
		{"plain name", "User 1: hello", labelPlain, "User 1", "hello", true},
		{"plain name alone", "Claude:", labelPlain, "Claude", "", true},
		{"bracketed name", "[Claude 3 Opus]: hi", labelPlain, "Claude 3 Opus", "hi", true},
		{"angle-bracketed name in bold", "**<GPT-4o>:** hi", labelBold, "GPT-4o", "hi", true},
		{"a link in brackets is no name", "[see here](https://x.y): now", labelPlain, "", "", false},
		{"a time", "12:30 is late", 0, "", "", false},
		{"a link", "https://example.com", 0, "", "", false},
		{"a sentence ending in a colon", "Here is what I think about it, at length:", labelPlain, "", "", false},
		{"quoted name", `"Claude": hi`, labelPlain, "", "", false},
		{"a list item", "- Claude: hi", labelPlain, "", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			form, name, rest, ok := labelOf(c.line)
			if ok != c.ok {
				t.Fatalf("labelOf(%q) ok = %v, want %v (name %q)", c.line, ok, c.ok, name)
			}
			if !ok {
				return
			}
			if form != c.form || name != c.speaker || rest != c.rest {
				t.Errorf("labelOf(%q) = %d, %q, %q; want %d, %q, %q", c.line, form, name, rest, c.form, c.speaker, c.rest)
			}
		})
	}
}

// A file is read as speaker-labelled only when two recurring names take
// turns; documents with headings are not conversations.
func TestLooksLabelled(t *testing.T) {
	cases := []struct {
		name, text string
		want       bool
	}{
		{"two speakers taking turns", "## A\nhi\n## B\nyo\n## A\nok\n## B\nbye\n", true},
		{"a third name said once stays text", "**A:** hi\n**B:** yo\n**Note:** x\n**A:** ok\n**B:** bye\n", true},
		{"a document's sections", "# Guide\n## Install\nrun\n## Usage\nuse\n## Licence\nMIT\n", false},
		{"one speaker only", "A: one\nA: two\nA: three\n", false},
		{"recurring names that never take turns", "## Added\n- a\n## Added\n- b\n## Fixed\n- c\n## Fixed\n- d\n## Fixed\n- e\n## Added\n- f\n", false},
		{"three messages: the one said once is not a speaker", "## A\nhi\n## B\nyo\n## A\nok\n", false},
		{"three messages under a title naming both", "# A ↔ B\n\n## A\nhi\n## B\nyo\n## A\nok\n", true},
		{"two messages under an A vs B title", "# Claude vs GPT\n\n**Claude:** hi\n\n**GPT:** yo\n", true},
		{"a title naming others", "# A ↔ B\n\n## C\nhi\n## D\nyo\n## C\nok\n", false},
		{"prose", "It was late. We talked: about the sea, about nothing.\nThen we slept.\n", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := looksLabelled(c.text); got != c.want {
				t.Errorf("looksLabelled = %v, want %v", got, c.want)
			}
		})
	}
}

func TestSeparatorLine(t *testing.T) {
	for line, want := range map[string]bool{"---": true, "***": true, "___": true, "* * *": true, " -----\r": true, "--": false, "-*-": false, "--- x": false, "": false} {
		if got := separatorLine(line); got != want {
			t.Errorf("separatorLine(%q) = %v, want %v", line, got, want)
		}
	}
}

// FuzzParseLabelled: whatever the labelled reader accepts has at least two
// speakers, each a one-line name, and every line of every message is a
// line, or the end of a line, of the input.
func FuzzParseLabelled(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, err := parseLabelled(string(data))
		if err != nil {
			return
		}
		in := strings.ReplaceAll(string(data), "\r", "")
		speakers := map[string]bool{}
		for _, m := range tr.Messages {
			if m.Origin != OriginModerator {
				speakers[m.Speaker] = true
			}
			if strings.ContainsAny(m.Speaker, "\r\n") || !validName(m.Speaker) && m.Origin != OriginModerator {
				t.Fatalf("speaker %q", m.Speaker)
			}
			for _, l := range strings.Split(m.Content, "\n") {
				if !strings.Contains(in, l) {
					t.Fatalf("message line %q is not in the input", l)
				}
			}
		}
		if len(speakers) < 2 {
			t.Fatalf("accepted with speakers %v", speakers)
		}
	})
}

// A role-playing framework's log labels its speakers on lines of their own
// and fills each message with fields of the same form ("Instruction: …",
// "Input: None"); the fields stay in the messages. Where the speakers'
// labels hold text, every recurring name is a speaker, as before.
func TestParseLabelledFields(t *testing.T) {
	cases := []struct {
		name, text string
		speakers   []string
		first      string
	}{
		{"fields under labels alone on their lines",
			"AI User:\n\nInstruction: plan the data module.\nInput: None\n\nAI Assistant:\n\nSolution: use pandas.\nNext request.\n\n" +
				"AI User:\n\nInstruction: add the risk module.\nInput: None\n\nAI Assistant:\n\nSolution: cap each position.\nNext request.\n",
			[]string{"AI User", "AI Assistant", "AI User", "AI Assistant"},
			"Instruction: plan the data module.\nInput: None"},
		{"fields under labels that hold text and open paragraphs",
			"AI User: Instruction: plan the data module.\nInput: None\n\nAI Assistant: Solution: use pandas.\nNext request.\n\n" +
				"AI User: Instruction: add the risk module.\nInput: None\n\nAI Assistant: Solution: cap each position.\nNext request.\n",
			[]string{"AI User", "AI Assistant", "AI User", "AI Assistant"},
			"Instruction: plan the data module.\nInput: None"},
		{"three speakers whose labels hold text",
			"A: hi\nB: yo\nC: hm\nA: ok\nB: bye\nC: so\n",
			[]string{"A", "B", "C", "A", "B", "C"},
			"hi"},
		{"a name alone on its line once, among speakers whose labels hold text",
			"A: hi\nB:\nyo\nA: ok\nB: bye\nNote: x\nA: so\nB: fine\nNote: y\n",
			[]string{"A", "B", "A", "B", "Note", "A", "B", "Note"},
			"hi"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tr, err := parseLabelled(c.text)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, m := range tr.Messages {
				got = append(got, m.Speaker)
			}
			if strings.Join(got, "|") != strings.Join(c.speakers, "|") {
				t.Fatalf("speakers %q, want %q", got, c.speakers)
			}
			if tr.Messages[0].Content != c.first {
				t.Errorf("first message %q, want %q", tr.Messages[0].Content, c.first)
			}
		})
	}
}
