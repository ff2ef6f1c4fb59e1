package analysis

import "encoding/json"

// A table of labels is read once by encoding/json, which checks that it is
// JSON; the walk below then finds its rows, their keys and the lines they
// start on by slicing the same bytes, without decoding them again. It
// takes JSON that encoding/json has read without error: on anything else
// it stops where it can go no further.

// jsonSpace skips JSON's white space from i.
func jsonSpace(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\r', '\n':
			i++
		default:
			return i
		}
	}
	return i
}

// jsonEnd is where the JSON value starting at i ends.
func jsonEnd(data []byte, i int) int {
	if i >= len(data) {
		return i
	}
	switch data[i] {
	case '"':
		for i++; i < len(data); i++ {
			switch data[i] {
			case '\\':
				i++
			case '"':
				return i + 1
			}
		}
		return i
	case '{', '[':
		depth := 0
		for ; i < len(data); i++ {
			switch data[i] {
			case '"':
				i = jsonEnd(data, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
		return i
	}
	for i < len(data) {
		switch data[i] {
		case ',', '}', ']', ' ', '\t', '\r', '\n':
			return i
		}
		i++
	}
	return i
}

// jsonItems calls fn with the start and end of each item of the list or
// the value of each field of the object that starts at i, and for an
// object with its key; it stops when fn returns false. It reports false
// when data at i is neither.
func jsonItems(data []byte, i int, fn func(key string, start, end int) bool) bool {
	if i >= len(data) || (data[i] != '{' && data[i] != '[') {
		return false
	}
	object := data[i] == '{'
	for i = jsonSpace(data, i+1); i < len(data) && data[i] != '}' && data[i] != ']'; {
		var key string
		if object {
			end := jsonEnd(data, i)
			key = jsonKey(data[i:end])
			i = jsonSpace(data, end)
			if i < len(data) && data[i] == ':' {
				i = jsonSpace(data, i+1)
			}
		}
		end := jsonEnd(data, i)
		if end == i || !fn(key, i, end) {
			return true
		}
		if i = jsonSpace(data, end); i < len(data) && data[i] == ',' {
			i = jsonSpace(data, i+1)
		}
	}
	return true
}

// jsonKey is the text of the JSON string raw, quotes and escapes read.
func jsonKey(raw []byte) string {
	if len(raw) >= 2 {
		plain := true
		for _, c := range raw[1 : len(raw)-1] {
			if c == '\\' || c < 0x20 || c >= 0x80 {
				plain = false
				break
			}
		}
		if plain {
			return string(raw[1 : len(raw)-1])
		}
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}
