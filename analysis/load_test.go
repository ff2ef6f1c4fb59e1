package analysis

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// A faulty label fails its transcript where labels are scored (check,
// train); read unscored (the report), the transcript is read all the same
// and one warning names the label's problems, each with its file and line.
func TestAFaultyLabelIsIgnoredWhenLabelsAreNotScored(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string
		want  []string // in the one warning, and in Load's error
	}{
		{"a message number past the end", map[string]string{"t.expect.yaml": "stop_after: 200\nstop_by: 210\n"},
			[]string{"t.expect.yaml:1: stop_after is 200", "t.expect.yaml:2: stop_by is 210"}},
		{"stop_by before stop_after", map[string]string{"t.expect.yaml": "stop_after: 3\nstop_by: 1\n"},
			[]string{"t.expect.yaml:2: stop_by (1) comes before stop_after (3)"}},
		{"a misspelt field", map[string]string{"t.expect.yaml": "stop_after: 2\nstop_byy: 3\n"},
			[]string{`t.expect.yaml:2: unknown field "stop_byy"`}},
		{"a loop backwards", map[string]string{"t.expect.yaml": "stop_after: 2\nstop_by: 4\nloops: [[4, 2]]\n"},
			[]string{"t.expect.yaml:3: loop 1 is [4, 2]"}},
		{"a label that is no YAML", map[string]string{"t.expect.yaml": "stop_after: [\n"},
			[]string{"t.expect.yaml", "is not valid YAML"}},
		{"a table that is no JSON", map[string]string{"labels.json": `{"transcripts": [`},
			[]string{"labels.json"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.files["t.md"] = fourMessages
			dir := writeTree(t, tc.files)
			f := File{Path: filepath.Join(dir, "t.md"), Root: dir}

			_, err := Load(f)
			if err == nil {
				t.Fatal("Load read a transcript whose label is faulty; check must fail it")
			}
			items, err := LoadUnscored(f)
			if err != nil || len(items) != 1 || len(items[0].Messages) != 4 {
				t.Fatalf("LoadUnscored: %d items, %v; want the transcript's 4 messages", len(items), err)
			}
			it := items[0]
			if it.Label != nil || len(it.Warnings) != 1 {
				t.Fatalf("label %+v, warnings %q; want no label and one warning", it.Label, it.Warnings)
			}
			w := it.Warnings[0]
			if !strings.HasPrefix(w, f.Path+": its faulty label is ignored") || strings.Contains(w, "\n") {
				t.Errorf("warning %q; want one line naming %s", w, f.Path)
			}
			for _, s := range tc.want {
				if !strings.Contains(w, s) {
					t.Errorf("warning %q lacks %q", w, s)
				}
			}
		})
	}
}

// Read unscored, a sound label is kept without its lesser warnings (a
// field other tools add), and a transcript without one warns of nothing.
func TestUnscoredReadsKeepSoundLabelsQuietly(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"a.md": fourMessages, "a.expect.yaml": "stop_after: 2\nstop_by: 4\nkind: farewell\n",
		"b.md": fourMessages,
	})
	for _, name := range []string{"a.md", "b.md"} {
		items, err := LoadUnscored(File{Path: filepath.Join(dir, name), Root: dir})
		if err != nil || len(items) != 1 || len(items[0].Warnings) != 0 {
			t.Fatalf("%s: %+v, %v; want one item and no warning", name, items, err)
		}
		if (items[0].Label != nil) != (name == "a.md") {
			t.Errorf("%s: label %+v", name, items[0].Label)
		}
	}
	// A file no reader takes is still no transcript.
	dir = writeTree(t, map[string]string{"notes.md": "# Notes\n\nnothing here\n"})
	if _, err := LoadUnscored(File{Path: filepath.Join(dir, "notes.md"), Root: dir}); !errors.Is(err, ErrNotTranscript) {
		t.Errorf("notes.md: %v; want it skipped as no transcript", err)
	}
}

// A label or a table of labels given where a transcript goes is named as
// what it is, with what to give instead, not answered with every layout
// parley reads; a JSON file that merely shares the table's name is not.
func TestALabelGivenAsATranscriptSaysWhatToGive(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"run.jsonl":         "",
		"run.expect.yaml":   "stop_after: 2\nstop_by: 4\n",
		"solo.expect.yaml":  "stop_after: 2\nstop_by: 4\n",
		"labels.json":       `{"transcripts": [{"file": "run.jsonl", "stop_after": 2}]}`,
		"other/labels.json": `{"settings": {"x": 1}}`,
	})
	cases := []struct{ name, file, want string }{
		{"a label beside its transcript", "run.expect.yaml", "run.expect.yaml is a label, not a transcript; give the transcript it labels (" + filepath.Join(dir, "run.jsonl") + ") or its folder, and the label beside it is read"},
		{"a label with no transcript", "solo.expect.yaml", "solo.expect.yaml is a label, not a transcript; give the transcript it labels (" + filepath.Join(dir, "solo.md") + ")"},
		{"a table of labels", "labels.json", "labels.json is a table of labels, not a transcript; give the transcripts it lists, or their folder, and each one's label is read from it"},
		{"JSON that is no table", "other/labels.json", "not a transcript layout parley knows"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			files, err := Gather([]string{filepath.Join(dir, filepath.FromSlash(c.file))})
			if err != nil {
				t.Fatal(err)
			}
			_, err = Load(files[0])
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

// A label beside a file of several conversations cannot say which one it
// scores: none is scored, and a warning says why rather than nothing.
func TestALabelBesideSeveralConversationsSaysItScoresNone(t *testing.T) {
	two := `[{"conversations": [{"from": "human", "value": "a"}, {"from": "gpt", "value": "b"}]}, {"conversations": [{"from": "human", "value": "c"}, {"from": "gpt", "value": "d"}]}]`
	dir := writeTree(t, map[string]string{"t.json": two, "t.expect.yaml": "stop_after: 2\nstop_by: null\n"})
	items, err := Load(File{Path: filepath.Join(dir, "t.json"), Root: dir})
	if err != nil || len(items) != 2 {
		t.Fatalf("%+v, %v; want two conversations read", items, err)
	}
	for _, it := range items {
		if it.Label != nil {
			t.Errorf("%s is scored by a label written for the whole file", it.Name)
		}
	}
	want := "t.expect.yaml: labels " + filepath.Join(dir, "t.json") + ", which holds 2 conversations; a label of a file scores one conversation, so none of them is scored by it (label each in labels.json as t.json#N"
	if len(items[0].Warnings) != 1 || !strings.Contains(items[0].Warnings[0], want) {
		t.Errorf("warnings %q; want one holding %q", items[0].Warnings, want)
	}
}

// An export's empty conversation keeps its number: FILE#N is the Nth
// conversation as the file holds them, an empty one read as a
// conversation of no messages, not left out so that those after it
// move up.
func TestAnEmptyConversationKeepsItsNumber(t *testing.T) {
	export := `[{"title":"First","messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello"}]},` +
		`{"title":"Nothing","messages":[]},` +
		`{"title":"Third","messages":[{"role":"user","content":"Bye"},{"role":"assistant","content":"Bye now"}]}]`
	dir := writeTree(t, map[string]string{"export.json": export})
	path := filepath.Join(dir, "export.json")
	items, err := Load(File{Path: path, Root: dir})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range items {
		got = append(got, fmt.Sprintf("%s %s %d", filepath.Base(it.Name), it.Title, len(it.Messages)))
	}
	if want := []string{"export.json#1 First 2", "export.json#2 Nothing 0", "export.json#3 Third 2"}; !slices.Equal(got, want) {
		t.Errorf("read %q; want %q", got, want)
	}
	for n, title := range map[int]string{2: "Nothing", 3: "Third"} {
		items, err := Load(File{Path: path, Root: dir, Conversation: n})
		if err != nil || len(items) != 1 || items[0].Title != title {
			t.Errorf("export.json#%d read as %+v, %v; want %q", n, items, err, title)
		}
	}
}

// A conversation of several given alone (FILE#N) whose last message was
// interrupted is said to leave it out, as it is when the file is read
// whole.
func TestAConversationGivenAloneSaysItsInterruptedMessageIsLeftOut(t *testing.T) {
	interrupted := strings.Replace(headedFour, "### B\n\nb2", "### B (interrupted)\n\nb2", 1)
	dir := writeTree(t, map[string]string{"all.md": interrupted + headedFour})
	path := filepath.Join(dir, "all.md")
	for _, n := range []int{0, 1} {
		items, err := Load(File{Path: path, Root: dir, Conversation: n})
		if err != nil || len(items) == 0 {
			t.Fatalf("conversation %d: %v", n, err)
		}
		it := items[0]
		if want := path + "#1: message 4 was interrupted mid-reply and is left out"; it.Partial != 1 || !slices.ContainsFunc(it.Warnings, func(w string) bool { return strings.HasPrefix(w, want) }) {
			t.Errorf("conversation %d read as %s with %d partial and warnings %q; want one partial and %q", n, it.Name, it.Partial, it.Warnings, want)
		}
	}
}

// A reader's warning names what it concerns, as check names it: FILE#N
// for one conversation of several, given whole or alone; the file, once,
// for one of the file's (a byte that is not UTF-8), which each
// conversation carries.
func TestReaderWarningsNameTheConversationTheyConcern(t *testing.T) {
	miscounted := strings.Replace(headedFour, "**Messages:** 4", "**Messages:** 5", 1)
	notUTF8 := strings.Replace(headedFour, "a1", "caf\xe9", 1)
	dir := writeTree(t, map[string]string{"all.md": miscounted + headedFour, "bytes.md": headedFour + notUTF8})
	all, bytes := filepath.Join(dir, "all.md"), filepath.Join(dir, "bytes.md")
	const header, byte = ": the header says **Messages:** 5, but 4 messages were read", ": one byte that is not UTF-8, on line 38, reads as"
	cases := []struct {
		name         string
		path         string
		conversation int
		want         []string // each warning's start, in order, over every conversation read
	}{
		{"a conversation's own, the file read whole", all, 0, []string{all + "#1" + header}},
		{"a conversation's own, given alone", all, 1, []string{all + "#1" + header}},
		{"the file's, read whole", bytes, 0, []string{bytes + byte}},
		{"the file's, its second conversation given alone", bytes, 2, []string{bytes + byte}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			items, err := Load(File{Path: tc.path, Root: dir, Conversation: tc.conversation})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, it := range items {
				got = append(got, it.Warnings...)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("warnings %q; want %q", got, tc.want)
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tc.want[i]) {
					t.Errorf("warning %q; want it to start %q", got[i], tc.want[i])
				}
			}
		})
	}
}

// headedFour is fourMessages with a header of its own, so that files of it
// joined (cat a.md b.md > all.md) read as the conversations they are.
const headedFour = "# A ↔ B\n\n**Messages:** 4\n\n---\n\n### A\n\na1\n\n---\n\n### B\n\nb1\n\n---\n\n### A\n\na2\n\n---\n\n### B\n\nb2\n\n---\n"

// A conversation of a file that holds several whose row is wrong reaches
// Each's failed alone, as a *ConversationError that names it FILE#N, in
// its place among the file's other conversations, which are judged, as
// is a NAME.json beside it that holds another conversation; what fails a
// file whole still reaches failed once, naming the file.
func TestEachFailsAWrongConversationAloneInItsPlace(t *testing.T) {
	cases := []struct {
		name         string
		file         string // t.json or all.md, under the table
		conversation int    // FILE#N given alone; 0 for the file
		copy         bool   // all.json, another conversation, is the file's Copy
		table        string
		want         []string // what Each reported, in order: "failed NAME: WHY" holds WHY
	}{
		{"a middle row past the conversation's end", "t.json", 0, false,
			`{"transcripts": [{"file": "t.json#1", "stop_after": 2, "stop_by": 3}, {"file": "t.json#2", "stop_after": 20, "stop_by": null}]}`,
			[]string{"judged t.json#1", "failed t.json#2: stop_after is 20", "judged t.json#3"}},
		{"the first and last rows wrong", "t.json", 0, false,
			`{"transcripts": [{"file": "t.json#1", "stop_after": 3, "stop_by": 1}, {"file": "t.json#3", "stop_after": 2}, {"file": "t.json#3", "stop_after": 2, "stop_by": 3}]}`,
			[]string{"failed t.json#1: stop_by (1) comes before stop_after (3)", "judged t.json#2", "failed t.json#3: labels a transcript that transcript 2"}},
		{"joined Markdown, its second row wrong", "all.md", 0, false,
			`{"transcripts": [{"file": "all.md#2", "stop_after": 9, "stop_by": null, "n": 9}]}`,
			[]string{"judged all.md#1", "failed all.md#2: stop_after is 9"}},
		{"a wrong row beside a NAME.json that holds another conversation", "all.md", 0, true,
			`{"transcripts": [{"file": "all.md#1", "stop_after": 9, "stop_by": null}]}`,
			[]string{"failed all.md#1: stop_after is 9", "judged all.md#2", "judged all.json"}},
		{"a conversation given alone", "t.json", 2, false,
			`{"transcripts": [{"file": "t.json#2", "stop_after": 20, "stop_by": null}]}`,
			[]string{"failed t.json#2: stop_after is 20"}},
		{"a table that is no JSON fails the file", "t.json", 0, false,
			`{"transcripts": [`,
			[]string{"failed t.json (the file): ends before its JSON does"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeTree(t, map[string]string{"labels.json": tc.table, "t.json": threeConversations, "all.md": headedFour + headedFour, "all.json": "[" + conversationOf("g", "h") + "]"})
			f := File{Path: filepath.Join(dir, tc.file), Root: dir, Named: true, Conversation: tc.conversation}
			if tc.copy {
				f.Copy = filepath.Join(dir, "all.json")
			}
			var got []string
			Each([]File{f}, func(it Item) string { return it.Name }, func(name string) {
				got = append(got, "judged "+filepath.Base(name))
			}, func(f File, err error) {
				ce, ok := err.(*ConversationError)
				if !ok {
					got = append(got, fmt.Sprintf("failed %s (the file): %v", filepath.Base(f.Path), err))
					return
				}
				got = append(got, fmt.Sprintf("failed %s: %v", filepath.Base(ce.Name), err))
			})
			if len(got) != len(tc.want) {
				t.Fatalf("Each reported %q; want %q", got, tc.want)
			}
			for i, want := range tc.want {
				// "failed NAME: WHY" is met by a report of NAME whose
				// error holds WHY.
				head, why, _ := strings.Cut(want, ": ")
				if gotHead, gotWhy, _ := strings.Cut(got[i], ": "); gotHead != head || !strings.Contains(gotWhy, why) {
					t.Errorf("report %d is %q; want %q", i+1, got[i], want)
				}
			}
		})
	}
}

// A folder's walk skips what is no transcript at all, but a file meant as
// one in a layout parley reads, and written wrong, is a transcript that
// could not be read: its error names the file, the line and the fault, as
// when the file is named, so a broken transcript fails the run rather
// than pass unseen.
func TestAFolderSkipsOnlyWhatIsNoTranscript(t *testing.T) {
	cases := []struct {
		name, file, data string
		want             []string // in the error; none when the file is skipped
		named            string   // in the error when a skipped file is named
	}{
		// Meant as a transcript, and broken.
		{"a table whose quote never closes", "chat.csv", "speaker,text\nClaude,\"Hello\nGPT,Hi\nClaude,How are you?\nGPT,Fine\n",
			[]string{"chat.csv: ", "a table of messages", "opens on line 2 is not closed"}, ""},
		{"a table with a row of another width", "chat.csv", "speaker,text\nClaude,Hello, there\nGPT,Hi\n",
			[]string{"chat.csv: ", "line 2 has another number of fields than the header's 2"}, ""},
		{"a table of roles and contents with a bare quote", "chat.csv", "role,content\nuser,hi\nassistant,he said \"yes\" loudly\n",
			[]string{"chat.csv: ", "line 3 has a double quote inside a text not in quotes"}, ""},
		{"a TSV with a tab too many", "chat.tsv", "speaker\ttext\nA\tone\tmore\nB\ttwo\n",
			[]string{"chat.tsv: ", "line 2 has 1 extra field past the header's 2"}, ""},
		{"messages that are a string", "chat.json", `{"messages": "oops"}` + "\n",
			[]string{"chat.json: ", `line 1: its "messages" is a string, not a list of messages`}, ""},
		{"a list of one conversation whose messages are a string", "chats.json", `[{"messages": "oops"}]`,
			[]string{"chats.json: ", `line 1: its "messages" is a string, not a list of messages`}, ""},
		{"a list of conversations whose second one's messages are a string", "chats.json", "[\n  {\"title\": \"a\", \"messages\": 3},\n  {\"title\": \"b\",\n   \"messages\": \"oops\"}\n]\n",
			[]string{"chats.json#2: ", `line 4: its "messages" is a string, not a list of messages`}, ""},
		{"JSON lines whose messages are a string", "chats.jsonl", `{"messages": "oops"}` + "\n" + `{"messages": "oops"}` + "\n",
			[]string{"chats.jsonl#1: ", `line 1: its "messages" is a string, not a list of messages`}, ""},
		{"JSON lines whose second line's messages are keyed by number", "chats.jsonl", `{"messages": 3}` + "\n" + `{"messages": {"1": {"role": "user", "content": "a"}}}` + "\n",
			[]string{"chats.jsonl#2: ", `line 2: its "messages" is an object, not a list of messages`}, ""},
		{"messages keyed by number", "chat.json", "{\n  \"title\": \"A and B\",\n  \"messages\": {\n    \"1\": {\"role\": \"user\", \"content\": \"a\"},\n    \"2\": {\"role\": \"assistant\", \"content\": \"b\"}\n  }\n}\n",
			[]string{"chat.json: ", `line 3: its "messages" is an object, not a list of messages`}, ""},
		{"messages beside one that is no message", "chat.json", `{"messages": [{"role": "user", "content": "a"}, 2]}`,
			[]string{"chat.json: ", "message 2 is a number"}, ""},
		{"messages that name no speaker", "chat.json", `{"messages": [{"content": "hi"}, {"content": "hello"}]}`,
			[]string{"chat.json: ", "message 1 has no field naming its speaker"}, ""},
		{"a message whose content is a number", "chat.json", `{"messages": [{"role": "user", "content": 5}]}`,
			[]string{"chat.json: ", "message 1: content is a number, not text"}, ""},
		{"a message of texts alone", "chat.json", `{"messages": ["hello"]}`,
			[]string{"chat.json: ", "message 1 is a string, not a JSON object"}, ""},
		{"conversations that are a string", "chat.json", `{"conversations": "oops"}`,
			[]string{"chat.json: ", `"conversations" is a string, not a list`}, ""},
		{"turns beside one that is no message", "chat.json", `{"turns": [{"speaker": "A", "text": "hi"}, 3]}`,
			[]string{"chat.json: ", "message 2 is a number"}, ""},
		{"an export's conversation written wrong", "chats.json", `[{"messages": [{"role": "user", "content": "a"}]}, {"messages": [{"role": "user", "content": 3}]}]`,
			[]string{"chats.json: ", "item 2: message 1: content is a number, not text"}, ""},
		{"a two-model runner's record of no messages", "run.json", `{"model_a": "a", "model_b": "b", "messages": []}`,
			[]string{"run.json: ", "the conversation has no messages"}, ""},
		{"JSON cut off", "chat.json", `{"messages": [{"role": "user", "content": "a"}`,
			[]string{"chat.json: ", "line 1, column 47"}, ""},
		{"JSON that does not parse after a speaker and a text", "chat.json", `[{"speaker": "A", "text": "hi"},, ]`,
			[]string{"chat.json: ", "the JSON does not parse"}, ""},

		// No transcript at all: skipped.
		{"notes", "NOTES.md", "# What we found\n\n## Loops\n\nMost end in farewells.\n", nil, ""},
		{"a data table", "scores.csv", "id,score,note\n1,5,good\n2,3,fine\n", nil, ""},
		{"a data table with a quote never closed", "scores.csv", "id,score,note\n1,5,\"good\n2,3,fine\n", nil, ""},
		{"a run's record counting its messages", "run.json", `{"run": "batch-1", "messages": 97, "tokens": 15230}`, nil, `its "messages" is a number`},
		{"records each counting its messages", "runs.json", `[{"day": 1, "messages": 3}, {"day": 2, "messages": 5}]`, nil, `item 1: its "messages" is a number, not a list of messages`},
		{"a two-model runner's summary counting its messages", "run.json", `{"model_a": "a", "model_b": "b", "messages": 40}`, nil, `"messages" is a number, not a list`},
		{"an empty record's messages", "record.json", `{"id": 7, "messages": null}`, nil, ""},
		{"a locale's messages", "en.json", `{"locale": "en", "messages": {"hello": "Hello", "bye": "Goodbye"}}`, nil, ""},
		{"a package's manifest", "package.json", `{"name": "tool", "version": "1.0.0", "scripts": {"test": "go test"}}`, nil, ""},
		{"a count of turns", "game.json", `{"turns": 12, "history": "none", "transcript": "runs/a.md"}`, nil, ""},
		{"a count of conversations", "stats.json", `{"conversations": 3}`, nil, `"conversations" is a number, not a list`},
		{"a count of conversations in each of several records", "stats.json", `[{"day": 1, "conversations": 3}, {"day": 2, "conversations": 5}]`, nil, `"conversations" is a number, not a list`},
		{"conversations that are an object of counts", "stats.json", `{"conversations": {"total": 3, "open": 1}}`, nil, `"conversations" is an object, not a list`},
		{"a history of dates and values", "prices.json", `{"history": [{"date": "2024-01-01", "value": 3}, {"date": "2024-01-02", "value": 4}]}`, nil, "message 1: content is a number, not text"},
		{"a history of values by a user", "prices.json", `{"history": [{"date": "2024-01-01", "value": 3, "user": "ada"}]}`, nil, "content is a number, not text"},
		{"a history of numbers", "scores.json", `{"history": [1, 2, 3]}`, nil, "message 1 is a number, not a JSON object"},
		{"a history of one command", "shell.json", `{"history": ["ls -l"]}`, nil, "message 1 is a string, not a JSON object"},
		{"an empty history", "state.json", `{"history": []}`, nil, "the conversation has no messages"},
		{"a list of named values", "env.json", `[{"name": "PATH", "value": 1}, {"name": "HOME", "value": 2}]`, nil, `item 1 holds only a "name" and a "value"`},
		{"a list of two named texts", "env.json", `[{"name": "PATH", "value": "/usr/bin"}, {"name": "HOME", "value": "/root"}]`, nil, `item 1 holds only a "name" and a "value"`},
		{"a list of named texts, one named twice", "headers.json", `[{"name": "Accept", "value": "*/*"}, {"name": "Set-Cookie", "value": "a=1"}, {"name": "Set-Cookie", "value": "b=2"}]`, nil, `item 1 holds only a "name" and a "value"`},
		{"a table of named values", "env.csv", "name,value\nPATH,/usr/bin\nHOME,/root\n", nil, ""},
		{"a range of dates", "range.json", `{"from": "2024-01-01", "to": "2024-02-01"}`, nil, `it has "from" but no "value" beside it`},
		{"ranges of dates, one a line", "ranges.jsonl", "{\"from\": \"2024-01-01\", \"to\": \"2024-02-01\"}\n{\"from\": \"2024-02-01\", \"to\": \"2024-03-01\"}\n", nil, `item 1 has "from" but no "value" beside it`},
		{"a record of a role and a value", "user.json", `{"role": "admin", "value": 3}`, nil, "content is a number, not text"},
		{"messages that are ids", "thread.json", `{"thread": 5, "messages": [101, 102]}`, nil, "message 1 is a number, not a JSON object"},
		{"messages that are records of no text", "inbox.json", `{"messages": [{"id": 1, "read": true}, {"id": 2, "read": false}]}`, nil, "message 1 has no field naming its speaker"},
		{"no messages", "empty.json", `{"messages": []}`, nil, "the conversation has no messages"},
		{"turns that are records", "game.json", `{"turns": [{"id": 1, "score": 3}, {"id": 2, "score": 4}]}`, nil, "message 1 has no field naming its speaker"},
		{"dialogue that is records", "ui.json", `{"dialogue": [{"id": "intro", "width": 300}]}`, nil, "message 1 has no field naming its speaker"},
		{"a conversation's settings", "bot.json", `{"conversation": [{"id": 1, "timeout": 30}]}`, nil, "message 1 has no field naming its speaker"},
		{"numbered messages that are records", "log.json", `{"message_1": {"id": 4, "status": "sent"}}`, nil, "message 1 has no field naming its speaker"},
		{"a chat that is a flag", "features.json", `{"chat": "enabled"}`, nil, ""},
		{"a transcript that is a path", "job.json", `{"transcript": "path/to/file.md"}`, nil, ""},
		{"a tsconfig.json with comments", "tsconfig.json", "{\n  // the compiler's options\n  \"compilerOptions\": {\n    \"target\": \"es2020\", /* modern */\n    \"strict\": true,\n  },\n}\n", nil, ""},
		{"a tsconfig.json with a comment after a key", "tsconfig.json", "{\n  \"extends\": \"./base.json\", // shared\n  \"include\": [\"src\"]\n}\n", nil, "the JSON does not parse: line 2, column 29"},
		{"an editor's settings with a trailing comma", "settings.json", "{\n  \"editor.fontSize\": 14,\n  \"chat.editor.fontSize\": 13,\n  \"files.exclude\": {\"**/.git\": true},\n}\n", nil, "the JSON does not parse"},
		{"an editor's settings", "settings.json", `{"editor.fontSize": 14, "chat.editor.fontSize": 13, "files.exclude": {"**/.git": true}}`, nil, ""},
		{"a GeoJSON", "places.json", `{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [1, 2]}, "properties": {"name": "A", "value": 3}}, {"type": "Feature", "geometry": {"type": "Point", "coordinates": [3, 4]}, "properties": {"name": "B", "value": 4}}]}`, nil, ""},
		{"an OpenAPI description of messages", "openapi.json", `{"openapi": "3.0.0", "info": {"title": "Chat API", "version": "1"}, "components": {"schemas": {"Message": {"type": "object", "properties": {"role": {"type": "string"}, "content": {"type": "string"}}}, "Chat": {"type": "object", "properties": {"messages": {"type": "array", "items": {"$ref": "#/components/schemas/Message"}}}}}}}`, nil, ""},
		{"plain text", "notes.txt", "remember to label the new runs\n", nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := writeTree(t, map[string]string{c.file: c.data})
			files, err := Gather([]string{dir})
			if err != nil || len(files) != 1 {
				t.Fatalf("Gather: %v, %v; want the one file", files, err)
			}
			_, err = Load(files[0])
			// Named on the command line, the file is an error either way.
			named := files[0]
			named.Named = true
			_, nerr := Load(named)
			if c.want == nil {
				if !errors.Is(err, ErrNotTranscript) {
					t.Fatalf("Load: %v; want it skipped as no transcript", err)
				}
				if nerr == nil || errors.Is(nerr, ErrNotTranscript) || !strings.Contains(nerr.Error(), c.named) {
					t.Errorf("named, the error is %v; want one saying why it is no transcript, holding %q", nerr, c.named)
				}
				return
			}
			if err == nil || errors.Is(err, ErrNotTranscript) {
				t.Fatalf("Load: %v; want it an error, not skipped", err)
			}
			for _, s := range c.want {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q lacks %q", err, s)
				}
			}
			// Named on the command line, the file fails with the same error.
			if nerr == nil || nerr.Error() != err.Error() {
				t.Errorf("named, the error is %v; found in the folder, %v", nerr, err)
			}
		})
	}
}
