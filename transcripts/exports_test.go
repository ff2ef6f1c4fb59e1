package transcripts

import (
	"reflect"
	"strings"
	"testing"
)

// TestExportsOfChatProductsAndAPIs reads conversations that chat products
// export, and that model APIs' requests and responses hold, each in a
// shape of its own, as the messages they show.
func TestExportsOfChatProductsAndAPIs(t *testing.T) {
	chatGPTNode := func(id, parent, role, text string, children ...string) string {
		kids := `[]`
		if len(children) > 0 {
			kids = `["` + strings.Join(children, `","`) + `"]`
		}
		message := `null`
		if role != "" {
			hidden := ""
			if role == "system" {
				hidden = `"is_visually_hidden_from_conversation":true`
			}
			message = `{"id":"` + id + `","author":{"role":"` + role + `","name":null},"content":{"content_type":"text","parts":["` + text + `"]},"metadata":{` + hidden + `}}`
		}
		p := `null`
		if parent != "" {
			p = `"` + parent + `"`
		}
		return `"` + id + `":{"id":"` + id + `","message":` + message + `,"parent":` + p + `,"children":` + kids + `}`
	}
	chatGPT := `[{"title":"Whale chat","mapping":{` + strings.Join([]string{
		chatGPTNode("root", "", "", "", "sys"),
		chatGPTNode("sys", "root", "system", "", "u1"),
		chatGPTNode("u1", "sys", "user", "Tell me about whales.", "a1", "a1b"),
		chatGPTNode("a1", "u1", "assistant", "A first answer, regenerated."),
		chatGPTNode("a1b", "u1", "assistant", "Whales are marine mammals.", "u2"),
		chatGPTNode("u2", "a1b", "user", "How big do they get?", "a2"),
		chatGPTNode("a2", "u2", "assistant", "Blue whales reach 30 m."),
	}, ",") + `},"current_node":"a2"}]`
	cases := []struct {
		name, in string
		title    string
		want     []said
		system   string
	}{
		{
			name:  "ChatGPT's conversations.json: the branch its current node ends",
			in:    chatGPT,
			title: "Whale chat",
			want:  []said{{"user", "Tell me about whales."}, {"assistant", "Whales are marine mammals."}, {"user", "How big do they get?"}, {"assistant", "Blue whales reach 30 m."}},
		},
		{
			name:  "ChatGPT's export without a current node: the latest replies",
			in:    strings.Replace(chatGPT, `,"current_node":"a2"`, ``, 1),
			title: "Whale chat",
			want:  []said{{"user", "Tell me about whales."}, {"assistant", "Whales are marine mammals."}, {"user", "How big do they get?"}, {"assistant", "Blue whales reach 30 m."}},
		},
		{
			name: "ChatGPT's export: code handed to a tool and its output are notes, not turns",
			in: `[{"title":"Math","current_node":"a2","mapping":{"r":{"id":"r","message":null,"parent":null,"children":["u1"]},` +
				`"u1":{"id":"u1","message":{"author":{"role":"user"},"content":{"content_type":"text","parts":["What is 2**10?"]},"metadata":{},"recipient":"all"},"parent":"r","children":["a1"]},` +
				`"a1":{"id":"a1","message":{"author":{"role":"assistant"},"content":{"content_type":"code","language":"unknown","text":"print(2**10)"},"metadata":{},"recipient":"python"},"parent":"u1","children":["t1"]},` +
				`"t1":{"id":"t1","message":{"author":{"role":"tool","name":"python"},"content":{"content_type":"execution_output","text":"1024"},"metadata":{},"recipient":"all"},"parent":"a1","children":["a2"]},` +
				`"a2":{"id":"a2","message":{"author":{"role":"assistant"},"content":{"content_type":"text","parts":["2**10 is 1024."]},"metadata":{},"recipient":"all"},"parent":"t1","children":[]}}}]`,
			title: "Math",
			want:  []said{{"user", "What is 2**10?"}, {ModeratorSpeaker, "Tool call: python(print(2**10))"}, {ModeratorSpeaker, "Tool result (python):\n1024"}, {"assistant", "2**10 is 1024."}},
		},
		{
			name:   "Gemini's contents and parts, a thought left out",
			in:     `{"systemInstruction":{"parts":[{"text":"You are a poet."}]},"contents":[{"role":"user","parts":[{"text":"Write about the sea."}]},{"role":"model","parts":[{"text":"planning…","thought":true},{"text":"The sea is wide."}]},{"role":"user","parts":[{"text":"More."}]},{"role":"model","parts":[{"text":"Waves upon waves."}]}]}`,
			want:   []said{{"user", "Write about the sea."}, {"model", "The sea is wide."}, {"user", "More."}, {"model", "Waves upon waves."}},
			system: "You are a poet.",
		},
		{
			name:   "Google AI Studio's chunks, thoughts left out",
			in:     `{"systemInstruction":{"text":"You are a poet."},"chunkedPrompt":{"chunks":[{"text":"Write about the sea.","role":"user"},{"text":"thinking…","role":"model","isThought":true},{"text":"The sea is wide.","role":"model"},{"text":"More.","role":"user"},{"text":"Waves upon waves.","role":"model"}]}}`,
			want:   []said{{"user", "Write about the sea."}, {"model", "The sea is wide."}, {"user", "More."}, {"model", "Waves upon waves."}},
			system: "You are a poet.",
		},
		{
			name:   "Anthropic's Messages API: the system prompt beside the messages",
			in:     `{"model":"claude","system":[{"type":"text","text":"You are a poet."}],"messages":[{"role":"user","content":"Write about the sea."},{"role":"assistant","content":[{"type":"text","text":"The sea is wide."}]}]}`,
			want:   []said{{"user", "Write about the sea."}, {"assistant", "The sea is wide."}},
			system: "You are a poet.",
		},
		{
			name: "Anthropic's API: one sentence split into text blocks around a citation reads as one",
			in:   `{"messages":[{"role":"user","content":"When?"},{"role":"assistant","content":[{"type":"text","text":"Go 1.24 shipped "},{"type":"text","text":"in February 2025","citations":[{"type":"web_search_result_location","url":"https://go.dev"}]},{"type":"text","text":", as planned."}]}]}`,
			want: []said{{"user", "When?"}, {"assistant", "Go 1.24 shipped in February 2025, as planned."}},
		},
		{
			name: "parts that carry their own spacing are joined as they are; others by a line break",
			in:   `{"messages":[{"role":"user","content":[{"type":"text","text":"Translate: "},{"type":"text","text":"bonjour"}]},{"role":"assistant","content":[{"type":"text","text":"Hello."},{"type":"text","text":"It means hello."}]}]}`,
			want: []said{{"user", "Translate: bonjour"}, {"assistant", "Hello.\nIt means hello."}},
		},
		{
			name: "Gemini's parts of one reply",
			in:   `{"contents":[{"role":"user","parts":[{"text":"Is it a cat?"}]},{"role":"model","parts":[{"text":"Yes."},{"text":" It has four legs."}]}]}`,
			want: []said{{"user", "Is it a cat?"}, {"model", "Yes. It has four legs."}},
		},
		{
			name:   "ShareGPT as LLaMA-Factory writes it: the system prompt beside the turns",
			in:     `{"system":"You are a poet.","conversations":[{"from":"human","value":"Write about the sea."},{"from":"gpt","value":"The sea is wide."}]}`,
			want:   []said{{"human", "Write about the sea."}, {"gpt", "The sea is wide."}},
			system: "You are a poet.",
		},
		{
			name:   "the Responses API: instructions, input and output",
			in:     `{"instructions":"You are a poet.","input":[{"role":"user","content":"Write about the sea."},{"role":"assistant","content":[{"type":"output_text","text":"The sea is wide."}]},{"role":"user","content":"More."}],"output":[{"type":"reasoning","summary":[]},{"type":"message","role":"assistant","content":[{"type":"output_text","text":"Waves upon waves."}]}]}`,
			want:   []said{{"user", "Write about the sea."}, {"assistant", "The sea is wide."}, {"user", "More."}, {"assistant", "Waves upon waves."}},
			system: "You are a poet.",
		},
		{
			name:  "LibreChat's recursive export: each message's latest reply",
			in:    `{"title":"Sea poem","recursive":true,"messages":[{"sender":"User","text":"Write about the sea.","children":[{"sender":"GPT-4o","text":"The sea is wide.","children":[{"sender":"User","text":"More.","children":[{"sender":"GPT-4o","text":"Waves upon waves.","children":[]}]}]}]}]}`,
			title: "Sea poem",
			want:  []said{{"User", "Write about the sea."}, {"GPT-4o", "The sea is wide."}, {"User", "More."}, {"GPT-4o", "Waves upon waves."}},
		},
		{
			name: "Claude.ai's export: a message with no content blocks is its text",
			in:   `{"name":"Whales","chat_messages":[{"sender":"human","text":"Tell me about whales.","content":[{"type":"text","text":"Tell me about whales."}]},{"sender":"assistant","text":"Marine mammals.","content":[]},{"sender":"human","text":"Thanks","content":[]},{"sender":"assistant","text":"You are welcome.","content":[]}]}`,
			want: []said{{"human", "Tell me about whales."}, {"assistant", "Marine mammals."}, {"human", "Thanks"}, {"assistant", "You are welcome."}},
		},
		{
			name:  "JSON that opens with a type field is not parley's JSONL",
			in:    `{"type":"conversation","title":"Sea talk","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"}]}`,
			title: "Sea talk",
			want:  []said{{"user", "hi"}, {"assistant", "hello"}},
		},
		{
			name: "Responses API items, one a line, are messages",
			in:   `{"type": "message", "role": "user", "content": "hi"}` + "\n" + `{"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "hello"}]}` + "\n",
			want: []said{{"user", "hi"}, {"assistant", "hello"}},
		},
		{
			name: "a list under contents of another shape reads as before",
			in:   `{"contents":[{"speaker":"A","text":"one"},{"speaker":"B","text":"two"}]}`,
			want: []said{{"A", "one"}, {"B", "two"}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ts, _, err := Import([]byte(c.in))
			if err != nil {
				t.Fatal(err)
			}
			if len(ts) != 1 {
				t.Fatalf("%d conversations, want 1", len(ts))
			}
			tr := ts[0]
			readAs(t, tr, c.want, c.system)
			if c.title != "" && tr.Title != c.title {
				t.Errorf("title %q, want %q", tr.Title, c.title)
			}
		})
	}
}

// said is a message as a reader's test expects it: its speaker and text.
type said struct{ speaker, content string }

// readAs holds a transcript read to the messages and system prompt want.
func readAs(t *testing.T, tr *Transcript, want []said, system string) {
	t.Helper()
	var got []said
	for _, m := range tr.Messages {
		got = append(got, said{m.Speaker, m.Content})
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("messages:\n got %q\nwant %q", got, want)
	}
	prompt := ""
	if tr.Run != nil {
		prompt = tr.Run.System
	}
	if prompt != system {
		t.Errorf("system prompt %q, want %q", prompt, system)
	}
}
