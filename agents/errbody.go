package agents

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	openai "github.com/sashabaranov/go-openai"
)

// serverSaid is what the server said went wrong, and its error code, from
// an error go-openai returned for a request the server refused. go-openai
// reads OpenAI's own shape, {"error": {"message", "code"}}; servers that
// speak other shapes leave only the body (ErrorBody), which is read here.
func serverSaid(err error) (msg, code string) {
	// A body go-openai could not read as OpenAI's shape comes as a
	// RequestError, which may wrap the APIError it began to read (an
	// Ollama {"error": "text"} leaves one with no message): the body says
	// more.
	if reqErr, ok := errors.AsType[*openai.RequestError](err); ok {
		if msg, code = ErrorBody(reqErr.Body); msg != "" {
			return msg, code
		}
	}
	if apiErr, ok := errors.AsType[*openai.APIError](err); ok {
		if c, ok := apiErr.Code.(string); ok {
			code = c
		}
		return strings.TrimSpace(apiErr.Message), code
	}
	return msg, code
}

// ErrorBody reads the message and code of an error body in any of the
// shapes OpenAI-compatible servers send: OpenAI's {"error": {"message":
// …}}, vLLM's and Mistral's {"object": "error", "message": …}, a
// validation error's {"message": {"detail": [{"loc": […], "msg": …}]}} or
// {"detail": …}, Ollama's {"error": "…"}, and any of them inside a list,
// as Gemini's OpenAI-compatible endpoint sends it. Both are "" when the
// body holds none of them.
func ErrorBody(body []byte) (msg, code string) {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return plainText(body), ""
	}
	return errorIn(v, 0)
}

// plainText is a body that is neither JSON nor a page (a proxy's or a
// server's "Request Entity Too Large: prompt is too long"), as a
// message: short text, on one line. A page, or anything long or not
// text, is "".
func plainText(body []byte) string {
	s := strings.TrimSpace(string(body))
	if s == "" || len(s) > 500 || strings.HasPrefix(s, "<") || !utf8.ValidString(s) {
		return ""
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' {
			return ""
		}
	}
	return strings.Join(strings.Fields(s), " ")
}

func errorIn(v any, depth int) (msg, code string) {
	if depth > 4 {
		return "", ""
	}
	switch v := v.(type) {
	case []any:
		if len(v) > 0 {
			return errorIn(v[0], depth+1)
		}
	case map[string]any:
		switch c := v["code"].(type) {
		case string:
			code = c
		case float64:
			code = fmt.Sprint(c)
		}
		if e, ok := v["error"]; ok {
			if s, ok := e.(string); ok {
				return strings.TrimSpace(s), code
			}
			if m, c := errorIn(e, depth+1); m != "" {
				return m, cmp.Or(c, code)
			}
		}
		for _, field := range []string{"message", "detail", "msg", "error_message"} {
			if m := detailText(v[field]); m != "" {
				return m, code
			}
		}
	}
	return "", code
}

// detailText is a message field as a sentence: text as it is, or a
// validation error's details, each as "body.seed: Extra inputs are not
// permitted", joined.
func detailText(v any) string {
	switch v := v.(type) {
	case string:
		v = strings.TrimSpace(v)
		// Mistral has sent its validation errors as JSON inside the
		// message's text.
		if strings.HasPrefix(v, "{") {
			var inner any
			if json.Unmarshal([]byte(v), &inner) == nil {
				if m := detailText(inner); m != "" {
					return m
				}
			}
		}
		return v
	case map[string]any:
		if d, ok := v["detail"]; ok {
			return detailText(d)
		}
		return detailText(v["message"])
	case []any:
		var parts []string
		for _, item := range v {
			d, ok := item.(map[string]any)
			if !ok {
				if s := detailText(item); s != "" {
					parts = append(parts, s)
				}
				continue
			}
			m := detailText(d["msg"])
			if m == "" {
				m = detailText(d["message"])
			}
			if loc, ok := d["loc"].([]any); ok && len(loc) > 0 {
				var at []string
				for _, l := range loc {
					at = append(at, fmt.Sprint(l))
				}
				m = strings.Join(at, ".") + ": " + m
			}
			if m != "" {
				parts = append(parts, m)
			}
		}
		return strings.Join(parts, "; ")
	}
	return ""
}
