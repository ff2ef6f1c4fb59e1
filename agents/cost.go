package agents

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"

	openai "github.com/sashabaranov/go-openai"
)

// Money. OpenRouter reports what each request cost, in US dollars, as
// usage.cost in the last chunk of a stream, when the request carries
// "usage": {"include": true}. go-openai v1.43's Usage has no field for it,
// so the agent reads each event itself: the same JSON decoding as
// go-openai's Recv, plus the cost.

// ReportsCost reports whether requests to the endpoint base (or to the
// provider preset named provider) can ask for their cost: OpenRouter's.
func ReportsCost(provider, base string) bool {
	if strings.EqualFold(provider, "openrouter") {
		return true
	}
	u, err := url.Parse(base)
	return err == nil && (u.Hostname() == "openrouter.ai" || strings.HasSuffix(u.Hostname(), ".openrouter.ai"))
}

// SeedAsRandomSeed reports whether requests to the endpoint base (or to
// the provider preset named provider) send a seed as random_seed: Mistral
// names it so, and refuses seed (422, "extra_forbidden").
func SeedAsRandomSeed(provider, base string) bool {
	if strings.EqualFold(provider, "mistral") {
		return true
	}
	u, err := url.Parse(base)
	return err == nil && u.Hostname() == "api.mistral.ai"
}

// usageInclude is the request field that asks OpenRouter for the cost.
const usageInclude = `,"usage":{"include":true}`

// decodeResponse decodes one event of a stream as go-openai's Recv does,
// and the cost it reports, if any.
func decodeResponse(raw []byte) (openai.ChatCompletionStreamResponse, *float64, error) {
	var resp openai.ChatCompletionStreamResponse
	if err := json.Unmarshal(raw, &resp); err != nil {
		return resp, nil, err
	}
	if resp.Usage == nil || !bytes.Contains(raw, []byte(`"cost"`)) {
		return resp, nil, nil
	}
	var extra struct {
		Usage struct {
			Cost *float64 `json:"cost"`
		} `json:"usage"`
	}
	if json.Unmarshal(raw, &extra) != nil {
		return resp, nil, nil
	}
	return resp, extra.Usage.Cost, nil
}
