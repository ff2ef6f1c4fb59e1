package agents

import (
	"bytes"
	"encoding/json"
	"sync"
	"unsafe"

	openai "github.com/sashabaranov/go-openai"
)

// encodeCache keeps the JSON of the messages of the last request, so the
// next request, which repeats the same history plus a message or two,
// encodes only what is new. A message is known by its role and by the
// identity of its content (where the string's bytes live, and how many):
// the history hands the same strings to every request, and a string's
// bytes never change. Entries the last request did not use are dropped.
type encodeCache struct {
	mu     sync.Mutex
	known  map[messageKey][]byte
	misses int // messages encoded, for tests
}

type messageKey struct {
	role string
	data *byte
	n    int
}

// messagesKey is where the encoded messages go in a request encoded with
// an empty message list.
var messagesKey = []byte(`"messages":[]`)

// encode is json.Marshal(req), with each message's JSON taken from the
// cache when the last request had it. It returns nil when req does not
// encode.
func (c *encodeCache) encode(req *openai.ChatCompletionRequest) []byte {
	msgs := req.Messages
	bare := new(openai.ChatCompletionRequest)
	*bare = *req
	bare.Messages = []openai.ChatCompletionMessage{}
	b, err := json.Marshal(bare)
	if err != nil {
		return nil
	}
	// A string value holds its quotes escaped, so only the key itself
	// reads `"messages":[]`.
	at := bytes.Index(b, messagesKey)
	if at < 0 {
		return nil
	}
	at += len(messagesKey) - 1

	c.mu.Lock()
	defer c.mu.Unlock()
	next := make(map[messageKey][]byte, len(msgs))
	size := len(b)
	parts := make([][]byte, len(msgs))
	for i, m := range msgs {
		var p []byte
		cacheable := m.MultiContent == nil && m.Name == "" && m.ToolCalls == nil && m.FunctionCall == nil &&
			m.ToolCallID == "" && m.Refusal == "" && m.ReasoningContent == ""
		k := messageKey{role: m.Role, data: unsafe.StringData(m.Content), n: len(m.Content)}
		if cacheable {
			p = c.known[k]
		}
		if p == nil {
			c.misses++
			if p, err = json.Marshal(m); err != nil {
				return nil
			}
		}
		if cacheable {
			next[k] = p
		}
		parts[i] = p
		size += len(p) + 1
	}
	c.known = next
	out := make([]byte, 0, size)
	out = append(out, b[:at]...)
	for i, p := range parts {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, p...)
	}
	return append(out, b[at:]...)
}
