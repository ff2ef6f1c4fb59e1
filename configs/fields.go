package configs

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/parleyhq/parley/internal/phrase"
)

// walkTyped walks a scenario's document beside the Scenario type, as the
// decoder reads it: into each mapping the type reads as a struct or a
// map, and each list it reads as a slice, following aliases and merge
// keys (<<: *defaults). leaf is called with each other value, the Go
// type it is read into and its path (such as "agents[1].temperature",
// an agent named by its name: `agent "B":.temperature`); it returns true
// to stop the walk. unknown, when not nil, is called with each key that
// the struct it is in has no field for. The termination block is its
// own parser's to read, and is not walked.
func walkTyped(doc *yaml.Node, leaf func(n *yaml.Node, t reflect.Type, path string) bool, unknown func(k *yaml.Node, t reflect.Type)) {
	stopped := false
	var walk func(n *yaml.Node, t reflect.Type, path string)
	walk = func(n *yaml.Node, t reflect.Type, path string) {
		if stopped || n == nil {
			return
		}
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t == reflect.TypeOf(yaml.Node{}) {
			return
		}
		switch {
		case n.Kind == yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, t, path)
			}
		case n.Kind == yaml.AliasNode:
			walk(n.Alias, t, path)
		case n.Kind == yaml.MappingNode && (t.Kind() == reflect.Struct || t.Kind() == reflect.Map):
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				if k.ShortTag() == "!!merge" {
					// A mapping, or a list of them, merged in.
					if v.Kind == yaml.SequenceNode {
						for _, m := range v.Content {
							walk(m, t, path)
						}
					} else {
						walk(v, t, path)
					}
					continue
				}
				ft := t
				if t.Kind() == reflect.Map {
					ft = t.Elem()
				} else if f, ok := yamlField(t, k.Value); ok {
					ft = f.Type
				} else {
					if unknown != nil {
						unknown(k, t)
					}
					continue
				}
				p := k.Value
				if path != "" {
					p = path + "." + k.Value
				}
				walk(v, ft, p)
			}
		case n.Kind == yaml.SequenceNode && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array):
			for i, c := range n.Content {
				walk(c, t.Elem(), itemPath(path, i, c))
			}
		default:
			stopped = leaf(n, t, path)
		}
	}
	walk(doc, reflect.TypeOf(Scenario{}), "")
}

// itemPath is the path of item i of the list at path: "stop[2]", or for
// an agent with a name, `agent "B":` (`roster.agent "B":` in a roster).
func itemPath(path string, i int, item *yaml.Node) string {
	if (path == "agents" || path == "roster.agents") && item.Kind == yaml.MappingNode {
		for j := 0; j+1 < len(item.Content); j += 2 {
			if item.Content[j].Value == "name" && item.Content[j+1].Kind == yaml.ScalarNode && item.Content[j+1].Value != "" {
				return fmt.Sprintf("%sagent %q:", strings.TrimSuffix(path, "agents"), item.Content[j+1].Value)
			}
		}
	}
	return fmt.Sprintf("%s[%d]", path, i)
}

// fieldName is a path as a sentence names it: `agent "B": temperature`.
func fieldName(path string) string { return strings.Replace(path, ":.", ": ", 1) }

// yamlField is the field of struct type t that the YAML key name fills.
func yamlField(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ","); tag == name && f.IsExported() {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// dropDuplicateKeys says each key given more than once in a mapping of
// the document under n, at path ("" for the top), and removes all but its
// first, so that the rest reads as if it were written once.
func dropDuplicateKeys(n *yaml.Node, path string) Problems {
	var probs Problems
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			probs = append(probs, dropDuplicateKeys(c, path)...)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			probs = append(probs, dropDuplicateKeys(c, itemPath(path, i, c))...)
		}
	case yaml.MappingNode:
		var keep []*yaml.Node
		lines := map[string][]int{} // each key's lines
		var order []string
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.ShortTag() != "!!merge" { // <<: may be given more than once
				lines[k.Value] = append(lines[k.Value], k.Line)
				if len(lines[k.Value]) > 1 {
					continue
				}
				order = append(order, k.Value)
			}
			keep = append(keep, k, v)
		}
		for _, key := range order {
			if l := lines[key]; len(l) > 1 {
				probs = append(probs, &Error{Line: l[1], Msg: fmt.Sprintf("%s: is given %s, on %s; keep one", fieldName(joinPath(path, key)), times(len(l)), lineList(l))})
			}
		}
		n.Content = keep
		for i := 0; i+1 < len(n.Content); i += 2 {
			probs = append(probs, dropDuplicateKeys(n.Content[i+1], joinPath(path, n.Content[i].Value))...)
		}
	}
	return probs
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func times(n int) string {
	if n == 2 {
		return "twice"
	}
	return fmt.Sprintf("%d times", n)
}

// lineList is "lines 4 and 5", "lines 4, 5 and 9", or "line 6" for keys
// all on one line ({count: 3, count: 5}).
func lineList(lines []int) string {
	var s []string
	for _, l := range slices.Compact(slices.Clone(lines)) {
		s = append(s, fmt.Sprint(l))
	}
	if len(s) == 1 {
		return "line " + s[0]
	}
	return "lines " + phrase.And(s)
}
