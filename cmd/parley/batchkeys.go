package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/parleyhq/parley/configs"
	"github.com/parleyhq/parley/orchestrator/batch"
)

// keyProblems reports the API keys the scenarios' agents and judges
// lack on this machine: one sentence for each variable not set, naming
// the agents that need it, each with its line, and one for each key file
// not read.
func keyProblems(scenarios []*configs.Scenario) error {
	var needs []configs.KeyNeed
	var probs configs.Problems
	for _, s := range scenarios {
		n, p := s.KeyNeeds(nil)
		needs = append(needs, n...)
		probs = append(probs, p...)
	}
	probs = append(probs, configs.GroupKeyNeeds(needs)...)
	if len(probs) == 0 {
		return nil
	}
	return probs
}

// gapSlot places an agent's or judge's key in a scenario: its kind
// ("agent", "roster agent", "judge") and its place among those.
type gapSlot struct {
	kind string
	seat int
}

// batchKeyProblems reports the API keys the batch m's conversations lack
// on this machine, as keyProblems says them: of the scenarios they run,
// their --vary and --set values applied (loaded, one for each job
// m.Distinct lists), not of the files as written, so that a value that
// gives an agent another key or provider is what counts. A key the file
// as written lacks too (the same agent or judge, the same variable or
// key file) is named at its line there; one only values make needed is
// named with the fewest values that do ("with --set …"). files are the
// scenarios as written, in the manifest's order; one that is nil (it did
// not read) has its keys said without lines.
func batchKeyProblems(m *batch.Manifest, files, loaded []*configs.Scenario) error {
	var needs []configs.KeyNeed
	var probs configs.Problems
	said := map[configs.Error]bool{}
	addProb := func(e *configs.Error) {
		if !said[*e] {
			said[*e] = true
			probs = append(probs, e)
		}
	}
	written := map[int]map[gapSlot]configs.KeyGap{} // each file's gaps, by slot
	for k, i := range m.Distinct() {
		if k >= len(loaded) {
			break
		}
		gaps := loaded[k].KeyGaps(nil)
		if len(gaps) == 0 {
			continue
		}
		j := m.Job(i)
		si := m.Jobs[i].Scenario
		if _, ok := written[si]; !ok {
			written[si] = map[gapSlot]configs.KeyGap{}
			if si < len(files) && files[si] != nil {
				for _, g := range files[si].KeyGaps(nil) {
					written[si][gapSlot{g.Kind, g.Seat}] = g
				}
			}
		}
		for _, g := range gaps {
			at, who := fileSlot(g, j.Pair)
			if w, ok := written[si][at]; ok && sameGap(g, w) {
				if w.Need != nil {
					needs = append(needs, *w.Need)
				} else {
					addProb(w.Problem)
				}
				continue
			}
			via := gapOrigin(j, g)
			if g.Need != nil {
				n := *g.Need
				n.Kind, n.Seat, n.Who, n.Line, n.Via = at.kind, at.seat, who, 0, via
				if j.Pair != nil && at.kind == "roster agent" {
					n.Name = j.Pair.Names[g.Seat]
				}
				needs = append(needs, n)
				continue
			}
			msg := who + strings.TrimPrefix(g.Problem.Msg, g.Who)
			if via != "" {
				msg = via + ": " + msg
			}
			addProb(&configs.Error{File: g.Problem.File, Msg: msg})
		}
	}
	probs = append(probs, configs.GroupKeyNeeds(needs)...)
	if len(probs) == 0 {
		return nil
	}
	return probs
}

// fileSlot is where the gap g of a job's scenario lies in the scenario
// file as written, and who there is: a pair's seat is the roster agent
// sitting in it; anything else is in the same place.
func fileSlot(g configs.KeyGap, pair *configs.Pair) (gapSlot, string) {
	if pair == nil || g.Kind != "agent" || g.Seat > 1 {
		return gapSlot{g.Kind, g.Seat}, g.Who
	}
	seat := pair.A
	if g.Seat == 1 {
		seat = pair.B
	}
	return gapSlot{"roster agent", seat}, fmt.Sprintf("roster agent %q", pair.Names[g.Seat])
}

// sameGap reports whether two gaps lack the same thing: the same
// variable, or the same problem with a key file, whoever they are said of.
func sameGap(a, b configs.KeyGap) bool {
	switch {
	case a.Need != nil && b.Need != nil:
		return a.Need.Env == b.Need.Env
	case a.Problem != nil && b.Problem != nil:
		return strings.TrimPrefix(a.Problem.Msg, a.Who) == strings.TrimPrefix(b.Problem.Msg, b.Who)
	}
	return false
}

// gapOrigin names the values of job j that make the gap g: each value
// without which the job's scenario lacks no such key there, as
// ValuesClause says them ("with --set agents[0].api_key_env=K"); every
// value when it takes them together; "" when the job without its values
// lacks it too, and the file is where it comes from.
func gapOrigin(j batch.Job, g configs.KeyGap) string {
	without := func(drop func(path string) bool) batch.Job {
		o := j
		o.Vary = map[string]string{}
		for path, v := range j.Vary {
			if !drop(path) {
				o.Vary[path] = v
			}
		}
		return o
	}
	lacks := func(o batch.Job) bool {
		s, err := o.Load()
		if err != nil {
			return false // what the file makes of it without the value is unknown: the value counts
		}
		for _, h := range s.KeyGaps(nil) {
			if h.Kind == g.Kind && h.Seat == g.Seat && sameGap(g, h) {
				return true
			}
		}
		return false
	}
	var own []string
	for path := range j.Vary {
		if !lacks(without(func(p string) bool { return p == path })) {
			own = append(own, path)
		}
	}
	if len(own) > 0 {
		return without(func(p string) bool { return !slices.Contains(own, p) }).ValuesClause()
	}
	if len(j.Vary) == 0 || lacks(without(func(string) bool { return true })) {
		return ""
	}
	return j.ValuesClause()
}

// resumeKeyProblems is batchKeyProblems for a batch being resumed: its
// scenarios as written are those batch.json recorded, so that the keys
// are said as the batch said them when it began.
func resumeKeyProblems(m *batch.Manifest, loaded []*configs.Scenario) error {
	files := make([]*configs.Scenario, len(m.Scenarios))
	for i, src := range m.Scenarios {
		if s, err := configs.Parse(src.Path, []byte(src.Source)); err == nil {
			files[i] = s
		}
	}
	return batchKeyProblems(m, files, loaded)
}
