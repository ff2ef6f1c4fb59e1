package batch

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/parleyhq/parley/agents"
	"github.com/parleyhq/parley/internal/controls"
	"github.com/parleyhq/parley/internal/phrase"
	"github.com/parleyhq/parley/pricing"
)

// Summary describes a whole batch.
type Summary struct {
	Batch       string `json:"batch"`
	Planned     int    `json:"planned"`
	Done        int    `json:"done"`
	Failed      int    `json:"failed"`
	Interrupted int    `json:"interrupted"`
	NotStarted  int    `json:"not_started"`
	// Unfinished is, for a batch on a queue, the jobs a worker took that
	// have no result yet: running, or interrupted and waiting on the
	// queue to be continued. They are not counted as not started.
	Unfinished int `json:"unfinished,omitempty"`
	// Parallel is how many conversations the batch command ran at once
	// (its -j), when it ran them itself: in its last session, when it was
	// resumed. A batch on a queue has none: its workers each run their
	// own -j.
	Parallel int `json:"parallel,omitempty"`
	// ParallelEach is, for a batch run here over more than one session
	// (interrupted and resumed), each session's -j in order; 0 for one
	// that did not record it (run by an earlier parley).
	ParallelEach []int `json:"parallel_each_session,omitempty"`
	// MostAtOnce is the most finished conversations whose last runs
	// overlapped in time, from their recorded start and end: how many
	// were seen running at once (a lower bound; runs cut short by an
	// interruption are not counted).
	MostAtOnce int `json:"most_at_once"`

	// Wall is the time the batch command ran, over every session.
	// ModelTime is the time spent waiting on models, summed over all
	// messages; Longest is the most of it one conversation spent. A
	// conversation's messages come one after another, and at most J run
	// at once: no batch of these conversations at J at a time could take
	// less than the larger of ModelTime ÷ J and Longest (see LeastWall).
	Wall      time.Duration `json:"wall_ns"`
	ModelTime time.Duration `json:"model_time_ns"`
	Longest   time.Duration `json:"longest_model_time_ns,omitempty"`

	StopReasons []Count `json:"stop_reasons"`
	// Length is of the conversations that ended without an error (see
	// Result.Measured); Failed counts those an error cut short.
	Length      Distribution   `json:"length"`
	Policies    []PolicySaving `json:"policies"`
	Tokens      []AgentTokens  `json:"tokens"`
	Cost        pricing.Total  `json:"cost"`
	CostByPair  []PairCost     `json:"cost_by_pair,omitempty"`
	CostByModel []ModelCost    `json:"cost_by_model,omitempty"`
	Retries     int            `json:"retries"`
	Errors      []Count        `json:"errors,omitempty"`
	Groups      []Group        `json:"groups"`

	// EmptyReplies counts the agents' replies of white space alone, over
	// every conversation (see Result.EmptyReplies); EmptyConversations
	// the conversations that hold one, and OnlyEmpty those whose every
	// reply is empty, which parley report leaves out.
	EmptyReplies       int `json:"empty_replies,omitempty"`
	EmptyConversations int `json:"empty_reply_conversations,omitempty"`
	OnlyEmpty          int `json:"only_empty_replies,omitempty"`

	Limits   []agents.LimiterStats `json:"limits,omitempty"`
	Replicas []agents.ReplicaStats `json:"replicas,omitempty"`
}

// PairCost is what the runs of one pair (a roster's "A ↔ B", or a
// scenario's title) of one scenario file cost together.
type PairCost struct {
	Pair string `json:"pair"`
	// ScenarioPath is the scenario file whose runs these are: two files
	// that stage the same pair, or give the same title, cost apart.
	ScenarioPath string        `json:"scenario_path,omitempty"`
	Runs         int           `json:"runs"`
	Cost         pricing.Total `json:"cost"`
}

// ModelCost is what one agent and model cost across the batch.
type ModelCost struct {
	Agent string        `json:"agent"`
	Model string        `json:"model,omitempty"`
	Cost  pricing.Total `json:"cost"`
}

// Count is a label and how often it occurred.
type Count struct {
	Label string `json:"label"`
	Count int    `json:"count"`
}

// Distribution summarizes conversation lengths in messages.
type Distribution struct {
	N      int     `json:"n"`
	Min    int     `json:"min"`
	Median float64 `json:"median"`
	P90    int     `json:"p90"`
	Max    int     `json:"max"`
	Mean   float64 `json:"mean"`
}

// PolicySaving is what one termination rule did across the batch.
//
// For each finished run parley replays the rule alone over the run's
// messages (message 1, then 1–2, 1–3, …) to find where it would have
// stopped the run by itself. Saved is the messages it spares against the
// run's max_messages budget (budget − that point), summed over runs; a run
// with no budget, or where the rule never fires, counts 0.
type PolicySaving struct {
	Policy     string  `json:"policy"`
	Runs       int     `json:"runs"`        // finished runs that had the rule
	FiredFirst int     `json:"fired_first"` // runs it actually stopped
	WouldStop  int     `json:"would_stop"`  // runs where it alone would have stopped within the messages recorded
	Saved      int     `json:"saved"`
	MeanSaved  float64 `json:"mean_saved"` // Saved ÷ WouldStop
	Skipped    string  `json:"skipped,omitempty"`
}

// Group is the runs of one scenario under one combination of varied
// values: of one scenario file, and of one pair of a roster.
type Group struct {
	Scenario string `json:"scenario"` // the conversations' title, or the file when they have none
	// ScenarioPath is the scenario file: two files that give the same
	// title (one pair of agents under two budgets, say) are two groups.
	ScenarioPath string       `json:"scenario_path,omitempty"`
	Vary         string       `json:"vary,omitempty"`
	Runs         int          `json:"runs"`
	Failed       int          `json:"failed"`
	Length       Distribution `json:"length"` // of the runs that did not fail
	Stops        []Count      `json:"stops"`
}

// Summarize computes the summary of a batch from its jobs' results. wall is
// the time the batch ran.
func Summarize(m *Manifest, results []Result, wall time.Duration) *Summary {
	return SummarizeSpent(m, results, nil, wall)
}

// SummarizeSpent is Summarize for a batch whose results leave out
// conversations begun and not finished (a batch on a queue, where such a
// conversation waits on the queue with the transcript stored so far):
// unfinished holds what each of those recorded, whose tokens, cost,
// retries and model time count, as an interrupted conversation's do,
// while its state counts nowhere.
func SummarizeSpent(m *Manifest, results, unfinished []Result, wall time.Duration) *Summary {
	s := &Summary{Batch: m.ID, Planned: len(m.Jobs), Wall: wall, MostAtOnce: mostAtOnce(results)}
	stops := map[string]int{}
	errs := map[string]int{}
	tokens := map[string]*AgentTokens{}
	var tokenOrder []string
	policies := map[string]*PolicySaving{}
	var policyOrder []string
	type gkey struct{ path, scenario, vary string }
	groups := map[gkey]*Group{}
	groupLens := map[gkey][]int{}
	groupStops := map[gkey]map[string]int{}
	var gorder []gkey
	var lengths []int
	type pkey struct{ path, pair string }
	pairCost := map[pkey]*PairCost{}
	var pairOrder []pkey
	type mkey struct{ agent, model string }
	modelCost := map[mkey]*ModelCost{}
	var modelOrder []mkey
	for i, r := range slices.Concat(results, unfinished) {
		spentOnly := i >= len(results)
		switch {
		case spentOnly:
		case r.State == StateDone:
			s.Done++
		case r.State == StateFailed:
			s.Failed++
		case r.State == StateInterrupted:
			s.Interrupted++
		default:
			continue
		}
		// What a conversation spent counts however it ended: one
		// interrupted spent its completed messages, paid for.
		s.ModelTime += r.ModelTime
		s.Longest = max(s.Longest, r.ModelTime)
		s.Retries += r.Retries
		if r.EmptyReplies > 0 {
			s.EmptyReplies += r.EmptyReplies
			s.EmptyConversations++
			if r.OnlyEmpty {
				s.OnlyEmpty++
			}
		}
		pk := pkey{r.ScenarioPath, firstNonEmpty(r.Pair, firstNonEmpty(r.Title, r.ScenarioPath))}
		pc := pairCost[pk]
		if pc == nil {
			pc = &PairCost{Pair: pk.pair, ScenarioPath: pk.path}
			pairCost[pk] = pc
			pairOrder = append(pairOrder, pk)
		}
		pc.Runs++
		for _, c := range r.Cost {
			s.Cost.Merge(c.Cost)
			pc.Cost.Merge(c.Cost)
			k := mkey{c.Agent, c.Model}
			mc := modelCost[k]
			if mc == nil {
				mc = &ModelCost{Agent: c.Agent, Model: c.Model}
				modelCost[k] = mc
				modelOrder = append(modelOrder, k)
			}
			mc.Cost.Merge(c.Cost)
		}
		for _, t := range r.Tokens {
			at := tokens[t.Agent]
			if at == nil {
				at = &AgentTokens{Agent: t.Agent}
				tokens[t.Agent] = at
				tokenOrder = append(tokenOrder, t.Agent)
			}
			at.In += t.In
			at.Out += t.Out
			at.Estimated = at.Estimated || t.Estimated
		}
		if spentOnly || r.State == StateInterrupted {
			continue // not ended: no stop, length or saving to count
		}
		label := stopLabel(r)
		stops[label]++
		if r.State == StateFailed {
			errs[firstNonEmpty(r.Error, r.Stop.Reason)]++
		}
		if r.Measured() {
			lengths = append(lengths, r.Messages)
		}
		for _, p := range r.Policies {
			ps := policies[p.Policy]
			if ps == nil {
				ps = &PolicySaving{Policy: p.Policy}
				policies[p.Policy] = ps
				policyOrder = append(policyOrder, p.Policy)
			}
			ps.Runs++
			ps.Skipped = p.Skipped
			if r.Stop.Kind == "policy" && r.Stop.Policy == p.Policy {
				ps.FiredFirst++
			}
			if p.StopsAt > 0 {
				ps.WouldStop++
				ps.Saved += p.Saved
			}
		}
		k := gkey{r.ScenarioPath, firstNonEmpty(r.Title, r.ScenarioPath), FormatValues(r.Vary)}
		g := groups[k]
		if g == nil {
			g = &Group{Scenario: k.scenario, ScenarioPath: k.path, Vary: k.vary}
			groups[k] = g
			groupStops[k] = map[string]int{}
			gorder = append(gorder, k)
		}
		g.Runs++
		if r.State == StateFailed {
			g.Failed++
		}
		if r.Measured() {
			groupLens[k] = append(groupLens[k], r.Messages)
		}
		groupStops[k][label]++
	}
	s.NotStarted = s.Planned - s.Done - s.Failed - s.Interrupted
	s.StopReasons = counts(stops)
	s.Errors = counts(errs)
	s.Length = distribution(lengths)
	for _, name := range tokenOrder {
		s.Tokens = append(s.Tokens, *tokens[name])
	}
	for _, p := range pairOrder {
		s.CostByPair = append(s.CostByPair, *pairCost[p])
	}
	for _, k := range modelOrder {
		s.CostByModel = append(s.CostByModel, *modelCost[k])
	}
	for _, name := range policyOrder {
		p := policies[name]
		if p.WouldStop > 0 {
			p.MeanSaved = float64(p.Saved) / float64(p.WouldStop)
		}
		s.Policies = append(s.Policies, *p)
	}
	for _, k := range gorder {
		g := groups[k]
		g.Length = distribution(groupLens[k])
		g.Stops = counts(groupStops[k])
		s.Groups = append(s.Groups, *g)
	}
	return s
}

// mostAtATime is the most conversations the batch ran at once by its
// -j: its one session's, or the most of any session's; known is false
// when a session's -j is not recorded.
func (s *Summary) mostAtATime() (j int, known bool) {
	j = s.Parallel
	for _, e := range s.ParallelEach {
		if e <= 0 {
			return s.Parallel, false
		}
		j = max(j, e)
	}
	return j, j > 0
}

// LeastWall is the least wall time a batch of these conversations could
// take at the -j they ran at (the most of any session's): its model time
// shared by every slot, or its longest conversation's, whichever is more,
// since a conversation's messages come one after another. ok is false for
// a batch on a queue, whose workers each run their own -j, and for one
// with a session whose -j is not recorded.
func (s *Summary) LeastWall() (least time.Duration, ok bool) {
	j, known := s.mostAtATime()
	if !known {
		return 0, false
	}
	return max(s.ModelTime/time.Duration(j), s.Longest), true
}

// SetUnfinished counts n jobs of a queued batch as taken by a worker and
// not finished, rather than not started.
func (s *Summary) SetUnfinished(n int) {
	n = min(max(n, 0), s.NotStarted+s.Unfinished)
	s.NotStarted += s.Unfinished - n
	s.Unfinished = n
}

// mostAtOnce is the most finished conversations whose last runs overlap:
// each from LastStart (Started for one never resumed, which ran in one
// go) to Ended. A run that ends as another starts does not overlap it.
func mostAtOnce(results []Result) int {
	type edge struct {
		at   time.Time
		step int
	}
	var edges []edge
	for _, r := range results {
		if r.State != StateDone && r.State != StateFailed {
			continue
		}
		start := r.LastStart
		if start.IsZero() && r.Resumes == 0 {
			start = r.Started
		}
		if start.IsZero() || r.Ended.IsZero() || r.Ended.Before(start) {
			continue
		}
		edges = append(edges, edge{start, 1}, edge{r.Ended, -1})
	}
	sort.Slice(edges, func(i, j int) bool {
		if !edges[i].at.Equal(edges[j].at) {
			return edges[i].at.Before(edges[j].at)
		}
		return edges[i].step < edges[j].step // ends first
	})
	most, cur := 0, 0
	for _, e := range edges {
		cur += e.step
		most = max(most, cur)
	}
	return most
}

func stopLabel(r Result) string {
	if r.Stop.Policy != "" {
		return r.Stop.Policy
	}
	if r.Stop.Kind != "" {
		return r.Stop.Kind
	}
	return r.State
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func counts(m map[string]int) []Count {
	out := make([]Count, 0, len(m))
	for k, v := range m {
		out = append(out, Count{k, v})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Label < out[j].Label
	})
	return out
}

// distribution uses the nearest-rank p90; the median of an even count is
// the mean of the middle two.
func distribution(xs []int) Distribution {
	if len(xs) == 0 {
		return Distribution{}
	}
	s := append([]int(nil), xs...)
	sort.Ints(s)
	d := Distribution{N: len(s), Min: s[0], Max: s[len(s)-1]}
	if len(s)%2 == 1 {
		d.Median = float64(s[len(s)/2])
	} else {
		d.Median = float64(s[len(s)/2-1]+s[len(s)/2]) / 2
	}
	rank := (90*len(s) + 99) / 100 // ceil(0.9 n)
	d.P90 = s[max(rank, 1)-1]
	sum := 0
	for _, x := range s {
		sum += x
	}
	d.Mean = float64(sum) / float64(len(s))
	return d
}

// readSummary reads the summary.json an earlier session wrote into dir.
func readSummary(dir string) (*Summary, error) {
	data, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		return nil, err
	}
	var s Summary
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// mergeReplicas adds each endpoint's counts of this session, now, to those
// of the sessions before, earlier, keeping earlier's order; an endpoint
// new in this session comes after.
func mergeReplicas(earlier, now []agents.ReplicaStats) []agents.ReplicaStats {
	out := slices.Clone(earlier)
	for _, r := range now {
		if i := slices.IndexFunc(out, func(e agents.ReplicaStats) bool { return e.BaseURL == r.BaseURL }); i >= 0 {
			out[i].Requests += r.Requests
			out[i].Failures += r.Failures
		} else {
			out = append(out, r)
		}
	}
	return out
}

// mergeLimitStats adds each limit's counts of this session to those of the
// sessions before; the most in flight is the most of any session.
func mergeLimitStats(earlier, now []agents.LimiterStats) []agents.LimiterStats {
	out := slices.Clone(earlier)
	for _, l := range now {
		if i := slices.IndexFunc(out, func(e agents.LimiterStats) bool { return e.Name == l.Name }); i >= 0 {
			out[i].Requests += l.Requests
			out[i].Waited += l.Waited
			out[i].WaitTotal += l.WaitTotal
			out[i].Throttled += l.Throttled
			out[i].MaxInFlight = max(out[i].MaxInFlight, l.MaxInFlight)
		} else {
			out = append(out, l)
		}
	}
	return out
}

// Write writes summary.json and summary.md into dir. summary.md quotes
// what providers, judges and scenarios wrote (an error, a stop's reason,
// titles, names, model ids, endpoints) without the bytes a terminal acts
// on (see controls.Filter), so that `cat summary.md` shows that text
// rather than obeys it; summary.json keeps it as written, DEL and the C1
// controls escaped as encoding/json escapes the others.
func (s *Summary) Write(dir string) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	if err := writeFile(filepath.Join(dir, "summary.json"), append(controls.EscapeJSON(data), '\n')); err != nil {
		return err
	}
	var md strings.Builder
	s.Markdown(controls.NewFilter(&md))
	return writeFile(filepath.Join(dir, "summary.md"), []byte(md.String()))
}

func writeFile(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		os.Remove(tmp) // what a full disk took of it, if anything
		return fmt.Errorf("%w: writing %s: %w", ErrSummaryUnwritten, path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("%w: writing %s: %w", ErrSummaryUnwritten, path, err)
	}
	return nil
}

// ErrSummaryUnwritten is wrapped by the error of a summary that could not
// be written (a full disk): its files are not there to point at.
var ErrSummaryUnwritten = errors.New("the summary could not be written")

// Markdown writes the summary as Markdown tables, quoting what providers,
// judges and scenarios wrote as they wrote it.
func (s *Summary) Markdown(w io.Writer) {
	fmt.Fprintf(w, "# Batch %s\n\n", s.Batch)
	fmt.Fprintf(w, "%d planned · %d done · %d failed", s.Planned, s.Done, s.Failed)
	if s.Interrupted > 0 {
		fmt.Fprintf(w, " · %d interrupted", s.Interrupted)
	}
	if s.Unfinished > 0 {
		fmt.Fprintf(w, " · %d handed to workers, not finished", s.Unfinished)
	}
	if s.NotStarted > 0 {
		fmt.Fprintf(w, " · %d not started", s.NotStarted)
	}
	if s.Parallel > 0 {
		j, known := s.mostAtATime()
		switch {
		case !known:
			fmt.Fprintf(w, " · %d at a time in its last session (an earlier session's -j is not recorded)", s.Parallel)
		case j == s.Parallel && !slices.ContainsFunc(s.ParallelEach, func(e int) bool { return e != j }):
			fmt.Fprintf(w, " · %d at a time", j)
		default:
			each := make([]string, len(s.ParallelEach))
			for i, e := range s.ParallelEach {
				each[i] = fmt.Sprint(e)
			}
			fmt.Fprintf(w, " · %s at a time over %d sessions", phrase.And(each), len(s.ParallelEach))
		}
		fmt.Fprintf(w, "\n\nWall time %s; model time %s summed over all messages.", round(s.Wall), round(s.ModelTime))
		if least, ok := s.LeastWall(); ok && least > 0 {
			at := fmt.Sprintf("At %d at a time", j)
			if len(s.ParallelEach) > 1 && slices.ContainsFunc(s.ParallelEach, func(e int) bool { return e != j }) {
				at = fmt.Sprintf("At most %d at a time", j)
			}
			why := fmt.Sprintf("the model time over %d", j)
			if s.Longest >= s.ModelTime/time.Duration(j) {
				why = "its longest conversation's model time, whose messages came one after another"
			}
			fmt.Fprintf(w, " %s the batch could take no less than %s: %s.", at, round(least), why)
		}
		fmt.Fprintf(w, "\n\n")
	} else {
		fmt.Fprintf(w, "\n\nWall time %s; model time %s summed over all messages.", round(s.Wall), round(s.ModelTime))
		if s.MostAtOnce > 0 {
			fmt.Fprintf(w, " At most %d of the finished conversations ran at once, by their start and end times; each worker runs its own -j.", s.MostAtOnce)
		}
		fmt.Fprintf(w, "\n\n")
	}

	s.emptyMarkdown(w)
	if len(s.StopReasons) == 0 {
		// Interrupted before any conversation ended: what was spent is
		// below, but no stop or length to tell.
		fmt.Fprintf(w, "## Stop reasons\n\nNo conversation has ended yet, so there is no stop or length to count; what the conversations spent so far is below.\n")
	} else {
		fmt.Fprintf(w, "## Stop reasons\n\n| Stop | Conversations |\n|---|---:|\n")
		for _, c := range s.StopReasons {
			fmt.Fprintf(w, "| %s | %d |\n", cell(c.Label), c.Count)
		}
		d := s.Length
		fmt.Fprintf(w, "\n## Length in messages\n\n")
		if d.N > 0 {
			fmt.Fprintf(w, "| n | min | median | p90 | max | mean |\n|---:|---:|---:|---:|---:|---:|\n")
			fmt.Fprintf(w, "| %d | %d | %g | %d | %d | %.1f |\n", d.N, d.Min, d.Median, d.P90, d.Max, d.Mean)
		}
		if s.Failed > 0 {
			// As parley report has it: a conversation an error cut short
			// enters no median (see Result.Measured).
			why := fmt.Sprintf("the %d an error cut short %s no length, since %s length says where the error fell, not where the talk ran out (parley report leaves %s out of its medians too)",
				s.Failed, phrase.Noun(s.Failed, "enters", "enter"), phrase.Noun(s.Failed, "its", "their"), phrase.Noun(s.Failed, "it", "them"))
			if d.N == 0 {
				fmt.Fprintf(w, "No conversation ended without an error, so there is no length to count: %s.\n", why)
			} else {
				fmt.Fprintf(w, "\nOf the %d conversations that ended, n counts the %d that ended without an error: %s.\n", d.N+s.Failed, d.N, why)
			}
		}
	}

	if len(s.Policies) > 0 {
		fmt.Fprintf(w, "\n## Messages each policy would have saved\n\n")
		fmt.Fprintf(w, "Each rule is replayed alone over every finished run's messages to find where it, by itself, would have stopped the run; it saves the messages between that point and the run's max_messages budget.\n\n")
		fmt.Fprintf(w, "| Policy | Runs | Stopped the run | Would stop alone | Messages saved | Mean per stop |\n|---|---:|---:|---:|---:|---:|\n")
		for _, p := range s.Policies {
			if p.Skipped != "" {
				fmt.Fprintf(w, "| %s | %d | %d | — | — | %s |\n", cell(p.Policy), p.Runs, p.FiredFirst, cell(p.Skipped))
				continue
			}
			fmt.Fprintf(w, "| %s | %d | %d | %d | %d | %.1f |\n", cell(p.Policy), p.Runs, p.FiredFirst, p.WouldStop, p.Saved, p.MeanSaved)
		}
	}
	if len(s.Tokens) > 0 {
		fmt.Fprintf(w, "\n## Tokens\n\n| Agent | In | Out |\n|---|---:|---:|\n")
		for _, t := range s.Tokens {
			note := ""
			if t.Estimated {
				note = " (some estimated)"
			}
			fmt.Fprintf(w, "| %s%s | %d | %d |\n", cell(t.Agent), note, t.In, t.Out)
		}
	}
	s.costMarkdown(w)
	fmt.Fprintf(w, "\n## Errors and retries\n\n%d %s; %d failed %s.\n", s.Retries, phrase.Noun(s.Retries, "retry", "retries"), s.Failed, phrase.Noun(s.Failed, "conversation", "conversations"))
	if len(s.Errors) > 0 {
		fmt.Fprintf(w, "\n| Error | Conversations |\n|---|---:|\n")
		for _, c := range s.Errors {
			fmt.Fprintf(w, "| %s | %d |\n", cell(c.Label), c.Count)
		}
	}
	if len(s.Limits) > 0 {
		fmt.Fprintf(w, "\n| Limit | Requests | Waited | Time waited | 429s | Most in flight |\n|---|---:|---:|---:|---:|---:|\n")
		for _, l := range s.Limits {
			fmt.Fprintf(w, "| %s | %d | %d | %s | %d | %d |\n", cell(l.Name), l.Requests, l.Waited, round(l.WaitTotal), l.Throttled, l.MaxInFlight)
		}
	}
	if len(s.Replicas) > 1 {
		fmt.Fprintf(w, "\n| Endpoint | Requests | Failures |\n|---|---:|---:|\n")
		for _, r := range s.Replicas {
			fmt.Fprintf(w, "| %s | %d | %d |\n", cell(r.BaseURL), r.Requests, r.Failures)
		}
	}
	if len(s.Groups) > 1 || (len(s.Groups) == 1 && s.Groups[0].Vary != "") {
		var titles Titles
		for _, g := range s.Groups {
			titles.Add(g.Scenario, g.ScenarioPath)
		}
		fmt.Fprintf(w, "\n## By scenario and varied values\n\n| Scenario | Values | Runs | Failed | Median | p90 | Stops |\n|---|---|---:|---:|---:|---:|---|\n")
		for _, g := range s.Groups {
			var stops []string
			for _, c := range g.Stops {
				stops = append(stops, fmt.Sprintf("%s %d", c.Label, c.Count))
			}
			median, p90 := "—", "—" // every run failed: no length to count
			if g.Length.N > 0 {
				median, p90 = fmt.Sprintf("%g", g.Length.Median), fmt.Sprint(g.Length.P90)
			}
			fmt.Fprintf(w, "| %s | %s | %d | %d | %s | %s | %s |\n", cell(titles.Name(g.Scenario, g.ScenarioPath)), cell(g.Vary), g.Runs, g.Failed,
				median, p90, cell(strings.Join(stops, ", ")))
		}
	}
}

// emptyMarkdown says how many replies were empty, in how many
// conversations, as parley run warns of each and parley report leaves out
// a conversation whose every reply is.
func (s *Summary) emptyMarkdown(w io.Writer) {
	if s.EmptyReplies == 0 {
		return
	}
	fmt.Fprintf(w, "%s in %s", phrase.Count(s.EmptyReplies, "empty reply", "empty replies"),
		phrase.Count(s.EmptyConversations, "conversation", "conversations"))
	switch {
	case s.OnlyEmpty == 0:
	case s.OnlyEmpty == s.EmptyConversations && s.OnlyEmpty == 1:
		fmt.Fprintf(w, ", which holds no other reply (parley report leaves it out)")
	case s.OnlyEmpty == s.EmptyConversations:
		fmt.Fprintf(w, ", which hold no other reply (parley report leaves them out)")
	default:
		fmt.Fprintf(w, ", %d of which %s no other reply (parley report leaves %s out)", s.OnlyEmpty,
			phrase.Noun(s.OnlyEmpty, "holds", "hold"), phrase.Noun(s.OnlyEmpty, "it", "them"))
	}
	fmt.Fprintf(w, ". An empty reply is one of white space alone, shown to the agents as the scenario's empty_reply says, as parley run warns of each; a reasoning model that spends its whole max_tokens thinking gives one, and the transcript's warning then gives its finish reason as \"length\".\n\n")
}

// costMarkdown writes the cost section: the total, then per pair and per
// model, each as reported, estimated from the price table, or unknown.
func (s *Summary) costMarkdown(w io.Writer) {
	c := s.Cost
	if c.Reported+c.Estimated+c.Unknown == 0 {
		return
	}
	fmt.Fprintf(w, "\n## Cost\n\n%s in all: %s reported by their provider, %d estimated from list prices of %s, %d of unknown cost.\n",
		c, phrase.Count(c.Reported, "message", "messages"), c.Estimated, pricing.TableDate, c.Unknown)
	var pairs Titles
	for _, p := range s.CostByPair {
		pairs.Add(p.Pair, p.ScenarioPath)
	}
	fmt.Fprintf(w, "\n| Pair | Runs | Cost |\n|---|---:|---:|\n")
	for _, p := range s.CostByPair {
		fmt.Fprintf(w, "| %s | %d | %s |\n", cell(pairs.Name(p.Pair, p.ScenarioPath)), p.Runs, cell(p.Cost.String()))
	}
	fmt.Fprintf(w, "\n| Agent | Model | Cost |\n|---|---|---:|\n")
	for _, m := range s.CostByModel {
		fmt.Fprintf(w, "| %s | %s | %s |\n", cell(m.Agent), cell(m.Model), cell(m.Cost.String()))
	}
}

func round(d time.Duration) time.Duration {
	switch {
	case d >= time.Minute:
		return d.Round(time.Second)
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	}
	return d.Round(time.Microsecond)
}

// cell makes text safe inside a Markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r", " "), "\n", " ")
}
