package agents

import (
	"context"
	"errors"
	"io"
	"iter"
	"net/http"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/parleyhq/parley/transcripts"
)

var _ Agent = (*OpenAI)(nil)

// OpenAIConfig configures an agent on any OpenAI-compatible
// chat-completions endpoint.
type OpenAIConfig struct {
	Name    string // the seat's name, used in sentences about failures
	Model   string
	BaseURL string
	APIKey  string // "" for key-less servers; never logged or recorded
	KeyEnv  string // where the key came from, named in sentences about a refused key
	System  string

	Temperature *float64
	TopP        *float64
	MaxTokens   *int
	Seed        *int
	Stop        []string
	Headers     map[string]string

	// Retries is the most attempts per reply (nil: 5). Timeout bounds each
	// request (0: 10 minutes); IdleTimeout bounds the wait for the next
	// token of a stream (0: 60 seconds).
	Retries     *int
	Timeout     time.Duration
	IdleTimeout time.Duration

	// HTTPClient, when set, carries the requests (tests use it).
	HTTPClient *http.Client
}

// OpenAI is an agent backed by an OpenAI-compatible chat-completions
// endpoint. It streams, and asks for usage in the stream
// (stream_options.include_usage); for servers that ignore that option the
// orchestrator estimates usage instead.
type OpenAI struct {
	cfg    OpenAIConfig
	client *openai.Client
}

// NewOpenAI builds the agent.
func NewOpenAI(cfg OpenAIConfig) *OpenAI {
	oc := openai.DefaultConfig(cfg.APIKey)
	oc.BaseURL = cfg.BaseURL
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	if len(cfg.Headers) > 0 {
		c := *hc
		base := c.Transport
		if base == nil {
			base = http.DefaultTransport
		}
		c.Transport = headerTransport{headers: cfg.Headers, base: base}
		hc = &c
	}
	oc.HTTPClient = hc
	return &OpenAI{cfg: cfg, client: openai.NewClientWithConfig(oc)}
}

type headerTransport struct {
	headers map[string]string
	base    http.RoundTripper
}

func (t headerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	for k, v := range t.headers {
		req.Header.Set(k, v)
	}
	return t.base.RoundTrip(req)
}

// Request builds the chat-completions request for history.
func (a *OpenAI) Request(history []Message) openai.ChatCompletionRequest {
	req := openai.ChatCompletionRequest{
		Model:         a.cfg.Model,
		Stream:        true,
		StreamOptions: &openai.StreamOptions{IncludeUsage: true},
		Stop:          a.cfg.Stop,
		Seed:          a.cfg.Seed,
	}
	if a.cfg.Temperature != nil {
		req.Temperature = float32(*a.cfg.Temperature)
	}
	if a.cfg.TopP != nil {
		req.TopP = float32(*a.cfg.TopP)
	}
	if a.cfg.MaxTokens != nil {
		req.MaxTokens = *a.cfg.MaxTokens
	}
	if a.cfg.System != "" {
		req.Messages = append(req.Messages, openai.ChatCompletionMessage{Role: openai.ChatMessageRoleSystem, Content: a.cfg.System})
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

// Reply implements Agent.
func (a *OpenAI) Reply(ctx context.Context, history []Message) iter.Seq2[Chunk, error] {
	return func(yield func(Chunk, error) bool) {
		stream, err := a.client.CreateChatCompletionStream(ctx, a.Request(history))
		if err != nil {
			yield(Chunk{}, a.explain(err))
			return
		}
		defer stream.Close()
		for {
			resp, err := stream.Recv()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				yield(Chunk{}, a.explain(err))
				return
			}
			ch := Chunk{Model: resp.Model}
			if resp.Usage != nil {
				ch.Usage = &transcripts.Usage{PromptTokens: resp.Usage.PromptTokens,
					CompletionTokens: resp.Usage.CompletionTokens, TotalTokens: resp.Usage.TotalTokens}
			}
			for _, c := range resp.Choices {
				ch.Text += c.Delta.Content
				if c.FinishReason != "" {
					ch.FinishReason = string(c.FinishReason)
				}
			}
			if !yield(ch, nil) {
				return
			}
		}
	}
}
