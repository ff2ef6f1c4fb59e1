package analysis

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"
)

// decodedKeys is keysOf as encoding/json's decoder reads the same object,
// one token at a time: the reading the walk is held to.
func decodedKeys(raw []byte) []string {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	var keys []string
	for dec.More() {
		t, err := dec.Token()
		k, isKey := t.(string)
		if err != nil || !isKey {
			return keys
		}
		keys = append(keys, k)
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return keys
		}
	}
	return keys
}

// decodedItems is each item of a list, or each field's value of an
// object, in order, as encoding/json's decoder reads them, compacted.
func decodedItems(raw []byte) []string {
	dec := json.NewDecoder(bytes.NewReader(raw))
	t, err := dec.Token()
	if err != nil || (t != json.Delim('{') && t != json.Delim('[')) {
		return nil
	}
	var out []string
	for dec.More() {
		if t == json.Delim('{') {
			if _, err := dec.Token(); err != nil {
				return out
			}
		}
		var item json.RawMessage
		if dec.Decode(&item) != nil {
			return out
		}
		var b bytes.Buffer
		if json.Compact(&b, item) != nil {
			return out
		}
		out = append(out, b.String())
	}
	return out
}

func FuzzJSONWalk(f *testing.F) {
	for _, s := range []string{
		`{}`, `[]`, ` { "a" : 1 , "b":[1,2,{"c":"}"}], "a":null } `,
		`{"file": "x\"y.md", "stop_after": 3, "loops": [[1, 2], [3]], "note": "a ] } , \\"}`,
		`{"k\u00e9y": true, "\ud83d\ude00": false, "e\\": -1.5e3}`,
		"[\n\t\"a\",\r\n{\"b\": [[], {}]}, 12, true, false, null]",
		`{"transcripts": [{"file": "a.md"}, {"file": "b.md", "stop_by": null}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if !json.Valid(raw) {
			return // the walk takes JSON encoding/json has read
		}
		if got, want := keysOf(raw), decodedKeys(raw); !slices.Equal(got, want) {
			t.Fatalf("keysOf(%q) = %q; encoding/json reads the keys %q", raw, got, want)
		}
		i := jsonSpace(raw, 0)
		if end := jsonEnd(raw, i); jsonSpace(raw, end) != len(raw) {
			t.Fatalf("jsonEnd(%q) = %d; the value ends at the last byte that is not space", raw, end)
		}
		var got []string
		ok := jsonItems(raw, i, func(_ string, start, end int) bool {
			var b bytes.Buffer
			if err := json.Compact(&b, raw[start:end]); err != nil {
				t.Fatalf("item %q of %q is not a JSON value: %v", raw[start:end], raw, err)
			}
			got = append(got, b.String())
			return true
		})
		if want := decodedItems(raw); ok != (raw[i] == '{' || raw[i] == '[') || !slices.Equal(got, want) {
			t.Fatalf("jsonItems(%q) = %q, %v; encoding/json reads the items %q", raw, got, ok, want)
		}
	})
}
