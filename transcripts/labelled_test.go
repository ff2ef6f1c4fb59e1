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
		{"ChatML's start of a message", "<|im_start|>assistant", labelStamped, "assistant", "", true},
		{"ChatML's whole message on one line", "<|im_start|>user Hello there.<|im_end|>", labelStamped, "user", "Hello there.", true},
		{"ChatML's start with no role", "<|im_start|>", labelStamped, "", "", false},
		{"plain name", "User 1: hello", labelPlain, "User 1", "hello", true},
		{"plain name alone", "Claude:", labelPlain, "Claude", "", true},
		{"an Ollama model's tag", "llama3:8b: Hello.", labelPlain, "llama3:8b", "Hello.", true},
		{"a full-width colon", "Claude：你好，今天我们聊什么？", labelPlain, "Claude", "你好，今天我们聊什么？", true},
		{"a Chinese name and a full-width colon", "甲：聊聊诗歌吧。", labelPlain, "甲", "聊聊诗歌吧。", true},
		{"a time is no name", "12:30 lunch with the team", 0, "", "", false},
		{"a URL is no name", "https://example.com: a site", 0, "", "", false},
		{"bracketed name", "[Claude 3 Opus]: hi", labelPlain, "Claude 3 Opus", "hi", true},
		{"angle-bracketed name in bold", "**<GPT-4o>:** hi", labelBold, "GPT-4o", "hi", true},
		{"a link in brackets is no name", "[see here](https://x.y): now", labelPlain, "", "", false},
		{"a time", "12:30 is late", 0, "", "", false},
		{"a link", "https://example.com", 0, "", "", false},
		{"a sentence ending in a colon", "Here is what I think about it, at length:", labelPlain, "", "", false},
		{"quoted name", `"Claude": hi`, labelPlain, "", "", false},
		{"a list item", "- Claude: hi", labelListed, "Claude", "hi", true},
		{"a bold list item", "* **GPT-4o**: hi", labelListed, "GPT-4o", "hi", true},
		{"a list item that is no label", "- a point, made plainly", 0, "", "", false},
		{"quoted bold name", "> **Claude:** Hello.", labelQuoted, "Claude", "Hello.", true},
		{"quoted plain name", "> GPT: Hi.", labelQuoted, "GPT", "Hi.", true},
		{"a quoted heading is no label", "> ## Claude", 0, "", "", false},
		{"a chat log's name in angle brackets", "<claude> hi there", labelStamped, "claude", "hi there", true},
		{"a name in tags around the message", "<GPT-4o>Hello.</GPT-4o>", labelStamped, "GPT-4o", "Hello.", true},
		{"an HTML tag is no name", "<p> a paragraph", labelStamped, "p", "a paragraph", false},
		{"a turn before the name", "Turn 3 - Claude:", labelStamped, "Claude", "", true},
		{"a turn before the name and text", "Turn 12: GPT-4o: Hi.", labelStamped, "GPT-4o", "Hi.", true},
		{"a message number and the name in parentheses", "Message 2 (Claude):", labelStamped, "Claude", "", true},
		{"an ordinal is no turn", "Step 3rd: done", labelPlain, "Step 3rd", "done", true},
		{"a turn with nothing after it", "Turn 3", 0, "", "", false},
		{"a name between equals signs", "=== Claude 3 Opus ===", labelFramed, "Claude 3 Opus", "", true},
		{"a name between dashes", "----- GPT -----", labelFramed, "GPT", "", true},
		{"a framed sentence is no name", "== This is the end. ==", labelFramed, "", "", false},
		{"bold is not framed", "**Claude**", labelBold, "Claude", "", true},
		{"a heading with the turn before the name", "## Turn 1 — Claude", 2, "Claude", "", true},
		{"a heading with the round and a colon", "### Round 12: GPT-4o", 3, "GPT-4o", "", true},
		{"a heading with the turn after the name", "### Claude (turn 3)", 3, "Claude", "", true},
		{"a heading with the time after the name", "### Claude [12:00:01]", 3, "Claude", "", true},
		{"a heading's model in brackets stays", "### Model A (gpt-4o)", 3, "Model A (gpt-4o)", "", true},
		{"a heading's own number stays", "### Claude 1", 3, "Claude 1", "", true},
		{"a heading with emoji before the name", "### 🤖 Claude", 3, "Claude", "", true},
		{"a bold label with the turn and emoji", "**🔵 Turn 3 - Claude:** hi", labelBold, "Claude", "hi", true},
		{"a heading that is a turn alone", "## Turn 3", 2, "Turn 3", "", true},
		{"a plain label with emoji before the name", "🤖 Claude: hi", labelPlain, "Claude", "hi", true},
		{"a box's line is no label", "│ Status: ONLINE", labelPlain, "", "", false},
		{"a bare time before the name", "12:01 alice: hi", labelStamped, "alice", "hi", true},
		{"a bare time in the afternoon", "3:05 PM | Bob: yes", labelStamped, "Bob", "yes", true},
		{"a date and a time", "2024-05-01 12:01:33 alice: hi", labelStamped, "alice", "hi", true},
		{"WhatsApp's date, time and dash", "5/1/24, 12:01 - Alice: hi", labelStamped, "Alice", "hi", true},
		{"an ISO time in UTC before the name", "2024-05-01T12:01:33Z Claude: hi", labelStamped, "Claude", "hi", true},
		{"an ISO time with its offset and fraction", "2024-05-01T12:01:33.250+02:00 GPT-4o: hi", labelStamped, "GPT-4o", "hi", true},
		{"a time in brackets after the name", "Claude [12:00:01]: Hello.", labelPlain, "Claude", "Hello.", true},
		{"a date and time in parentheses after the name", "GPT-4o (2024-05-01 12:00): Hi.", labelPlain, "GPT-4o", "Hi.", true},
		{"a heading with the time after a dash", "## Claude — 12:00", 2, "Claude", "", true},
		{"a plain label with the date and time after a bar", "GPT-4o | 2024-05-01 12:00:01: Hi.", labelPlain, "GPT-4o", "Hi.", true},
		{"a name whose number follows a dash stays", "## Model - 2", 2, "Model - 2", "", true},
		{"a plain label's model in parentheses stays", "Claude (claude-3-opus-20240229): Hi.", labelPlain, "Claude (claude-3-opus-20240229)", "Hi.", true},
		{"a bare time before a sentence is no label", "12:30 lunch with the team", labelStamped, "", "", false},
		{"a heading broken by a lone carriage return is no name", "### Kimi\r2", 3, "", "", false},
		{"a tab inside a name is no name", "Claude\t3: hi", labelPlain, "", "", false},
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
		{"HTML paragraphs and list items", "<p>One</p>\n<li>Two</li>\n<p>Three</p>\n<li>Four</li>\n<p>Five</p>\n<li>Six</li>\n", false},
		{"a list of points by heading", "- Pros: fast\n- Cons: loud\n", false},
		{"two messages between models", "Claude: Hello, who are you?\n\nGPT-4o: I'm GPT-4o. Nice to meet you.\n", true},
		{"three messages of a user and an assistant", "**User:** hi\n\n**Assistant:** hello\n\n**User:** bye\n", true},
		{"two headed messages of model sides", "## Model A\nhi\n\n## Model B\nyo\n", true},
		{"two messages under a title naming no one", "# Chat log\n\n**Claude:** hi\n\n**GPT-4o:** yo\n", true},
		{"a document's two sections under a title", "# Models\n\n## Claude\nby Anthropic\n\n## GPT-4o\nby OpenAI\n", false},
		{"a model and a note", "Claude: hello\n\nNote: be brief\n", false},
		{"a summary and its details", "Summary: it works\nDetails: see below\n", false},
		{"two model names after a paragraph of prose", "We compared two models.\n\nClaude: hi\n\nGPT: yo\n", false},
		{"one model twice", "Claude: hi\n\nClaude: yo\n", false},
		{"a YAML mapping", "model: gpt-4o\nprompt: hi\n", false},
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
// speakers (or one, under a title naming it on both sides), each a
// one-line name, and every line of every message is a
// line, or the end of a line, of the input.
func FuzzParseLabelled(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, err := parseLabelled(string(data))
		if err != nil {
			return
		}
		in := strings.ReplaceAll(string(data), "\r\n", "\n") // a lone CR is text
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
			// One speaker only under a title naming it on both sides ("#
			// A ↔ A"), whose sides sidesByTurn tells apart.
			titled := namedInTitle(tr.Title)
			for name := range speakers {
				if len(titled) == 1 && titled[name] {
					return
				}
			}
			t.Fatalf("accepted with speakers %v under the title %q", speakers, tr.Title)
		}
	})
}

// A role-playing framework's log labels its speakers on lines of their own
// and fills each message with fields of the same form ("Instruction: …",
// "Input: None"); the fields stay in the messages. Where the speakers'
// labels hold text, every recurring name is a speaker, as before.
// labelledNotes is a labelled conversation with a system prompt before its
// first message, a later system message and a moderator's notes.
const labelledNotes = "System: Talk about tides.\n\nClaude: Tides?\n\nGPT: The moon.\n\nModerator: Two more turns.\n\n" +
	"Claude: And the sun.\n\nGPT: Less so.\n\nSystem: Wrap up.\n\nModerator: Last one.\n\nClaude: Bye.\n\nGPT: Bye.\n"

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
		{"a field that stands alone once, before a code block",
			"AI User (Stock Trader):\n\nInstruction: Install the libraries.\nInput: None\n\nAI Assistant (Python Programmer):\n\nSolution: Run `pip install tweepy`.\nNext request.\n\n" +
				"AI User (Stock Trader):\n\nInstruction: Import them.\nInput: None\n\nAI Assistant (Python Programmer):\n\nSolution:\n```python\nimport tweepy\n```\nNext request.\n",
			[]string{"AI User (Stock Trader)", "AI Assistant (Python Programmer)", "AI User (Stock Trader)", "AI Assistant (Python Programmer)"},
			"Instruction: Install the libraries.\nInput: None"},
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
			"A: hi\nB:\nyo\nNote: w\nA: ok\nB: bye\nNote: x\nA: so\nB: fine\nNote: y\n",
			[]string{"A", "B", "Note", "A", "B", "Note", "A", "B", "Note"},
			"hi"},
		{"bold headings inside the messages of two speakers taking turns",
			"**gpt-5:** A riddle.\n\n**New puzzle:** What has keys?\n\n**grok-4:** A piano.\n\n**New puzzle:** And teeth?\n\n**gpt-5:** A comb.\n\n**grok-4:** Yes.\n\n**gpt-5:** Next.\n\n**grok-4:** Go on.\n\n**gpt-5:** Done.\n\n**grok-4:** Bye.\n",
			[]string{"gpt-5", "grok-4", "gpt-5", "grok-4", "gpt-5", "grok-4", "gpt-5", "grok-4"},
			"A riddle.\n\n**New puzzle:** What has keys?"},
		{"a scene's characters inside the messages of the speakers a title names",
			"# Claude vs GPT\n\n## Claude\n\nLet's write a scene. I'll start:\n\nAlice: Where were you last night?\nBob: Out.\n\n## GPT\n\nContinuing:\n\nAlice: Out where?\nBob: Just out.\n\n" +
				"## Claude\n\nAlice: Fine. Keep your secrets.\nBob: I will.\n\n## GPT\n\nAlice: Goodnight, then.\nBob: Goodnight.\n",
			[]string{"Claude", "GPT", "Claude", "GPT"},
			"Let's write a scene. I'll start:\n\nAlice: Where were you last night?\nBob: Out."},
		{"a label quoted inside a paragraph, where every other label opens one",
			"**Model A:** Let's play a game. You say a word, I say a word.\n\n**Model B:** Sure. Start.\n\n**Model A:** Apple.\n\n**Model B:** You said:\n**Model A:** Apple.\nSo I say: Banana.\n\n**Model A:** Cherry.\n\n**Model B:** Date.\n",
			[]string{"Model A", "Model B", "Model A", "Model B", "Model A", "Model B"},
			"Let's play a game. You say a word, I say a word."},
		{"a scene's characters inside the messages of headed speakers, with no title",
			"## Claude\n\nLet's write a scene. I'll start:\n\nAlice: Where were you last night?\nBob: Out.\n\n## GPT\n\nContinuing:\n\nAlice: Out where?\nBob: Just out.\n\n" +
				"## Claude\n\nAlice: Fine. Keep your secrets.\nBob: I will.\n\n## GPT\n\nAlice: Goodnight, then.\nBob: Goodnight.\n",
			[]string{"Claude", "GPT", "Claude", "GPT"},
			"Let's write a scene. I'll start:\n\nAlice: Where were you last night?\nBob: Out."},
		{"a third party who speaks as often, in turn",
			"**A:** one\n\n**B:** two\n\n**C:** three\n\n**A:** four\n\n**B:** five\n\n**C:** six\n\n**A:** seven\n\n**B:** eight\n",
			[]string{"A", "B", "C", "A", "B", "C", "A", "B"},
			"one"},
		{"a system prompt first and a moderator's notes between the speakers",
			labelledNotes,
			[]string{"Claude", "GPT", ModeratorSpeaker, "Claude", "GPT", ModeratorSpeaker, ModeratorSpeaker, "Claude", "GPT"},
			"Tides?"},
		{"under a title naming the speakers, every other name is a field",
			"# gpt-5 vs grok-4\n\n**gpt-5:** A riddle.\n\n**Hint:** keys.\n\n**grok-4:** A piano.\n\n**Hint:** teeth.\n\n**gpt-5:** Yes.\n\n**grok-4:** Good.\n\n**Hint:** none.\n",
			[]string{"gpt-5", "grok-4", "gpt-5", "grok-4"},
			"A riddle.\n\n**Hint:** keys."},
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

// BenchmarkImportLabelled reads the real corpus in ../shared/corpus written
// as "**Name:** text" labels, as a script's Markdown would hold it: every
// line is read as a possible label, and the labels of each form weighed.
func BenchmarkImportLabelled(b *testing.B) {
	benchImportAs(b, writeBold, "attractors", "backrooms")
}

// Headings that number the turns, as scripts write between exchanges,
// separate messages and are in none of them.
func TestTurnHeadingsSeparateMessages(t *testing.T) {
	text := "# Conversation: Model A vs Model B\n\n## Turn 1\n\n**Model A:** Hello.\n\n**Model B:** Hi.\n\n## Turn 2\n\n**Model A:** How are you?\n\n**Model B:** Fine.\n\n### Round 3:\n\n**Model A:** Good.\n\n**Model B:** Bye.\n\n## Turn to the next page\n"
	ts, _, err := Import([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range ts[0].Messages {
		got = append(got, m.Content)
	}
	want := "Hello.|Hi.|How are you?|Fine.|Good.|Bye.\n\n## Turn to the next page"
	if strings.Join(got, "|") != want {
		t.Errorf("messages %q, want %q", strings.Join(got, "|"), want)
	}
	if ts[0].Run != nil && ts[0].Run.Preamble != "" {
		t.Errorf("preamble %q; the turn heading before the first message is no text of the run's", ts[0].Run.Preamble)
	}
}

// A moderator's label is a note wherever it comes, however rarely: it
// does not join the message before it.
func TestAModeratorSpeakingOnceIsANote(t *testing.T) {
	text := "Claude: Let us talk about time.\nGPT: Time is a river.\nModerator: Please be concise.\nClaude: Or a circle.\nGPT: Perhaps both.\nClaude: Goodbye.\nGPT: Farewell.\n"
	ts, _, err := Import([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range ts[0].Messages {
		got = append(got, m.Speaker+": "+m.Content)
	}
	want := []string{"Claude: Let us talk about time.", "GPT: Time is a river.", ModeratorSpeaker + ": Please be concise.", "Claude: Or a circle.", "GPT: Perhaps both.", "Claude: Goodbye.", "GPT: Farewell."}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("messages %q, want %q", got, want)
	}
	if m := ts[0].Messages[2]; m.Origin != OriginModerator {
		t.Errorf("the moderator's message has origin %q, want a moderator's note", m.Origin)
	}
}
