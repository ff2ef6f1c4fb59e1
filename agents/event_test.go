package agents

import (
	"reflect"
	"strings"
	"testing"
)

// eventSeeds are events as providers send them, and some they should not.
var eventSeeds = []string{
	`{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"role":"assistant","content":"Hello"},"finish_reason":null}]}`,
	`{"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":" there."},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}`,
	`{"id":"x","choices":[],"usage":{"prompt_tokens":10,"completion_tokens":20,"total_tokens":30,"cost":0.0012}}`,
	`{"id":"x","choices":[],"usage":{"prompt_tokens":10,"completion_tokens":20,"total_tokens":30,"cost":null}}`,
	`{"id":"x","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3,"prompt_tokens_details":{"cached_tokens":0}}}`,
	`{"choices":[{"index":0,"delta":{"content":"line\none \"quoted\" \\ \/ \t\u00e9\ud83d\ude00 \ud800 é"}}]}`,
	`{"choices":[{"index":1,"delta":{"content":"other"}},{"index":0,"delta":{"content":"mine"}},{"index":0,"delta":{"content":" too"},"finish_reason":"length"}]}`,
	`{"choices":[null,{"delta":null,"index":null,"finish_reason":null,"logprobs":null}],"model":null}`,
	`{"provider":"OpenAI","choices":[{"index":0,"delta":{"content":"x","reasoning":null,"extra":[1,2.5e3,{"a":[true,false,null]}]},"native_finish_reason":"stop"}]}`,
	`{"Model":"m","choices":[]}`,
	`{"model":"a","model":"b"}`,
	`{"mod\u0065l":"m"}`,
	`{"choices":[{"index":1.0,"delta":{"content":"x"}}]}`,
	`{"choices":[{"index":"0","delta":{"content":"x"}}]}`,
	`{"id":5,"choices":[]}`,
	`{"created":1.5}`,
	`{"choices":[{"index":0,"delta":{"content":"x","tool_calls":[{"id":"t"}]}}]}`,
	`{"choices":[{"index":0,"delta":{"content":"x"}}]} trailing`,
	`{"choices":[{"index":0,"delta":{"content":"bad \x"}}]}`,
	`{"choices":[{"index":0,"delta":{"content":"ctl ` + "\x01" + `"}}]}`,
	`{"choices":[{"index":0,"delta":{"content":"` + "\xff\xfe" + ` invalid"}}]}`,
	`{"usage":{"cost":"1"}}`,
	`{"usage":{"cost":1e400}}`,
	`{"usage":{"Cost":1}}`,
	`{"usage":{"total_tokens":99999999999999999999}}`,
	`{"ünicode":1,"choices":[]}`,
	`{"choices":[{"index":0,"delta":{"content":"x"}}],"usage":null}`,
	`null`,
	`[]`,
	`"just a string"`,
	`{`,
	`{"a":[1,2,}`,
	`{"a":01}`,
	`{"a":-}`,
	`{"a":1.}`,
	`{"a":tru}`,
	` {"model" : "spaced" , "choices" : [ { "index" : 0 , "delta" : { "content" : "y" } } ] } `,
	`{"choices":[{"index":0,"delta":{"content":"x"}}],"choices":[{"index":0}]}`,
	strings.Repeat(`{"a":`, 100) + `1` + strings.Repeat(`}`, 100),
}

// eventsAgree checks that decodeEvent, when it decodes raw at all, reads
// what encoding/json reads, and returns whether it decoded it.
func eventsAgree(t *testing.T, raw []byte) bool {
	t.Helper()
	fast, ok := decodeEvent(raw, "m")
	if !ok {
		return false
	}
	slow, err := decodeEventSlow(raw)
	if err != nil {
		t.Fatalf("decodeEvent read %q, which encoding/json rejects: %v", raw, err)
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("decodeEvent read %q as %+v (usage %+v); encoding/json as %+v (usage %+v)", raw, fast, fast.usage, slow, slow.usage)
	}
	return true
}

func TestDecodeEventAgreesWithEncodingJSON(t *testing.T) {
	fast := 0
	for _, s := range eventSeeds {
		if eventsAgree(t, []byte(s)) {
			fast++
		}
	}
	// The events providers send are read without encoding/json.
	for _, s := range eventSeeds[:9] {
		if _, ok := decodeEvent([]byte(s), ""); !ok && !strings.Contains(s, "prompt_tokens_details") {
			t.Errorf("decodeEvent left %s to encoding/json", s)
		}
	}
	if fast == len(eventSeeds) {
		t.Error("decodeEvent claimed every event; the malformed ones must go to encoding/json")
	}
}

func TestDecodeEventReadsTheFields(t *testing.T) {
	ev, ok := decodeEvent([]byte(eventSeeds[6]), "")
	if !ok || ev.text != "mine too" || ev.finish != "length" {
		t.Fatalf("got %+v, %v; want choice 0's text and finish reason", ev, ok)
	}
	ev, ok = decodeEvent([]byte(eventSeeds[2]), "")
	if !ok || ev.usage == nil || ev.usage.TotalTokens != 30 || ev.usage.Cost == nil || *ev.usage.Cost != 0.0012 {
		t.Fatalf("got %+v, %v; want the usage and its cost", ev, ok)
	}
	ev, ok = decodeEvent([]byte(eventSeeds[5]), "")
	if want := "line\none \"quoted\" \\ / \téé\U0001F600 \uFFFD é"; !ok || ev.text != strings.Replace(want, "éé", "é", 1) {
		t.Fatalf("got %q, %v; want %q", ev.text, ok, want)
	}
}

func FuzzDecodeEvent(f *testing.F) {
	for _, s := range eventSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) { eventsAgree(t, raw) })
}

// BenchmarkDecodeEvent compares the two ways of reading a one-word delta.
func BenchmarkDecodeEvent(b *testing.B) {
	raw := []byte(eventSeeds[0])
	b.Run("fast", func(b *testing.B) {
		for b.Loop() {
			if _, ok := decodeEvent(raw, "gpt-4o"); !ok {
				b.Fatal("not decoded")
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		for b.Loop() {
			if _, err := decodeEventSlow(raw); err != nil {
				b.Fatal(err)
			}
		}
	})
}
