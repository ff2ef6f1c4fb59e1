package agents

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

var _ Agent = (*OpenAI)(nil)

// Defaults of OpenAIConfig's reliability settings.
const (
	DefaultAttempts    = 5
	DefaultTimeout     = 10 * time.Minute
	DefaultIdleTimeout = 60 * time.Second
	DefaultBackoff     = time.Second
)

// OpenAIConfig configures an agent on any OpenAI-compatible
// chat-completions endpoint.
type OpenAIConfig struct {
	Name    string // the seat's name, used in sentences about failures
	Model   string
	BaseURL string
	// BaseURLEnv names the environment variable BaseURL came from
	// (OPENAI_BASE_URL, OLLAMA_HOST), "" when the scenario or a preset
	// gave it: sentences about the address name what to fix.
	BaseURLEnv string
	APIKey     string // "" for key-less servers; never logged or recorded
	KeyEnv     string // where the key came from, named in sentences about a refused key
	System     string

	Temperature *float64
	TopP        *float64
	MaxTokens   *int
	Seed        *int
	Stop        []string
	Headers     map[string]string
	// Route names the replicas the transport spreads this agent's requests
	// across (Route.Key); "" for none.
	Route string

	// Retries is the most attempts per reply (nil: 5; 1 means no retry).
	// Timeout bounds each attempt (0: 10 minutes); IdleTimeout bounds the
	// wait for the next bytes of a reply, headers included (0: 60 seconds).
	Retries     *int
	Timeout     time.Duration
	IdleTimeout time.Duration
	// Backoff is the wait after the first failed attempt (0: 1 second).
	// Each later wait doubles, up to 30 seconds, with jitter; a server's
	// Retry-After replaces it.
	Backoff time.Duration

	// Secrets, when set, is the conversation's: the agent adds its own
	// and hides every one of them in its errors. Nil hides its own alone.
	Secrets *Secrets

	// HTTPClient, when set, carries the requests (tests use it).
	HTTPClient *http.Client
	// ReportCost asks the server to report each request's cost (see
	// ReportsCost); the cost is recorded with the usage.
	ReportCost bool
	// Preset names the provider preset whose address BaseURL is, when the
	// agent gives no base_url: of its own: sentences about the address
	// then name the preset, not a base_url: the agent does not have.
	Preset string
	// RandomSeed sends Seed as random_seed, the field Mistral's API takes
	// (see SeedAsRandomSeed); it refuses seed.
	RandomSeed bool
}

// OpenAI is an agent backed by an OpenAI-compatible chat-completions
// endpoint. It streams, and asks for usage in the stream
// (stream_options.include_usage); for servers that ignore that option the
// orchestrator estimates usage instead, and for servers that reject it the
// agent asks again without it.
//
// A failed attempt (429, 5xx, a dropped connection, a stream cut off, a
// timeout or an idle stream) is retried from scratch with exponential
// backoff and jitter, honouring Retry-After, up to Retries attempts; each
// retry is announced with a Chunk whose Retry is set. 401, 403, 404 and
// other refusals are not retried. A conversation too long for the model
// yields an *Error wrapping ErrContextLength.
type OpenAI struct {
	cfg     OpenAIConfig
	client  *openai.Client
	url     string   // BaseURL with any user and password removed, for sentences
	secrets []string // never to appear in an error
	// unsendable, when set, is why no request can be sent: a header or an
	// address HTTP cannot carry. Every attempt fails with it at once.
	unsendable *unsendable

	noStreamOptions atomic.Bool // the server rejected stream_options once
	answered        atomic.Bool // the server has answered this agent at least once
	enc             encodeCache // the last request's messages, encoded

	// Seams for tests.
	sleep  func(ctx context.Context, d time.Duration) error
	jitter func() float64 // in [0, 1)
	now    func() time.Time
}

// NewOpenAI builds the agent.
func NewOpenAI(cfg OpenAIConfig) *OpenAI {
	oc := openai.DefaultConfig(cfg.APIKey)
	base, query := splitQuery(cfg.BaseURL)
	oc.BaseURL = base
	oc.EmptyMessagesLimit = emptyMessagesLimit
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{CheckRedirect: CheckRedirect}
	}
	oc.HTTPClient = &doer{client: hc, headers: cfg.Headers, route: cfg.Route, base: base, query: query}
	a := &OpenAI{cfg: cfg, client: openai.NewClientWithConfig(oc), url: cfg.BaseURL,
		sleep: sleepCtx, jitter: rand.Float64, now: time.Now}
	a.url = redactLoose(cfg.BaseURL)
	// The checks parse the base URL, which goes deep, and a batch's job
	// builds its agents on the goroutine that then runs the conversation:
	// they run on a goroutine of their own, so that goroutine's stack
	// stays at 8 KiB for the conversation's life (see open).
	checked := make(chan *unsendable, 1)
	go func() { checked <- unsendableConfig(cfg) }()
	a.unsendable = <-checked
	if cfg.APIKey != "" {
		a.secrets = append(a.secrets, cfg.APIKey)
	}
	// A password or key in a base URL, which a failed request's error
	// quotes with the URL it went to.
	for _, u := range append([]string{cfg.BaseURL}, strings.Fields(cfg.Route)...) {
		a.secrets = append(a.secrets, URLSecrets(u)...)
		// And the password of the proxy its requests go through, which
		// a proxy's error may echo.
		a.secrets = append(a.secrets, ProxySecrets(u)...)
	}
	for _, v := range cfg.Headers {
		// Header values can hold credentials too, however short:
		// RedactSecrets hides every one it can tell from ordinary text.
		a.secrets = append(a.secrets, HeaderSecrets(v)...)
	}
	if cfg.Secrets != nil {
		cfg.Secrets.Add(a.secrets...)
	}
	return a
}

// Request builds the chat-completions request for history: the system
// prompt first, then history in order. A temperature or top_p set to zero
// is sent as zero as well, which go-openai alone would leave out.
func (a *OpenAI) Request(history []Message) openai.ChatCompletionRequest {
	return *a.request(history)
}

func (a *OpenAI) request(history []Message) *openai.ChatCompletionRequest {
	return newRequest(&a.cfg, history)
}

// newRequest builds cfg's agent's request for history.
func newRequest(cfg *OpenAIConfig, history []Message) *openai.ChatCompletionRequest {
	req := &openai.ChatCompletionRequest{
		Model:         cfg.Model,
		Stream:        true,
		StreamOptions: &openai.StreamOptions{IncludeUsage: true},
		Stop:          cfg.Stop,
	}
	if !cfg.RandomSeed {
		req.Seed = cfg.Seed
	}
	if cfg.Temperature != nil {
		req.Temperature = float32(*cfg.Temperature)
	}
	if cfg.TopP != nil {
		req.TopP = float32(*cfg.TopP)
	}
	if cfg.MaxTokens != nil {
		setCap(req, *cfg.MaxTokens)
	}
	// A blank prompt is none: strict servers refuse a message of white
	// space.
	if strings.TrimSpace(cfg.System) != "" {
		req.Messages = append(req.Messages, openai.ChatCompletionMessage{Role: openai.ChatMessageRoleSystem, Content: cfg.System})
	}
	for _, m := range history {
		req.Messages = append(req.Messages, openai.ChatCompletionMessage{Role: m.Role, Content: m.Content})
	}
	if len(history) == 0 {
		// Nothing has been said yet and the opening was blank. Providers
		// reject an empty user message; a short cue starts the model off.
		req.Messages = append(req.Messages, openai.ChatCompletionMessage{Role: openai.ChatMessageRoleUser, Content: "Hello."})
	}
	return req
}

// setCap caps req's reply at n tokens, in the field its model takes:
// max_tokens, which OpenAI-compatible servers read, or, for the models
// go-openai takes for OpenAI's reasoning models (o1, o3, o4 and gpt-5 by
// name, at any address), max_completion_tokens, since go-openai refuses to
// send max_tokens for them and OpenAI refuses it too.
func setCap(req *openai.ChatCompletionRequest, n int) {
	if ReasoningModel(req.Model) {
		req.MaxCompletionTokens = n
		return
	}
	//lint:ignore SA1019 max_tokens is the field OpenAI-compatible servers read; max_completion_tokens is OpenAI's own.
	req.MaxTokens = n
}

// ReasoningModel reports whether go-openai takes model for one of OpenAI's
// reasoning models, whose reply cap goes in max_completion_tokens and
// whose temperature and top_p are fixed at 1. It asks go-openai's own
// check, which runs before any request is sent.
func ReasoningModel(model string) bool {
	//lint:ignore SA1019 the check is asked whether it refuses max_tokens for the model.
	err := openai.NewReasoningValidator().Validate(openai.ChatCompletionRequest{Model: model, MaxTokens: 1})
	return errors.Is(err, openai.ErrReasoningModelMaxTokensDeprecated)
}

// SamplingRefused names the sampling field (temperature or top_p) set to
// a value that cannot reach one of OpenAI's reasoning models: go-openai
// refuses to send any but 1 (or, for some, any at all), and OpenAI refuses
// 0, which parley sends as written. It is "" when both can be sent.
func SamplingRefused(model string, temperature, topP *float64) string {
	if !ReasoningModel(model) {
		return ""
	}
	v := openai.NewReasoningValidator()
	if temperature != nil && (*temperature == 0 || v.Validate(openai.ChatCompletionRequest{Model: model, Temperature: float32(*temperature)}) != nil) {
		return "temperature"
	}
	if topP != nil && (*topP == 0 || v.Validate(openai.ChatCompletionRequest{Model: model, TopP: float32(*topP)}) != nil) {
		return "top_p"
	}
	return ""
}

// encode is the body sent for req: go-openai's encoding, plus the
// sampling fields set to zero that its encoding leaves out. The messages
// the previous request held are not encoded again.
func (a *OpenAI) encode(req *openai.ChatCompletionRequest) []byte {
	b := a.enc.encode(req)
	if len(b) < 2 {
		return nil // go-openai encodes it itself and reports the error
	}
	return withExtra(b, &a.cfg)
}

// withExtra is the encoded request b with the fields go-openai's encoding
// leaves out added: a temperature or top_p of zero, OpenRouter's request
// for the cost, and Mistral's random_seed.
func withExtra(b []byte, cfg *OpenAIConfig) []byte {
	var extra []byte
	if cfg.Temperature != nil && *cfg.Temperature == 0 {
		extra = append(extra, `,"temperature":0`...)
	}
	if cfg.TopP != nil && *cfg.TopP == 0 {
		extra = append(extra, `,"top_p":0`...)
	}
	if cfg.ReportCost {
		extra = append(extra, usageInclude...)
	}
	if cfg.RandomSeed && cfg.Seed != nil {
		extra = strconv.AppendInt(append(extra, `,"random_seed":`...), int64(*cfg.Seed), 10)
	}
	if len(extra) == 0 {
		return b
	}
	out := append(b[:len(b)-1:len(b)-1], extra...)
	return append(out, '}')
}

// RefusesStreamOptions reports whether a server's refusal (its status, and
// what it said or its body) is of the stream_options field, which the agent
// then asks again without.
func RefusesStreamOptions(status int, said string) bool {
	return (status == http.StatusBadRequest || status == http.StatusUnprocessableEntity) && strings.Contains(said, "stream_options")
}

func (a *OpenAI) attempts() int {
	if a.cfg.Retries == nil {
		return DefaultAttempts
	}
	return max(*a.cfg.Retries, 1)
}

func (a *OpenAI) timeout() time.Duration {
	if a.cfg.Timeout > 0 {
		return a.cfg.Timeout
	}
	return DefaultTimeout
}

func (a *OpenAI) idleTimeout() time.Duration {
	if a.cfg.IdleTimeout > 0 {
		return a.cfg.IdleTimeout
	}
	return DefaultIdleTimeout
}

// Reply implements Agent.
func (a *OpenAI) Reply(ctx context.Context, history []Message) iter.Seq2[Chunk, error] {
	return func(yield func(Chunk, error) bool) {
		most := a.attempts()
		for t := (tries{n: 1}); ; {
			// The wait after this attempt should it fail with no wait
			// named, drawn before it is sent: a 429 holds the provider
			// for as long as the retry then says it waits.
			pause := a.backoff(t.n, 0, false)
			out := a.try(ctx, history, pause, yield)
			if !a.again(ctx, &out, &t, most, pause, yield) {
				return
			}
		}
	}
}

// tries counts a reply's attempts. n numbers the attempt under way among
// the attempts retries: allows. refused counts the attempts that found
// nothing listening before the server first answered: they get
// refusedAttempts of their own and leave n and its backoff as they were,
// so a server still starting (a local Ollama) gets every retry it is
// allowed once it listens.
type tries struct{ n, refused int }

// made is how many attempts the reply has made, the last one included.
func (t tries) made(lastRefused bool) int {
	if lastRefused {
		return t.refused + t.n - 1
	}
	return t.refused + t.n
}

// again decides, after an attempt ended with out, whether to make another:
// it says why, waits and counts it, or yields the error that ends the
// reply. Asking again without stream_options is not counted. The wait is
// the server's, else pause, the attempt's backoff; and when a 429 holds
// the provider longer (another request's, say), the hold: the wait said
// is the wait the next attempt meets.
func (a *OpenAI) again(ctx context.Context, out *outcome, t *tries, most int, pause time.Duration, yield func(Chunk, error) bool) bool {
	switch {
	case out.stopped:
		return false
	case out.fail == nil:
		return false
	case ctx.Err() != nil:
		yield(Chunk{}, ctx.Err())
		return false
	case out.again:
		return true
	}
	early := out.refused && !a.answered.Load()
	n, limit := t.n, most
	if early {
		t.refused++
		n, limit = t.refused, min(most, refusedAttempts) // as many as a refused connection gets
	}
	if !out.retry || n >= limit {
		yield(Chunk{}, a.explain(out.fail, t.made(early)))
		return false
	}
	wait := pause
	if out.hasRetryAfter {
		wait = out.retryAfter
	}
	if early {
		wait = min(a.backoff(n, out.retryAfter, out.hasRetryAfter), refusedBackoff<<(n-1))
	}
	wait = max(wait, time.Until(out.heldUntil))
	if wait > maxRetryAfter {
		yield(Chunk{}, a.tooLong(*out, wait))
		return false
	}
	if !yield(Chunk{Retry: &Retry{Attempt: n, Max: limit, Wait: wait, Reason: out.reason}}, nil) {
		return false
	}
	if err := a.sleep(ctx, wait); err != nil {
		yield(Chunk{}, err)
		return false
	}
	if !early {
		t.n++
	}
	return true
}

// outcome is how one attempt ended.
type outcome struct {
	fail          error // nil: the reply is complete
	stopped       bool  // the consumer stopped reading
	retry         bool  // another attempt may succeed
	again         bool  // ask again at once, without stream_options
	reason        string
	retryAfter    time.Duration
	hasRetryAfter bool
	heldUntil     time.Time // see attempt.heldUntil
	refused       bool      // nothing listens at the address: retried briefly until the server has answered, see refusedAttempts
}

// try makes one attempt, yielding its chunks. Opening the stream and
// reading it are separate calls, so that what opening needs (the request,
// the encoding, the contexts) is off the goroutine's stack while the reply
// streams: a batch holds a thousand such goroutines waiting in read, and
// each one's stack is as large as its deepest frames.
func (a *OpenAI) try(ctx context.Context, history []Message, pause time.Duration, yield func(Chunk, error) bool) outcome {
	if a.unsendable != nil {
		return outcome{fail: a.unsendable}
	}
	at, out := a.open(ctx, history, pause, yield)
	if at == nil {
		return out
	}
	defer at.release()
	return a.read(ctx, at, yield)
}

// open sends the request and waits for the response's headers. It returns
// the attempt, whose body holds the stream, or nil and how the attempt
// ended; a nil attempt has released everything.
//
// The request is sent from a goroutine of its own, which ends when the
// headers arrive. go-openai and net/http go about 5 KiB deep to send one;
// sent from the consumer's goroutine (a conversation's, which lives as long
// as the conversation), they would double its stack for good: stacks grow
// in powers of two from 8 KiB, and keep what they grew to. Waits the sender
// meets (a rate limit holding the request) are handed back here, so that
// every chunk is yielded from the consumer's goroutine.
func (a *OpenAI) open(ctx context.Context, history []Message, pause time.Duration, yield func(Chunk, error) bool) (*attempt, outcome) {
	at := a.prepare(ctx, history)
	at.pause = pause
	rctx := at.ctx
	withOptions := at.withOptions
	go func() {
		defer close(at.sent)
		at.stream, at.sendErr = a.send(at)
	}()
	for waiting := true; waiting; {
		select {
		case <-at.sent:
			waiting = false
		case w := <-at.waits:
			a.relay(at, w, yield)
		}
	}
	stream, err := at.stream, at.sendErr
	at.req, at.stream = nil, nil
	if at.status != 0 {
		a.answered.Store(true)
	}
	if at.stopped {
		if stream != nil {
			stream.Close()
		}
		at.release()
		return nil, outcome{stopped: true}
	}
	if err != nil {
		// go-openai reads an error answer's body but does not close it;
		// close it here so its connection (and any limit slot) is released.
		if at.resp != nil {
			at.resp.Close()
		}
		out := a.classify(ctx, rctx, at, err, withOptions, false)
		out.heldUntil = at.heldUntil
		at.release()
		return nil, out
	}
	if at.resp == nil {
		// The response did not come through doer: it cannot happen.
		stream.Close()
		at.release()
		return nil, outcome{fail: errNotStream}
	}
	// The events are read from the body itself, not through the stream's
	// reader (whose buffer the collector takes back).
	at.open = true
	if isHTML(at.header.Get("Content-Type")) {
		at.release()
		return nil, outcome{fail: errHTML}
	}
	return at, outcome{}
}

// send sends the attempt's request.
func (a *OpenAI) send(at *attempt) (*openai.ChatCompletionStream, error) {
	return a.client.CreateChatCompletionStream(at.ctx, *at.req)
}

// prepare builds an attempt's request and contexts.
func (a *OpenAI) prepare(ctx context.Context, history []Message) *attempt {
	withOptions := !a.noStreamOptions.Load()
	req := a.request(history)
	if !withOptions {
		req.StreamOptions = nil
	}
	at := &attempt{req: req, body: a.encode(req), withOptions: withOptions}
	if at.body != nil {
		// The body is sent as encoded: go-openai need not encode the
		// history a second time only for it to be replaced.
		req.Messages = nil
	}

	// The clock cancels the attempt's context with its cause when the
	// server goes quiet or the request timeout runs out, rather than a
	// timeout context of its own, which every conversation would hold
	// while its reply streams.
	rctx, cancel := context.WithCancelCause(ctx)
	at.cancel = cancel
	idle := a.idleTimeout()
	at.idle = idle
	at.clock = newIdleClock(idle, a.timeout(), cancel)
	rctx = context.WithValue(rctx, attemptKey{}, at)
	// A request held by a rate limit is not idle: stop the idle clock
	// while it waits, and tell the consumer why nothing is arriving.
	at.sent, at.waits = make(chan struct{}), make(chan Wait)
	rctx = withWaitHooks(rctx, func(w Wait) {
		at.clock.pause()
		at.wait(w)
	}, func() {
		at.clock.resume()
		at.wait(Wait{Over: true})
	})
	at.ctx = rctx
	return at
}

// wait hands a wait the sender met to open, unless the request has been
// sent (a limiter may report a wait's end late).
func (at *attempt) wait(w Wait) {
	select {
	case at.waits <- w:
	case <-at.sent:
	}
}

// relay yields a wait the request met while it was sent; when the
// consumer stops reading, it cancels the request.
func (a *OpenAI) relay(at *attempt, w Wait, yield func(Chunk, error) bool) {
	if at.stopped {
		return
	}
	if !yield(Chunk{Wait: &w}, nil) {
		at.stopped = true
		at.cancel(context.Canceled)
	}
}

// read reads an opened attempt's events to the reply's end, yielding its
// chunks.
func (a *OpenAI) read(ctx context.Context, at *attempt, yield func(Chunk, error) bool) outcome {
	if isJSON(at.header.Get("Content-Type")) {
		return a.readWhole(at, yield)
	}
	events := newEventReader(at.resp, emptyMessagesLimit)
	finished, parsed := false, false
	model := ""
	for {
		ev, err := readEvent(events, model)
		if err != nil {
			if finished && ctx.Err() == nil && !serverError(err) {
				// The reply finished: a connection lost, cut or gone
				// quiet after its finish_reason, before the usage or
				// [DONE], leaves it whole. Asking again would pay for it
				// twice.
				return outcome{}
			}
			if errors.Is(err, io.EOF) && at.resp.err == nil {
				switch {
				case events.finished:
					return outcome{} // data: [DONE] ended it
				case !parsed && at.resp.looksHTML():
					return outcome{fail: errHTML}
				}
				return outcome{fail: errStreamCut, retry: true, reason: "stream cut off"}
			}
			var bad *badEvent
			if errors.As(err, &bad) && ctx.Err() == nil && context.Cause(at.ctx) == nil {
				// An event that is not a chunk's JSON ends the attempt: the
				// reply cannot be known to be whole without it. A first
				// event that is not JSON at all is not an OpenAI-compatible
				// stream, which asking again will not change.
				if !parsed && !strings.HasPrefix(bad.head, "{") && !strings.HasPrefix(bad.head, "[") {
					return outcome{fail: &notStream{head: bad.head}}
				}
				return outcome{fail: bad, retry: true, reason: "an event parley could not read"}
			}
			return a.classify(ctx, at.ctx, at, err, at.withOptions, true)
		}
		parsed = true
		ch := Chunk{Text: ev.text, Usage: ev.usage, FinishReason: ev.finish, Endpoint: at.served}
		at.served = "" // said once an attempt
		if ev.model != model {
			ch.Model, model = ev.model, ev.model
		}
		if ev.finish != "" {
			finished = true
		}
		if ch.Text == "" && ch.Usage == nil && ch.FinishReason == "" && ch.Model == "" && ch.Endpoint == "" {
			continue
		}
		// The idle timeout measures the server, not the consumer.
		at.clock.pause()
		if !yield(ch, nil) {
			return outcome{stopped: true}
		}
		at.clock.resume()
	}
}

// serverError reports an error the server sent in its stream, or an event
// parley could not read, as against a failure of the connection.
func serverError(err error) bool {
	var apiErr *openai.APIError
	var bad *badEvent
	return errors.As(err, &apiErr) || errors.As(err, &bad)
}

// readWhole reads a reply a server sent whole, as one JSON completion,
// though it was asked to stream (some servers and proxies ignore stream:
// true): its text, finish reason and usage come as one chunk. Reading it
// as a stream would take it for one cut off, and ask again, paying for
// the same reply each time. A JSON error is the server's error.
func (a *OpenAI) readWhole(at *attempt, yield func(Chunk, error) bool) outcome {
	body, err := io.ReadAll(io.LimitReader(at.resp, int64(maxEventBytes)+1))
	if err != nil {
		return outcome{fail: errors.Join(errStreamCut, err), retry: true, reason: "stream cut off"}
	}
	if apiErr := eventError(body); apiErr != nil {
		apiErr.HTTPStatusCode = at.status
		return outcome{fail: fmt.Errorf("error, %w", apiErr)}
	}
	ev, choices, ok := decodeLoose(body)
	if len(body) > maxEventBytes || !ok || choices == 0 {
		return outcome{fail: &notStream{head: eventHead(body)}}
	}
	ch := Chunk{Model: ev.model, Endpoint: at.served, Text: ev.text, FinishReason: cmp.Or(ev.finish, "stop"), Usage: ev.usage}
	if !yield(ch, nil) {
		return outcome{stopped: true}
	}
	return outcome{}
}

// isJSON reports a response sent as one JSON document, not a stream.
func isJSON(contentType string) bool {
	return strings.HasPrefix(strings.ToLower(strings.TrimSpace(contentType)), "application/json")
}

// classify decides what a failed attempt means.
func (a *OpenAI) classify(ctx, rctx context.Context, at *attempt, err error, withOptions, midStream bool) outcome {
	if ctx.Err() != nil {
		return outcome{fail: ctx.Err()}
	}
	switch cause := context.Cause(rctx); {
	case errors.Is(cause, errIdle):
		return outcome{fail: errIdle, retry: true, reason: "no data for " + at.idle.String()}
	case errors.Is(cause, errRequestTimeout):
		return outcome{fail: errRequestTimeout, retry: true, reason: "no complete reply within " + a.timeout().String()}
	}
	switch {
	case errors.Is(err, errEventTooLarge):
		return outcome{fail: errEventTooLarge}
	case errors.Is(err, openai.ErrTooManyEmptyStreamMessages):
		if at.resp != nil && at.resp.looksHTML() {
			return outcome{fail: errHTML}
		}
		return outcome{fail: errNotStream}
	}
	status, msg := 0, ""
	var apiErr *openai.APIError
	var reqErr *openai.RequestError
	switch {
	case errors.As(err, &reqErr):
		// First: it may wrap an APIError go-openai began to read from
		// the body, which carries no status.
		status, msg = reqErr.HTTPStatusCode, string(reqErr.Body)
	case errors.As(err, &apiErr):
		status, msg = apiErr.HTTPStatusCode, apiErr.Message
	}
	out := outcome{fail: err}
	switch {
	case withOptions && RefusesStreamOptions(status, msg):
		a.noStreamOptions.Store(true)
		out.again = true
	case IsContextLength(err):
	case status == http.StatusTooManyRequests || status == http.StatusRequestTimeout || status >= 500:
		out.retry = true
		out.reason = statusPhrase(status)
		out.retryAfter, out.hasRetryAfter = parseRetryAfter(at.header, a.now())
	case status >= 400:
	case apiErr != nil && midStream:
		out.retry, out.reason = true, "error reported mid-stream"
	case isDNS(err):
	case errors.As(err, new(*RedirectRefused)):
	case !midStream && isRefused(err):
		out.retry, out.reason, out.refused = true, "connection refused", true
	case midStream:
		out.fail, out.retry, out.reason = errors.Join(errStreamCut, err), true, "stream cut off"
	case isNetwork(err):
		out.retry, out.reason = true, "connection failed"
	}
	return out
}

func isHTML(contentType string) bool {
	return strings.Contains(strings.ToLower(contentType), "text/html")
}

func statusPhrase(status int) string {
	if t := http.StatusText(status); t != "" {
		return strings.TrimSpace(strconv.Itoa(status) + " " + t)
	}
	return "HTTP " + strconv.Itoa(status)
}
