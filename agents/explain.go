package agents

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"

	openai "github.com/sashabaranov/go-openai"
)

// explain wraps the error that ended a reply, after attempts attempts, in
// an *Error whose sentence says what went wrong and what to fix, naming the
// agent and the URL. Neither the sentence nor the wrapped error contains
// the API key. Context errors are returned as they are.
func (a *OpenAI) explain(err error, attempts int) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	e := &Error{Agent: a.cfg.Name, Err: a.scrub(err), Status: statusOf(err)}
	name, url, status := a.cfg.Name, a.url, e.Status
	said, _ := serverSaid(err)
	msg := a.redact(said)
	var apiErr *openai.APIError
	errors.As(err, &apiErr)
	key := "its API key"
	switch {
	case SetsAuthorization(a.cfg.Headers):
		// The header is sent in the key's place (see doer).
		key = "the Authorization header in headers:"
	case a.cfg.KeyEnv != "":
		key = "the key in " + a.cfg.KeyEnv
	case a.cfg.APIKey == "":
		key = "the request, which carried no API key"
	}
	var bad *unsendable
	var notJSON *notStream
	var badEv *badEvent
	switch {
	case errors.As(err, &bad):
		e.Err = nil // the sentence says it all
		e.Sentence = fmt.Sprintf("%s: %s", name, bad.msg)
	case IsContextLength(err):
		e.Err = fmt.Errorf("%w: %w", ErrContextLength, e.Err)
		e.Sentence = fmt.Sprintf("%s: the conversation is longer than model %q's context at %s; lower history.max_messages", name, a.cfg.Model, url)
	case errors.Is(err, errHTML):
		e.Sentence = fmt.Sprintf("%s: the server at %s answered with HTML, not an OpenAI-compatible stream; check %s", name, url, a.addressField())
	case errors.As(err, &notJSON):
		e.Sentence = fmt.Sprintf("%s: the server at %s did not answer with an OpenAI-compatible event stream (its first event was %q); check %s", name, url, a.quote(notJSON.head), a.addressField())
	case errors.Is(err, errNotStream):
		e.Sentence = fmt.Sprintf("%s: the server at %s did not answer with an OpenAI-compatible event stream; check %s", name, url, a.addressField())
	case errors.As(err, &badEv):
		e.Sentence = fmt.Sprintf("%s: %s sent a stream event parley could not read (%q), so the reply was not taken", name, url, a.quote(badEv.head))
	case errors.Is(err, errEventTooLarge):
		e.Sentence = fmt.Sprintf("%s: %s sent a single stream event larger than %d MB; the reply was abandoned", name, url, maxEventBytes>>20)
	case errors.Is(err, errIdle):
		e.Sentence = fmt.Sprintf("%s: %s sent nothing for %s; raise idle_timeout: for this agent if the model needs longer", name, url, a.idleTimeout())
	case errors.Is(err, errRequestTimeout):
		e.Sentence = fmt.Sprintf("%s: %s did not finish a reply within %s; raise timeout: for this agent", name, url, a.timeout())
	case errors.Is(err, errStreamCut):
		e.Sentence = fmt.Sprintf("%s: the reply from %s was cut off before it finished", name, url)
	case status == http.StatusUnauthorized && a.cfg.APIKey == "" && !SetsAuthorization(a.cfg.Headers):
		e.Sentence = fmt.Sprintf("%s: %s refused %s (401 Unauthorized); name the variable holding a key with api_key_env: (or a file with api_key_file:) for this agent", name, url, key)
	case status == http.StatusUnauthorized:
		e.Sentence = fmt.Sprintf("%s: %s refused %s (401 Unauthorized); check that it is set to a valid key", name, url, key)
	case status == http.StatusForbidden:
		e.Sentence = fmt.Sprintf("%s: %s refused access to model %q (403 Forbidden); check that %s may use it", name, url, a.cfg.Model, key)
	case status == http.StatusNotFound && (a.cfg.BaseURLEnv != "" || a.cfg.Preset != ""):
		e.Sentence = fmt.Sprintf("%s: model %q not found at %s (404); check model: for this agent, and %s", name, a.cfg.Model, url, a.addressField())
	case status == http.StatusNotFound:
		e.Sentence = fmt.Sprintf("%s: model %q not found at %s (404); check model: and base_url: for this agent", name, a.cfg.Model, url)
	case status == http.StatusTooManyRequests:
		e.Sentence = fmt.Sprintf("%s: %s is rate limiting requests (429 Too Many Requests)", name, url)
	case status >= 500 && msg != "":
		e.Sentence = fmt.Sprintf("%s: %s failed with %s: %s", name, url, statusPhrase(status), clip(msg, 300))
	case status >= 500:
		e.Sentence = fmt.Sprintf("%s: %s failed with %s", name, url, statusPhrase(status))
	case status >= 400:
		detail := msg
		if detail == "" {
			detail = http.StatusText(status)
		}
		e.Sentence = fmt.Sprintf("%s: %s rejected the request (%d): %s", name, url, status, clip(detail, 300))
	case apiErr != nil:
		e.Sentence = fmt.Sprintf("%s: %s reported an error mid-stream: %s", name, url, clip(msg, 300))
	case isDNS(err):
		e.Sentence = fmt.Sprintf("%s: cannot reach %s: its host name does not resolve; check %s", name, url, a.addressField())
	case isUnreachable(err) && a.cfg.Preset != "" && a.cfg.BaseURLEnv == "":
		// The preset's own address: there is no base_url: to check.
		move := "base_url:"
		if p, ok := LookupProvider(a.cfg.Preset); ok && p.BaseURLEnv() != "" {
			move += " (or " + p.BaseURLEnv() + ")"
		}
		e.Sentence = fmt.Sprintf("%s: cannot reach %s, the address of provider: %s; check that the server is running there, or give %s where it runs", name, url, a.cfg.Preset, move)
	case isUnreachable(err):
		fix := "base_url:"
		if a.cfg.BaseURLEnv != "" {
			fix = a.addressField() + ","
		}
		e.Sentence = fmt.Sprintf("%s: cannot reach %s; check %s and that the server is running", name, url, fix)
	case isNetwork(err):
		e.Sentence = fmt.Sprintf("%s: the connection to %s failed: %s", name, url, a.cause(err))
	default:
		e.Sentence = fmt.Sprintf("%s: the reply from %s failed: %s", name, url, a.cause(err))
	}
	if attempts > 1 {
		e.Sentence += fmt.Sprintf(" (gave up after %d attempts)", attempts)
	}
	return e
}

// addressField names where this agent's address is set, for a sentence
// that asks to check it: base_url:, or the environment variable it came
// from.
func (a *OpenAI) addressField() string {
	if a.cfg.BaseURLEnv != "" {
		return a.cfg.BaseURLEnv + ", which sets this agent's address"
	}
	if a.cfg.Preset != "" {
		return "provider: " + a.cfg.Preset + ", whose address this is (base_url: gives another)"
	}
	return "base_url: for this agent"
}

// cause is the text of the error underneath a failure, for a sentence:
// without the request's URL (the sentence names it), the secrets of any
// other URL it quotes (a redirect's), or a secret.
func (a *OpenAI) cause(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		err = ue.Err
	}
	return clip(RedactURLsIn(a.redact(err.Error())), 300)
}

// quote is the start of what the server sent, made fit to quote: at most
// 60 bytes, without a secret or the secrets of a URL in it.
func (a *OpenAI) quote(s string) string { return clip(RedactURLsIn(a.redact(s)), 60) }

// statusOf is the HTTP status an error carries, or 0.
func statusOf(err error) int {
	// A RequestError first: it may wrap an APIError go-openai began to
	// read from the body, which carries no status.
	var apiErr *openai.APIError
	var reqErr *openai.RequestError
	switch {
	case errors.As(err, &reqErr):
		return reqErr.HTTPStatusCode
	case errors.As(err, &apiErr):
		return apiErr.HTTPStatusCode
	}
	return 0
}

// IsContextLength reports whether err says the prompt was longer than the
// model's context.
func IsContextLength(err error) bool {
	if errors.Is(err, ErrContextLength) {
		return true
	}
	if statusOf(err) == http.StatusTooManyRequests {
		return false // "too many tokens" a minute: a rate limit, waited out
	}
	msg, code := serverSaid(err)
	if code == "context_length_exceeded" || code == "string_above_max_length" {
		return true
	}
	m := strings.ToLower(msg)
	for _, says := range contextLengthSays {
		if strings.Contains(m, says) {
			return true
		}
	}
	return false
}

// contextLengthSays are what servers' refusals of a prompt longer than
// the model's context say, lowercased: OpenAI's and vLLM's ("maximum
// context length"), Ollama's and llama.cpp's ("context window", "prompt is
// too long"), Gemini's ("the input token count … exceeds the maximum
// number of tokens allowed") and Anthropic's ("prompt is too long").
var contextLengthSays = []string{
	"context length", "context window", "maximum context", "too many tokens", "prompt is too long",
	"input token count", "exceeds the maximum number of tokens", "exceeds the context",
}

// isNetwork reports whether err is a failure of the connection: refused,
// reset, or closed before the server answered.
func isNetwork(err error) bool {
	var opErr *net.OpError
	return errors.As(err, &opErr) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// isRefused reports whether nothing listens at the address dialled.
func isRefused(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }

// isUnreachable reports whether err is a failure to connect at all.
func isUnreachable(err error) bool {
	var opErr *net.OpError
	return isDNS(err) || errors.As(err, &opErr) && opErr.Op == "dial"
}

func isDNS(err error) bool {
	var dnsErr *net.DNSError
	return errors.As(err, &dnsErr) && dnsErr.IsNotFound
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && s[i]&0xC0 == 0x80 {
		i--
	}
	return s[:i] + "…"
}

// redact removes every secret from s: the agent's own, and those of the
// other agents of its conversation.
func (a *OpenAI) redact(s string) string { return RedactSecrets(s, a.allSecrets()...) }

// allSecrets is the agent's secrets and its conversation's.
func (a *OpenAI) allSecrets() []string {
	if a.cfg.Secrets == nil {
		return a.secrets
	}
	return a.cfg.Secrets.All()
}

// scrub removes secrets from err: from the text of the server's error
// kept in the chain, and from err's own text, which may quote a URL
// other than the agent's (a redirect's Location) with secrets of its own.
func (a *OpenAI) scrub(err error) error {
	if err == nil {
		return err
	}
	secrets := a.allSecrets()
	if len(secrets) > 0 {
		var apiErr *openai.APIError
		if errors.As(err, &apiErr) {
			apiErr.Message = RedactSecrets(apiErr.Message, secrets...)
		}
		var reqErr *openai.RequestError
		if errors.As(err, &reqErr) {
			reqErr.Body = []byte(RedactSecrets(string(reqErr.Body), secrets...))
		}
	}
	msg := err.Error()
	if clean := RedactURLsIn(RedactSecrets(msg, secrets...)); clean != msg {
		return &redactedError{msg: clean, cause: err}
	}
	return err
}

type redactedError struct {
	msg   string
	cause error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.cause }
