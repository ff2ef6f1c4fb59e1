package agents

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	openai "github.com/sashabaranov/go-openai"
)

// explain wraps a request or stream error in an *Error whose sentence says
// what to fix. It never includes the API key.
func (a *OpenAI) explain(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	e := &Error{Agent: a.cfg.Name, Err: redactErr(err, a.cfg.APIKey)}
	status, msg := 0, ""
	var apiErr *openai.APIError
	var reqErr *openai.RequestError
	switch {
	case errors.As(err, &apiErr):
		status, msg = apiErr.HTTPStatusCode, apiErr.Message
	case errors.As(err, &reqErr):
		status = reqErr.HTTPStatusCode
	}
	e.Status = status
	url := a.cfg.BaseURL
	key := "its API key"
	if a.cfg.KeyEnv != "" {
		key = "the key in " + a.cfg.KeyEnv
	}
	switch {
	case status == http.StatusUnauthorized:
		e.Sentence = fmt.Sprintf("%s: %s refused %s (401 Unauthorized); check that it is set to a valid key", a.cfg.Name, url, key)
	case status == http.StatusForbidden:
		e.Sentence = fmt.Sprintf("%s: %s refused access to model %q (403 Forbidden); check that %s may use it", a.cfg.Name, url, a.cfg.Model, key)
	case status == http.StatusNotFound:
		e.Sentence = fmt.Sprintf("%s: model %q not found at %s (404); check model: and base_url: for this agent", a.cfg.Name, a.cfg.Model, url)
	case status == http.StatusTooManyRequests:
		e.Sentence = fmt.Sprintf("%s: %s is rate limiting requests (429 Too Many Requests)", a.cfg.Name, url)
	case IsContextLength(err):
		e.Sentence = fmt.Sprintf("%s: the conversation is longer than model %q's context; lower history.max_messages", a.cfg.Name, a.cfg.Model)
	case status >= 500:
		e.Sentence = fmt.Sprintf("%s: %s failed with %d %s", a.cfg.Name, url, status, http.StatusText(status))
	case status >= 400:
		detail := strings.TrimSpace(msg)
		if detail == "" {
			detail = http.StatusText(status)
		}
		e.Sentence = fmt.Sprintf("%s: %s rejected the request (%d): %s", a.cfg.Name, url, status, redact(detail, a.cfg.APIKey))
	case isUnreachable(err):
		e.Sentence = fmt.Sprintf("%s: cannot reach %s; check base_url: and that the server is running", a.cfg.Name, url)
	default:
		e.Sentence = fmt.Sprintf("%s: the reply from %s failed", a.cfg.Name, url)
	}
	return e
}

// IsContextLength reports whether err says the prompt was longer than the
// model's context.
func IsContextLength(err error) bool {
	var apiErr *openai.APIError
	if errors.As(err, &apiErr) {
		if code, ok := apiErr.Code.(string); ok && code == "context_length_exceeded" {
			return true
		}
		m := strings.ToLower(apiErr.Message)
		return strings.Contains(m, "context length") || strings.Contains(m, "context window") ||
			strings.Contains(m, "maximum context") || strings.Contains(m, "too many tokens")
	}
	return false
}

func isUnreachable(err error) bool {
	var opErr *net.OpError
	var dnsErr *net.DNSError
	return errors.As(err, &opErr) || errors.As(err, &dnsErr)
}

// redact removes key from s.
func redact(s, key string) string {
	if len(key) < 4 {
		return s
	}
	return strings.ReplaceAll(s, key, "[redacted]")
}

type redactedError struct {
	msg   string
	cause error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.cause }

// redactErr keeps err's chain for errors.As but scrubs key from its text.
func redactErr(err error, key string) error {
	if err == nil || len(key) < 4 || !strings.Contains(err.Error(), key) {
		return err
	}
	return &redactedError{msg: redact(err.Error(), key), cause: err}
}
