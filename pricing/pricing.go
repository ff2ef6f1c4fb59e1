// Package pricing says what a message cost: the amount the provider
// reported where it reported one (OpenRouter does, when asked), else an
// estimate from a small dated table of list prices for the models the
// provider presets commonly serve. A model the table does not hold has an
// unknown cost; parley never guesses one.
package pricing

import (
	"math"
	"strings"

	"github.com/parleyhq/parley/internal/phrase"
	"github.com/parleyhq/parley/transcripts"
)

// TableDate is when the prices below were taken from the providers'
// published price lists. Prices change; a cost estimated from this table
// says so, and a reported cost always wins over it.
const TableDate = "2025-11-01"

// Price is a model's list price in US dollars per million tokens.
type Price struct {
	In  float64 // prompt tokens
	Out float64 // completion tokens
}

// table holds list prices by model id, as the provider names it, without
// a vendor prefix ("openai/") or a variant suffix (":exacto"). Only exact
// ids are listed: a dated snapshot priced differently from its alias gets
// its own entry, and an id not listed is unknown.
var table = map[string]Price{
	// OpenAI
	"gpt-4o":            {2.50, 10.00},
	"gpt-4o-2024-08-06": {2.50, 10.00},
	"gpt-4o-2024-11-20": {2.50, 10.00},
	"gpt-4o-2024-05-13": {5.00, 15.00},
	"gpt-4o-mini":       {0.15, 0.60},
	"gpt-4.1":           {2.00, 8.00},
	"gpt-4.1-mini":      {0.40, 1.60},
	"gpt-4.1-nano":      {0.10, 0.40},
	"gpt-5":             {1.25, 10.00},
	"gpt-5-mini":        {0.25, 2.00},
	"gpt-5-nano":        {0.05, 0.40},
	// xAI
	"grok-4":      {3.00, 15.00},
	"grok-4-0709": {3.00, 15.00},
	"grok-3":      {3.00, 15.00},
	"grok-3-mini": {0.30, 0.50},
	// Moonshot
	"kimi-k2-0905-preview": {0.60, 2.50},
	"kimi-k2-0711-preview": {0.60, 2.50},
	// Anthropic
	"claude-sonnet-4.5":          {3.00, 15.00},
	"claude-sonnet-4-5":          {3.00, 15.00},
	"claude-sonnet-4-5-20250929": {3.00, 15.00},
	"claude-sonnet-4":            {3.00, 15.00},
	"claude-sonnet-4-20250514":   {3.00, 15.00},
	"claude-opus-4.1":            {15.00, 75.00},
	"claude-opus-4-1-20250805":   {15.00, 75.00},
	"claude-3-5-haiku-20241022":  {0.80, 4.00},
	// Google
	"gemini-2.5-flash":      {0.30, 2.50},
	"gemini-2.5-flash-lite": {0.10, 0.40},
	"gemini-2.5-pro":        {1.25, 10.00}, // prompts up to 200k tokens
	// DeepSeek
	"deepseek-chat":     {0.28, 0.42},
	"deepseek-reasoner": {0.28, 0.42},
	// Mistral
	"mistral-large-latest":  {2.00, 6.00},
	"mistral-small-latest":  {0.10, 0.30},
	"mistral-medium-latest": {0.40, 2.00},
}

// Lookup finds a model's list price. It ignores case, a vendor prefix
// (OpenRouter's "openai/gpt-4o") and a variant suffix ("…:exacto").
func Lookup(model string) (Price, bool) {
	id := strings.ToLower(strings.TrimSpace(model))
	if i := strings.LastIndexByte(id, '/'); i >= 0 {
		id = id[i+1:]
	}
	if i := strings.IndexByte(id, ':'); i >= 0 {
		id = id[:i]
	}
	p, ok := table[id]
	return p, ok
}

// Sources of a cost.
const (
	Reported  = "reported"  // the provider said what the request cost
	Estimated = "estimated" // computed from the token usage and the price table
	Unknown   = "unknown"   // no usage, or a model the table does not hold
	Free      = "free"      // not a request: a moderator note or an injected line
)

// Cost is what one message cost.
type Cost struct {
	USD    float64
	Source string // Reported, Estimated or Unknown
}

// Of is the cost of message m: as reported, else estimated from its usage
// (reported or itself estimated) and the price of its model, else
// unknown. model is used when the message names none. Moderator notes and
// injected lines cost nothing.
func Of(m transcripts.Message, model string) Cost {
	if m.Origin != transcripts.OriginAgent {
		return Cost{Source: Free}
	}
	u := m.Usage
	if u != nil && u.Cost != nil {
		return Cost{USD: *u.Cost, Source: Reported}
	}
	if m.Model != "" {
		model = m.Model
	}
	p, ok := Lookup(model)
	if u == nil || !ok {
		return Cost{Source: Unknown}
	}
	return Cost{USD: (float64(u.PromptTokens)*p.In + float64(u.CompletionTokens)*p.Out) / 1e6, Source: Estimated}
}

// Total is the cost of many messages.
type Total struct {
	USD       float64 `json:"usd"`       // reported and estimated costs summed
	Reported  int     `json:"reported"`  // messages whose cost the provider reported
	Estimated int     `json:"estimated"` // messages whose cost was estimated from the table
	Unknown   int     `json:"unknown"`   // messages of unknown cost, not in USD
}

// Add counts one message's cost.
func (t *Total) Add(c Cost) {
	switch c.Source {
	case Reported:
		t.USD += c.USD
		t.Reported++
	case Estimated:
		t.USD += c.USD
		t.Estimated++
	case Unknown:
		t.Unknown++
	}
}

// Merge adds another total.
func (t *Total) Merge(o Total) {
	t.USD += o.USD
	t.Reported += o.Reported
	t.Estimated += o.Estimated
	t.Unknown += o.Unknown
}

// String is "$0.0123", "$0.0123 (estimated)", "$0.0123 + 3 messages of
// unknown cost", or "unknown".
func (t Total) String() string {
	if t.Reported == 0 && t.Estimated == 0 {
		if t.Unknown == 0 {
			return "$0"
		}
		return Unknown
	}
	s := FormatUSD(t.USD)
	if t.Estimated > 0 {
		s += " (estimated)"
		if t.Reported > 0 {
			s = FormatUSD(t.USD) + " (partly estimated)"
		}
	}
	if t.Unknown > 0 {
		s += " + " + phrase.Count(t.Unknown, "message", "messages") + " of unknown cost"
	}
	return s
}

// FormatUSD writes dollars with four decimal places below a dollar, and
// two significant digits below a hundredth of a cent, so that a cost too
// small for four places does not read $0, which says a reply was free.
func FormatUSD(v float64) string {
	switch {
	case v == 0:
		return "$0"
	case v > 0 && v < 0.0001:
		places := 1 - int(math.Floor(math.Log10(v)))
		return "$" + trimZeros(strconvF(v, min(places, 12)))
	case v < 1:
		return "$" + trimZeros(strconvF(v, 4))
	}
	return "$" + strconvF(v, 2)
}
