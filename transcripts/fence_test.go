package transcripts

import (
	"strings"
	"testing"
)

// A line inside a message's code block that looks like a label, a
// heading or a "---" line is the message's text, in every layout where
// a line starts a message.
func TestLabelsInsideCodeBlocksAreText(t *testing.T) {
	cases := []struct {
		name, file string
		speakers   string
		inside     string // text message 1 or 2 holds
	}{
		{"headings", "## Model A\n\nHere is a format:\n\n```\n## Model B\n\nnot a real message\n```\n\nWhat do you think?\n\n## Model B\n\nLooks fine. Compare:\n\n```text\n## Model A\nalso not real\n```\n\n## Model A\n\nAgreed.\n\n## Model B\n\nGood.\n",
			"Model A|Model B|Model A|Model B", "## Model B\n\nnot a real message"},
		{"a dict key that is a speaker's name", "A: Write a Python dict literal.\nB: Here it is:\n```python\nconfig = {\nA: 1,\n}\n```\nA: Nice.\nB: Thanks.\nA: Bye.\nB: Bye.\n",
			"A|B|A|B|A|B", "config = {\nA: 1,\n}"},
		{"bold labels, tildes", "**Alice:** Show me your line.\n\n**Bob:** Like this:\n\n~~~\n**Bob:** hello\n~~~\n\n**Alice:** Thanks.\n\n**Bob:** Sure.\n\n**Alice:** Bye.\n\n**Bob:** Bye.\n",
			"Alice|Bob|Alice|Bob|Alice|Bob", "**Bob:** hello"},
		{"an example log of the speakers' own names, taking turns", "Claude: Here is how a log of ours looks:\n\n```\nGPT: hello\nClaude: hi there\n```\n\nThat is the shape.\n\nGPT: Thanks. And errors?\n\nClaude: They look different.\n\nGPT: Got it.\n",
			"Claude|GPT|Claude|GPT", "```\nGPT: hello\nClaude: hi there\n```\n\nThat is the shape."},
		{"bold labels of the speakers' own names, taking turns", "**Claude:** Here is how a log of ours looks:\n\n```\n**GPT:** hello\n**Claude:** hi there\n```\n\n**GPT:** Thanks. And errors?\n\n**Claude:** They look different.\n\n**GPT:** Got it.\n",
			"Claude|GPT|Claude|GPT", "**GPT:** hello\n**Claude:** hi there"},
		{"an example log of other names, a paragraph each", "Claude: Here is a chat log:\n\n```\nHuman: hello\n\nAI: hi there\n\nHuman: how are you\n\nAI: fine\n```\n\nThat is the shape.\n\nGPT: Thanks. And errors?\n\nClaude: They look different.\n\nGPT: Got it.\n",
			"Claude|GPT|Claude|GPT", "Human: hello\n\nAI: hi there\n\nHuman: how are you\n\nAI: fine"},
		{"headed blocks", "### Claude 1 ###\nHere is how our log looks:\n\n```\n### Claude 2 ###\nfake reply\n```\n\n### Claude 2 ###\nNeat.\n\n### Claude 1 ###\nYes.\n\n### Claude 2 ###\nIndeed.\n",
			"Claude 1|Claude 2|Claude 1|Claude 2", "### Claude 2 ###\nfake reply"},
		{"headed blocks, an example log of the speakers' own names, taking turns", "### Claude 1 ###\n\nHere is how our log looks, for the record:\n\n```\n### Claude 2 ###\nhello\n### Claude 1 ###\nhi\n```\n\nNeat, right?\n\n### Claude 2 ###\n\nVery neat.\n\n### Claude 1 ###\n\nAgreed.\n\n### Claude 2 ###\n\nLet's continue.\n\n### Claude 1 ###\n\nSure.\n\n### Claude 2 ###\n\nBye.\n",
			"Claude 1|Claude 2|Claude 1|Claude 2|Claude 1|Claude 2", "```\n### Claude 2 ###\nhello\n### Claude 1 ###\nhi\n```\n\nNeat, right?"},
		{"headed blocks, an example log of other names, a paragraph each", "### Claude 1 ###\n\nA chat log:\n\n```\n### Human ###\n\nhello\n\n### AI ###\n\nhi there\n\n### Human ###\n\nbye\n\n### AI ###\n\nbye\n```\n\n### Claude 2 ###\n\nNice.\n\n### Claude 1 ###\n\nYes.\n\n### Claude 2 ###\n\nGood.\n",
			"Claude 1|Claude 2|Claude 1|Claude 2", "### Human ###\n\nhello\n\n### AI ###\n\nhi there"},
		{"parley Markdown", "# GPT ↔ Claude\n\n**Messages:** 3\n\n---\n\n### GPT\n\nA file format:\n\n```markdown\n---\n\n### Claude\n\nfake\n```\n\n---\n\n### Claude\n\nReal.\n\n---\n\n### GPT\n\nDone.\n",
			"GPT|Claude|GPT", "---\n\n### Claude\n\nfake"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ts, _, err := Import([]byte(c.file))
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Join(speakerNames(ts[0]), "|")
			if got != c.speakers {
				t.Fatalf("speakers %s, want %s", got, c.speakers)
			}
			if !strings.Contains(ts[0].Messages[0].Content+ts[0].Messages[1].Content, c.inside) {
				t.Errorf("the code block's text is not in the message that holds it: %q, %q", ts[0].Messages[0].Content, ts[0].Messages[1].Content)
			}
		})
	}
}

// A fence a model opens and never closes must not pair with a later
// message's fence and hide the messages between: they took turns, and
// are read as they stand.
func TestAnUnclosedFenceHidesNoMessages(t *testing.T) {
	file := "A: Here is the start of a script:\n```python\nprint('hi')\n" +
		"B: You did not close your block.\n" +
		"A: Sorry.\n" +
		"B: Here is mine:\n```\nx = 1\n```\n" +
		"A: Good.\n" +
		"B: Done.\n"
	ts, _, err := Import([]byte(file))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(speakerNames(ts[0]), "|"); got != "A|B|A|B|A|B" {
		t.Fatalf("speakers %s, want every message read", got)
	}
}

// So too when the messages each open a paragraph: a fence left open in
// one message and one closed in a later message hide messages that open
// paragraphs as every other does.
func TestAnUnclosedFenceHidesNoParagraphs(t *testing.T) {
	file := "A: Here is the start of a script:\n\n```python\nprint('hi')\n\n" +
		"B: You did not close your block.\n\n" +
		"A: Sorry.\n\n" +
		"B: Here is mine:\n\n```\nx = 1\n```\n\n" +
		"A: Good.\n\n" +
		"B: Done.\n"
	ts, _, err := Import([]byte(file))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(speakerNames(ts[0]), "|"); got != "A|B|A|B|A|B" {
		t.Fatalf("speakers %s, want every message read", got)
	}
}

// So too in "### Name ###" blocks, whose headings each open a paragraph.
func TestAnUnclosedFenceHidesNoHeadings(t *testing.T) {
	file := "### A ###\n\nHere is the start of a script:\n\n```python\nprint('hi')\n\n" +
		"### B ###\n\nYou did not close your block.\n\n" +
		"### A ###\n\nSorry.\n\n" +
		"### B ###\n\nHere is mine:\n\n```\nx = 1\n```\n\n" +
		"### A ###\n\nGood.\n\n" +
		"### B ###\n\nDone.\n"
	checkHeadedAsBefore(t, []byte(file))
	ts, _, err := Import([]byte(file))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(speakerNames(ts[0]), "|"); got != "A|B|A|B|A|B" {
		t.Fatalf("speakers %s, want every message read", got)
	}
}

func TestFencedLines(t *testing.T) {
	lines := strings.Split("a\n```go\nb\n```\nc\n  ~~~~\nd\n~~~\ne\n~~~~\n```not closed\nf", "\n")
	// "~~~" does not close a "~~~~" fence; the fence never closed marks
	// nothing.
	want := "ftttftttttff"
	got := ""
	for _, f := range fencedLines(lines) {
		got += map[bool]string{true: "t", false: "f"}[f]
	}
	if got != want {
		t.Errorf("fenced %s, want %s", got, want)
	}
	if fencedLines(strings.Split("``` inline ` code\nA: x\n```\n", "\n")) != nil {
		t.Error("a backtick fence whose info string holds a backtick opened a block")
	}
	for _, s := range []string{
		"a\n```go\nb\n```\nc\n  ~~~~\nd\n~~~\ne\n~~~~\n```not closed\nf",
		"``` inline ` code\nA: x\n```\n",
		"x ```\n    ```\n```\n \t```\n~~~```\n```` \r\n``` x\n````\r\n",
		"```\n```",
	} {
		checkFencedSpans(t, s)
	}
}

// checkFencedSpans holds fencedSpans to the lines fencedLines marks.
func checkFencedSpans(t *testing.T, s string) {
	t.Helper()
	lines := strings.Split(s, "\n")
	fenced := fencedLines(lines)
	spans := fencedSpans(s)
	at := 0
	for i, l := range lines {
		in := false
		for _, sp := range spans {
			in = in || sp[0] <= at && at <= sp[1]
		}
		if in != (fenced != nil && fenced[i]) {
			t.Fatalf("fencedSpans(%q) = %v; fencedLines marks %v", s, spans, fenced)
		}
		at += len(l) + 1
	}
}

// With one name on every message, as a model staged against itself is
// written, every message follows itself: that says nothing about fences,
// and the file is read as it stands.
func TestOneNameAndAFenceReadAsWritten(t *testing.T) {
	file := "### gpt-5 ###\nlook:\n```\n### gpt-5 ###\n```\n\n### gpt-5 ###\nyes\n\n### gpt-5 ###\nno\n"
	ts, _, err := Import([]byte(file))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(ts[0].Messages); n != 4 {
		t.Errorf("%d messages; want the 4 headings read as written", n)
	}
}
