package transcripts

// The JSON layouts other tools write: OpenAI messages, ShareGPT
// conversations, a two-model runner's record, lists of turns under any
// name, numbered messages, and an export's object wrapping any of them.
// Import (formats.go) detects them; these read them.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/parleyhq/parley/internal/lazy"
	"github.com/parleyhq/parley/internal/phrase"
)

// What other tools call a conversation's list of messages, a message's
// speaker and its text, for JSON in none of the layouts above
// (LayoutTurns), in the order they are looked for ("mes" is SillyTavern's).
// A message of the other layouts that lacks their own fields is read with
// these too.
var (
	turnsKeys   = []string{"turns", "dialogue", "dialog", "conversation", "transcript", "history", "chat"}
	speakerKeys = []string{"name", "speaker", "author", "sender", "agent", "participant", "character", "role_name", "username", "user", "model", "role", "from"} // the last three: see jsonConversation
	textKeys    = []string{"content", "text", "value", "message", "utterance", "response", "output", "mes"}
)

// firstKey returns the first of keys that obj holds, and its value.
func firstKey(obj map[string]any, keys []string) (string, any) {
	for _, k := range keys {
		if v, ok := obj[k]; ok {
			return k, v
		}
	}
	return "", nil
}

// firstString is the first of keys whose value in obj is a string that is
// not blank, as one line. A value that is an object, as chat exports
// write a message's author ({"author": {"name": "claude", …}}), gives its
// own name, username, nickname or role.
func firstString(obj map[string]any, keys []string) string {
	for _, k := range keys {
		v := obj[k]
		if in, ok := v.(map[string]any); ok {
			v = firstString(in, []string{"name", "username", "nickname", "role"})
		}
		if s := oneLine(str(v)); s != "" {
			return s
		}
	}
	return ""
}

// jsonValues decodes one JSON value, or several one after another (JSONL).
func jsonValues(d []byte) ([]any, error) {
	dec := json.NewDecoder(bytes.NewReader(d))
	dec.UseNumber()
	var out []any
	for {
		var v any
		err := dec.Decode(&v)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, JSONErrorAt(d, err, dec.InputOffset())
		}
		out = append(out, v)
	}
}

// cutOff is JSON that ends before what it opened is closed: still
// io.ErrUnexpectedEOF to errors.Is, said for a person.
type cutOff struct{}

func (cutOff) Error() string { return "the JSON ends before what it opened is closed" }
func (cutOff) Unwrap() error { return io.ErrUnexpectedEOF }

// JSONErrorAt is err, an error decoding the JSON d, with the line and
// column of the fault before it, so that a person can find it in a large
// file: the syntax error's or type error's offset, the end of d for JSON
// cut off, else at (the decoder's offset).
func JSONErrorAt(d []byte, err error, at int64) error {
	off := at
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset - 1 // the byte it read last is the one at fault
	case errors.As(err, &te):
		off = te.Offset
	case errors.Is(err, io.ErrUnexpectedEOF):
		off = int64(len(bytes.TrimRight(d, " \t\r\n")))
		err = cutOff{}
	}
	before := d[:min(max(off, 0), int64(len(d)))]
	line := bytes.Count(before, []byte("\n")) + 1
	col := utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:]) + 1
	return fmt.Errorf("line %d, column %d: %w", line, col, err)
}

// meantAsMessages reports whether v, the "messages" of an object in no
// layout, was meant as its messages and written wrong: a text, or an
// object whose every value is a message (naming its speaker and holding
// its text, isTurn), as messages keyed by their numbers are. A number or
// true or false (a run's count, a flag), null, and an object of other
// values (a locale's texts by their keys) are some other JSON's.
func meantAsMessages(v any) bool {
	switch x := v.(type) {
	case string:
		return true
	case map[string]any:
		for _, it := range x {
			if m, ok := it.(map[string]any); !ok || !isTurn(m) {
				return false
			}
		}
		return len(x) > 0
	}
	return false
}

// meantAsTranscript reports whether vals, JSON (or YAML) read in layout
// that importJSON could not read, were meant as a conversation and written
// wrong, so that a folder's walk fails them, rather than some other
// tool's data, which it passes over. They were when some item of them
// holds messages where a layout parley reads has them, written wrong or
// not: a two-model runner's list under "messages" beside "model_a"; a
// "messages" or "conversations" that is a text, an object of messages
// (meantAsMessages) or a list holding a message (heldMessages); a list
// under one of turnsKeys, or numbered "message_1", …, holding one; or an
// item that is a message itself. A count, a flag, a path, an empty list,
// and a list of records that name no speaker beside a text (a history of
// dates and values, ids) are other JSON's.
func meantAsTranscript(vals []any, layout string) bool {
	for _, v := range vals {
		items, ok := v.([]any)
		if !ok {
			items = []any{v}
		}
		for _, it := range items {
			if obj, ok := it.(map[string]any); ok && meantObject(obj, layout) {
				return true
			}
		}
	}
	return false
}

// meantObject is meantAsTranscript of one item.
func meantObject(obj map[string]any, layout string) bool {
	if _, ok := obj["model_a"]; ok {
		if _, ok := obj["messages"].([]any); ok {
			return true
		}
	}
	for _, k := range []string{"messages", "conversations"} {
		switch v := obj[k].(type) {
		case []any:
			if heldMessages(v, true) {
				return true
			}
		case nil:
		default:
			if meantAsMessages(v) {
				return true
			}
		}
	}
	if layout == LayoutNumbered {
		if msgs, _ := numbered(obj); heldMessages(msgs, true) {
			return true
		}
	}
	if k, list := turnList(obj); k != "" && heldMessages(list, false) {
		return true
	}
	return messageLike(obj, true)
}

// heldMessages reports whether list holds a message (messageLike), or,
// under a layout's own name for its messages (own: "messages",
// "conversations", "message_1"), a text.
func heldMessages(list []any, own bool) bool {
	for _, it := range list {
		switch x := it.(type) {
		case string:
			if own {
				return true
			}
		case map[string]any:
			if messageLike(x, own) {
				return true
			}
		}
	}
	return false
}

// messageLike reports whether obj is a message, written wrong or not: it
// names a speaker (one of speakerKeys) and holds a text (one of textKeys,
// a string or a list of parts); or, under a layout's own name (own), it
// holds a text alone, or the layout's own fields ("role" and "content",
// "from" and "value") whatever they hold. A record whose "value" is a
// number, beside a "name" or a "user", is no message.
func messageLike(obj map[string]any, own bool) bool {
	if own {
		for _, pair := range [][2]string{{"role", "content"}, {"from", "value"}} {
			_, a := obj[pair[0]]
			_, b := obj[pair[1]]
			if a && b {
				return true
			}
		}
	}
	_, text := firstKey(obj, textKeys)
	switch text.(type) {
	case string, []any:
	default:
		return false
	}
	if own {
		return true
	}
	k, _ := firstKey(obj, speakerKeys)
	return k != ""
}

// transcriptKeys reports whether the JSON d, which does not parse, names
// before its fault a key that only a transcript's JSON has: "messages",
// "conversations", "model_a", "message_1" or one of turnsKeys, or one of
// speakerKeys and one of textKeys. A file of another kind that does not
// parse (a tsconfig.json or an editor's settings.json, which hold
// comments) names none.
func transcriptKeys(d []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(d))
	speaker, text := false, false
	// For each object or list open, whether it is an object and a key
	// comes next in it: an object's keys and values alternate.
	type open struct{ object, key bool }
	var stack []open
	for {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		if t, ok := tok.(string); ok && len(stack) > 0 && stack[len(stack)-1].key {
			switch {
			case t == "messages", t == "conversations", t == "model_a", isMessageNumber(t), slices.Contains(turnsKeys, t):
				return true
			case slices.Contains(speakerKeys, t):
				speaker = true
			case slices.Contains(textKeys, t):
				text = true
			}
			if speaker && text {
				return true
			}
			stack[len(stack)-1].key = false
			continue
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, open{object: true, key: true})
			continue
		case json.Delim('['):
			stack = append(stack, open{})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		// A value ended: in an object, a key comes next.
		if n := len(stack); n > 0 && stack[n-1].object {
			stack[n-1].key = true
		}
	}
}

// messageNumber is the number of a numbered message's key, "message_1",
// as numbered reads it; ok is false for any other key.
func messageNumber(k string) (n int, ok bool) {
	rest, ok := strings.CutPrefix(k, "message_")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	return n, err == nil && n >= 0 && strconv.Itoa(n) == rest
}

func isMessageNumber(k string) bool { _, ok := messageNumber(k); return ok }

// topKeyLine is the line (from 1) of key among the keys of the JSON
// object d holds; 0 when d holds no object, or none with that key.
func topKeyLine(d []byte, key string) int {
	dec := json.NewDecoder(bytes.NewReader(d))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return 0
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return 0
		}
		if k, _ := tok.(string); k == key {
			// A key holds no line end: the line it ends on is its own.
			return bytes.Count(d[:dec.InputOffset()], []byte("\n")) + 1
		}
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return 0
		}
	}
	return 0
}

// itemKeyLine is the line (from 1) of key among the keys of item i (from
// 0) of the JSON d, its items counted as importJSON counts them: each
// value, or each item of a value that is a list; 0 when d holds no such
// item, or the item no such key.
func itemKeyLine(d []byte, i int, key string) int {
	at := func(v json.RawMessage, start int) int {
		line := topKeyLine(v, key)
		if line == 0 {
			return 0
		}
		return bytes.Count(d[:start], []byte("\n")) + line
	}
	dec := json.NewDecoder(bytes.NewReader(d))
	for {
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil || len(v) == 0 {
			return 0
		}
		start := int(dec.InputOffset()) - len(v)
		if v[0] != '[' {
			if i == 0 {
				return at(v, start)
			}
			i--
			continue
		}
		in := json.NewDecoder(bytes.NewReader(v))
		if _, err := in.Token(); err != nil {
			return 0
		}
		for in.More() {
			var it json.RawMessage
			if err := in.Decode(&it); err != nil {
				return 0
			}
			if i == 0 {
				return at(it, start+int(in.InputOffset())-len(it))
			}
			i--
		}
	}
}

// numbered is an object's messages "message_1", "message_2", …, in the
// order of their numbers (a "message_0" first), and a warning naming the
// numbers missing between them ("" when none is), so that no message is
// passed over in silence.
func numbered(obj map[string]any) ([]any, string) {
	var ns []int
	for k := range obj {
		if n, ok := messageNumber(k); ok {
			ns = append(ns, n)
		}
	}
	slices.Sort(ns)
	var msgs []any
	var missing []string
	for i, n := range ns {
		msgs = append(msgs, obj["message_"+strconv.Itoa(n)])
		if i > 0 {
			for gap := ns[i-1] + 1; gap < n && len(missing) < 10; gap++ {
				missing = append(missing, "message_"+strconv.Itoa(gap))
			}
		}
	}
	if len(missing) == 0 {
		return msgs, ""
	}
	return msgs, fmt.Sprintf("the messages are numbered with gaps (no %s); parley reads the %d there are in the order of their numbers", strings.Join(missing, ", "), len(msgs))
}

// turnList is the list of messages of an object in none of the named
// layouts: the list under the first of turnsKeys it holds, else the
// longest list of two items or more, under any other key ("log",
// "exchanges", "rounds", …), whose items are all objects that name a
// speaker and hold a text (one of speakerKeys and one of textKeys), as
// exports of other tools have it. It returns "" and nil when obj holds no
// such list.
func turnList(obj map[string]any) (string, []any) {
	for _, k := range turnsKeys {
		if v, ok := obj[k].([]any); ok {
			return k, v
		}
	}
	key, list := "", []any(nil)
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		v, ok := obj[k].([]any)
		if !ok || len(v) < 2 || len(v) <= len(list) || !allTurns(v) {
			continue
		}
		key, list = k, v
	}
	return key, list
}

// bareTexts reports whether v holds two texts or more and nothing else.
func bareTexts(v []any) bool {
	for _, it := range v {
		if _, ok := it.(string); !ok {
			return false
		}
	}
	return len(v) >= 2
}

// allTurns reports whether v holds items and every one is an object
// naming a speaker and holding a text.
func allTurns(v []any) bool {
	for _, it := range v {
		if m, ok := it.(map[string]any); !ok || !isTurn(m) {
			return false
		}
	}
	return len(v) > 0
}

// speakersRecur reports whether a bare list of turns reads as a
// conversation: someone speaks twice, or it holds two turns or fewer. A
// list of named values ([{"name": "PATH", "value": "/usr/bin"}, …]) names
// each once.
func speakersRecur(list []any) bool {
	if len(list) <= 2 {
		return true
	}
	seen := map[string]bool{}
	for _, v := range list {
		m, ok := v.(map[string]any)
		if !ok {
			continue
		}
		k, _ := firstKey(m, speakerKeys)
		name := str(m[k])
		if seen[name] {
			return true
		}
		seen[name] = true
	}
	return false
}

// holdsTurnLists reports whether an item of list is a conversation that
// holds a list of turns (turnList), as an account's export holds one
// under "chat_messages" for each conversation.
func holdsTurnLists(list []any) bool {
	for _, v := range list {
		if m, ok := v.(map[string]any); ok {
			if k, _ := turnList(m); k != "" {
				return true
			}
		}
	}
	return false
}

// isTurn reports whether an object names a speaker and holds a text (one
// of speakerKeys and one of textKeys), as a message of LayoutTurns does,
// and is no named value (namedValue).
func isTurn(m map[string]any) bool {
	k, _ := firstKey(m, speakerKeys)
	t, _ := firstKey(m, textKeys)
	return k != "" && t != "" && !namedValue(m)
}

// namedValue reports whether obj holds a "name" and a "value" and no
// other field that names a speaker or holds a text: one of a list of
// named values (an environment's variables, a request's headers, a
// form's fields), which no conversation is, though "name" names a
// speaker and "value" holds a text beside other fields.
func namedValue(obj map[string]any) bool {
	_, name := obj["name"]
	_, value := obj["value"]
	if !name || !value {
		return false
	}
	for _, keys := range [][]string{speakerKeys, textKeys} {
		for _, k := range keys {
			if _, ok := obj[k]; ok && k != "name" && k != "value" {
				return false
			}
		}
	}
	return true
}

// shareGPTTurn reports whether obj is a ShareGPT message: its speaker
// under "from" beside its text under "value" (or another of textKeys, as
// a message lacking its own field holds it). A "from" beside no text (a
// range of dates, {"from": …, "to": …}) is some other JSON's.
func shareGPTTurn(obj map[string]any) bool {
	_, from := obj["from"]
	t, _ := firstKey(obj, textKeys)
	return from && t != ""
}

// missingFields says which fields of a layout parley reads the JSON vals,
// in none, lack beside those they hold: the first item (as importJSON
// counts them) holding a "from" or a "role" beside no text, or only a
// "name" and a "value" (namedValue); "" when none does.
func missingFields(vals []any) string {
	items := jsonItems(vals)
	for i, it := range items {
		obj, ok := it.(map[string]any)
		if !ok {
			continue
		}
		which := fmt.Sprintf("item %d", i+1)
		if len(items) == 1 {
			which = "it"
		}
		t, _ := firstKey(obj, textKeys)
		_, from := obj["from"]
		_, role := obj["role"]
		switch {
		case from && t == "":
			return which + ` has "from" but no "value" beside it, where a ShareGPT message names its speaker in "from" and holds its text in "value" ({"from": "human", "value": "…"})`
		case role && t == "":
			return which + ` has "role" but no "content" beside it, where an OpenAI message names its speaker in "role" and holds its text in "content" ({"role": "user", "content": "…"})`
		case namedValue(obj):
			return which + ` holds only a "name" and a "value", as a list of named values does (an environment's variables, a request's headers), where a message names its speaker beside its text under other fields ("speaker" and "text", "author" and "content", …), or holds ShareGPT's "from" and "value"`
		}
	}
	return ""
}

// unwrapJSON reads a conversation that an export wraps in an object of
// its own, {"conversation": {"messages": […]}} or {"data": {…}}: a
// top-level object in no layout whose "data" field, or one of turnsKeys,
// is an object in one is replaced by that object. A top-level list of
// such objects, as chat exports write every conversation of an account
// ([{"title": …, "chat": {"messages": […]}}, …]), is the conversations
// it wraps. A top-level list of [speaker, text] pairs is replaced by its
// turns (pairTurns). Anything else is kept as it is. vals is not changed.
func unwrapJSON(vals []any) []any {
	out := make([]any, 0, len(vals))
	for _, v := range vals {
		if conv, ok := exported(v); ok {
			out = append(out, conv...)
			continue
		}
		list, isList := v.([]any)
		if !isList {
			in, _ := unwrapObject(v)
			out = append(out, in)
			continue
		}
		if turns, ok := pairTurns(list); ok {
			out = append(out, turns)
			continue
		}
		if convs, ok := wrappedConversations(list); ok {
			out = append(out, convs...)
			continue
		}
		out = append(out, v)
	}
	return out
}

// exported is what v holds when it is a conversation in an export's shape
// of its own (fromExport), or a list of such conversations, as an
// account's export lists them, each read so.
func exported(v any) ([]any, bool) {
	if obj, ok := v.(map[string]any); ok {
		conv, ok := fromExport(obj)
		return []any{conv}, ok
	}
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		return nil, false
	}
	out := make([]any, len(list))
	for i, it := range list {
		obj, ok := it.(map[string]any)
		if !ok {
			return nil, false
		}
		if out[i], ok = fromExport(obj); !ok {
			return nil, false
		}
	}
	return out, true
}

// unwrapObject is the object in a layout that v, an object in none,
// wraps under "data" or one of turnsKeys, and true; v itself and false
// otherwise.
func unwrapObject(v any) (any, bool) {
	obj, ok := v.(map[string]any)
	if !ok || jsonLayout([]any{obj}) != "" {
		return v, false
	}
	for _, k := range append([]string{"data"}, turnsKeys...) {
		if in, ok := obj[k].(map[string]any); ok && jsonLayout([]any{in}) != "" {
			// The wrapper's title is the conversation's, when the
			// conversation has none of its own.
			if t := conversationTitle(obj); t != "" && conversationTitle(in) == "" {
				in = maps.Clone(in)
				in["title"] = t
			}
			return in, true
		}
	}
	return v, false
}

// conversationTitle is the title an object holding a conversation gives
// it: its "title", else its "name" (as Claude.ai's export names each
// conversation), on one line; "" when it has neither.
func conversationTitle(obj map[string]any) string {
	for _, k := range []string{"title", "name"} {
		if s, ok := obj[k].(string); ok {
			if s = oneLine(s); s != "" {
				return s
			}
		}
	}
	return ""
}

// wrappedConversations is what a list of wrapped conversations wraps,
// when every item of it is one.
func wrappedConversations(list []any) ([]any, bool) {
	if len(list) == 0 {
		return nil, false
	}
	out := make([]any, len(list))
	for i, it := range list {
		in, wrapped := unwrapObject(it)
		if !wrapped {
			return nil, false
		}
		out[i] = in
	}
	return out, true
}

// jsonLayout tells OpenAI messages from ShareGPT conversations.
func jsonLayout(vals []any) string {
	for _, v := range vals {
		switch x := v.(type) {
		case map[string]any:
			if _, ok := x["model_a"]; ok {
				if _, ok := x["messages"]; ok {
					return LayoutPair
				}
			}
			if _, ok := x["conversations"]; ok {
				return LayoutShareGPT
			}
			if _, ok := x["message_1"].(map[string]any); ok {
				return LayoutNumbered
			}
			// A "messages" that is no list (a count in a run's summary),
			// or a "role" beside no text (a user's record), is some other
			// JSON, which a folder's walk passes over.
			if _, ok := x["messages"].([]any); ok {
				return LayoutOpenAI
			}
			if _, ok := x["role"]; ok {
				if t, _ := firstKey(x, textKeys); t != "" {
					return LayoutOpenAI
				}
			}
			if shareGPTTurn(x) {
				return LayoutShareGPT
			}
			if k, _ := turnList(x); k != "" {
				return LayoutTurns
			}
			if isTurn(x) {
				return LayoutTurns
			}
		case []any:
			// A list of conversations, each holding its turns, is read
			// however its conversations are named; a list of bare turns
			// only when its speakers recur.
			if l := jsonLayout(x); l != "" && (l != LayoutTurns || holdsTurnLists(x) || speakersRecur(x)) {
				return l
			}
		}
	}
	return ""
}

// jsonItems flattens decoded JSON values: top-level arrays and JSONL
// lines are lists of items, each a conversation object or a single
// message, in the order importJSON counts them.
func jsonItems(vals []any) []any {
	var items []any
	for _, v := range vals {
		if a, ok := v.([]any); ok {
			items = append(items, a...)
		} else {
			items = append(items, v)
		}
	}
	return items
}

// importJSON turns decoded JSON values into transcripts.
func importJSON(vals []any, layout string) ([]*Transcript, error) {
	items := jsonItems(vals)
	// The keys other conversations' turns are under ("chat_messages" in
	// a Claude.ai export): a conversation with fewer than two turns under
	// the same key is a conversation too, not a message.
	var listKeys []string
	if layout == LayoutTurns {
		for _, it := range items {
			if obj, ok := it.(map[string]any); ok {
				if k, _ := turnList(obj); k != "" && !slices.Contains(listKeys, k) {
					listKeys = append(listKeys, k)
				}
			}
		}
	}
	var out []*Transcript
	spoken := 0     // conversations in out that hold messages
	var loose []any // bare messages, one conversation together
	for i, it := range items {
		obj, ok := it.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("item %d is %s, not a JSON object", i+1, jsonKind(it))
		}
		list, key := obj["messages"], "messages"
		gaps := "" // what numbered says of the numbers missing
		switch layout {
		case LayoutShareGPT:
			list, key = obj["conversations"], "conversations"
			// LLaMA-Factory's ShareGPT keeps the system prompt beside the
			// turns, as Anthropic's Messages API does.
			if turns, ok := list.([]any); ok && !slices.ContainsFunc(turns, isShareGPTSystem) {
				if system := systemText(obj["system"]); system != "" {
					list = append([]any{map[string]any{"from": "system", "value": system}}, turns...)
				}
			}
		case LayoutTurns:
			if k, v := turnList(obj); k != "" {
				list, key = v, k
				break
			}
			for _, k := range listKeys {
				if v, ok := obj[k].([]any); ok && !isTurn(obj) {
					list, key = v, k
					break
				}
			}
		case LayoutNumbered:
			if _, ok := obj["message_1"]; ok {
				var msgs []any
				msgs, gaps = numbered(obj)
				list, key = msgs, "message_1"
			}
		}
		if list == nil {
			// SillyTavern's chat files open with a line of the chat's
			// settings (older ones without chat_metadata), then one
			// message a line.
			_, meta := obj["chat_metadata"]
			_, user := obj["user_name"]
			_, char := obj["character_name"]
			if (meta || user && char) && len(loose) == 0 && !isTurn(obj) {
				continue
			}
			loose = append(loose, obj)
			continue
		}
		msgs, ok := list.([]any)
		if !ok {
			return nil, fmt.Errorf("item %d: %q is %s, not a list", i+1, key, jsonKind(list))
		}
		if len(msgs) == 0 && len(items) > 1 {
			// An export's empty conversation (Claude.ai keeps them): a
			// conversation of no messages, in its place, so that FILE#N
			// numbers the conversations as the file holds them.
			t := &Transcript{Title: conversationTitle(obj)}
			if t.Title == "" {
				t.Title = defaultTitle(t)
			}
			out = append(out, t)
			continue
		}
		spoken++
		if layout == LayoutPair {
			msgs = withInitialMessage(obj, msgs)
		}
		t, err := jsonConversation(msgs, layout)
		if err != nil {
			return nil, fmt.Errorf("item %d: %w", i+1, err)
		}
		if s := conversationTitle(obj); s != "" {
			t.Title = s
		}
		if layout == LayoutPair {
			pairHeader(t, obj)
		}
		conversationTimes(t, obj)
		if gaps != "" {
			t.Warnings = append(t.Warnings, gaps)
		}
		if layout == LayoutNumbered {
			if task := firstString(obj, []string{"specified_task", "original_task"}); task != "" {
				if t.Run == nil {
					t.Run = &Run{}
				}
				t.Run.Preamble = task
			}
		}
		out = append(out, t)
	}
	if len(loose) > 0 {
		t, err := jsonConversation(loose, layout)
		if err != nil {
			return nil, err
		}
		conversationTimes(t, nil) // its messages
		out = append(out, t)
		spoken++
	}
	if spoken == 0 {
		return nil, errors.New("no conversation found in the JSON")
	}
	return out, nil
}

func jsonConversation(msgs []any, layout string) (*Transcript, error) {
	t := &Transcript{Messages: make([]Message, 0, len(msgs))}
	if bareTexts(msgs) {
		// A list of texts alone, as dialogue datasets keep them: two
		// sides taking turns, as the list has them.
		for i, v := range msgs {
			t.Messages = append(t.Messages, Message{Speaker: fmt.Sprintf("Speaker %d", i%2+1), Content: v.(string)})
		}
		t.Warnings = append(t.Warnings, "the messages are texts that name no speaker; they are read as two sides taking turns, Speaker 1 first")
		t.Title = defaultTitle(t)
		return t, nil
	}
	var system []string
	byRole := true // every speaker so far is its message's role
	tools := 0     // messages that call tools or hold their results
	for i, v := range msgs {
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("message %d is %s, not a JSON object", i+1, jsonKind(v))
		}
		var role, content string
		var err error
		textKey := "content"
		if layout == LayoutShareGPT {
			role, textKey = str(obj["from"]), "value"
		} else {
			role = str(obj["role"])
		}
		if _, ok := obj[textKey]; !ok {
			textKey, _ = firstKey(obj, textKeys)
		}
		content, err = jsonText(obj[textKey])
		if err != nil {
			return nil, fmt.Errorf("message %d: %w", i+1, err)
		}
		if strings.TrimSpace(content) == "" {
			// An empty list of content blocks beside the text itself, as
			// Claude.ai's export writes some messages: the text is the
			// message's.
			for _, k := range textKeys {
				if s, _ := jsonText(obj[k]); k != textKey && strings.TrimSpace(s) != "" {
					content = s
					break
				}
			}
		}
		// Tool use is no one's turn: a call with no text beside it would
		// read as a side's silence, and a tool's result as a third
		// speaker. Each is kept as a note, which rules do not count.
		calls, result, only := toolUse(obj, role, textKey, content)
		if only {
			t.Messages = append(t.Messages, toolNote(calls, result)...)
			tools++
			continue
		}
		if strings.TrimSpace(content) == "" {
			// A chat export's post of files alone is no silence.
			if files := attachments(obj); files != "" {
				content = files
			}
		}
		if discordEvents()[str(obj["type"])] {
			// A chat export's event (a pin, a join, a call) is no one's turn.
			t.Messages = append(t.Messages, Message{Speaker: ModeratorSpeaker, Content: firstString(obj, []string{"author"}) + ": " + content, Origin: OriginModerator})
			continue
		}
		// A field naming the message's speaker comes before its role (its
		// "from" in ShareGPT); a two-model runner's "speaker" before all.
		speaker := ""
		if layout == LayoutPair {
			speaker = oneLine(str(obj["speaker"]))
		}
		if speaker == "" {
			speaker = firstString(obj, speakerKeys[:len(speakerKeys)-3])
		}
		fromRole := false
		if speaker == "" {
			speaker = oneLine(role)
			fromRole = speaker != ""
		}
		byRole = byRole && fromRole
		if speaker == "" {
			speaker = firstString(obj, speakerKeys)
		}
		if speaker == "" {
			return nil, fmt.Errorf("message %d has no field naming its speaker: none of %s", i+1, strings.Join(speakerKeys, ", "))
		}
		m := Message{Speaker: speaker, Content: content, Model: str(obj["model"])}
		var local bool
		m.Started, local = recordedTime(obj, messageKeys)
		t.LocalTimes = t.LocalTimes || local
		if noteKind(role) == "system" || obj["is_system"] == true { // SillyTavern marks a narrator's note so
			if len(t.Messages) == 0 {
				system = append(system, content)
				continue
			}
			m.Origin = OriginModerator
			m.Speaker = ModeratorSpeaker
		}
		t.Messages = append(t.Messages, m)
		if calls != "" || result != "" {
			t.Messages = append(t.Messages, toolNote(calls, result)...)
			tools++
		}
	}
	if len(t.Messages) == 0 {
		return nil, errors.New("the conversation has no messages")
	}
	if tools > 0 {
		t.Warnings = append(t.Warnings, fmt.Sprintf("%s tool calls or their results; they are kept as notes, which rules do not count", phrase.Count(tools, "message holds", "messages hold")))
	}
	if byRole {
		speakByModel(t)
	}
	if len(system) > 0 {
		t.Run = &Run{System: strings.Join(system, "\n\n")}
	}
	t.Title = defaultTitle(t)
	return t, nil
}

// speakByModel names each message's speaker by its model when the
// speakers are only roles ("user", "assistant") and every message names
// the model that wrote it, two models or more: a two-model runner that
// keeps each side's model beside a role. A log with one model, or with
// messages that name none (a person's turns), keeps its roles.
func speakByModel(t *Transcript) {
	models := map[string]bool{}
	for _, m := range t.Messages {
		if m.Origin == OriginModerator {
			continue
		}
		if oneLine(m.Model) == "" {
			return
		}
		models[oneLine(m.Model)] = true
	}
	if len(models) < 2 {
		return
	}
	for i := range t.Messages {
		if m := &t.Messages[i]; m.Origin != OriginModerator {
			m.Speaker = oneLine(m.Model)
		}
	}
}

// discordEvents are the types of the messages a Discord export
// (DiscordChatExporter's JSON) holds that are the channel's events, not
// what someone said; "Default" and "Reply" are messages.
var discordEvents = lazy.Set(`RecipientAdd RecipientRemove Call ChannelNameChange ChannelIconChange
	ChannelPinnedMessage GuildMemberJoin UserPremiumGuildSubscription UserPremiumGuildSubscriptionTier1
	UserPremiumGuildSubscriptionTier2 UserPremiumGuildSubscriptionTier3 ChannelFollowAdd
	GuildDiscoveryDisqualified GuildDiscoveryRequalified ThreadCreated GuildInviteReminder AutoModerationAction`)

// attachments is the text of a message that posts files alone, as chat
// exports write one: "[attachment: a.png]" for each of its
// "attachments" (or Slack's "files"), named by its file name, else its
// URL; "" when it has none.
func attachments(obj map[string]any) string {
	var out []string
	for _, k := range []string{"attachments", "files"} {
		list, _ := obj[k].([]any)
		for _, it := range list {
			a, _ := it.(map[string]any)
			if name := firstString(a, []string{"fileName", "filename", "file_name", "name", "title", "url"}); name != "" {
				out = append(out, "[attachment: "+name+"]")
			}
		}
	}
	return strings.Join(out, "\n")
}

// toolRoles are the roles (OpenAI's "role", ShareGPT's "from") of a
// tool's result, and of a call to one, as tool-use datasets write them.
var (
	toolResultRoles = []string{"tool", "function", "ipython", "observation", "tool_response", "function_response"}
	toolCallRoles   = []string{"function_call", "tool_call", "tool_calls"}
)

// toolUse reads what a message holds of tool use, each as a note's text:
// the calls it makes (OpenAI's tool_calls or function_call, Anthropic's
// tool_use blocks, ShareGPT's "function_call" turns) and the results it
// hands back (a tool's role, Anthropic's tool_result blocks); and whether
// the message is tool use alone: a tool's role, or calls or results with
// no text beside them.
func toolUse(obj map[string]any, role, textKey, content string) (calls, result string, only bool) {
	lower := strings.ToLower(role)
	switch {
	case slices.Contains(toolCallRoles, lower):
		return "Tool call: " + content, "", true
	case slices.Contains(toolResultRoles, lower):
		head := "Tool result"
		if id := firstString(obj, []string{"name", "tool_call_id", "tool_use_id"}); id != "" {
			head += " (" + id + ")"
		}
		return "", head + ":\n" + content, true
	}
	var cs, rs []string
	if list, ok := obj["tool_calls"].([]any); ok {
		for _, c := range list {
			if cm, ok := c.(map[string]any); ok {
				cs = append(cs, toolCall(cm))
			}
		}
	}
	if fc, ok := obj["function_call"].(map[string]any); ok {
		cs = append(cs, toolCall(fc))
	}
	if parts, ok := obj[textKey].([]any); ok {
		for _, p := range parts {
			pm, _ := p.(map[string]any)
			switch kind := str(pm["type"]); {
			case kind == "tool_use" || kind == "server_tool_use" || kind == "mcp_tool_use":
				cs = append(cs, toolCall(pm))
			case kind == "tool_result" || strings.HasSuffix(kind, "_tool_result"):
				// A server tool's result (web_search_tool_result, a code
				// run's) may hold its findings, not text: their titles,
				// addresses and output stand for them.
				text := serverToolText(pm["content"])
				head := "Tool result"
				if id := str(pm["tool_use_id"]); id != "" {
					head += " (" + id + ")"
				}
				rs = append(rs, head+":\n"+text)
			}
		}
	}
	if len(cs) == 0 && len(rs) == 0 {
		return "", "", false
	}
	return strings.Join(cs, "\n"), strings.Join(rs, "\n\n"), strings.TrimSpace(content) == ""
}

// toolCall is one call to a tool as a line: its name and its arguments,
// "get_weather({"city": "Paris"})", from OpenAI's {"function": {"name",
// "arguments"}} (or the function itself) or Anthropic's {"name", "input"}.
func toolCall(c map[string]any) string {
	if f, ok := c["function"].(map[string]any); ok {
		c = f
	}
	args := c["arguments"]
	if args == nil {
		args = c["input"]
	}
	a, ok := args.(string)
	if !ok && args != nil {
		b, _ := json.Marshal(args)
		a = string(b)
	}
	return "Tool call: " + str(c["name"]) + "(" + a + ")"
}

// toolNote is the notes that keep a message's tool calls and results.
func toolNote(calls, result string) []Message {
	var out []Message
	for _, text := range []string{calls, result} {
		if text != "" {
			out = append(out, Message{Speaker: ModeratorSpeaker, Content: text, Origin: OriginModerator})
		}
	}
	return out
}

// withInitialMessage makes a two-model runner's initial message message 1,
// model_a's: as it is when "messages" already starts with it (a message
// holding initial_message, by model_a, or a user message by no one; a
// runner may record every turn, this one too, as "assistant"), or put in
// front when it does not. It is left unmarked, as the runner's Markdown
// beside the JSON has it: marked as parley's opening, it would file the
// conversation under model_b, the seat that first speaks for itself,
// where the runner's pair, and its Markdown, open with model_a.
func withInitialMessage(obj map[string]any, msgs []any) []any {
	initial, ok := obj["initial_message"].(string)
	if !ok {
		return msgs
	}
	modelA := str(obj["model_a"])
	if len(msgs) > 0 {
		if first, ok := msgs[0].(map[string]any); ok {
			sp := str(first["speaker"])
			if c, _ := jsonText(first["content"]); c == initial && (sp == modelA && modelA != "" || sp == "" && str(first["role"]) == "user") {
				if sp == "" {
					m := maps.Clone(first)
					m["speaker"] = modelA
					return append([]any{m}, msgs[1:]...)
				}
				return msgs
			}
		}
	}
	open := map[string]any{"role": "user", "content": initial, "speaker": modelA}
	return append([]any{open}, msgs...)
}

// pairHeader fills in what a two-model runner's JSON says of the whole run.
func pairHeader(t *Transcript, obj map[string]any) {
	a, b := oneLine(str(obj["model_a"])), oneLine(str(obj["model_b"]))
	if _, titled := obj["title"]; !titled && a != "" && b != "" {
		t.Title = a + " ↔ " + b
	}
}

// The fields that say when a conversation started and ended (a two-model
// runner's, ChatGPT's, Claude.ai's), and when a message was sent
// (ChatGPT's, Claude.ai's, a chat export's).
var (
	startKeys   = []string{"started_at", "create_time", "created_at"}
	endKeys     = []string{"ended_at", "update_time", "updated_at"}
	messageKeys = []string{"create_time", "created_at", "timestamp"}
)

// recordedTime is the time under the first of keys in obj that holds one
// (see jsonTime), and whether it was written with no zone.
func recordedTime(obj map[string]any, keys []string) (time.Time, bool) {
	for _, k := range keys {
		if t, local := jsonTime(obj[k]); !t.IsZero() {
			return t, local
		}
	}
	return time.Time{}, false
}

// conversationTimes fills in when the conversation obj holds started and
// ended, as its fields say, else as its messages' times do.
func conversationTimes(t *Transcript, obj map[string]any) {
	var local [2]bool
	t.Started, local[0] = recordedTime(obj, startKeys)
	t.Ended, local[1] = recordedTime(obj, endKeys)
	t.LocalTimes = t.LocalTimes || local[0] || local[1]
	times := make([]time.Time, len(t.Messages))
	for i, m := range t.Messages {
		times[i] = m.Started
	}
	first, last := timeSpan(times)
	if t.Started.IsZero() {
		t.Started = first
	}
	if t.Ended.IsZero() {
		t.Ended = last
	}
}

// jsonTime reads a time written as RFC 3339; as ISO 8601 without a zone
// (Python's isoformat), which is taken as local time, as the Markdown
// header's times are, and local is set; or as a number of seconds since
// 1970 (ChatGPT's create_time; milliseconds for a number too large to be
// seconds, as JavaScript counts them). Anything else is the zero time.
func jsonTime(v any) (t time.Time, local bool) {
	var secs float64
	switch x := v.(type) {
	case string:
		if t, err := time.Parse(time.RFC3339Nano, x); err == nil {
			return t, false
		}
		for _, layout := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999"} {
			if t, err := time.ParseInLocation(layout, x, time.Local); err == nil {
				return t, true
			}
		}
		return time.Time{}, false
	case time.Time: // a YAML timestamp
		return x, false
	case json.Number:
		secs, _ = x.Float64()
	case float64:
		secs = x
	case int:
		secs = float64(x)
	default:
		return time.Time{}, false
	}
	if secs < 1e8 {
		return time.Time{}, false // before 1973: a count or an offset, not a moment
	}
	if secs >= 1e11 {
		secs /= 1000 // milliseconds: 1e11 seconds is in the year 5138
	}
	whole := math.Floor(secs)
	return time.Unix(int64(whole), int64((secs-whole)*1e9)).Round(time.Microsecond), false
}

// jsonText reads message content: a string, null, or a list of parts of
// which the text ones are kept, empty ones aside. Parts are joined by a
// line break, unless they carry their own spacing (a part that ends or
// starts with white space) or one of them is a quote the other runs on
// from (a text block with citations, as Anthropic's API splits one
// sentence): those are joined as they are, as the provider showed them.
func jsonText(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case []any:
		var b strings.Builder
		n, cited := 0, false
		for _, p := range x {
			text, cites := "", false
			switch pp := p.(type) {
			case string:
				text = pp
			case map[string]any:
				s, ok := pp["text"].(string)
				if !ok {
					continue
				}
				text, cites = s, pp["citations"] != nil
			default:
				continue
			}
			if text == "" {
				continue
			}
			if n > 0 && !cited && !cites && !spaced(b.String(), text) {
				b.WriteByte('\n')
			}
			b.WriteString(text)
			n, cited = n+1, cites
		}
		return b.String(), nil
	}
	return "", fmt.Errorf("content is %s, not text", jsonKind(v))
}

// spaced reports whether two texts joined hold white space between them
// already: the first ends with it or the second starts with it.
func spaced(before, after string) bool {
	a, _ := utf8.DecodeLastRuneInString(before)
	b, _ := utf8.DecodeRuneInString(after)
	return before != "" && unicode.IsSpace(a) || after != "" && unicode.IsSpace(b)
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// isShareGPTSystem reports whether v is a ShareGPT turn from the system.
func isShareGPTSystem(v any) bool {
	m, _ := v.(map[string]any)
	return m != nil && noteKind(str(m["from"])) == "system"
}

// serverToolText is the text of a tool's result: its text blocks, or, for
// a server tool's findings (web search results, a fetched page, a run's
// output), their titles, addresses and output, one a line.
func serverToolText(v any) string {
	if text, _ := jsonText(v); text != "" {
		return text
	}
	items, ok := v.([]any)
	if !ok {
		if m, isObj := v.(map[string]any); isObj {
			items = []any{m}
		}
	}
	var lines []string
	for _, it := range items {
		m, _ := it.(map[string]any)
		var parts []string
		for _, k := range []string{"title", "url", "stdout", "stderr"} {
			if s := strings.TrimSpace(str(m[k])); s != "" {
				parts = append(parts, s)
			}
		}
		if len(parts) > 0 {
			lines = append(lines, strings.Join(parts, " "))
		}
	}
	return strings.Join(lines, "\n")
}
