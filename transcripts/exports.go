package transcripts

// Exports of chat products and requests of model APIs that keep a
// conversation in a shape of their own: a tree of messages (ChatGPT's
// conversations.json, LibreChat's recursive export), Gemini's contents
// and parts, Google AI Studio's chunks, Anthropic's top-level system
// prompt, the Responses API's input and output. fromExport turns each
// into the OpenAI messages layout the importer reads, before the layout
// is told.

import (
	"slices"
	"strings"
)

// fromExport is obj in the OpenAI messages layout, {"title": …,
// "messages": [{"role": …, "content": …, "model": …}, …]}, when obj is a
// conversation in one of the shapes above, and true; obj itself and false
// otherwise.
func fromExport(obj map[string]any) (map[string]any, bool) {
	var msgs []any
	switch {
	case obj["mapping"] != nil:
		msgs = chatGPTBranch(obj)
	case obj["contents"] != nil:
		msgs = geminiContents(obj["contents"])
	case obj["chunkedPrompt"] != nil:
		cp, _ := obj["chunkedPrompt"].(map[string]any)
		msgs = geminiContents(cp["chunks"])
	case obj["output"] != nil && obj["input"] != nil:
		msgs = responsesItems(obj)
	default:
		if list, ok := obj["messages"].([]any); ok {
			if flat, ok := childrenChain(list); ok {
				return withMessages(obj, flat, nil), true
			}
			if system := systemText(obj["system"]); system != "" && !slices.ContainsFunc(list, isSystemMessage) {
				// Anthropic's Messages API keeps the system prompt beside
				// the messages.
				return withMessages(obj, list, []any{map[string]any{"role": "system", "content": system}}), true
			}
		}
		return obj, false
	}
	if msgs == nil {
		return obj, false
	}
	var system []any
	for _, k := range []string{"systemInstruction", "system_instruction", "instructions", "system"} {
		if s := systemText(obj[k]); s != "" {
			system = []any{map[string]any{"role": "system", "content": s}}
			break
		}
	}
	return withMessages(obj, msgs, system), true
}

// withMessages is a conversation holding obj's title, the times it says
// it started and ended, and the messages system and msgs, in that order.
func withMessages(obj map[string]any, msgs, system []any) map[string]any {
	out := map[string]any{"messages": append(system, msgs...)}
	if t := conversationTitle(obj); t != "" {
		out["title"] = t
	}
	for _, k := range slices.Concat(startKeys, endKeys) {
		if v, ok := obj[k]; ok {
			out[k] = v
		}
	}
	return out
}

// isSystemMessage reports whether v is a message in the system role.
func isSystemMessage(v any) bool {
	m, _ := v.(map[string]any)
	return m != nil && noteKind(str(m["role"])) == "system"
}

// systemText is the text of a system prompt as APIs write it: a string, a
// list of text blocks, or an object holding parts or a text.
func systemText(v any) string {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x)
	case []any:
		s, _ := jsonText(x)
		return strings.TrimSpace(s)
	case map[string]any:
		if parts, ok := x["parts"]; ok {
			return systemText(parts)
		}
		return strings.TrimSpace(str(x["text"]))
	}
	return ""
}

// chatGPTBranch is the branch of a ChatGPT export's tree of messages
// that the conversation shows: from its current node back to the root
// (or, without one, from the root down its latest replies), in order.
// Messages with no text and those hidden from the conversation (the
// empty system message every conversation opens with, tool calls) are
// left out; a message's model is its metadata's model_slug.
func chatGPTBranch(obj map[string]any) []any {
	mapping, ok := obj["mapping"].(map[string]any)
	if !ok {
		return nil
	}
	node := func(id string) map[string]any {
		n, _ := mapping[id].(map[string]any)
		return n
	}
	var ids []string
	if cur := str(obj["current_node"]); node(cur) != nil {
		for id, seen := cur, map[string]bool{}; id != "" && node(id) != nil && !seen[id]; id = str(node(id)["parent"]) {
			seen[id] = true
			ids = append(ids, id)
		}
		slices.Reverse(ids)
	} else {
		root := ""
		for id, v := range mapping {
			if n, ok := v.(map[string]any); ok && str(n["parent"]) == "" && (root == "" || id < root) {
				root = id
			}
		}
		for id, seen := root, map[string]bool{}; id != "" && node(id) != nil && !seen[id]; {
			seen[id] = true
			ids = append(ids, id)
			kids, _ := node(id)["children"].([]any)
			id = ""
			if len(kids) > 0 {
				id = str(kids[len(kids)-1])
			}
		}
	}
	msgs := []any{}
	for _, id := range ids {
		m, _ := node(id)["message"].(map[string]any)
		if m == nil {
			continue
		}
		author, _ := m["author"].(map[string]any)
		meta, _ := m["metadata"].(map[string]any)
		role := str(author["role"])
		if meta["is_visually_hidden_from_conversation"] == true {
			continue
		}
		content, _ := m["content"].(map[string]any)
		text := ""
		if parts, ok := content["parts"].([]any); ok {
			text, _ = jsonText(parts)
		} else {
			text = str(content["text"])
		}
		if strings.TrimSpace(text) == "" {
			continue
		}
		if to := str(m["recipient"]); role == "assistant" && to != "" && to != "all" {
			// Code the assistant hands to a tool (python, a browser): a
			// call, kept as a note, as OpenAI's tool_calls are.
			text, role = to+"("+text+")", "tool_call"
		}
		out := map[string]any{"role": role, "content": text}
		if at, ok := m["create_time"]; ok {
			out["create_time"] = at
		}
		if name := str(author["name"]); name != "" {
			out["name"] = name
		}
		if slug := str(meta["model_slug"]); slug != "" {
			out["model"] = slug
		}
		msgs = append(msgs, out)
	}
	return msgs
}

// geminiContents reads Gemini's contents ([{"role": "user"|"model",
// "parts": [{"text": …}]}]) and Google AI Studio's chunks ([{"role": …,
// "text": …}]), leaving out the model's thoughts and parts with no text.
func geminiContents(v any) []any {
	list, ok := v.([]any)
	if !ok {
		return nil
	}
	msgs := []any{}
	for _, it := range list {
		c, ok := it.(map[string]any)
		if !ok {
			return nil
		}
		if _, ok := c["role"].(string); !ok || c["parts"] == nil && c["text"] == nil {
			return nil // not Gemini's: a list under "contents" of another shape
		}
		if c["isThought"] == true || c["thought"] == true {
			continue
		}
		text := str(c["text"])
		if parts, ok := c["parts"].([]any); ok {
			var said []any
			for _, p := range parts {
				if pm, ok := p.(map[string]any); !ok || pm["thought"] != true {
					said = append(said, p)
				}
			}
			text, _ = jsonText(said)
		}
		if strings.TrimSpace(text) == "" {
			continue
		}
		msgs = append(msgs, map[string]any{"role": str(c["role"]), "content": text})
	}
	if len(msgs) == 0 {
		return nil
	}
	return msgs
}

// responsesItems reads a Responses API exchange: its input (a text, or
// items) and the messages of its output.
func responsesItems(obj map[string]any) []any {
	out, _ := obj["output"].([]any)
	if !slices.ContainsFunc(out, func(it any) bool {
		m, _ := it.(map[string]any)
		return m != nil && str(m["type"]) == "message"
	}) {
		return nil // an instruction dataset's input and output texts, say
	}
	var msgs []any
	switch in := obj["input"].(type) {
	case string:
		msgs = append(msgs, map[string]any{"role": "user", "content": in})
	case []any:
		for _, it := range in {
			if m, ok := it.(map[string]any); ok && m["role"] != nil {
				msgs = append(msgs, m)
			}
		}
	}
	for _, it := range out {
		if m, ok := it.(map[string]any); ok && str(m["type"]) == "message" {
			msgs = append(msgs, m)
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	return msgs
}

// childrenChain flattens a list of one message whose replies nest under
// "children" (LibreChat's recursive export), following each message's
// latest reply, and reports whether it was such a list.
func childrenChain(list []any) ([]any, bool) {
	if len(list) != 1 {
		return nil, false
	}
	var out []any
	for v := list[0]; v != nil; {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		kids, _ := m["children"].([]any)
		if len(out) == 0 && len(kids) == 0 {
			return nil, false
		}
		out = append(out, m)
		v = nil
		if len(kids) > 0 {
			v = kids[len(kids)-1]
		}
	}
	return out, true
}
