package policy

import (
	"fmt"

	"github.com/parleyhq/parley/internal/phrase"
	"github.com/parleyhq/parley/transcripts"
)

// Stagnation stops when Count consecutive messages, by either speaker, add
// almost nothing new to the conversation.
//
// A message's novelty is the fraction of its distinct terms (words, or
// character pairs in scripts written without spaces; see text.go) that
// nobody has used earlier in the conversation. It is measured against
// everything said before, not against a phrase list or by length alone,
// so it works in any language and style: "You too! Take care 🚀" after a
// round of goodbyes is made of words already said and scores 0, while a
// new question, however short, brings new words. A message adds almost
// nothing when its novelty is below Novelty and it brings fewer than
// NewWords new terms: late in a long conversation most words have been
// said, so a long substantive answer may score a low fraction, but it
// still brings dozens of new words. An empty message adds nothing.
//
// A healthy conversation has at least one side bringing something new in
// almost every exchange, so the run is counted over both speakers'
// messages: one substantive message resets it.
type Stagnation struct {
	Count    int     // consecutive messages that stop the run (default 4)
	Novelty  float64 // novelty below which a message adds almost nothing (default 0.15)
	NewWords int     // a message bringing at least this many new terms adds something (default 10)

	m    memo[novelty]
	seen termIndex // each term and the first message that used it
}

type novelty struct {
	fresh, distinct int
	// run is how many messages in a row, ending here, added almost
	// nothing, and most the highest novelty among them: kept per message
	// so a check costs the same whatever Count says.
	run  int
	most float64
}

func (n novelty) fraction() float64 {
	if n.distinct == 0 {
		return 0
	}
	return float64(n.fresh) / float64(n.distinct)
}

func (p *Stagnation) settings() (count int, thr float64) {
	count, thr = p.Count, p.Novelty
	if count <= 0 {
		count = 4
	}
	if thr <= 0 {
		thr = 0.15
	}
	return
}

func (p *Stagnation) stale(n novelty) bool {
	_, thr := p.settings()
	enough := p.NewWords
	if enough <= 0 {
		enough = 10
	}
	return n.distinct == 0 || (n.fraction() < thr && n.fresh < enough)
}

func (p *Stagnation) measure(msg *transcripts.Message, prev []novelty) novelty {
	visit(1)
	fresh, distinct := p.seen.addMessage(cachedTerms(said(msg.Content)), int32(len(prev)))
	n := novelty{fresh: fresh, distinct: distinct}
	if p.stale(n) {
		n.run, n.most = 1, n.fraction()
		if k := len(prev); k > 0 && prev[k-1].run > 0 {
			n.run, n.most = prev[k-1].run+1, max(prev[k-1].most, n.most)
		}
	}
	return n
}

func (p *Stagnation) forget(from int) {
	p.seen.dropFrom(int32(from))
}

// Check implements Policy.
func (p *Stagnation) Check(msgs []transcripts.Message) Verdict {
	count, thr := p.settings()
	p.m.mu.Lock()
	defer p.m.mu.Unlock()
	vals, idx := p.m.values(msgs, p.measure, p.forget)
	run, most := 0, 0.0
	if k := len(vals) - 1; k >= 0 && vals[k].run > 0 {
		run = min(vals[k].run, count)
		if vals[k].run <= count {
			most = vals[k].most
		} else {
			// The highest novelty among the last count of the run.
			for i := k; i > k-count; i-- {
				most = max(most, vals[i].fraction())
			}
		}
	}
	visit(2)
	v := Verdict{Progress: []Progress{{Policy: "stagnation", Label: "messages adding little", Count: run, Limit: count}}}
	if run >= count {
		v.Stop, v.Policy = true, "stagnation"
		k := len(vals) - 1
		which := fmt.Sprintf("messages %d to %d", idx[k-count+1]+1, idx[k]+1)
		if count == 1 {
			which = fmt.Sprintf("message %d", idx[k]+1)
		}
		v.Reason = fmt.Sprintf("%s in a row added almost nothing new (%s): at most %.0f%% of %s words had not been said before (threshold %.0f%%)",
			phrase.Count(count, "message", "messages"), which, most*100, phrase.Noun(count, "its", "their"), thr*100)
	}
	return v
}
