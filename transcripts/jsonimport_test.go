package transcripts

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// oneLine keeps a name that is one line already as it is, and does to any
// other what joining its fields with single spaces does.
func TestOneLine(t *testing.T) {
	for _, s := range []string{"", " ", "a", "Kimi K2", "claude-3-opus (1)", "a  b", " a", "a ", "a\tb", "a\nb", "a\r\nb", "a \t b", "\v", "x\u00a0y", "日本 語", "GPT\u2003 4"} {
		if got, want := oneLine(s), strings.Join(strings.Fields(s), " "); got != want {
			t.Errorf("oneLine(%q) = %q, want %q", s, got, want)
		}
	}
}

// BenchmarkImportJSON reads the real "### Name ###" corpus in
// ../shared/corpus/backrooms written as OpenAI messages JSON, each message
// naming its speaker, as an export of it would be.
func BenchmarkImportJSON(b *testing.B) {
	benchImportAs(b, writeOpenAI, "backrooms")
}

// A chat export of every conversation of an account, each wrapped in the
// export's own object, is the conversations it wraps.
func TestAListOfWrappedConversations(t *testing.T) {
	data := `[{"title":"Poem","chat":{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"}]}},` +
		`{"title":"Riddle","chat":{"messages":[{"role":"user","content":"what has keys?"},{"role":"assistant","content":"a piano"}]}}]`
	ts, layout, err := Import([]byte(data))
	if err != nil || layout != LayoutOpenAI || len(ts) != 2 {
		t.Fatalf("layout %q, %d conversations, %v; want the two it wraps", layout, len(ts), err)
	}
	if ts[1].Messages[1].Content != "a piano" {
		t.Errorf("second conversation: %+v", ts[1].Messages)
	}
	if ts[0].Title != "Poem" || ts[1].Title != "Riddle" {
		t.Errorf("titles %q and %q; want each wrapper's title, Poem and Riddle", ts[0].Title, ts[1].Title)
	}
	// A list whose items are not all wrapped conversations is no export.
	if _, _, err := Import([]byte(`[{"chat":{"messages":[{"role":"user","content":"hi"}]}}, {"score": 3}]`)); err == nil {
		t.Error("a list with an item that wraps nothing was read")
	}
}

// Claude.ai's export names each conversation with "name", beside its
// "chat_messages"; that name is the conversation's title.
func TestAnExportsConversationNameIsItsTitle(t *testing.T) {
	data := `[{"uuid":"1","name":"Two models on tides","chat_messages":[{"sender":"human","text":"Tell me about tides."},` +
		`{"sender":"assistant","text":"The moon pulls."},{"sender":"human","text":"And the sun?"},{"sender":"assistant","text":"Less."}]},` +
		`{"uuid":"2","name":"  ","chat_messages":[{"sender":"human","text":"What has keys?"},{"sender":"assistant","text":"A piano."}]}]`
	ts, _, err := Import([]byte(data))
	if err != nil || len(ts) != 2 {
		t.Fatalf("%d conversations, %v; want 2", len(ts), err)
	}
	if ts[0].Title != "Two models on tides" {
		t.Errorf("title %q; want the export's name", ts[0].Title)
	}
	// A blank name is no title: the speakers make one, as without it.
	if ts[1].Title != "human ↔ assistant" {
		t.Errorf("title %q; want the speakers' names", ts[1].Title)
	}
}

// An account's export holds many conversations, each named once: their
// names are titles, not speakers who never speak twice, so the export is
// read however many conversations it holds.
func TestAnExportOfManyConversationsEachNamedOnce(t *testing.T) {
	var convs []string
	names := []string{"Planning a trip", "Sourdough help", "Rust lifetimes", "Tides"}
	for i, name := range names {
		convs = append(convs, fmt.Sprintf(`{"uuid":"%d","name":%q,"chat_messages":[{"sender":"human","text":"Question %d"},{"sender":"assistant","text":"Answer %d"}]}`, i, name, i, i))
	}
	ts, _, err := Import([]byte("[" + strings.Join(convs, ",") + "]"))
	if err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, tr := range ts {
		titles = append(titles, tr.Title)
		if len(tr.Messages) != 2 {
			t.Errorf("%q holds %d messages; want 2", tr.Title, len(tr.Messages))
		}
	}
	if !slices.Equal(titles, names) {
		t.Errorf("conversations %q; want %q", titles, names)
	}
}

// Claude.ai's export keeps conversations of no or one message beside the
// others: one message is a conversation of one, in its place, not a
// message of a conversation of its own, and an empty one a conversation
// of none, in its place, so the others keep their numbers.
func TestAnExportsShortConversations(t *testing.T) {
	tests := []struct {
		name   string
		first  string
		titles []string
		counts []int
	}{
		{"empty", `[]`, []string{"Short", "Real"}, []int{0, 4}},
		{"one message", `[{"sender":"human","text":"Anyone there?"}]`, []string{"Short", "Real"}, []int{1, 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := `[{"uuid":"1","name":"Short","chat_messages":` + tt.first + `},` +
				`{"uuid":"2","name":"Real","chat_messages":[{"sender":"human","text":"Hi"},{"sender":"assistant","text":"Hello"},` +
				`{"sender":"human","text":"Bye"},{"sender":"assistant","text":"Bye now"}]}]`
			ts, _, err := Import([]byte(data))
			if err != nil {
				t.Fatal(err)
			}
			var titles []string
			var counts []int
			for _, tr := range ts {
				titles, counts = append(titles, tr.Title), append(counts, len(tr.Messages))
			}
			if strings.Join(titles, "|") != strings.Join(tt.titles, "|") || len(counts) != len(tt.counts) || counts[0] != tt.counts[0] {
				t.Errorf("conversations %q of %v messages; want %q of %v", titles, counts, tt.titles, tt.counts)
			}
		})
	}
}

// A SillyTavern chat file is JSONL: a line of the chat's settings, then a
// message a line, its text under "mes" and a narrator's note marked
// is_system.
func TestASillyTavernChat(t *testing.T) {
	for _, c := range []struct{ name, header string }{
		{"settings with chat_metadata", `{"user_name":"You","character_name":"Aria","create_date":"2025-03-01@12h00m00s","chat_metadata":{"note_prompt":""}}`},
		{"older settings without it", `{"user_name":"You","character_name":"Aria","create_date":"2023-01-10 12:00:00"}`},
	} {
		t.Run(c.name, func(t *testing.T) { testSillyTavernChat(t, c.header) })
	}
}

func testSillyTavernChat(t *testing.T, header string) {
	data := header + `
{"name":"Aria","is_user":false,"is_system":false,"send_date":"March 1, 2025 12:00pm","mes":"Shall we map the old lighthouse tonight?","extra":{}}
{"name":"Bram","is_user":false,"is_system":false,"mes":"Only if we start at the cellar.","swipes":["Only if we start at the cellar.","No."]}
{"name":"Narrator","is_user":false,"is_system":true,"mes":"The tide comes in."}
{"name":"Aria","is_user":false,"is_system":false,"mes":"Cellar first, then."}
`
	ts, _, err := Import([]byte(data))
	if err != nil || len(ts) != 1 {
		t.Fatalf("%d conversations, %v; want one", len(ts), err)
	}
	var got []string
	for _, m := range ts[0].Messages {
		got = append(got, m.Speaker+": "+m.Content)
	}
	want := []string{"Aria: Shall we map the old lighthouse tonight?", "Bram: Only if we start at the cellar.",
		ModeratorSpeaker + ": The tide comes in.", "Aria: Cellar first, then."}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("messages:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if ts[0].Messages[2].Origin != OriginModerator {
		t.Errorf("the narrator's note is %q, not a moderator's note", ts[0].Messages[2].Origin)
	}
}

// Numbered messages are read in the order of their numbers, from a
// message_0 where there is one, and numbers missing between them are
// warned of, not a reason to stop reading.
func TestNumberedMessagesAreAllRead(t *testing.T) {
	msg := func(n int, who string) string {
		return fmt.Sprintf(`"message_%d": {"role_name": %q, "content": "m%d"}`, n, who, n)
	}
	for _, tc := range []struct {
		name, data, contents, warning string
	}{
		{"from message_0", "{" + msg(1, "B") + ", " + msg(0, "A") + ", " + msg(2, "A") + "}", "m0 m1 m2", ""},
		{"with gaps", "{" + msg(1, "A") + ", " + msg(2, "B") + ", " + msg(4, "A") + ", " + msg(5, "B") + "}", "m1 m2 m4 m5", "no message_3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts, layout, err := Import([]byte(tc.data))
			if err != nil || layout != LayoutNumbered {
				t.Fatalf("layout %q, err %v", layout, err)
			}
			var got []string
			for _, m := range ts[0].Messages {
				got = append(got, m.Content)
			}
			if strings.Join(got, " ") != tc.contents {
				t.Errorf("read %q; want %q", got, tc.contents)
			}
			w := strings.Join(ts[0].Warnings, "\n")
			if tc.warning == "" && w != "" || !strings.Contains(w, tc.warning) {
				t.Errorf("warnings %q; want %q", w, tc.warning)
			}
		})
	}
}

// The times a JSON export records are kept: when the conversation
// started and was last updated (ChatGPT's create_time and update_time,
// seconds since 1970; Claude.ai's created_at and updated_at; a two-model
// runner's started_at and ended_at, with no zone, so local time, said
// so), and when each message was sent; with none for the whole, its
// messages' first and last.
func TestJSONTimesAreKept(t *testing.T) {
	at := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	runnerStart, _ := time.ParseInLocation("2006-01-02T15:04:05.999999", "2025-10-26T13:08:38.827867", time.Local)
	runnerEnd, _ := time.ParseInLocation("2006-01-02T15:04:05.999999", "2025-10-26T13:22:58.660705", time.Local)
	chatGPT := `[{"title":"Tides","create_time":1714564800.5,"update_time":1714565000.25,"current_node":"a1","mapping":{` +
		`"r":{"id":"r","message":null,"parent":null,"children":["u1"]},` +
		`"u1":{"id":"u1","message":{"author":{"role":"user"},"create_time":1714564801,"content":{"content_type":"text","parts":["Why do tides rise?"]},"metadata":{}},"parent":"r","children":["a1"]},` +
		`"a1":{"id":"a1","message":{"author":{"role":"assistant"},"create_time":1714564830.75,"content":{"content_type":"text","parts":["The moon."]},"metadata":{}},"parent":"u1","children":[]}}}]`
	cases := []struct {
		name           string
		data           string
		started, ended time.Time
		messages       []time.Time
		localTimes     bool
	}{
		{"ChatGPT's conversations.json", chatGPT, at("2024-05-01T12:00:00.5Z"), at("2024-05-01T12:03:20.25Z"),
			[]time.Time{at("2024-05-01T12:00:01Z"), at("2024-05-01T12:00:30.75Z")}, false},
		{"Claude.ai's export", `[{"uuid":"1","name":"Whales","created_at":"2024-05-01T12:00:00Z","updated_at":"2024-05-01T12:05:00Z","chat_messages":[` +
			`{"sender":"human","text":"Hi","created_at":"2024-05-01T12:00:01Z"},{"sender":"assistant","text":"Hello","created_at":"2024-05-01T12:00:04.5Z"}]}]`,
			at("2024-05-01T12:00:00Z"), at("2024-05-01T12:05:00Z"), []time.Time{at("2024-05-01T12:00:01Z"), at("2024-05-01T12:00:04.5Z")}, false},
		{"messages' times alone", `{"messages":[{"role":"user","content":"a","timestamp":"2024-05-01T12:00:00+02:00"},{"role":"assistant","content":"b","timestamp":"2024-05-01T12:00:05+02:00"}]}`,
			at("2024-05-01T10:00:00Z"), at("2024-05-01T10:00:05Z"), []time.Time{at("2024-05-01T10:00:00Z"), at("2024-05-01T10:00:05Z")}, false},
		{"a two-model runner's JSON", `{"model_a":"A","model_b":"B","initial_message":"Hi.","messages":[{"speaker":"A","content":"Hi."},{"speaker":"B","content":"Hello"}],` +
			`"started_at":"2025-10-26T13:08:38.827867","ended_at":"2025-10-26T13:22:58.660705"}`,
			runnerStart, runnerEnd, []time.Time{{}, {}}, true},
		{"no times", `{"messages":[{"role":"user","content":"a","timestamp":7},{"role":"assistant","content":"b","created_at":"yesterday"}]}`,
			time.Time{}, time.Time{}, []time.Time{{}, {}}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ts, _, err := Import([]byte(c.data))
			if err != nil || len(ts) != 1 {
				t.Fatalf("read %d conversations (%v)", len(ts), err)
			}
			tr := ts[0]
			if !tr.Started.Equal(c.started) || !tr.Ended.Equal(c.ended) {
				t.Errorf("spans %v to %v; want %v to %v", tr.Started, tr.Ended, c.started, c.ended)
			}
			var got []time.Time
			for _, m := range tr.Messages {
				got = append(got, m.Started)
			}
			if !slices.EqualFunc(got, c.messages, time.Time.Equal) {
				t.Errorf("the messages' times are %v; want %v", got, c.messages)
			}
			if tr.LocalTimes != c.localTimes {
				t.Errorf("LocalTimes = %v, want %v", tr.LocalTimes, c.localTimes)
			}
		})
	}
}
