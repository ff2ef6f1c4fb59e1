package policy

import (
	"fmt"
	"math"
	"reflect"

	"gopkg.in/yaml.v3"

	"github.com/parleyhq/parley/internal/phrase"
	"github.com/parleyhq/parley/pricing"
	"github.com/parleyhq/parley/transcripts"
)

// MaxCost stops once the conversation has cost USD dollars. Each message
// counts what its provider reported it cost (OpenRouter does), else an
// estimate from its token usage and the dated price table of package
// pricing. A message of unknown cost (a model the table does not hold, or
// no usage at all) counts nothing, and the reason says how many there
// were: the rule never guesses.
//
//   - max_cost: 2.50          # US dollars
//   - max_cost: {usd: 2.50}
type MaxCost struct {
	USD float64

	m *memo[pricing.Total] // running totals; nil sums from scratch
}

func init() {
	register("max_cost", func(n *yaml.Node) (Policy, error) {
		c := struct {
			USD float64 `yaml:"usd"`
		}{}
		at := n
		if n.Kind == yaml.ScalarNode {
			if msg, _ := kindProblem("max_cost", n, reflect.TypeFor[float64]()); msg != "" {
				return nil, lineErr(n, msg)
			}
			n.Decode(&c.USD)
		} else {
			if err := StrictDecode(n, "max_cost", &c); err != nil {
				return nil, err
			}
			at = fieldNode(n, "usd")
		}
		if !(c.USD > 0) || math.IsInf(c.USD, 0) {
			return nil, lineErr(at, "max_cost needs a limit in US dollars above 0, as in max_cost: 2.50 or {usd: 2.50}")
		}
		return MaxCost{USD: c.USD, m: new(memo[pricing.Total])}, nil
	})
}

func addCost(m *transcripts.Message, prev []pricing.Total) pricing.Total {
	var t pricing.Total
	if n := len(prev); n > 0 {
		t = prev[n-1]
	}
	t.Add(pricing.Of(*m, ""))
	return t
}

// Check implements Policy.
func (p MaxCost) Check(msgs []transcripts.Message) Verdict {
	m := p.m.orFresh()
	m.mu.Lock()
	var total pricing.Total
	if vals, _ := m.values(msgs, addCost, nil); len(vals) > 0 {
		total = vals[len(vals)-1]
	}
	m.mu.Unlock()
	label := "cents"
	if total.Estimated > 0 {
		label = "cents (some estimated)"
	}
	v := Verdict{Progress: []Progress{{Policy: "max_cost", Label: label,
		Count: int(total.USD * 100), Limit: max(1, int(math.Ceil(p.USD*100)))}}}
	if total.USD >= p.USD {
		v.Stop, v.Policy = true, "max_cost"
		spent, limit := pricing.FormatUSD(total.USD), pricing.FormatUSD(p.USD)
		// Written to the cent, a cost just past the limit reads as the
		// limit itself: it reached it.
		v.Reason = fmt.Sprintf("the conversation cost %s, past its limit of %s", spent, limit)
		if spent == limit {
			v.Reason = fmt.Sprintf("the conversation cost %s, reaching its limit", spent)
		}
		if total.Estimated > 0 {
			v.Reason += fmt.Sprintf(" (estimated from list prices of %s where the provider reported no cost)", pricing.TableDate)
		}
		if total.Unknown > 0 {
			v.Reason += fmt.Sprintf("; %s of unknown cost %s not counted", phrase.Count(total.Unknown, "message", "messages"), map[bool]string{true: "is", false: "are"}[total.Unknown == 1])
		}
	}
	return v
}
