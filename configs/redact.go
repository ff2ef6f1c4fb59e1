package configs

import (
	"bytes"
	"crypto/sha256"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/parleyhq/parley/agents"
)

// RedactSource is a scenario's YAML as parley records it: with the user
// and password of every URL, its secret query parameters and the value of
// every header replaced by agents.Redacted, wherever they appear
// (base_url, base_urls, a judge's base_url, limits keyed by URL, headers),
// and so a key pasted as api_key, api_key_env or api_key_file. Source with nothing to hide
// comes back byte for byte; redacted reports whether anything was hidden,
// in which case running the scenario again needs the file itself.
func RedactSource(src string) (out string, redacted bool) {
	// A batch records the same source for each of its conversations:
	// the last answer is kept, rather than parsing the YAML each time. It
	// is known by the source's hash: the source itself, secrets and all,
	// is not kept.
	sum := sha256.Sum256([]byte(src))
	redactMemo.Lock()
	if redactMemo.ok && redactMemo.sum == sum {
		out, redacted = redactMemo.out, redactMemo.redacted
		redactMemo.Unlock()
		if !redacted {
			return src, false
		}
		return out, true
	}
	redactMemo.Unlock()
	out, redacted = redactSource(src)
	redactMemo.Lock()
	redactMemo.sum, redactMemo.redacted, redactMemo.ok = sum, redacted, true
	redactMemo.out = ""
	if redacted {
		redactMemo.out = out
	}
	redactMemo.Unlock()
	return out, redacted
}

// redactMemo is RedactSource's last answer: the redacted source, when
// anything was hidden.
var redactMemo struct {
	sync.Mutex
	ok       bool
	sum      [sha256.Size]byte
	out      string
	redacted bool
}

func redactSource(src string) (out string, redacted bool) {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		return src, false
	}
	if !redactNode(&doc, false) {
		return src, false
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return src, false
	}
	return b.String(), true
}

// redactNode redacts n in place; header marks the values of a headers:
// mapping.
func redactNode(n *yaml.Node, header bool) bool {
	changed := false
	switch n.Kind {
	case yaml.ScalarNode:
		if header && n.Value != "" {
			n.Value, n.Style = agents.Redacted, 0
			return true
		}
		if r := agents.RedactURL(n.Value); r != n.Value {
			n.Value = r
			return true
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if redactNode(k, false) {
				changed = true
			}
			if isKeyField(k.Value, v) {
				v.Value, v.Style = agents.Redacted, 0
				changed = true
				continue
			}
			if redactNode(v, header || (k.Value == "headers" && v.Kind == yaml.MappingNode)) {
				changed = true
			}
		}
	default:
		for _, c := range n.Content {
			if redactNode(c, header) {
				changed = true
			}
		}
	}
	return changed
}

// isKeyField reports whether v, the value of field, is a key pasted into
// a scenario: an api_key (which validation refuses), or a key written in
// place of api_key_env's variable or api_key_file's path.
func isKeyField(field string, v *yaml.Node) bool {
	if v.Kind != yaml.ScalarNode || v.Value == "" || v.Value == agents.Redacted {
		return false
	}
	switch field {
	case "api_key":
		return true
	case "api_key_env", "api_key_file":
		return LooksLikeKey(v.Value)
	}
	return false
}
