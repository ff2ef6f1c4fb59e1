package policy

import (
	"fmt"

	"github.com/parleyhq/parley/internal/phrase"
	"github.com/parleyhq/parley/transcripts"
)

// Repetition stops when messages keep nearly repeating recent ones.
//
// A message is a repeat when its similarity to one of the Window messages
// before it (by either speaker, or by its own speaker only when
// SameSpeaker is set) is at least Threshold. Similarity compares the sets
// of shingles, runs of Shingle consecutive words (see text.go for what a
// word is; a message shorter than that is one shingle), by their Jaccard
// index |A∩B| / |A∪B|: 1 for a verbatim repeat, still high after light
// edits, since an edited word changes only the few shingles around it.
// When both messages hold at least Block shingles, the overlap
// |A∩B| / min(|A|,|B|) counts too, so a long block repeated inside a
// longer message is caught.
//
// Each message is summarised once, by the 128 smallest hashes of its
// shingles (a bottom-k sketch), so comparing two messages costs the same
// however long they are; messages with at most 128 distinct shingles are
// compared exactly.
//
// With Within 0 it stops after Count repeats in a row (with SameSpeaker,
// Count of one speaker's own messages in a row, whatever the other side
// says between them); with Within set, after Count repeats among the last
// Within messages.
type Repetition struct {
	Threshold   float64 // similarity counted as a repeat (default 0.85)
	Window      int     // how many earlier messages to compare with (default 4)
	SameSpeaker bool    // compare only with the speaker's own messages
	Count       int     // repeats that stop the run (default 3)
	Within      int     // 0: in a row; else among the last Within messages
	Shingle     int     // words per shingle (default 3)
	Block       int     // shingles from which the overlap counts (default 40; negative: never)

	m       memo[repeatInfo]
	scratch []uint64 // for building sketches, under m.mu
}

type repeatInfo struct {
	sk      sketch
	repeat  bool
	sim     float64
	of      int // index of the message it repeats
	speaker string
	// Running counts, so a check costs the same whatever Count or Within
	// say: repeats so far, the run of repeats ending here, and the run of
	// this speaker's own repeats ending here (with the index of the
	// speaker's message before, or -1).
	total, run, ownRun int
	prevOwn            int
}

func (p *Repetition) settings() (thr float64, window, count, shingle, block int) {
	thr, window, count, shingle, block = p.Threshold, p.Window, p.Count, p.Shingle, p.Block
	if thr <= 0 {
		thr = 0.85
	}
	if window <= 0 {
		window = 4
	}
	if count <= 0 {
		count = 3
	}
	if shingle <= 0 {
		shingle = 3
	}
	if block == 0 {
		block = 40
	}
	return
}

func (p *Repetition) info(msg *transcripts.Message, vals []repeatInfo) repeatInfo {
	thr, window, _, shingle, block := p.settings()
	i := len(vals)
	ri := repeatInfo{sk: sketchInto(&p.scratch, cachedTerms(said(msg.Content)), shingle), of: -1, speaker: msg.Speaker}
	visit(min(i, window) + 1)
	for j := i - 1; j >= 0 && j >= i-window; j-- {
		if p.SameSpeaker && vals[j].speaker != msg.Speaker {
			continue
		}
		sim := jaccard(ri.sk, vals[j].sk)
		if block > 0 && ri.sk.n >= block && vals[j].sk.n >= block {
			sim = max(sim, overlapOf(sim, ri.sk, vals[j].sk))
		}
		if sim > ri.sim || ri.of < 0 {
			ri.sim, ri.of = sim, j
		}
	}
	ri.repeat = ri.of >= 0 && ri.sim >= thr
	ri.prevOwn = -1
	for j := i - 1; j >= 0; j-- {
		if vals[j].speaker == msg.Speaker {
			ri.prevOwn = j
			break
		}
	}
	if i > 0 {
		ri.total = vals[i-1].total
	}
	if ri.repeat {
		ri.total++
		ri.run, ri.ownRun = 1, 1
		if i > 0 {
			ri.run = vals[i-1].run + 1
		}
		if ri.prevOwn >= 0 {
			ri.ownRun = vals[ri.prevOwn].ownRun + 1
		}
	}
	return ri
}

// Check implements Policy.
func (p *Repetition) Check(msgs []transcripts.Message) Verdict {
	thr, _, count, _, _ := p.settings()
	p.m.mu.Lock()
	defer p.m.mu.Unlock()
	vals, idx := p.m.values(msgs, p.info, nil)

	n := 0
	unit := "repeats in a row"
	last := len(vals) - 1
	visit(3)
	switch {
	case last < 0:
	case p.Within > 0:
		unit = fmt.Sprintf("repeats in %d messages", p.Within)
		n = vals[last].total
		if k := last - p.Within; k >= 0 {
			n -= vals[k].total
		}
	case p.SameSpeaker:
		// The run of the speaker who spoke last, over their own messages,
		// or, when it has not reached the count, the longer of the two
		// speakers' runs, for the status line.
		n = vals[last].ownRun
		if n < count {
			for j := last - 1; j >= 0 && j >= last-2; j-- {
				if vals[j].speaker != vals[last].speaker {
					n = max(n, vals[j].ownRun)
					break
				}
			}
			n = min(n, count)
			if vals[last].ownRun < count {
				n = min(n, count-1)
			}
		}
	default:
		n = vals[last].run
	}
	v := Verdict{Progress: []Progress{{Policy: "repetition", Label: unit, Count: min(n, count), Limit: count}}}
	if n >= count && len(vals) > 0 && vals[len(vals)-1].repeat {
		last := vals[len(vals)-1]
		i := idx[len(vals)-1] + 1 // its number in the transcript, notes counted
		v.Stop, v.Policy = true, "repetition"
		how := phrase.Count(count, "message", "messages") + " in a row"
		if p.SameSpeaker {
			how = fmt.Sprintf("%d of %s's messages in a row", count, last.speaker)
		}
		if p.Within > 0 {
			how = fmt.Sprintf("%d of the last %d messages", count, p.Within)
		}
		v.Reason = fmt.Sprintf("%s nearly repeated earlier ones: message %d repeats message %d (similarity %.2f, threshold %.2f)",
			how, i, idx[last.of]+1, last.sim, thr)
	}
	return v
}
