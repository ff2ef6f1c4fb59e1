package transcripts

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
)

const headedSample = `### Claude 1 ###
hello, are you there?

### Claude 2 ###
I am here.
### Not a heading in the middle of a line ### is fine

### Claude 1 ###
^C^C
`

const openAISample = `{"messages": [
  {"role": "system", "content": "You are talking to another AI."},
  {"role": "user", "content": "What is a monad?"},
  {"role": "assistant", "content": [{"type": "text", "text": "A monoid"}, {"type": "text", "text": "in the category of endofunctors."}]},
  {"role": "user", "name": "Kimi", "content": "Ha. [END]"}
]}`

const shareGPTSample = `[{"id": "a1", "conversations": [
  {"from": "human", "value": "Hi"},
  {"from": "gpt", "value": "Hello! [END]"}
]}, {"conversations": [{"from": "human", "value": "Second"}]}]`

// labelledHeadings names its speakers in level-two headings; "Notes" is a
// heading one message holds, once, so it does not split the message.
const labelledHeadings = `# Claude ↔ GPT

Recorded on the first of May.

## Claude

Hello. Here is a list:

## Notes
- a

---

## GPT

Hi.

## Claude:

A second.

## GPT

Bye. [END]
`

func speakersAndContents(t *Transcript) (sp, cs []string) {
	for _, m := range t.Messages {
		sp = append(sp, m.Speaker)
		cs = append(cs, m.Content)
	}
	return
}

func TestImport(t *testing.T) {
	seed, err := os.ReadFile("seed/kimi-k2-vs-grok-4.md")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name      string
		data      string
		layout    string
		count     int // transcripts
		speakers  []string
		contents  []string
		moderator int    // messages kept as moderator notes in the first transcript
		preamble  string // the first transcript's text before its first message
		footer    string // the first transcript's exporter's text after its last message
	}{
		{name: "headed blocks", data: headedSample, layout: LayoutHeaded, count: 1,
			speakers: []string{"Claude 1", "Claude 2", "Claude 1"},
			contents: []string{"hello, are you there?", "I am here.\n### Not a heading in the middle of a line ### is fine", "^C^C"}},
		{name: "headed blocks with a preamble and CRLF", data: "Log of a run\r\n\r\n### A ###\r\nhi\r\n### B ###\r\nyo\r\n", layout: LayoutHeaded, count: 1,
			speakers: []string{"A", "B"}, contents: []string{"hi", "yo"}, preamble: "Log of a run"},
		{name: "openai messages object", data: openAISample, layout: LayoutOpenAI, count: 1,
			speakers: []string{"user", "assistant", "Kimi"},
			contents: []string{"What is a monad?", "A monoid\nin the category of endofunctors.", "Ha. [END]"}},
		{name: "openai system message later on", data: `{"messages":[{"role":"user","content":"a"},{"role":"system","content":"be brief"},{"role":"assistant","content":"b"}]}`,
			layout: LayoutOpenAI, count: 1, speakers: []string{"user", ModeratorSpeaker, "assistant"}, contents: []string{"a", "be brief", "b"}, moderator: 1},
		{name: "two-model runner JSON without the initial message", data: `{"model_a":"A","model_b":"B","initial_message":"Hi.","messages":[{"role":"assistant","content":"Hello","speaker":"B"}]}`,
			layout: LayoutPair, count: 1, speakers: []string{"A", "B"}, contents: []string{"Hi.", "Hello"}},
		{name: "two-model runner JSON that records its initial message as model_a's assistant turn", data: `{"model_a":"A","model_b":"B","initial_message":"Hi.","messages":[{"role":"assistant","content":"Hi.","speaker":"A"},{"role":"assistant","content":"Hello","speaker":"B"}]}`,
			layout: LayoutPair, count: 1, speakers: []string{"A", "B"}, contents: []string{"Hi.", "Hello"}},
		{name: "openai bare array", data: `[{"role":"user","content":"a"},{"role":"assistant","content":null}]`, layout: LayoutOpenAI, count: 1,
			speakers: []string{"user", "assistant"}, contents: []string{"a", ""}},
		{name: "openai JSONL, one message a line", data: "{\"role\":\"user\",\"content\":\"a\"}\n{\"role\":\"assistant\",\"content\":\"b\"}\n", layout: LayoutOpenAI, count: 1,
			speakers: []string{"user", "assistant"}, contents: []string{"a", "b"}},
		{name: "sharegpt array of two", data: shareGPTSample, layout: LayoutShareGPT, count: 2,
			speakers: []string{"human", "gpt"}, contents: []string{"Hi", "Hello! [END]"}},
		{name: "sharegpt turns, one a line", data: "{\"from\":\"human\",\"value\":\"a\"}\n{\"from\":\"gpt\",\"value\":\"b\"}\n", layout: LayoutShareGPT, count: 1,
			speakers: []string{"human", "gpt"}, contents: []string{"a", "b"}},
		{name: "sharegpt turns holding their text under another name", data: `[{"from":"human","text":"a"},{"from":"gpt","text":"b"}]`, layout: LayoutShareGPT, count: 1,
			speakers: []string{"human", "gpt"}, contents: []string{"a", "b"}},
		{name: "sharegpt turn of no text", data: `[{"from":"human","value":"a"},{"from":"gpt","value":null}]`, layout: LayoutShareGPT, count: 1,
			speakers: []string{"human", "gpt"}, contents: []string{"a", ""}},
		{name: "turns naming their speaker by name beside a value and a content", data: `[{"name":"Claude","value":"x","content":"a"},{"name":"GPT","value":"y","content":"b"}]`, layout: LayoutTurns, count: 1,
			speakers: []string{"Claude", "GPT"}, contents: []string{"a", "b"}},
		{name: "turns naming their speaker by name", data: `[{"name":"Claude","text":"a"},{"name":"GPT","text":"b"}]`, layout: LayoutTurns, count: 1,
			speakers: []string{"Claude", "GPT"}, contents: []string{"a", "b"}},
		{name: "parley markdown", data: string(seed), layout: LayoutMarkdown, count: 1},
		{name: "two parley transcripts joined into one file are two", data: "# A ↔ B\n\n**Messages:** 2\n\n---\n\n### A\n\nHi B.\n\n---\n\n### B\n\nHi A.\n\n---\n\n" +
			"# A ↔ C\n\n**Started:** 2026-11-30 10:00:00\n**Messages:** 2\n\n---\n\n### A\n\nHi C.\n\n---\n\n### C\n\nHi A.\n\n---\n",
			layout: LayoutMarkdown, count: 2, speakers: []string{"A", "B"}, contents: []string{"Hi B.", "Hi A."}},
		{name: "a message holding a title line after a rule, with no header after it, stays one message", data: "# A ↔ B\n\n**Messages:** 2\n\n---\n\n### A\n\nMy notes:\n\n---\n\n# Chapter one\n\nIt begins.\n\n---\n\n### B\n\nGood.\n\n---\n",
			layout: LayoutMarkdown, count: 1, speakers: []string{"A", "B"}, contents: []string{"My notes:\n\n---\n\n# Chapter one\n\nIt begins.", "Good."}},
		{name: "markdown headings naming speakers", data: labelledHeadings, layout: LayoutLabelled, count: 1,
			speakers: []string{"Claude", "GPT", "Claude", "GPT"},
			contents: []string{"Hello. Here is a list:\n\n## Notes\n- a", "Hi.", "A second.", "Bye. [END]"}, preamble: "Recorded on the first of May."},
		{name: "headings with a blank opening, no header and no separators", data: "### A\n\n### B\n\nHello\n\n### A\n\nHi\n\n### B\n\nBye\n",
			layout: LayoutLabelled, count: 1, speakers: []string{"A", "B", "A", "B"}, contents: []string{"", "Hello", "Hi", "Bye"}},
		{name: "a parley-like header, then headings with no separators", data: "# A ↔ B\n\n**Started:** x\n\n---\n\n### A\n\nhi\n\n### B\n\nyo\n\n### A\n\nok\n\n### B\n\nbye\n",
			layout: LayoutLabelled, count: 1, speakers: []string{"A", "B", "A", "B"}, contents: []string{"hi", "yo", "ok", "bye"}, preamble: "**Started:** x"},
		{name: "parley markdown cut off in its first message", data: "# A ↔ B\n\n**Started:** x\n\n---\n\n### A\n\nhi, and\n",
			layout: LayoutMarkdown, count: 1, speakers: []string{"A"}, contents: []string{"hi, and"}},
		{name: "bold labels under a title and a header", data: "# A ↔ B\n\n**Started:** today\n\n---\n\n**A:** x\n\n---\n\n**B:** y\n\n**A:** z\n\n**B:** w\n",
			layout: LayoutLabelled, count: 1, speakers: []string{"A", "B", "A", "B"},
			contents: []string{"x", "y", "z", "w"}, preamble: "**Started:** today"},
		{name: "bold labels", data: "**Claude:** Hello.\nSecond line.\n\n**GPT**: Hi.\n\n**Claude:** More.\n\n**GPT** : Bye.\n**Note:** said once, so not a speaker\n",
			layout: LayoutLabelled, count: 1, speakers: []string{"Claude", "GPT", "Claude", "GPT"},
			contents: []string{"Hello.\nSecond line.", "Hi.", "More.", "Bye.\n**Note:** said once, so not a speaker"}},
		{name: "name and colon lines with CRLF", data: "User 1: hello\r\nUser 2: hi there\r\nat 12:30, see https://example.com\r\nUser 1:\r\nok\r\nUser 2: bye\r\n",
			layout: LayoutLabelled, count: 1, speakers: []string{"User 1", "User 2", "User 1", "User 2"},
			contents: []string{"hello", "hi there\nat 12:30, see https://example.com", "ok", "bye"}},
		{name: "turns JSON", data: `{"title": "T", "turns": [{"speaker": "Claude", "text": "Hello"}, {"speaker": "GPT", "text": [{"type": "text", "text": "Hi"}]}]}`,
			layout: LayoutTurns, count: 1, speakers: []string{"Claude", "GPT"}, contents: []string{"Hello", "Hi"}},
		{name: "bare array of author and message", data: `[{"author": "Claude", "message": "Hello"}, {"author": "GPT", "message": "Hi"}]`,
			layout: LayoutTurns, count: 1, speakers: []string{"Claude", "GPT"}, contents: []string{"Hello", "Hi"}},
		{name: "numbered messages of a role-playing dataset", data: `{"role_1": "AI Assistant_Programmer", "specified_task": "Write a parser.", "message_2": {"role_name": "Programmer", "role": "assistant", "content": "Solution: split it."}, "message_1": {"role_name": "Trader", "role_type": "USER", "role": "user", "content": "Instruction: read the file."}, "message_3": {"role_name": "Trader", "role": "user", "content": "<CAMEL_TASK_DONE>"}, "message_5": {"role_name": "Programmer", "content": "after a gap, read all the same"}}`,
			layout: LayoutNumbered, count: 1, speakers: []string{"Trader", "Programmer", "Trader", "Programmer"},
			contents: []string{"Instruction: read the file.", "Solution: split it.", "<CAMEL_TASK_DONE>", "after a gap, read all the same"}, preamble: "Write a parser."},
		{name: "a list of turns under a key of its own", data: `{"id": 7, "tags": [{"name": "x"}], "log": [{"agent": "A", "content": "Hi"}, {"agent": "B", "content": "Hello"}, {"agent": "A", "content": "Bye"}]}`,
			layout: LayoutTurns, count: 1, speakers: []string{"A", "B", "A"}, contents: []string{"Hi", "Hello", "Bye"}},
		{name: "messages wrapped in an export's object", data: `{"exported": "2025-01-01", "conversation": {"title": "T", "messages": [{"role": "user", "name": "A", "content": "Hi"}, {"role": "assistant", "name": "B", "content": "Hello"}]}}`,
			layout: LayoutOpenAI, count: 1, speakers: []string{"A", "B"}, contents: []string{"Hi", "Hello"}},
		{name: "bracketed names and colons, which start like JSON", data: "[Claude 1]: Hello there.\n[Claude 2]: Hi back.\n[Claude 1]: Bye now.\n[Claude 2]: See you.\n",
			layout: LayoutLabelled, count: 1, speakers: []string{"Claude 1", "Claude 2", "Claude 1", "Claude 2"},
			contents: []string{"Hello there.", "Hi back.", "Bye now.", "See you."}},
		{name: "a model staged against itself, both sides under one name", data: "# gpt-5 ↔ gpt-5\n\n**Started:** x\n\n---\n\n### gpt-5\n\nHi.\n\n---\n\n### gpt-5\n\nHello.\n\n---\n\n### gpt-5\n\nBye. [END]\n\n---\n",
			layout: LayoutMarkdown, count: 1, speakers: []string{"gpt-5 (1)", "gpt-5 (2)", "gpt-5 (1)"}, contents: []string{"Hi.", "Hello.", "Bye. [END]"}},
		{name: "headings under a title naming one model on both sides", data: "# gpt-5 vs gpt-5\n\n## gpt-5\nHello there.\n\n## gpt-5\nHi back.\n\n## gpt-5\nBye. [END]\n",
			layout: LayoutLabelled, count: 1, speakers: []string{"gpt-5 (1)", "gpt-5 (2)", "gpt-5 (1)"}, contents: []string{"Hello there.", "Hi back.", "Bye. [END]"}},
		{name: "one name on every turn, around a system note", data: `{"messages": [{"role": "assistant", "name": "Claude", "content": "a"}, {"role": "system", "content": "be brief"}, {"role": "assistant", "name": "Claude", "content": "b"}, {"role": "assistant", "name": "Claude", "content": "c"}]}`,
			layout: LayoutOpenAI, count: 1, speakers: []string{"Claude (1)", ModeratorSpeaker, "Claude (2)", "Claude (1)"}, contents: []string{"a", "be brief", "b", "c"}, moderator: 1},
		{name: "roles alike, each message naming its model", data: `[{"role": "assistant", "model": "gpt-4o", "content": "Hi"}, {"role": "assistant", "model": "claude-3", "content": "Hello"}, {"role": "assistant", "model": "gpt-4o", "content": "Bye"}]`,
			layout: LayoutOpenAI, count: 1, speakers: []string{"gpt-4o", "claude-3", "gpt-4o"}, contents: []string{"Hi", "Hello", "Bye"}},
		{name: "roles, and a model only on the model's turns", data: `{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "model": "gpt-4o", "content": "Hello"}]}`,
			layout: LayoutOpenAI, count: 1, speakers: []string{"user", "assistant"}, contents: []string{"Hi", "Hello"}},
		{name: "roles, and one model on both sides", data: `{"messages": [{"role": "user", "model": "gpt-4o", "content": "Hi"}, {"role": "assistant", "model": "gpt-4o", "content": "Hello"}]}`,
			layout: LayoutOpenAI, count: 1, speakers: []string{"user", "assistant"}, contents: []string{"Hi", "Hello"}},
		{name: "a chat export's times in brackets, each name alone on its line", data: "==========\nGuild: Lab\nChannel: #models\n==========\n\n[5/1/2024 12:00 PM] claude\nHello there.\n\n[5/1/2024 12:01 PM] gpt\nHi.\nTwo lines.\n\n[5/1/2024 12:02 PM] claude\nHow are you?\n\n[5/1/2024 12:03 PM] gpt\nFine.\n",
			layout: LayoutLabelled, count: 1, speakers: []string{"claude", "gpt", "claude", "gpt"},
			contents: []string{"Hello there.", "Hi.\nTwo lines.", "How are you?", "Fine."}, preamble: "==========\nGuild: Lab\nChannel: #models\n=========="},
		{name: "a chat exporter's footer after the last message", data: "==========\nGuild: Lab\nChannel: #models\n==========\n\n[12/1/2024 3:42 PM] claude\nHello there.\n\n[12/1/2024 3:43 PM] gpt\nHi.\n\n[12/1/2024 3:44 PM] claude\nHow are you?\n\n[12/1/2024 3:45 PM] gpt\nFine.\n\n\n==========\nExported 4 message(s)\n==========\n",
			layout: LayoutLabelled, count: 1, speakers: []string{"claude", "gpt", "claude", "gpt"},
			contents: []string{"Hello there.", "Hi.", "How are you?", "Fine."}, preamble: "==========\nGuild: Lab\nChannel: #models\n==========", footer: "==========\nExported 4 message(s)\n=========="},
		{name: "an export's generated-by line after the last message", data: "# Claude vs GPT\n\n**Claude:** Hello.\n\n**GPT:** Hi.\n\n---\n\n*Exported with Chat Exporter on 2024-12-01*\n",
			layout: LayoutLabelled, count: 1, speakers: []string{"Claude", "GPT"},
			contents: []string{"Hello.", "Hi."}, footer: "---\n\n*Exported with Chat Exporter on 2024-12-01*"},
		{name: "headed blocks and an exporter's footer", data: "### A ###\nhi\n### B ###\nyo\n\n-----\nGenerated by logdump 1.2\n",
			layout: LayoutHeaded, count: 1, speakers: []string{"A", "B"}, contents: []string{"hi", "yo"}, footer: "-----\nGenerated by logdump 1.2"},
		{name: "a last message that speaks of an export keeps it", data: "A: hi\nB: yo\nA: ok\nB: The file was exported by the tool.\n\nThis conversation was fun.\n\nExported by hand, I think.\nYes.\n",
			layout: LayoutLabelled, count: 1, speakers: []string{"A", "B", "A", "B"}, contents: []string{"hi", "yo", "ok", "The file was exported by the tool.\n\nThis conversation was fun.\n\nExported by hand, I think.\nYes."}},
		{name: "times before names and colons", data: "[2024-05-01 12:00:01] Claude: Hello.\n[2024-05-01 12:00:05] GPT: Hi, at 12:00.\n[2024-05-01 12:00:09] Claude: Bye.\n[2024-05-01 12:00:12] GPT: See you.\n",
			layout: LayoutLabelled, count: 1, speakers: []string{"Claude", "GPT", "Claude", "GPT"},
			contents: []string{"Hello.", "Hi, at 12:00.", "Bye.", "See you."}},
		{name: "a chat log's times and names in angle brackets", data: "[12:00] <claude> hello\n[12:01] <gpt> hi\n[12:02] <claude> ok\n[12:03] <gpt> bye\n",
			layout: LayoutLabelled, count: 1, speakers: []string{"claude", "gpt", "claude", "gpt"}, contents: []string{"hello", "hi", "ok", "bye"}},
		{name: "turns numbered in brackets", data: "[Turn 1] Claude: Hello.\n\n[Turn 2] GPT: Hi.\n\n[Turn 3] Claude: Bye.\n\n[Turn 4] GPT: See you.\n",
			layout: LayoutLabelled, count: 1, speakers: []string{"Claude", "GPT", "Claude", "GPT"}, contents: []string{"Hello.", "Hi.", "Bye.", "See you."}},
		{name: "quoted labels, each message a blockquote", data: "> **Claude:** Hello.\n> A second line.\n>\n> A paragraph.\n\n> **GPT-4o:** Hi.\n\n> **Claude:** Bye.\n\n> **GPT-4o:** See you.\n",
			layout: LayoutLabelled, count: 1, speakers: []string{"Claude", "GPT-4o", "Claude", "GPT-4o"},
			contents: []string{"Hello.\nA second line.\n\nA paragraph.", "Hi.", "Bye.", "See you."}},
		{name: "labels as list items", data: "- **Claude**: Hello.\n  More of it.\n- **GPT-4o**: Hi.\n- **Claude**: Bye.\n- **GPT-4o**: See you.\n",
			layout: LayoutLabelled, count: 1, speakers: []string{"Claude", "GPT-4o", "Claude", "GPT-4o"},
			contents: []string{"Hello.\nMore of it.", "Hi.", "Bye.", "See you."}},
		{name: "a chat log's names in angle brackets", data: "<claude> hello\n<gpt> hi\n<claude> ok\n<gpt> bye\n",
			layout: LayoutLabelled, count: 1, speakers: []string{"claude", "gpt", "claude", "gpt"}, contents: []string{"hello", "hi", "ok", "bye"}},
		{name: "names as tags around each message", data: "<claude>\nHello.\nTwo lines.\n</claude>\n<gpt>\nHi.\n</gpt>\n<claude>\nBye.\n</claude>\n<gpt>Later.</gpt>\n",
			layout: LayoutLabelled, count: 1, speakers: []string{"claude", "gpt", "claude", "gpt"}, contents: []string{"Hello.\nTwo lines.", "Hi.", "Bye.", "Later."}},
		{name: "turns numbered before the names", data: "Turn 1 - Claude:\nHello.\n\nTurn 2 - GPT-4o:\nHi.\n\nTurn 3 - Claude:\nBye.\n\nTurn 4 - GPT-4o:\nSee you.\n",
			layout: LayoutLabelled, count: 1, speakers: []string{"Claude", "GPT-4o", "Claude", "GPT-4o"}, contents: []string{"Hello.", "Hi.", "Bye.", "See you."}},
		{name: "names framed by marks", data: "=== Claude ===\nHello.\n\n=== GPT-4o ===\nHi.\n\n=== Claude ===\nBye.\n\n=== GPT-4o ===\nSee you.\n",
			layout: LayoutLabelled, count: 1, speakers: []string{"Claude", "GPT-4o", "Claude", "GPT-4o"}, contents: []string{"Hello.", "Hi.", "Bye.", "See you."}},
		{name: "a CSV table with a header", data: "turn,speaker,text,tokens\n1,Claude,\"Hello, there.\nTwo lines.\",5\n2,GPT-4o,Hi.,1\n3,Claude,\"She said \"\"bye\"\".\",4\n",
			layout: LayoutTable, count: 1, speakers: []string{"Claude", "GPT-4o", "Claude"}, contents: []string{"Hello, there.\nTwo lines.", "Hi.", `She said "bye".`}},
		{name: "a TSV table with a byte order mark, the role and the model", data: "\ufeffRole\tModel\tContent\nassistant\tclaude-3\tHello\nassistant\tgpt-4o\tHi\n",
			layout: LayoutTable, count: 1, speakers: []string{"claude-3", "gpt-4o"}, contents: []string{"Hello", "Hi"}},
		{name: "a CSV table of one message", data: "speaker,text\nClaude,\"Hello, there.\"\n",
			layout: LayoutTable, count: 1, speakers: []string{"Claude"}, contents: []string{"Hello, there."}},
		{name: "a TSV table of one message", data: "role\tcontent\r\nuser\tHello\r\n",
			layout: LayoutTable, count: 1, speakers: []string{"user"}, contents: []string{"Hello"}},
		{name: "a TSV table whose text holds quotes, as tab-separated text has no quoting", data: "speaker\ttext\r\nClaude\tShe said \"yes\" and left.\r\n\r\nGPT-4o\t\"Quoted,\" he said\r\n",
			layout: LayoutTable, count: 1, speakers: []string{"Claude", "GPT-4o"}, contents: []string{`She said "yes" and left.`, `"Quoted," he said`}},
		{name: "messages that list changes as '- Fix:' items", data: "## Claude\n\nReview notes:\n\n- Fix: the loop bound\n- Add: a test\n\n## GPT\n\nDone:\n\n- Fix: bound changed\n- Add: test added\n\n## Claude\n\n- Fix: still off by one\n- Add: a second test\n\n## GPT\n\nFixed both.\n",
			layout: LayoutLabelled, count: 1, speakers: []string{"Claude", "GPT", "Claude", "GPT"},
			contents: []string{"Review notes:\n\n- Fix: the loop bound\n- Add: a test", "Done:\n\n- Fix: bound changed\n- Add: test added", "- Fix: still off by one\n- Add: a second test", "Fixed both."}},
		{name: "a message showing an example log whose labels outnumber the speakers'", data: "**Claude:** Here is an example log:\n\n```\nUser: hi\nBot: hello\nUser: how are you\nBot: fine\nUser: bye\nBot: bye\n```\n\n**GPT:** Nice, the bot is polite.\n\n**Claude:** It is.\n\n**GPT:** Agreed.\n",
			layout: LayoutLabelled, count: 1, speakers: []string{"Claude", "GPT", "Claude", "GPT"},
			contents: []string{"Here is an example log:\n\n```\nUser: hi\nBot: hello\nUser: how are you\nBot: fine\nUser: bye\nBot: bye\n```", "Nice, the bot is polite.", "It is.", "Agreed."}},
		{name: "notes that open a paragraph of a message are no speaker's", data: "Claude: I think we should weigh the options.\n\nNote: the constraints matter.\n\nGPT: Agreed. One question.\n\nNote: the deadline matters too.\n\nClaude: It is next week.\n\nGPT: Fine.\n",
			layout: LayoutLabelled, count: 1, speakers: []string{"Claude", "GPT", "Claude", "GPT"},
			contents: []string{"I think we should weigh the options.\n\nNote: the constraints matter.", "Agreed. One question.\n\nNote: the deadline matters too.", "It is next week.", "Fine."}},
		{name: "a quiz's questions and answers inside the messages", data: "Claude: A quiz.\n\nQ: The capital of France?\n\nA: Paris.\n\nGPT: My turn.\n\nQ: The largest planet?\n\nA: Jupiter.\n\nClaude: Good one.\n\nGPT: Thanks.\n",
			layout: LayoutLabelled, count: 1, speakers: []string{"Claude", "GPT", "Claude", "GPT"},
			contents: []string{"A quiz.\n\nQ: The capital of France?\n\nA: Paris.", "My turn.\n\nQ: The largest planet?\n\nA: Jupiter.", "Good one.", "Thanks."}},
		{name: "a model's thoughts and actions inside its messages", data: "**User:** Find the file.\n\n**Assistant:** Let me look.\n\n**Thought:** it may be in /tmp.\n\n**Action:** ls /tmp\n\n**User:** And?\n\n**Assistant:** Found it.\n\n**Thought:** done.\n\n**Action:** none\n",
			layout: LayoutLabelled, count: 1, speakers: []string{"User", "Assistant", "User", "Assistant"},
			contents: []string{"Find the file.", "Let me look.\n\n**Thought:** it may be in /tmp.\n\n**Action:** ls /tmp", "And?", "Found it.\n\n**Thought:** done.\n\n**Action:** none"}},
		{name: "questions and answers that are the speakers", data: "Q: What is a monad?\n\nA: A monoid of endofunctors.\n\nQ: Really?\n\nA: Really.\n",
			layout: LayoutLabelled, count: 1, speakers: []string{"Q", "A", "Q", "A"},
			contents: []string{"What is a monad?", "A monoid of endofunctors.", "Really?", "Really."}},
		{name: "two messages and no title", data: "Claude: Hello, who are you?\n\nGPT-4o: I'm GPT-4o.\nNice to meet you.\n",
			layout: LayoutLabelled, count: 1, speakers: []string{"Claude", "GPT-4o"}, contents: []string{"Hello, who are you?", "I'm GPT-4o.\nNice to meet you."}},
		{name: "three messages and no title", data: "User: hi\nAssistant: hello, how can I help?\nUser: nothing, bye\n",
			layout: LayoutLabelled, count: 1, speakers: []string{"User", "Assistant", "User"}, contents: []string{"hi", "hello, how can I help?", "nothing, bye"}},
		{name: "a conversation indented as a whole", data: "    Claude: Hello there.\n\n    GPT: Hi.\n        an indented line\n\n    Claude: Bye.\n\n\tGPT: See you.\n",
			layout: LayoutLabelled, count: 1, speakers: []string{"Claude", "GPT", "Claude", "GPT"}, contents: []string{"Hello there.", "Hi.\n    an indented line", "Bye.", "See you."}},
		{name: "headings indented as a whole, with CRLF", data: "  ## Claude\r\n  Hello.\r\n\r\n  ## GPT\r\n  Hi.\r\n\r\n  ## Claude\r\n  Bye.\r\n\r\n  ## GPT\r\n  See you.\r\n",
			layout: LayoutLabelled, count: 1, speakers: []string{"Claude", "GPT", "Claude", "GPT"}, contents: []string{"Hello.", "Hi.", "Bye.", "See you."}},
		{name: "a dialogue dataset's texts, naming no speaker", data: `{"id": 7, "dialog": ["Hello there.", "Hi! How are you?", "Fine, thanks."]}`,
			layout: LayoutTurns, count: 1, speakers: []string{"Speaker 1", "Speaker 2", "Speaker 1"}, contents: []string{"Hello there.", "Hi! How are you?", "Fine, thanks."}},
		{name: "YAML messages", data: "title: Tides\nmessages:\n  - speaker: Claude\n    text: |\n      Hello.\n      Two lines.\n  - speaker: GPT-4o\n    text: Hi.\n",
			layout: LayoutYAML, count: 1, speakers: []string{"Claude", "GPT-4o"}, contents: []string{"Hello.\nTwo lines.", "Hi."}},
		{name: "a YAML list of turns", data: "- name: Claude\n  content: Hello\n- name: GPT-4o\n  content: Hi\n",
			layout: LayoutYAML, count: 1, speakers: []string{"Claude", "GPT-4o"}, contents: []string{"Hello", "Hi"}},
		{name: "a JSON list of speaker and text pairs", data: `[["Claude", "Hello"], ["GPT-4o", "Hi"], ["Claude", "Bye"]]`,
			layout: LayoutTurns, count: 1, speakers: []string{"Claude", "GPT-4o", "Claude"}, contents: []string{"Hello", "Hi", "Bye"}},
		{name: "headings numbering the turns before the names", data: "# Claude vs GPT-4o\n\n## Turn 1 — Claude\n\nHello.\n\n## Turn 2 — GPT-4o\n\nHi.\n\n## Turn 3 — Claude\n\nBye.\n\n## Turn 4 — GPT-4o\n\nSee you.\n",
			layout: LayoutLabelled, count: 1, speakers: []string{"Claude", "GPT-4o", "Claude", "GPT-4o"}, contents: []string{"Hello.", "Hi.", "Bye.", "See you."}},
		{name: "a chat export's authors as objects", data: `{"guild": {"name": "Lab"}, "messages": [{"id": "1", "author": {"id": "9", "name": "claude", "nickname": "Claude"}, "content": "Hello"}, {"id": "2", "author": {"id": "8", "nickname": "GPT"}, "content": "Hi"}]}`,
			layout: LayoutOpenAI, count: 1, speakers: []string{"claude", "GPT"}, contents: []string{"Hello", "Hi"}},
		{name: "a Discord export's events are notes, and a post of attachments alone holds their names", data: `{"guild": {"name": "Lab"}, "messages": [{"id": "1", "type": "Default", "author": {"id": "9", "name": "claude"}, "content": "Hello"}, {"id": "2", "type": "ChannelPinnedMessage", "author": {"id": "7", "name": "admin"}, "content": "Pinned a message."}, {"id": "3", "type": "Reply", "author": {"id": "8", "name": "gpt"}, "content": "Hi"}, {"id": "4", "type": "Default", "author": {"id": "9", "name": "claude"}, "content": "", "attachments": [{"url": "https://cdn.example/a.png", "fileName": "a.png"}]}, {"id": "5", "type": "Default", "author": {"id": "8", "name": "gpt"}, "content": "Nice."}]}`,
			layout: LayoutOpenAI, count: 1, speakers: []string{"claude", ModeratorSpeaker, "gpt", "claude", "gpt"}, contents: []string{"Hello", "admin: Pinned a message.", "Hi", "[attachment: a.png]", "Nice."}, moderator: 1},
		{name: "a chat export's users", data: `{"messages": [{"type": "message", "user": "U01", "text": "Hello"}, {"type": "message", "user": "U02", "text": "Hi"}]}`,
			layout: LayoutOpenAI, count: 1, speakers: []string{"U01", "U02"}, contents: []string{"Hello", "Hi"}},
		{name: "openai tool calls and their results are notes, not empty turns", data: `{"messages": [{"role": "user", "content": "Weather in Paris?"}, {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]}, {"role": "tool", "tool_call_id": "call_1", "content": "{\"temp\": 12}"}, {"role": "assistant", "content": "It is 12 degrees."}, {"role": "user", "content": "Thanks."}]}`,
			layout: LayoutOpenAI, count: 1, speakers: []string{"user", ModeratorSpeaker, ModeratorSpeaker, "assistant", "user"},
			contents: []string{"Weather in Paris?", `Tool call: get_weather({"city": "Paris"})`, "Tool result (call_1):\n" + `{"temp": 12}`, "It is 12 degrees.", "Thanks."}, moderator: 2},
		{name: "openai text beside a tool call stays the message, the call a note after it", data: `[{"role": "user", "content": "Sum 2 and 3."}, {"role": "assistant", "content": "Let me add them.", "function_call": {"name": "add", "arguments": "{\"a\": 2, \"b\": 3}"}}, {"role": "function", "name": "add", "content": "5"}, {"role": "assistant", "content": "5."}]`,
			layout: LayoutOpenAI, count: 1, speakers: []string{"user", "assistant", ModeratorSpeaker, ModeratorSpeaker, "assistant"},
			contents: []string{"Sum 2 and 3.", "Let me add them.", `Tool call: add({"a": 2, "b": 3})`, "Tool result (add):\n5", "5."}, moderator: 2},
		{name: "Anthropic tool use and tool result blocks", data: `{"messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "content": [{"type": "text", "text": "Checking."}, {"type": "tool_use", "id": "tu_1", "name": "get_weather", "input": {"city": "Paris"}}]}, {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "tu_1", "content": [{"type": "text", "text": "12 C"}]}]}, {"role": "assistant", "content": "12 degrees."}]}`,
			layout: LayoutOpenAI, count: 1, speakers: []string{"user", "assistant", ModeratorSpeaker, ModeratorSpeaker, "assistant"},
			contents: []string{"Weather?", "Checking.", `Tool call: get_weather({"city":"Paris"})`, "Tool result (tu_1):\n12 C", "12 degrees."}, moderator: 2},
		{name: "Anthropic's server web search: the call and its findings are notes", data: `{"messages": [{"role": "user", "content": "Latest Go?"}, {"role": "assistant", "content": [{"type": "text", "text": "Searching."}, {"type": "server_tool_use", "id": "srv_1", "name": "web_search", "input": {"query": "latest go"}}, {"type": "web_search_tool_result", "tool_use_id": "srv_1", "content": [{"type": "web_search_result", "url": "https://go.dev/doc/go1.24", "title": "Go 1.24 Release Notes", "encrypted_content": "x"}]}]}, {"role": "user", "content": "Thanks."}]}`,
			layout: LayoutOpenAI, count: 1, speakers: []string{"user", "assistant", ModeratorSpeaker, ModeratorSpeaker, "user"},
			contents: []string{"Latest Go?", "Searching.", `Tool call: web_search({"query":"latest go"})`, "Tool result (srv_1):\nGo 1.24 Release Notes https://go.dev/doc/go1.24", "Thanks."}, moderator: 2},
		{name: "ShareGPT function calls and observations are notes", data: `[{"conversations": [{"from": "human", "value": "Weather?"}, {"from": "function_call", "value": "{\"name\": \"get_weather\"}"}, {"from": "observation", "value": "12 C"}, {"from": "gpt", "value": "12 degrees."}]}]`,
			layout: LayoutShareGPT, count: 1, speakers: []string{"human", ModeratorSpeaker, ModeratorSpeaker, "gpt"},
			contents: []string{"Weather?", "Tool call: {\"name\": \"get_weather\"}", "Tool result:\n12 C", "12 degrees."}, moderator: 2},
		{name: "openai messages naming speakers beside the role", data: `{"messages": [{"role": "assistant", "speaker": "Claude", "text": "Hello"}, {"role": "assistant", "speaker": "GPT", "text": "Hi"}]}`,
			layout: LayoutOpenAI, count: 1, speakers: []string{"Claude", "GPT"}, contents: []string{"Hello", "Hi"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Detect([]byte(c.data)); got != c.layout {
				t.Fatalf("Detect = %q, want %q", got, c.layout)
			}
			ts, layout, err := Import([]byte(c.data))
			if err != nil {
				t.Fatal(err)
			}
			if layout != c.layout || len(ts) != c.count {
				t.Fatalf("Import gave %d transcripts as %q, want %d as %q", len(ts), layout, c.count, c.layout)
			}
			if c.speakers == nil {
				if len(ts[0].Messages) != 97 {
					t.Fatalf("seed has %d messages, want 97", len(ts[0].Messages))
				}
				return
			}
			sp, cs := speakersAndContents(ts[0])
			if strings.Join(sp, "|") != strings.Join(c.speakers, "|") {
				t.Errorf("speakers = %q, want %q", sp, c.speakers)
			}
			if strings.Join(cs, "|") != strings.Join(c.contents, "|") {
				t.Errorf("contents = %q, want %q", cs, c.contents)
			}
			mods := 0
			for _, m := range ts[0].Messages {
				if m.Origin == OriginModerator {
					mods++
				}
			}
			if mods != c.moderator {
				t.Errorf("%d moderator notes, want %d", mods, c.moderator)
			}
			preamble := ""
			if ts[0].Run != nil {
				preamble = ts[0].Run.Preamble
			}
			if preamble != c.preamble {
				t.Errorf("preamble %q, want %q", preamble, c.preamble)
			}
			footer := ""
			if ts[0].Run != nil {
				footer = ts[0].Run.Footer
			}
			if footer != c.footer {
				t.Errorf("footer %q, want %q", footer, c.footer)
			}
		})
	}
}

// Text saved as UTF-16, either way round, with a byte order mark or
// without, reads as the same text saved as UTF-8.
func TestImportUTF16(t *testing.T) {
	want, _, err := Import([]byte(headedSample))
	if err != nil {
		t.Fatal(err)
	}
	units := utf16.Encode([]rune(headedSample + "é 名前 🙂"))
	for name, order := range map[string]binary.AppendByteOrder{"little-endian": binary.LittleEndian, "big-endian": binary.BigEndian} {
		t.Run(name, func(t *testing.T) {
			// With the mark, and without it, as some tools save it.
			for _, mark := range []bool{true, false} {
				var data []byte
				if mark {
					data = order.AppendUint16(nil, 0xFEFF)
				}
				for _, u := range units {
					data = order.AppendUint16(data, u)
				}
				got, layout, err := Import(data)
				if err != nil || layout != LayoutHeaded {
					t.Fatalf("Import (mark %v): %q, %v", mark, layout, err)
				}
				sp, cs := speakersAndContents(got[0])
				wsp, wcs := speakersAndContents(want[0])
				wcs[len(wcs)-1] += "\né 名前 🙂"
				if strings.Join(sp, "|") != strings.Join(wsp, "|") || strings.Join(cs, "|") != strings.Join(wcs, "|") {
					t.Errorf("read (mark %v) %q %q, want %q %q", mark, sp, cs, wsp, wcs)
				}
			}
		})
	}
}

// Text of another alphabet saved as UTF-16 without a mark (a Cyrillic
// log, a Greek one), either way round, reads as the same text saved as
// UTF-8, not as a binary file.
func TestImportUTF16OfAnotherAlphabetWithoutAMark(t *testing.T) {
	for name, text := range map[string]string{
		"Cyrillic": "Алиса: Привет! Как дела сегодня?\nБоб: Хорошо, спасибо. А у тебя?\nАлиса: Тоже хорошо. Давай поговорим о погоде.\nБоб: Сегодня солнечно и тепло.\n",
		"Greek":    "Άννα: Γεια σου! Τι κάνεις σήμερα;\nΒασίλης: Καλά, ευχαριστώ. Εσύ;\nΆννα: Κι εγώ καλά. Ας μιλήσουμε για τον καιρό.\nΒασίλης: Σήμερα έχει ήλιο.\n",
	} {
		want, _, err := Import([]byte(text))
		if err != nil {
			t.Fatalf("%s as UTF-8: %v", name, err)
		}
		for order, o := range map[string]binary.AppendByteOrder{"little-endian": binary.LittleEndian, "big-endian": binary.BigEndian} {
			var data []byte
			for _, u := range utf16.Encode([]rune(text)) {
				data = o.AppendUint16(data, u)
			}
			got, _, err := Import(data)
			if err != nil {
				t.Fatalf("%s, %s: %v", name, order, err)
			}
			sp, cs := speakersAndContents(got[0])
			wsp, wcs := speakersAndContents(want[0])
			if strings.Join(sp, "|") != strings.Join(wsp, "|") || strings.Join(cs, "|") != strings.Join(wcs, "|") {
				t.Errorf("%s, %s: read %q %q, want %q %q", name, order, sp, cs, wsp, wcs)
			}
		}
	}
}

func TestImportErrors(t *testing.T) {
	cases := []struct {
		name, data, want string
	}{
		{"plain text", "just some words\n", "not a transcript layout parley knows"},
		{"an empty file", "", "not a transcript layout parley knows: the file is empty"},
		{"only white space", " \n\t\n", "the file is empty"},
		{"a binary file", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a transcript layout parley knows: the file is binary, not text"},
		{"control characters", "\x01\x02\x03\x04 abc \x05\x06\x07\x08\n", "the file is binary"},
		{"Latin-1 text that is no conversation", "abc caf\xe9 def\n", "expected parley Markdown"},
		{"UTF-8 cut mid-character at 4 KiB is text", strings.Repeat("é", 3000), "expected parley Markdown"},
		{"json of another shape", `{"foo": 1}`, `JSON needs "messages"`},
		{"broken json", `{"messages": [`, "does not parse"},
		{"a JSON list cut off", "[{\"role\": \"user\", \"content\": \"a\"},\n{\"role\": \"assis", "does not parse"},
		{"text opening with a bracketed word", "[Claude]\nHello.\n\n[GPT]\nHi.\n", "not a transcript layout parley knows: expected parley Markdown"},
		{"a JSON object cut off before its first key", "{\n", "does not parse"},
		{"broken JSON names the line and column of the fault", "{\"messages\": [\n  {\"role\": \"user\", \"content\": \"a\"},\n  {\"role\": \"assistant\" \"content\": \"b\"}\n]}\n",
			`the JSON does not parse: line 3, column 24: invalid character '"' after object key:value pair`},
		{"a JSONL line broken inside its text names that line", "{\"role\":\"user\",\"content\":\"a\"}\n{\"role\":\"assistant\",\"content\":\"b}\n{\"role\":\"user\",\"content\":\"c\"}\n",
			`the JSON does not parse: line 2, column 34: invalid character '\n' in string literal`},
		{"JSON cut off names where it ends", "{\"messages\": [\n  {\"role\": \"user\", \"content\": \"a\"},\n", "the JSON does not parse: line 2, column 36: the JSON ends before what it opened is closed"},
		{"a table without a speaker column", "id,score,note\n1,5,good\n2,3,fine\n", "a CSV or TSV table whose header names a speaker column"},
		{"rows of another width do not read", "speaker,text\nClaude,Hello, there\nGPT,Hi\n", "a table of messages (its header names a speaker and a text column) that does not read: line 2 has another number of fields than the header's 2; a text that holds a comma is written in double quotes"},
		{"a bare quote in a table", "speaker,text\nA,hello\nB,he said \"yes\" loudly\n", "that does not read: line 3 has a double quote inside a text not in quotes"},
		{"a quote opened and never closed is named where it opens", "speaker,text\nA,\"unterminated\nB,hi\nA,\"ok\"\n", "that does not read: the text in double quotes that opens on line 2 is not closed where it ends (the reader ran on to line 4)"},
		// On the last line, the reader runs out of the file on the line
		// the quote opens on: it is told as the quote left open, not as
		// one inside a text not in quotes.
		{"a quote opened on the last line and never closed", "speaker,text\nA,hi\nB,\"yo\n", "that does not read: the text in double quotes that opens on line 3 is not closed before the file ends; close it with a double quote"},
		{"a quote opened on the last line with CRLF", "speaker,text\r\nA,hi\r\nB,\"yo\r\n", "that does not read: the text in double quotes that opens on line 3 is not closed before the file ends"},
		{"a quote opened on a last line with no line end", "speaker,text\nA,hi\nB,\"yo", "that does not read: the text in double quotes that opens on line 3 is not closed before the file ends"},
		{"a quote opened on the last line holding doubled quotes", "speaker,text\nA,hi\nB,\"say \"\"yo\"\"\n", "that does not read: the text in double quotes that opens on line 3 is not closed before the file ends"},
		{"a quote not doubled inside a text in quotes", "speaker,text\nA,hi\nB,\"say \"yo\" now\"\n", "that does not read: line 3 has a double quote inside a text in double quotes that is not doubled; double each quote inside it"},
		// Read without quoting, a row of this TSV has three fields: the
		// quote marks a text that holds a tab, so quoting stands.
		{"a TSV whose quoted text holds a tab and a bare quote", "speaker\ttext\nA\t\"one\ttwo\"\nB\the said \"yes\" loudly\n", "that does not read: line 3 has a double quote inside a text not in quotes"},
		// Read without quoting, the quotes of these TSVs are their texts'
		// own, and the fault is a later line's fields: that line is named.
		{"a TSV whose quote is a text's and a later line has a tab too many", "speaker\ttext\nClaude\t\"Hello\" she said\nGPT\tHi\tthere\nClaude\tok\nGPT\tbye\n",
			`that does not read: line 3 has 1 extra field past the header's 2 ("there"); tab-separated text has no quoting, so a tab inside a text starts another field`},
		{"a TSV whose quote never closes and a later line has tabs too many", "speaker\ttext\nA\t\"unclosed\nB\thi\nA\tok\nB\tx\ty\tz\n",
			`that does not read: line 5 has 2 extra fields past the header's 2 ("y", "z")`},
		// With no quote in it, a TSV's line with a tab too many or too
		// few is named as it is when a quote comes earlier.
		{"a TSV without quotes whose line has a tab too many", "speaker\ttext\nA\tsay hi\nB\ttwo\tx\nA\tthree\nB\tfour\n",
			`that does not read: line 3 has 1 extra field past the header's 2 ("x"); tab-separated text has no quoting, so a tab inside a text starts another field: write a space in its place`},
		{"a TSV without quotes whose line has a field too few", "speaker\ttext\nA\tsay hi\nB\nA\tthree\n",
			"that does not read: line 3 has 1 field where the header has 2; tab-separated text gives each line the header's fields, separated by tabs"},
		{"a TSV whose quoted text holds a tab and a later line has a tab too many", "speaker\ttext\nA\t\"one\ttwo\"\nB\tok\tx\ty\n",
			`that does not read: line 3 has 2 extra fields past the header's 2 ("x", "y")`},
		{"a TSV whose quote is a text's and a later line has a field too few", "speaker\ttext\nA\t\"hi\" there\nB\n",
			"that does not read: line 3 has 1 field where the header has 2"},
		{"YAML of another shape", "name: parley\nagents:\n  - model: a\n  - model: b\n", "not a transcript layout parley knows"},
		{"a list of pairs of numbers", `[[1, 2], [3, 4]]`, `JSON needs "messages"`},
		{"a bare list of texts (a word list as much as a dialogue)", `["apple", "pear", "plum"]`, `JSON needs "messages"`},
		{"texts under a name no conversation has", `{"tags": ["apple", "pear", "plum"]}`, `JSON needs "messages"`},
		{"lists of other things", `{"scores": [1, 2], "tags": [{"label": "x"}]}`, `JSON needs "messages"`},
		{"message without a speaker", `{"messages": [{"content": "x"}]}`, "message 1 has no field naming its speaker: none of name, speaker"},
		{"turns without a speaker", `{"turns": [{"text": "x"}]}`, "message 1 has no field naming its speaker"},
		{"a document whose only labels are YAML keys in code blocks", "# mytool\n\n## Configure\n\n```yaml\nagents:\n  - name: a\nlimits:\n  openai: 8\n```\n\n## Example\n\n```yaml\nagents:\n  - name: b\nlimits:\n  openai: 4\n```\n", "not a transcript layout parley knows"},
		{"a changelog", "# Changelog\n\n## 1.2.0\n\n- Fix: crash on empty input\n- Add: a --json flag\n- Fix: a typo in the help\n- Add: Windows builds\n\n## 1.1.0\n\n- Fix: slow start\n- Add: config files\n", "not a transcript layout parley knows"},
		{"a commit log", "feat: streaming output\nfix: empty replies\nfeat: rosters\nfix: a race in the recorder\ndocs: the README\n", "not a transcript layout parley knows"},
		{"a document with headings", "# Notes\n\n## Install\n\nRun it.\n\n## Usage\n\nUse it.\n", "not a transcript layout parley knows"},
		{"a title without a header", "# A ↔ B\n\nsome words\n", "not a transcript layout parley knows"},
		{"one name's labels and no title naming it", "**Note:** a\n\n**Note:** b\n\n**Note:** c\n\n**Note:** d\n", "not a transcript layout parley knows"},
		{"content of the wrong type", `{"messages": [{"role": "user", "content": 5}]}`, "content is a number"},
		{"messages not a list", `{"messages": "x"}`, `its "messages" is a string, not a list of messages`},
		{"JSON lines whose second line's messages are a string", "{\"messages\": 3}\n{\"messages\": \"x\"}\n", `conversation 2: line 2: its "messages" is a string, not a list of messages`},
		{"a list of conversations whose messages are a string", "[\n  {\"messages\": \"x\"}\n]", `line 2: its "messages" is a string, not a list of messages`},
		{"a run's summary counting its messages", `{"run": "batch-1", "messages": 97, "tokens": 15230}`, `its "messages" is a number`},
		{"a list of named values", `[{"name": "PATH", "value": "/usr/bin"}, {"name": "HOME", "value": "/root"}, {"name": "LANG", "value": "C"}]`, `JSON needs "messages"`},
		{"a user's record with a role", `{"user": "alice", "role": "admin", "permissions": ["read"]}`, `JSON needs "messages"`},
		{"a user's record with a role says what a message holds beside it", `{"user": "alice", "role": "admin", "permissions": ["read"]}`, `it has "role" but no "content" beside it`},
		{"a range of dates", `{"from": "2024-01-01", "to": "2024-02-01"}`, `it has "from" but no "value" beside it, where a ShareGPT message names its speaker in "from" and holds its text in "value"`},
		{"ranges of dates", `[{"from": "2024-01-01", "to": "2024-02-01"}, {"from": "2024-02-01", "to": "2024-03-01"}]`, `item 1 has "from" but no "value" beside it`},
		{"two named values", `[{"name": "PATH", "value": "/usr/bin"}, {"name": "HOME", "value": "/root"}]`, `item 1 holds only a "name" and a "value", as a list of named values does`},
		{"one named value", `{"name": "PATH", "value": "/usr/bin"}`, `it holds only a "name" and a "value"`},
		{"a table of named values", "name,value\nPATH,/usr/bin\nHOME,/root\n", "not a transcript layout parley knows"},
		{"a table of messages with no row", "speaker,text\n", "not a transcript layout parley knows"},
		{"empty conversation", `{"conversations": []}`, "no messages"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := Import([]byte(c.data))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want one containing %q", err, c.want)
			}
		})
	}
}

// Imported transcripts written in parley's layout read back the same.
func TestImportConvertRoundTrip(t *testing.T) {
	for _, data := range []string{headedSample, openAISample, shareGPTSample} {
		ts, _, err := Import([]byte(data))
		if err != nil {
			t.Fatal(err)
		}
		for _, tr := range ts {
			var buf bytes.Buffer
			if err := WriteMarkdown(&buf, tr); err != nil {
				t.Fatal(err)
			}
			back, err := ParseMarkdown(buf.Bytes())
			if err != nil {
				t.Fatalf("reading back: %v\n%s", err, buf.String())
			}
			a, b := tr.Messages, back.Messages
			if len(a) != len(b) {
				t.Fatalf("%d messages read back, want %d", len(b), len(a))
			}
			for i := range a {
				if a[i].Speaker != b[i].Speaker || a[i].Content != b[i].Content || a[i].Origin != b[i].Origin {
					t.Errorf("message %d: got %+v, want %+v", i+1, b[i], a[i])
				}
			}
		}
	}
}

func fuzzSeeds(f *testing.F) {
	seed, err := os.ReadFile("seed/kimi-k2-vs-grok-4.md")
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range [][]byte{seed, seed[:len(seed)/3], []byte(headedSample), []byte(openAISample), []byte(shareGPTSample),
		[]byte("### A ###\n"), []byte("[[[]]]"), []byte(labelledHeadings), []byte("**A:** x\n**B:** y\nA: z\n**A:** w\n**B**: v\n"),
		[]byte(`{"turns":[{"speaker":"A","text":"x"},{"author":"B","message":["y"]}]}`),
		[]byte(`{"model_a":"A","model_b":"B","initial_message":" ","messages":[{"role":"user","content":" ","speaker":"A"},{"role":"assistant","content":"x","speaker":"B"}]}`), []byte(`{"messages":[{"role":"user","content":[1,{"text":2}]}]}`)} {
		f.Add(s)
	}
}

// FuzzImport feeds arbitrary bytes to the importer: it must never panic,
// and whatever it accepts must have messages with one-line speakers.
func FuzzImport(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		ts, _, err := Import(data)
		if err != nil {
			return
		}
		for _, tr := range ts {
			for _, m := range tr.Messages {
				if strings.ContainsAny(m.Speaker, "\n") && Detect(data) != LayoutJSONL && Detect(data) != LayoutMarkdown {
					t.Fatalf("speaker %q spans lines", m.Speaker)
				}
			}
		}
	})
}

// FuzzImportHeaded checks the headed-block reader on its own.
func FuzzImportHeaded(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, err := ParseHeaded(data)
		if err != nil {
			return
		}
		if len(tr.Messages) == 0 {
			t.Fatal("accepted with no messages")
		}
	})
}

// A system message in OpenAI JSON is the run's system prompt, not a speaker.
func TestImportSystemMessageIsTheSystemPrompt(t *testing.T) {
	ts, _, err := Import([]byte(openAISample))
	if err != nil {
		t.Fatal(err)
	}
	tr := ts[0]
	if tr.Run == nil || tr.Run.System != "You are talking to another AI." {
		t.Fatalf("run = %+v, want the system prompt recorded", tr.Run)
	}
	for _, sp := range tr.Speakers() {
		if sp == ModeratorSpeaker || sp == "system" {
			t.Errorf("speakers %q include the system message", tr.Speakers())
		}
	}
	// Every speaker is named in the title, so the Markdown reader knows
	// whose headings end a message.
	if tr.Title != "user ↔ assistant ↔ Kimi" {
		t.Errorf("title = %q", tr.Title)
	}
	var buf bytes.Buffer
	if err := WriteJSONL(&buf, tr); err != nil {
		t.Fatal(err)
	}
	back, err := ParseJSONL(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if back.Run.System != tr.Run.System || back.Title != tr.Title {
		t.Errorf("JSONL kept system %q and title %q", back.Run.System, back.Title)
	}

	// So in speaker-labelled text: "System:" before the first message is
	// the system prompt, and later a moderator's note, as "Moderator:" is.
	ts, _, err = Import([]byte(labelledNotes))
	if err != nil {
		t.Fatal(err)
	}
	tr = ts[0]
	if tr.Run == nil || tr.Run.System != "Talk about tides." {
		t.Fatalf("labelled run = %+v, want the system prompt recorded", tr.Run)
	}
	if sp := tr.Speakers(); strings.Join(sp, "|") != "Claude|GPT" {
		t.Errorf("labelled speakers %q, want Claude and GPT alone", sp)
	}
	notes := 0
	for _, m := range tr.Messages {
		if m.Origin == OriginModerator {
			notes++
		}
	}
	if notes != 3 {
		t.Errorf("%d moderator notes, want 3", notes)
	}
	// A system prompt labelled once, before every message, is the system
	// prompt too, though it does not recur as a speaker's label must:
	// ChatML, as chat templates write a conversation out, and a bold label.
	for name, data := range map[string]string{
		"ChatML": "<|im_start|>system\nBe kind.<|im_end|>\n<|im_start|>user\nHello there.<|im_end|>\n<|im_start|>assistant\nHi! How\nare you?\n<|im_end|>\n<|im_start|>user\nFine.<|im_end|>\n<|im_start|>assistant Good.<|im_end|>\n",
		"bold":   "**System:** Be kind.\n\n**user:** Hello there.\n\n**assistant:** Hi! How\nare you?\n\n**user:** Fine.\n\n**assistant:** Good.\n",
	} {
		ts, layout, err := Import([]byte(data))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		tr := ts[0]
		sp, cs := speakersAndContents(tr)
		if layout != LayoutLabelled || tr.Run == nil || tr.Run.System != "Be kind." || tr.Run.Preamble != "" ||
			strings.Join(sp, "|") != "user|assistant|user|assistant" || strings.Join(cs, "|") != "Hello there.|Hi! How\nare you?|Fine.|Good." {
			t.Errorf("%s: read as %s with run %+v, speakers %q, contents %q; want the system prompt and four messages", name, layout, tr.Run, sp, cs)
		}
	}
}

// Converted files name only the times they know: no empty **Started:** or
// **Ended:** lines.
func TestConvertedMarkdownHasNoEmptyTimes(t *testing.T) {
	ts, _, err := Import([]byte(headedSample))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteFile(&buf, ts[0]); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.Contains(out, "**Started:**") || strings.Contains(out, "**Ended:**") {
		t.Errorf("converted file has empty time lines:\n%s", out)
	}
	back, err := Parse(buf.Bytes())
	if err != nil || len(back.Messages) != 3 {
		t.Fatalf("reading back: %v, %d messages", err, len(back.Messages))
	}
	ts[0].Started = time.Date(2025, 10, 26, 13, 8, 38, 0, time.Local)
	buf.Reset()
	WriteFile(&buf, ts[0])
	if !strings.Contains(buf.String(), "**Started:** 2025-10-26 13:08:38\n**Messages:** 3\n") {
		t.Errorf("a known start is left out:\n%s", buf.String())
	}
}

// The JSON a two-model runner writes beside each Markdown file reads as the
// same conversation as the Markdown: same title, speakers, texts, marks
// and count, with the initial message as message 1, model_a's and
// unmarked, as the Markdown has it. The folder holds a failed run of one
// message too.
func TestPairJSONReadsAsItsMarkdown(t *testing.T) {
	dir := "../../shared/seed/attractors-folder"
	jsons, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(jsons) == 0 {
		t.Skipf("no two-model runner files in %s (the shared data folder is not beside this clone)", dir)
	}
	sawFailed := false
	for _, j := range jsons {
		t.Run(filepath.Base(j), func(t *testing.T) {
			fromJSON, layout, err := ReadAny(j)
			if err != nil {
				t.Fatal(err)
			}
			if layout != LayoutPair || len(fromJSON) != 1 {
				t.Fatalf("read as %d transcripts of %q", len(fromJSON), layout)
			}
			a := fromJSON[0]
			if a.Messages[0].Origin != OriginAgent {
				t.Errorf("message 1 is marked %q, where the runner's Markdown marks nothing: %+v", a.Messages[0].Origin, a.Messages[0])
			}
			if len(a.Messages) == 1 {
				sawFailed = true
			}
			// The runner writes its Markdown without escaping anything:
			// what the JSON reads as, laid out that way, is the file.
			md, err := os.ReadFile(strings.TrimSuffix(j, ".json") + ".md")
			if err != nil {
				t.Fatal(err)
			}
			var want strings.Builder
			fmt.Fprintf(&want, "# %s\n\n**Started:** %s\n**Ended:** %s\n**Messages:** %d\n\n---\n\n",
				a.Title, a.Started.Format(TimeLayout), a.Ended.Format(TimeLayout), len(a.Messages))
			for _, m := range a.Messages {
				fmt.Fprintf(&want, "### %s\n\n%s\n\n---\n\n", m.Speaker, m.Content)
			}
			if got := string(md); got != want.String() {
				t.Fatalf("the JSON does not read as its Markdown:\n%s", firstDiff(md, []byte(want.String())))
			}
			// And the Markdown reader agrees.
			fromMD, _, err := ReadAny(strings.TrimSuffix(j, ".json") + ".md")
			if err != nil {
				t.Fatalf("the Markdown reader does not read the file: %v", err)
			}
			b := fromMD[0]
			if a.Title != b.Title || !a.Started.Truncate(time.Second).Equal(b.Started) || !a.Ended.Truncate(time.Second).Equal(b.Ended) {
				t.Errorf("JSON header %q %v–%v, Markdown %q %v–%v", a.Title, a.Started, a.Ended, b.Title, b.Started, b.Ended)
			}
			if len(a.Messages) != len(b.Messages) {
				t.Fatalf("JSON has %d messages, Markdown %d", len(a.Messages), len(b.Messages))
			}
			for i := range a.Messages {
				if a.Messages[i].Speaker != b.Messages[i].Speaker || a.Messages[i].Content != b.Messages[i].Content || a.Messages[i].Origin != b.Messages[i].Origin {
					t.Fatalf("message %d: JSON %s %q %q, Markdown %s %q %q", i+1,
						a.Messages[i].Speaker, a.Messages[i].Origin, clip(a.Messages[i].Content), b.Messages[i].Speaker, b.Messages[i].Origin, clip(b.Messages[i].Content))
				}
			}
		})
	}
	if !sawFailed {
		t.Error("no failed (one-message) run among the pairs")
	}
}

// Both sides under one name are told apart by turn, and the reader says
// so; a conversation whose sides have names of their own, or a single
// message, is left as it is.
func TestSidesByTurn(t *testing.T) {
	cases := []struct {
		name, data string
		speakers   []string
		warned     bool
	}{
		{"one name", "### Claude ###\nhi\n### Claude ###\nyo\n", []string{"Claude (1)", "Claude (2)"}, true},
		{"two names", "### Claude 1 ###\nhi\n### Claude 2 ###\nyo\n### Claude 1 ###\nok\n", []string{"Claude 1", "Claude 2", "Claude 1"}, false},
		{"one message", `[{"name": "Claude", "content": "hi"}]`, []string{"Claude"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ts, _, err := Import([]byte(c.data))
			if err != nil {
				t.Fatal(err)
			}
			sp, _ := speakersAndContents(ts[0])
			if strings.Join(sp, "|") != strings.Join(c.speakers, "|") {
				t.Errorf("speakers = %q, want %q", sp, c.speakers)
			}
			warned := strings.Contains(strings.Join(ts[0].Warnings, "\n"), `parley reads them as two sides taking turns, "Claude (1)" and "Claude (2)"`)
			if warned != c.warned {
				t.Errorf("warnings %q; want the sides' warning: %v", ts[0].Warnings, c.warned)
			}
		})
	}
}

// YAML documents, each a message, are the conversation they list, not a
// conversation between "speaker" and "text"; a .yaml file that does not
// parse is said to be so, with its line.
func TestYAMLDocumentsAndYAMLThatDoesNotParse(t *testing.T) {
	ts, layout, err := Import([]byte("---\nspeaker: A\ntext: one\n---\nspeaker: B\ntext: two\n---\nspeaker: A\ntext: three\n"))
	if err != nil || layout != LayoutYAML || strings.Join(speakerNames(ts[0]), "|") != "A|B|A" || ts[0].Messages[2].Content != "three" {
		t.Fatalf("layout %q, %v: %+v; want three YAML messages A, B, A", layout, err, ts)
	}
	path := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(path, []byte("messages:\n  - speaker: Claude\n    text: Hello: there\n  - speaker: GPT\n    text: Hi\n"), 0o600)
	if _, _, err := ReadAny(path); err == nil || !strings.Contains(err.Error(), path+": not a transcript: the YAML does not parse: line 3: mapping values are not allowed") {
		t.Errorf("err = %v; want the YAML's error and its line", err)
	}
}

// Text a Windows editor saved in its Western code page reads as the text
// it is, with a warning, not with replacement characters.
func TestWindows1252TextReadsAsItIs(t *testing.T) {
	ts, _, err := Import([]byte("A: Caf\xe9 au lait?\nB: Oui, tr\xe8s bien.\nA: Na\xefve question.\nB: \x93Quotes\x94.\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := ts[0].Messages[0].Content + "|" + ts[0].Messages[3].Content; got != "Café au lait?|“Quotes”." {
		t.Errorf("read %q", got)
	}
	if len(ts[0].Warnings) != 1 || !strings.Contains(ts[0].Warnings[0], "Windows-1252") {
		t.Errorf("warnings %q; want one saying how the file was read", ts[0].Warnings)
	}
}

// UTF-8 broken by a stray byte (a character cut in two, a byte flipped)
// reads as the UTF-8 it is, the stray byte as �, with a warning naming
// its line: read as Windows-1252, every other non-ASCII character would
// turn to mojibake. Text whose bytes are mostly broken is still read as
// Windows-1252 (TestWindows1252TextReadsAsItIs).
func TestUTF8WithAStrayByteReadsAsUTF8(t *testing.T) {
	ts, _, err := Import([]byte("A: Café au lait? 再见 — “quoted”\nB: Oui, tr\xe8s bien, naïve.\nA: Ça va.\nB: Bien.\n"))
	if err != nil {
		t.Fatal(err)
	}
	m := ts[0].Messages
	if got := m[0].Content + "|" + m[1].Content + "|" + m[2].Content; got != "Café au lait? 再见 — “quoted”|Oui, tr\uFFFDs bien, naïve.|Ça va." {
		t.Errorf("read %q", got)
	}
	if w := strings.Join(ts[0].Warnings, "\n"); !strings.Contains(w, "one byte that is not UTF-8, on line 2, reads as �") || strings.Contains(w, "Windows-1252") {
		t.Errorf("warnings %q; want one naming line 2's byte, and no Windows-1252", w)
	}
}

// A "### Name ###" banner inside a conversation whose speakers are named
// by their lines ("Claude:") is part of a message, not the layout: the
// conversation reads as its turns. Headings that read as a recorder's
// (two names, or one heading three blocks) are still headed blocks.
func TestABannerDoesNotMakeAConversationHeaded(t *testing.T) {
	for _, tc := range []struct {
		name, text, layout string
		messages           int
	}{
		{"a banner in a labelled conversation",
			"Claude: Let us begin.\n### SCENE ONE ###\nA room.\n\nGPT: Go on.\n\nClaude: The door opens.\n\nGPT: Who enters?\n\nClaude: A cat.\n\nGPT: Of course.\n",
			LayoutLabelled, 6},
		{"two banners in a labelled conversation",
			"Claude: Let us begin.\n### SCENE ONE ###\nA room.\n\nGPT: Go on.\n\nClaude: The door opens.\n### SCENE TWO ###\nA hall.\n\nGPT: Who enters?\n",
			LayoutLabelled, 4},
		{"a recorder's headings", "### A ###\nhi\n\n### B ###\nyo\n\n### A ###\nbye\n", LayoutHeaded, 3},
		{"one name heading every block", "### gpt ###\nhi\n\n### gpt ###\nyo\n\n### gpt ###\nbye\n", LayoutHeaded, 3},
		{"a lone heading and no labels", "### A ###\nhello there\n", LayoutHeaded, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts, layout, err := Import([]byte(tc.text))
			if err != nil {
				t.Fatal(err)
			}
			if layout != tc.layout || len(ts[0].Messages) != tc.messages {
				t.Errorf("read as %s with %d messages; want %s with %d", layout, len(ts[0].Messages), tc.layout, tc.messages)
			}
		})
	}
}

// Another tool's JSON Lines cut off mid-line (the tool stopped while
// writing) is read up to its last complete line, with a warning naming the
// line left out; JSON broken anywhere else, or one value cut off, is
// refused as before.
func TestAnotherToolsJSONLinesTornAtTheEnd(t *testing.T) {
	const whole = `{"role":"user","content":"hello there"}` + "\n" + `{"role":"assistant","content":"hi, how can I help"}` + "\n"
	tests := []struct {
		name     string
		data     string
		messages int    // read; -1: refused
		warning  string // in a warning, or in the error when refused
	}{
		{"whole", whole, 2, ""},
		{"torn last line", whole + `{"role":"user","content":"tell me ab`, 2, "the last line (line 3) is cut off"},
		{"torn last line, a line end after it", whole + `{"role":"user","content":"tell me ab` + "\n", 2, "the last line (line 3) is cut off"},
		{"broken in the middle", `{"role":"user","content":"hello there"}` + "\n" + `{"role":"assistant","content":"hi` + "\n" + `{"role":"user","content":"more"}` + "\n", -1, "does not parse"},
		{"one value cut off", "{\n  \"messages\": [\n    {\"role\": \"user\", \"content\": \"hi\"},\n    {\"role\": \"assistant\", \"content\": \"hel", -1, "ends before what it opened is closed"},
		{"one complete line before the torn one", `{"role":"user","content":"hello there"}` + "\n" + `{"role":"assistant","content":"hi`, 1, "the complete line before it is read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts, _, err := Import([]byte(tt.data))
			if tt.messages < 0 {
				if err == nil || !strings.Contains(err.Error(), tt.warning) {
					t.Fatalf("err = %v; want one saying %q", err, tt.warning)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(ts) != 1 || len(ts[0].Messages) != tt.messages {
				t.Fatalf("%d conversations; want one of %d messages", len(ts), tt.messages)
			}
			warned := strings.Join(ts[0].Warnings, "\n")
			if tt.warning == "" && warned != "" || !strings.Contains(warned, tt.warning) {
				t.Errorf("warnings %q; want %q", warned, tt.warning)
			}
		})
	}
}
