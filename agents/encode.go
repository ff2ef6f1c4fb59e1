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
//
// The entries are kept in the order the last request sent them, and each
// message is looked for a little past where the one before it was found:
// a history in the same order, grown at its end or cut at its start, finds
// every message it shares with the last request. A list holds them in a
// fraction of the memory a map would, and a batch holds one for each agent
// of every running conversation.
type encodeCache struct {
	mu     sync.Mutex
	known  []encoded // the last request's messages, in its order
	misses int       // messages encoded, for tests
}

type encoded struct {
	key  messageKey
	json []byte
}

// lookAhead is how far past the entry after the last one found a message
// is looked for. Once a request, a message not found there is looked for
// through all the rest, so a history cut at its start by more than that
// still finds what follows.
const lookAhead = 8

// find returns the JSON of the entry keyed k at or after at, and where to
// look for the next message; nil when there is none. whole says whether
// to look through every entry after at rather than the next lookAhead.
func (c *encodeCache) find(k messageKey, at int, whole bool) ([]byte, int) {
	end := len(c.known)
	if !whole {
		end = min(end, at+lookAhead)
	}
	for j := at; j < end; j++ {
		if c.known[j].key == k {
			return c.known[j].json, j + 1
		}
	}
	return nil, at
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
	next := make([]encoded, 0, len(msgs))
	size := len(b)
	parts := make([][]byte, len(msgs))
	from, whole := 0, true // where the next message is looked for; whether all the rest may be
	for i, m := range msgs {
		var p []byte
		cacheable := m.MultiContent == nil && m.Name == "" && m.ToolCalls == nil && m.FunctionCall == nil &&
			m.ToolCallID == "" && m.Refusal == "" && m.ReasoningContent == ""
		k := messageKey{role: m.Role, data: unsafe.StringData(m.Content), n: len(m.Content)}
		if cacheable {
			if p, from = c.find(k, from, false); p == nil && whole {
				whole = false
				p, from = c.find(k, from, true)
			}
		}
		if p == nil {
			c.misses++
			if p, err = json.Marshal(m); err != nil {
				return nil
			}
		}
		if cacheable {
			next = append(next, encoded{key: k, json: p})
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
