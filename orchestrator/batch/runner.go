package batch

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parleyhq/parley/agents"
	"github.com/parleyhq/parley/configs"
	"github.com/parleyhq/parley/internal/phrase"
	"github.com/parleyhq/parley/orchestrator"
	"github.com/parleyhq/parley/transcripts"
)

// Runner runs the jobs of a batch directory on this machine.
type Runner struct {
	Dir      string
	Manifest *Manifest
	// Parallel is how many conversations run at once (0: the manifest's).
	Parallel int
	// Env is handed to every job; Env.HTTPClient should come from
	// NewHTTPClient so limits are shared.
	Env Env
	// Progress, when set, counts what happens; OnFinish, when set, hears
	// of each finished job. Both are called from the jobs' goroutines.
	Progress *Progress
	OnFinish func(Result)
	// Transport, when set, is the limits transport whose counts go in
	// the summary.
	Transport *agents.Transport
	Limiters  []*agents.Limiter
}

// Run runs every job the state log does not list as done or failed, at
// most Parallel at a time. A failed job never stops the others. When ctx
// is cancelled no new job starts; the ones in flight are stopped and their
// transcripts finalized as interrupted, to be continued by a later Run on
// the same directory. Run returns the summary of every job of the batch
// finished so far, and ctx's error when it was cancelled.
func (r *Runner) Run(ctx context.Context) (*Summary, error) {
	start := time.Now()
	m := r.Manifest
	// One process at a time runs a batch folder: a second (a batch
	// --resume while the batch still runs) stops with the holder's pid.
	release, err := transcripts.LockDir(r.Dir, "batch folder")
	if err != nil {
		return nil, err
	}
	defer release()
	st, err := ReadState(r.Dir)
	if err != nil {
		return nil, err
	}
	// A scenario held only with its secrets hidden would send REDACTED as
	// the credentials: nothing is staged (batch --resume says why first).
	if hidden := m.hidden(st, r.Env.RetryFailed); len(hidden) > 0 {
		return nil, fmt.Errorf("%s records the scenario %s with its secrets hidden, and that file no longer holds it; restore the file as it was when the batch began to finish the batch",
			filepath.Join(r.Dir, ManifestFile), m.Scenarios[hidden[0]].Path)
	}
	log, cut, err := openStateLog(r.Dir)
	if err != nil {
		return nil, err
	}
	if r.Env.Warn != nil {
		for _, w := range append(st.Warnings, cut) {
			if w != "" {
				r.Env.Warn(w)
			}
		}
	}
	defer log.Close()
	// A session killed before it recorded its end counts up to its last
	// recorded progress; this one's start is recorded for the same end.
	recovered, err := recoverSession(log, r.Dir, st)
	if err != nil {
		return nil, err
	}
	if recovered > 0 {
		st.Sessions = append(st.Sessions, recovered)
	}
	parallel := r.Parallel
	if parallel <= 0 {
		parallel = m.Parallel
	}
	parallel = max(parallel, 1)
	if err := log.write(StateRecord{Time: start, Begin: true, Parallel: parallel}); err != nil {
		return nil, err
	}

	results := make([]*Result, len(m.Jobs))
	var todo []int
	var before Snapshot // what earlier sessions recorded
	for i, j := range m.Jobs {
		rec, ok := st.Last[j.ID]
		prior := rec.Result
		if ok && prior == nil && rec.State == StateRunning {
			// A crash ended the session that ran it, before its result
			// was recorded: its transcript holds what was.
			prior = recordedSoFar(filepath.Join(r.Dir, RunsDir, j.ID))
		}
		if prior != nil {
			before.Messages += prior.Messages
			before.Retries += prior.Retries
			before.EmptyReplies += prior.EmptyReplies
			for _, t := range prior.Tokens {
				before.TokensIn += t.In
				before.TokensOut += t.Out
			}
		}
		if st.Settled(j.ID, r.Env.RetryFailed) {
			res := *rec.Result
			results[i] = &res
			continue
		}
		todo = append(todo, i)
	}
	if r.Progress != nil {
		r.Progress.begin(len(m.Jobs), len(m.Jobs)-len(todo), before)
	}

	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		logErr   error
		slots    = make(chan struct{}, parallel)
		env      = r.Env
		progress = r.Progress
		parsed   scenarios
	)
	if progress != nil {
		outer := env.Sinks
		env.Sinks = func(j Job) []orchestrator.Sink {
			s := []orchestrator.Sink{progress.sink()}
			if outer != nil {
				s = append(s, outer(j)...)
			}
			return s
		}
	}
	record := func(rec StateRecord) {
		if err := log.write(rec); err != nil {
			mu.Lock()
			if logErr == nil {
				logErr = err
			}
			mu.Unlock()
		}
	}
	done := &jobsDone{ctx: ctx, mu: &mu, results: results, record: record, progress: progress, onFinish: r.OnFinish}
launch:
	for _, i := range todo {
		select {
		case <-ctx.Done():
			break launch
		case slots <- struct{}{}:
		}
		if ctx.Err() != nil {
			<-slots
			break
		}
		job := m.Job(i)
		record(StateRecord{ID: job.ID, State: StateRunning, Time: time.Now()})
		if progress != nil {
			progress.running.Add(1)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			res, _ := runJob(ctx, &job, filepath.Join(r.Dir, RunsDir, job.ID), &env, parsed.load)
			done.finished(i, job.ID, res)
		}()
	}
	wg.Wait()
	session := time.Since(start)
	record(StateRecord{Time: time.Now(), Session: session})

	var all []Result
	for _, res := range results {
		if res != nil {
			all = append(all, *res)
		}
	}
	wall := session
	for _, s := range st.Sessions {
		wall += s
	}
	sum := Summarize(m, all, wall)
	sum.Parallel = parallel
	if len(st.Sessions) > 0 {
		// Each session's -j: a session recorded without one (by an
		// earlier parley) is not known, and the summary says no bound.
		each := slices.Clone(st.Parallel)
		for len(each) < len(st.Sessions) {
			each = append([]int{0}, each...)
		}
		sum.ParallelEach = append(each, parallel)
	}
	if r.Transport != nil {
		sum.Replicas = r.Transport.Replicas()
		for i := range sum.Replicas {
			sum.Replicas[i].BaseURL = agents.RedactURL(sum.Replicas[i].BaseURL)
		}
	}
	for _, l := range r.Limiters {
		st := l.Stats()
		st.Name = agents.RedactURL(st.Name)
		sum.Limits = append(sum.Limits, st)
	}
	if len(st.Sessions) > 0 {
		// The transport and limits count this session's requests; the
		// summary the last session wrote holds those before it.
		if prev, err := readSummary(r.Dir); err == nil {
			sum.Replicas = mergeReplicas(prev.Replicas, sum.Replicas)
			sum.Limits = mergeLimitStats(prev.Limits, sum.Limits)
		}
	}
	if err := sum.Write(r.Dir); err != nil {
		return sum, err
	}
	if logErr != nil {
		return sum, logErr
	}
	return sum, ctx.Err()
}

// recordedSoFar is the result of what a job's transcript in dir holds, or
// nil when there is none to read.
func recordedSoFar(dir string) *Result {
	path, err := existingJSONL(dir)
	if err != nil || path == "" {
		return nil
	}
	t, err := transcripts.Read(path)
	if err != nil {
		return nil
	}
	res := ResultFromTranscript(t, nil)
	return &res
}

// jobsDone records each job's result as it finishes, in calls of its own:
// a job's goroutine waits for its conversation under the call that starts
// it, and what the recording needs (a state record, the Result passed by
// value to the callbacks) would otherwise sit in that frame all along.
type jobsDone struct {
	ctx      context.Context
	mu       *sync.Mutex
	results  []*Result
	record   func(StateRecord)
	progress *Progress
	onFinish func(Result)
}

//go:noinline
func (d *jobsDone) finished(i int, id string, res *Result) {
	if res.State == StateFailed && d.ctx.Err() != nil && res.Stop.Kind == "" {
		res.State = StateInterrupted
	}
	d.record(StateRecord{ID: id, State: res.State, Time: time.Now(), Result: res})
	d.mu.Lock()
	d.results[i] = res
	d.mu.Unlock()
	if d.progress != nil {
		d.progress.finish(*res)
	}
	if d.onFinish != nil {
		d.onFinish(*res)
	}
}

// loadJob parses a job's scenario for a batch's scenarios; tests count
// its calls.
var loadJob = Job.Load

// scenarios parses each distinct scenario of a batch once (its YAML with
// one combination of varied values, or one pair of a roster) and hands
// every job that stages it the same *configs.Scenario, which jobs only
// read. Parsed anew for each conversation, the YAML left tens of KiB of
// garbage per conversation as a batch started, interleaved with what the
// conversations keep: a batch of 1,000 held it as resident memory.
type scenarios struct {
	mu sync.Mutex
	m  map[string]*parsedScenario
}

type parsedScenario struct {
	once sync.Once
	s    *configs.Scenario
	err  error
}

func (c *scenarios) load(j Job) (*configs.Scenario, error) {
	// What Load reads of the job, and nothing else: not its id or run.
	key, err := json.Marshal(Job{ScenarioPath: j.ScenarioPath, Scenario: j.Scenario, Vary: j.Vary, Set: j.Set, Pair: j.Pair})
	if err != nil {
		return loadJob(j)
	}
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]*parsedScenario{}
	}
	p := c.m[string(key)]
	if p == nil {
		p = &parsedScenario{}
		c.m[string(key)] = p
	}
	c.mu.Unlock()
	p.once.Do(func() { p.s, p.err = loadJob(j) })
	return p.s, p.err
}

// Progress counts a running batch for a progress display. Its methods are
// safe for concurrent use.
type Progress struct {
	start                         atomic.Pointer[time.Time] // set by begin, which a display may not have seen yet
	total, skipped                atomic.Int64
	done, failed, interrupted     atomic.Int64
	running                       atomic.Int64
	messages, tokensIn, tokensOut atomic.Int64
	generated                     atomic.Int64 // this session's messages an agent said
	messagesBefore                atomic.Int64
	retries                       atomic.Int64
	emptyReplies                  atomic.Int64
}

// Snapshot is the progress at one moment.
type Snapshot struct {
	Total, Done, Failed, Interrupted, Running int
	Skipped                                   int // finished in an earlier session
	Messages                                  int // completed messages recorded, finished and running conversations', over every session
	MessagesBefore                            int // of them, recorded before this session: the rate leaves them out
	Generated                                 int // of them, this session's that an agent said (not an opening, nor a line typed in): the rate counts these
	TokensIn, TokensOut                       int
	Retries                                   int
	EmptyReplies                              int // agents' replies of white space alone, over every session
	Elapsed                                   time.Duration
	MessagesPerSecond                         float64
	ETA                                       time.Duration // 0 until a job has finished
}

// begin starts the count of a session; before holds the messages, tokens
// and retries earlier sessions recorded.
func (p *Progress) begin(total, skipped int, before Snapshot) {
	now := time.Now()
	p.start.Store(&now)
	p.total.Store(int64(total))
	p.skipped.Store(int64(skipped))
	p.messagesBefore.Store(int64(before.Messages))
	p.tokensIn.Store(int64(before.TokensIn))
	p.tokensOut.Store(int64(before.TokensOut))
	p.retries.Store(int64(before.Retries))
	p.emptyReplies.Store(int64(before.EmptyReplies))
}

func (p *Progress) finish(r Result) {
	p.running.Add(-1)
	switch r.State {
	case StateDone:
		p.done.Add(1)
	case StateInterrupted:
		p.interrupted.Add(1)
	default:
		p.failed.Add(1)
	}
}

func (p *Progress) sink() orchestrator.Sink {
	return orchestrator.SinkFunc(func(e orchestrator.Event) error {
		switch e := e.(type) {
		case orchestrator.MessageFinished:
			if e.Message.Origin != transcripts.OriginModerator && !e.Message.Partial {
				p.messages.Add(1) // counted as a Result counts them
				if e.Message.Origin == transcripts.OriginAgent {
					p.generated.Add(1)
					if strings.TrimSpace(e.Message.Content) == "" {
						p.emptyReplies.Add(1) // as the conversation warns of it
					}
				}
			}
			if u := e.Message.Usage; u != nil {
				p.tokensIn.Add(int64(u.PromptTokens))
				p.tokensOut.Add(int64(u.CompletionTokens))
			}
		case orchestrator.Retrying:
			p.retries.Add(1)
		}
		return nil
	})
}

// Snapshot reads the counters.
func (p *Progress) Snapshot() Snapshot {
	s := Snapshot{
		Total: int(p.total.Load()), Skipped: int(p.skipped.Load()),
		Done: int(p.done.Load()), Failed: int(p.failed.Load()), Interrupted: int(p.interrupted.Load()),
		Running: int(p.running.Load()), Messages: int(p.messagesBefore.Load() + p.messages.Load()),
		MessagesBefore: int(p.messagesBefore.Load()), Generated: int(p.generated.Load()),
		TokensIn: int(p.tokensIn.Load()), TokensOut: int(p.tokensOut.Load()), Retries: int(p.retries.Load()),
		EmptyReplies: int(p.emptyReplies.Load()),
	}
	if start := p.start.Load(); start != nil {
		s.Elapsed = time.Since(*start)
	}
	s.Rates()
	return s
}

// Rates works out the messages a second (this session's, that agents
// said: an opening no model generated is not a rate) and the time left
// from the counts and the time elapsed; no ETA until a conversation has
// finished, nor once one was interrupted: the batch is stopping, and the
// rest waits for --resume.
func (s *Snapshot) Rates() {
	s.MessagesPerSecond, s.ETA = 0, 0
	if secs := s.Elapsed.Seconds(); secs > 0 {
		s.MessagesPerSecond = float64(max(s.Generated, 0)) / secs
	}
	finished := s.Done + s.Failed + s.Interrupted
	if left := s.Total - s.Skipped - finished; finished > 0 && left > 0 && s.Interrupted == 0 {
		s.ETA = time.Duration(float64(s.Elapsed) / float64(finished) * float64(left))
	}
}

// Line renders the snapshot as one line:
// "12/50 done · 10 running · 1 failed · 412 messages · 3 empty replies · 3.2 msg/s · 12.3k tokens in, 3.1k out · ETA 1m20s".
// The rate is left out until an agent has said a message this session,
// and the empty replies until there is one.
func (s Snapshot) Line() string {
	parts := []string{fmt.Sprintf("%d/%d done", s.Done+s.Skipped, s.Total), fmt.Sprintf("%d running", s.Running)}
	if s.Failed > 0 {
		parts = append(parts, fmt.Sprintf("%d failed", s.Failed))
	}
	if s.Interrupted > 0 {
		parts = append(parts, fmt.Sprintf("%d interrupted", s.Interrupted))
	}
	parts = append(parts, compact(s.Messages)+" "+phrase.Noun(s.Messages, "message", "messages"))
	if s.EmptyReplies > 0 {
		parts = append(parts, compact(s.EmptyReplies)+" "+phrase.Noun(s.EmptyReplies, "empty reply", "empty replies"))
	}
	if s.Generated > 0 && s.MessagesPerSecond > 0 {
		parts = append(parts, fmt.Sprintf("%.1f msg/s", s.MessagesPerSecond))
	}
	parts = append(parts, fmt.Sprintf("%s tokens in, %s out", compact(s.TokensIn), compact(s.TokensOut)))
	if s.Retries > 0 {
		parts = append(parts, phrase.Count(s.Retries, "retry", "retries"))
	}
	if eta := s.ETA.Round(time.Second); eta > 0 {
		parts = append(parts, "ETA "+eta.String())
	}
	return strings.Join(parts, " · ")
}

func compact(n int) string {
	switch {
	case n >= 1_000_000:
		return fmt.Sprintf("%.1fM", float64(n)/1e6)
	case n >= 10_000:
		return fmt.Sprintf("%.0fk", float64(n)/1e3)
	case n >= 1_000:
		return fmt.Sprintf("%.1fk", float64(n)/1e3)
	}
	return fmt.Sprint(n)
}

// NewHTTPClient builds the client every job of a batch shares: one
// connection pool sized for parallel conversations, the provider limits
// the scenarios declare (limits: keyed by provider or base URL; when two
// scenarios bound the same key, the stricter bound holds), and the
// replicas they name (base_urls:). Every distinct base URL gets a route,
// so replicas and limits apply whichever agent sends.
func NewHTTPClient(scenarios []*configs.Scenario, parallel int) (*http.Client, *agents.Transport, []*agents.Limiter, error) {
	return NewHTTPClientVia(scenarios, parallel, nil)
}

// NewHTTPClientVia is NewHTTPClient with one more layer: when wrap is set,
// each request, once it holds its local slot and has its replica chosen,
// goes out through wrap(the pooled transport). A batch spread over several
// machines uses it to add limits that all of them share.
func NewHTTPClientVia(scenarios []*configs.Scenario, parallel int, wrap func(http.RoundTripper) http.RoundTripper) (*http.Client, *agents.Transport, []*agents.Limiter, error) {
	limits := mergeLimits(scenarios)
	limiters := map[string]*agents.Limiter{}
	var order []*agents.Limiter
	limiter := func(key string) *agents.Limiter {
		if key == "" {
			return nil
		}
		if lim := limiters[key]; lim != nil {
			return lim
		}
		l := limits[key]
		lim := agents.NewLimiter(key, agents.Limit{Concurrent: l.Concurrent, PerMinute: l.PerMinute})
		limiters[key] = lim
		order = append(order, lim)
		return lim
	}
	holders := map[string]*agents.Limiter{}
	holder := func(a configs.Agent) *agents.Limiter {
		key := strings.ToLower(a.Provider)
		if key == "" {
			key = a.Endpoint()
		}
		if holders[key] == nil {
			holders[key] = agents.NewLimiter(key, agents.Limit{})
		}
		return holders[key]
	}
	type routeInfo struct {
		route    agents.Route
		replicas map[string]bool
	}
	routes := map[string]*routeInfo{}
	var keys []string
	for _, s := range scenarios {
		for _, a := range s.Agents {
			if a.Type != configs.TypeOpenAI {
				continue
			}
			// An agent's replicas are its own: its requests carry its
			// replica key, and another agent addressed to one of the same
			// URLs takes the route without one.
			base, key := a.Endpoint(), a.ReplicaKey()
			ri := routes[key+"\x00"+base]
			if ri == nil {
				ri = &routeInfo{route: agents.Route{BaseURL: base, Key: key}, replicas: map[string]bool{}}
				routes[key+"\x00"+base] = ri
				keys = append(keys, key+"\x00"+base)
			}
			if ri.route.Limiter == nil {
				ri.route.Limiter = limiter(limitKey(a, limits))
			}
			if ri.route.Limiter == nil {
				// No limits: for it, but a 429 still holds back every
				// conversation sent to the same provider (or address),
				// not only the one that got it.
				ri.route.Limiter = holder(a)
			}
			for _, u := range a.BaseURLs {
				u = strings.TrimRight(u, "/")
				if !ri.replicas[u] {
					ri.replicas[u] = true
					ri.route.Replicas = append(ri.route.Replicas, u)
				}
			}
		}
	}
	var rs []agents.Route
	for _, k := range keys {
		rs = append(rs, routes[k].route)
	}
	base := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          max(100, 2*parallel),
		MaxIdleConnsPerHost:   max(16, 2*parallel),
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		ReadBufferSize:        readBufferSize,
		WriteBufferSize:       writeBufferSize,
	}
	var rt http.RoundTripper = base
	if wrap != nil {
		rt = wrap(base)
	}
	t := agents.NewTransport(rt, rs...)
	return &http.Client{Transport: t, CheckRedirect: agents.CheckRedirect}, t, order, nil
}

// mergeLimits is the scenarios' limits: sections as one, keyed as
// written (a base URL without its last slash); where two scenarios limit
// the same key, the stricter bound of each kind holds.
func mergeLimits(scenarios []*configs.Scenario) map[string]configs.Limit {
	limits := map[string]configs.Limit{}
	for _, s := range scenarios {
		for k, l := range s.Limits {
			k = strings.TrimRight(k, "/")
			cur, ok := limits[k]
			if !ok {
				limits[k] = l
				continue
			}
			limits[k] = configs.Limit{Concurrent: stricter(cur.Concurrent, l.Concurrent), PerMinute: stricter(cur.PerMinute, l.PerMinute)}
		}
	}
	return limits
}

// limitKey is the key of limits that bounds an OpenAI-compatible agent's
// requests: its base URL (the first of its base_urls) when limits bounds
// that, else its provider's name; "" when neither is bounded.
func limitKey(a configs.Agent, limits map[string]configs.Limit) string {
	if base := a.Endpoint(); bounds(limits[base]) {
		return base
	}
	if p := strings.ToLower(a.Provider); p != "" && bounds(limits[p]) {
		return p
	}
	return ""
}

// bounds reports whether l limits anything: 0 means no bound.
func bounds(l configs.Limit) bool { return l.Concurrent != 0 || l.PerMinute != 0 }

// UnusedLimits lists, sorted, the keys of the scenarios' limits: sections
// that bound none of their agents' requests: a provider no agent uses, a
// base URL none is addressed to (a limit applies to an agent's first
// replica, not to the others in its base_urls), or a typing slip.
func UnusedLimits(scenarios []*configs.Scenario) []string {
	limits := mergeLimits(scenarios)
	used := map[string]bool{}
	for _, s := range scenarios {
		for _, a := range s.Agents {
			if a.Type == configs.TypeOpenAI {
				used[limitKey(a, limits)] = true
			}
		}
	}
	var out []string
	for k, l := range limits {
		if bounds(l) && !used[k] {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

func stricter(a, b int) int {
	switch {
	case a == 0:
		return b
	case b == 0:
		return a
	}
	return min(a, b)
}

// CloseIdle releases the pooled connections of a client NewHTTPClient built.
func CloseIdle(c *http.Client) {
	if c != nil {
		c.CloseIdleConnections()
	}
}

// The buffers of each pooled connection, held for as long as it lives: a
// batch holds one connection per running conversation (4 KiB each by
// default). A request is written once a turn: its head (a few hundred
// bytes) and the start of its body fill the write buffer, and the rest of
// the body goes from there straight to the socket, so the buffer's size
// moves where the first write ends, not how many there are, for any body
// larger than the buffer. A reply streams at a model's pace, a few events
// between reads, and the agent reads its lines through a buffer of its own.
const (
	readBufferSize  = 1 << 10
	writeBufferSize = 1 << 9
)
