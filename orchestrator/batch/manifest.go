package batch

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/parleyhq/parley/configs"
	"github.com/parleyhq/parley/internal/phrase"
	"github.com/parleyhq/parley/transcripts"
)

// A batch directory holds:
//
//	batch.json    the manifest: the scenarios, the --vary flags and every planned job
//	state.jsonl   one line per change of a job's state, appended and synced;
//	              the last line for a job wins
//	runs/ID/      each job's transcript (NAME.md and NAME.jsonl)
//	summary.json  the summary, and summary.md the same as a Markdown table
const (
	ManifestFile = "batch.json"
	StateFile    = "state.jsonl"
	RunsDir      = "runs"
)

// Manifest is the plan of a batch, written once when it starts.
type Manifest struct {
	Version  int       `json:"version"`
	ID       string    `json:"id"`
	Created  time.Time `json:"created"`
	N        int       `json:"n"`
	Parallel int       `json:"parallel"`
	Vary     []string  `json:"vary,omitempty"` // the --vary flags' values, FIELD=VALUES
	// Set holds the --set flags' values, FIELD=VALUE. A manifest written
	// by an earlier parley holds them in Vary, and reads as it did.
	Set []string `json:"set,omitempty"`
	// Queue is the queue a batch was planned on (--queue), its address
	// with any password hidden, or "embedded"; "" for a batch run here.
	// QueueDir is the embedded queue's --queue-dir, when given.
	Queue     string           `json:"queue,omitempty"`
	QueueDir  string           `json:"queue_dir,omitempty"`
	Scenarios []ScenarioSource `json:"scenarios"`
	Jobs      []PlannedJob     `json:"jobs"`
}

// ScenarioSource is a scenario as the batch read it.
type ScenarioSource struct {
	Path   string `json:"path"`
	Source string `json:"source"`
	// Redacted says batch.json holds Source with URL passwords and header
	// values hidden (see configs.RedactSource); ReadManifest reads the
	// scenario from Path again to run it. Still set after ReadManifest,
	// it says the file no longer holds that scenario (edited, moved or
	// removed): Source has REDACTED in place of the secrets, and a
	// conversation run from it would send that as the credentials.
	Redacted bool `json:"redacted,omitempty"`
}

// PlannedJob is one job of the manifest.
type PlannedJob struct {
	ID       string            `json:"id"`
	Scenario int               `json:"scenario"` // index into Scenarios
	Vary     map[string]string `json:"vary,omitempty"`
	Pair     *configs.Pair     `json:"pair,omitempty"` // for a roster scenario
	Run      int               `json:"run,omitempty"`  // from 1, within its pair and combination
}

// Plan builds the manifest for n runs of each scenario and each combination
// of the varied values, checking every combination loads. id names the
// batch (a time stamp when empty). A Vary with Set is a --set value,
// recorded as one.
func Plan(id string, scenarios []*configs.Scenario, n, parallel int, vary []Vary, now time.Time) (*Manifest, error) {
	if n < 1 {
		return nil, fmt.Errorf("-n must be at least 1")
	}
	if len(scenarios) == 0 {
		return nil, fmt.Errorf("name at least one scenario")
	}
	grid, err := Grid(vary)
	if err != nil {
		return nil, err
	}
	if id == "" {
		id = now.UTC().Format("20060102T150405")
	}
	m := &Manifest{Version: 1, ID: id, Created: now, N: n, Parallel: parallel}
	var set []string
	for _, v := range vary {
		if v.Set {
			m.Set = append(m.Set, v.String())
			set = append(set, v.Path)
			continue
		}
		m.Vary = append(m.Vary, v.String())
	}
	for si, s := range scenarios {
		// Two spellings of one field are told apart by each scenario's
		// own agents, which may differ from file to file.
		if err := SameFields(s.Path, []byte(s.Source), vary); err != nil {
			return nil, err
		}
		m.Scenarios = append(m.Scenarios, ScenarioSource{Path: s.Path, Source: s.Source})
		if s.IsRoster() {
			if err := m.planRoster(si, s, n, grid, set); err != nil {
				return nil, err
			}
			continue
		}
		for _, combo := range grid {
			// Check the combination once, before anything runs.
			if _, err := (Job{ScenarioPath: s.Path, Scenario: s.Source, Vary: combo, Set: setIn(set, combo)}).Load(); err != nil {
				return nil, err
			}
			for r := range n {
				m.Jobs = append(m.Jobs, PlannedJob{Scenario: si, Vary: combo, Run: r + 1})
			}
		}
	}
	width := len(fmt.Sprint(len(m.Jobs)))
	for i := range m.Jobs {
		m.Jobs[i].ID = fmt.Sprintf("%s-%0*d", id, max(width, 4), i+1)
	}
	return m, nil
}

// planRoster plans a roster scenario: for each combination of varied
// values, runs × n conversations of every pair. Runs go round the pairs
// (run 1 of every pair, then run 2, …) so that a tournament cut short has
// covered every pair as evenly as it could. A value given to one roster
// agent by name (agents[Kimi K2].…, roster.agents[…].…) changes nothing
// in a pair it is not in: such a pair is planned once for the values
// that do reach it, not again for each value of that agent's, which
// would stage the same conversation over and label it with a value it
// never had.
func (m *Manifest) planRoster(si int, s *configs.Scenario, n int, grid []map[string]string, set []string) error {
	pairs := s.Roster.PairList()
	runs := s.Roster.Runs * n
	names := make([]string, len(s.Roster.Agents))
	for i, a := range s.Roster.Agents {
		names[i] = a.Name
	}
	planned := map[string]bool{} // each pair and the values that reach it, once
	for _, combo := range grid {
		type staged struct {
			p    configs.Pair
			vals map[string]string
		}
		var todo []staged
		for _, p := range pairs {
			vals := valuesReaching(combo, p, names)
			key := fmt.Sprint(p.A, p.B, p.Names, FormatValues(vals))
			if planned[key] {
				continue
			}
			planned[key] = true
			// Check each pair once, before anything runs.
			j := Job{ScenarioPath: s.Path, Scenario: s.Source, Vary: vals, Set: setIn(set, vals), Pair: &p}
			if err := j.overlaps(); err != nil {
				return err
			}
			if _, err := j.Load(); err != nil {
				return err
			}
			todo = append(todo, staged{p, vals})
		}
		for r := range runs {
			for _, t := range todo {
				m.Jobs = append(m.Jobs, PlannedJob{Scenario: si, Vary: t.vals, Pair: &t.p, Run: r + 1})
			}
		}
	}
	return nil
}

// valuesReaching is combo without the values given to a roster agent by
// name or index (agents[NAME].…, roster.agents[NAME or I].…) that is
// not in pair p. A path naming no roster agent is kept, so that loading
// the job refuses it with the roster's names.
func valuesReaching(combo map[string]string, p configs.Pair, names []string) map[string]string {
	var out map[string]string
	for path, val := range combo {
		if i, ok := rosterAgentOf(path, names); ok && i != p.A && i != p.B {
			continue
		}
		if out == nil {
			out = make(map[string]string, len(combo))
		}
		out[path] = val
	}
	return out
}

// rosterAgentOf is the roster agent a path names: agents[NAME].… by its
// name, roster.agents[NAME].… or roster.agents[I].…; ok is false for
// any other path (agents[0] and agents[1] are every pair's seats).
func rosterAgentOf(path string, names []string) (int, bool) {
	segs, err := parsePath(path)
	if err != nil {
		return 0, false
	}
	switch {
	case segs[0].key == "agents" && segs[0].hasIndex && len(segs) > 1:
		if _, err := strconv.Atoi(segs[0].index); err == nil {
			return 0, false
		}
		i := slices.Index(names, segs[0].index)
		return i, i >= 0
	case segs[0].key == "roster" && len(segs) > 2 && segs[1].key == "agents" && segs[1].hasIndex:
		if i, err := strconv.Atoi(segs[1].index); err == nil {
			return i, i >= 0 && i < len(names)
		}
		i := slices.Index(names, segs[1].index)
		return i, i >= 0
	}
	return 0, false
}

// Job returns planned job i as a self-contained job.
func (m *Manifest) Job(i int) Job {
	p := m.Jobs[i]
	s := m.Scenarios[p.Scenario]
	var set []string
	for _, spec := range m.Set {
		path, _, _ := strings.Cut(spec, "=")
		set = append(set, path)
	}
	return Job{ID: p.ID, ScenarioPath: s.Path, Scenario: s.Source, Vary: p.Vary, Set: setIn(set, p.Vary), Pair: p.Pair, Run: p.Run}
}

// setIn lists the paths of set that vals holds, sorted; nil when none.
func setIn(set []string, vals map[string]string) []string {
	var out []string
	for _, path := range set {
		if _, ok := vals[path]; ok {
			out = append(out, path)
		}
	}
	sort.Strings(out)
	return out
}

// Lines lists every planned conversation, one line each, as
// batch --dry-run prints them. A title two scenario files give is named
// with each file (see Titles).
func (m *Manifest) Lines() ([]string, error) {
	titles := make([]string, len(m.Jobs))
	loaded := map[string]string{}
	var names Titles
	for i := range m.Jobs {
		j := m.Job(i)
		// Load each scenario, combination and pair once, not once per run.
		key := fmt.Sprint(m.Jobs[i].Scenario, FormatValues(j.Vary))
		if p := j.Pair; p != nil {
			key += fmt.Sprint(" pair ", p.A, p.B, p.Names)
		}
		title, ok := loaded[key]
		if !ok {
			var err error
			if title, err = j.title(); err != nil {
				return nil, err
			}
			loaded[key] = title
		}
		titles[i] = title
		names.Add(title, j.ScenarioPath)
	}
	out := make([]string, 0, len(m.Jobs))
	for i := range m.Jobs {
		j := m.Job(i)
		out = append(out, j.line(names.Name(titles[i], j.ScenarioPath)))
	}
	return out, nil
}

// WriteManifest writes m to dir/batch.json, refusing to overwrite another
// batch's manifest.
func WriteManifest(dir string, m *Manifest) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating the batch directory %s: %w", dir, err)
	}
	path := filepath.Join(dir, ManifestFile)
	// Secrets a scenario holds never reach the disk.
	hidden := *m
	hidden.Scenarios = make([]ScenarioSource, len(m.Scenarios))
	for i, s := range m.Scenarios {
		if !s.Redacted {
			s.Source, s.Redacted = configs.RedactSource(s.Source)
		}
		hidden.Scenarios[i] = s
	}
	data, err := json.MarshalIndent(&hidden, "", "  ")
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s already holds a batch; finish it with %s or choose another --out", dir, phrase.Command("parley", "batch", "--resume", dir))
	}
	if err != nil {
		return err
	}
	if _, err := f.Write(append(data, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// noManifest is ReadManifest's error for a folder without a batch.json:
// it says so, and is fs.ErrNotExist to errors.Is, so that a caller can
// tell a folder holding no batch from one whose batch.json it cannot take.
type noManifest struct {
	dir string
	err error
}

func (e *noManifest) Error() string {
	return fmt.Sprintf("%s is not a batch directory: it has no %s", e.dir, ManifestFile)
}

func (e *noManifest) Unwrap() error { return e.err }

// ReadManifest reads dir/batch.json. When dir holds none, the error is
// fs.ErrNotExist to errors.Is; any other error is about the file there.
func ReadManifest(dir string) (*Manifest, error) {
	path := filepath.Join(dir, ManifestFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &noManifest{dir, err}
	}
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if m.Version != 1 {
		return nil, fmt.Errorf("%s: version %d is not one this parley reads", path, m.Version)
	}
	for _, j := range m.Jobs {
		if j.Scenario < 0 || j.Scenario >= len(m.Scenarios) {
			held := "none"
			switch len(m.Scenarios) {
			case 0:
			case 1:
				held = "1 (scenario 0)"
			default:
				held = fmt.Sprintf("%d (scenarios 0 to %d)", len(m.Scenarios), len(m.Scenarios)-1)
			}
			return nil, fmt.Errorf("%s: job %s names scenario %d, and the batch holds %s; restore the file parley wrote, or plan the batch again", path, j.ID, j.Scenario, held)
		}
	}
	if err := m.checkPairs(path); err != nil {
		return nil, err
	}
	// A scenario recorded with its secrets hidden runs from its file, when
	// that file still holds the same scenario.
	for i, s := range m.Scenarios {
		if !s.Redacted || s.Path == configs.StdinSource {
			continue
		}
		if data, err := os.ReadFile(s.Path); err == nil {
			if again, _ := configs.RedactSource(string(data)); again == s.Source {
				m.Scenarios[i].Source, m.Scenarios[i].Redacted = string(data), false
			}
		}
	}
	return &m, nil
}

// checkPairs refuses a job whose pair names a roster agent its scenario,
// as batch.json recorded it, does not have (or that has no roster at
// all), and a job of a roster that names no pair, in a sentence naming
// path, the job and the field: staged, it
// would fail in a sentence naming neither. A scenario whose YAML cannot
// be read is left to loading, which says what is wrong with it.
func (m *Manifest) checkPairs(path string) error {
	type size struct {
		n          int
		roster, ok bool
	}
	sizes := map[int]size{}
	for _, j := range m.Jobs {
		sz, seen := sizes[j.Scenario]
		if !seen {
			n, roster, err := configs.RosterSize([]byte(m.Scenarios[j.Scenario].Source))
			sz = size{n, roster, err == nil}
			sizes[j.Scenario] = sz
		}
		if !sz.ok || j.Pair == nil && !sz.roster {
			continue
		}
		if j.Pair == nil {
			return fmt.Errorf("%s: job %s names no pair, and its scenario, %s, is a roster, which stages one pair a job; restore the file parley wrote, or plan the batch again",
				path, j.ID, m.Scenarios[j.Scenario].Path)
		}
		missing := configs.MissingAgents(*j.Pair, sz.n)
		if !sz.roster {
			missing = []configs.MissingAgent{{Field: "pair.a", Index: j.Pair.A}}
			if j.Pair.B != j.Pair.A {
				missing = append(missing, configs.MissingAgent{Field: "pair.b", Index: j.Pair.B})
			}
		}
		if len(missing) == 0 {
			continue
		}
		var named []string
		for _, a := range missing {
			named = append(named, fmt.Sprintf("%d (%s)", a.Index, a.Field))
		}
		has := "has no roster"
		if sz.roster {
			has = "has " + configs.HeldAgents(sz.n, "roster agent", "roster agents")
		}
		return fmt.Errorf("%s: job %s names %s %s, and its scenario, %s, %s; restore the file parley wrote, or plan the batch again",
			path, j.ID, phrase.Noun(len(named), "roster agent", "roster agents"), phrase.And(named), m.Scenarios[j.Scenario].Path, has)
	}
	return nil
}

// Hidden lists the scenarios (indexes into m.Scenarios) that conversations
// still to run in dir use (every job not settled, as Runner.Run judges it
// with retryFailed) and that m holds only with their secrets hidden, their
// files no longer holding them (see ScenarioSource.Redacted). Those
// conversations cannot run: they would send REDACTED in place of a
// header's value or a URL's password.
func (m *Manifest) Hidden(dir string, retryFailed bool) ([]int, error) {
	var st BatchState
	if dir != "" {
		var err error
		if st, err = ReadState(dir); err != nil {
			return nil, err
		}
	}
	return m.hidden(st, retryFailed), nil
}

func (m *Manifest) hidden(st BatchState, retryFailed bool) []int {
	var out []int
	for _, j := range m.Jobs {
		if j.Scenario < 0 || j.Scenario >= len(m.Scenarios) || !m.Scenarios[j.Scenario].Redacted || slices.Contains(out, j.Scenario) {
			continue
		}
		if !st.Settled(j.ID, retryFailed) {
			out = append(out, j.Scenario)
		}
	}
	sort.Ints(out)
	return out
}

// Edited lists the scenario files that no longer hold the scenario the
// manifest recorded (a file that cannot be read is not listed): --resume
// runs what was recorded, and says so.
func (m *Manifest) Edited() []string {
	var out []string
	for _, s := range m.Scenarios {
		if s.Path == "" || s.Path == configs.StdinSource {
			continue // read from standard input: no file can have changed
		}
		data, err := os.ReadFile(s.Path)
		if err != nil {
			continue
		}
		now := string(data)
		if s.Redacted {
			// ReadManifest took the file when it matched; it did not.
			now, _ = configs.RedactSource(now)
		}
		if now != s.Source {
			out = append(out, s.Path)
		}
	}
	return out
}

// StateRecord is one line of state.jsonl.
type StateRecord struct {
	ID     string    `json:"id,omitempty"`
	State  string    `json:"state,omitempty"`
	Time   time.Time `json:"time"`
	Result *Result   `json:"result,omitempty"` // on done, failed and interrupted
	// Session lines record the wall time of one run of the batch command.
	Session time.Duration `json:"session_ns,omitempty"`
	// Begin marks where a run of the batch command began (at Time), so
	// that one killed before its Session line (a SIGKILL, a power cut)
	// can still be counted: the next run records it, Recovered, up to
	// its last recorded progress.
	Begin     bool `json:"begin,omitempty"`
	Recovered bool `json:"recovered,omitempty"`
	// Parallel, on a Begin line of a batch run here, is the session's -j:
	// how many conversations it ran at once at most.
	Parallel int `json:"parallel,omitempty"`
}

// stateLog appends to state.jsonl.
type stateLog struct {
	mu sync.Mutex
	f  *os.File
}

// openStateLog opens dir's state log for appending. A last line a crash
// cut off is moved to state.jsonl.torn first, so that the next record
// starts a line of its own; the sentence saying so is returned.
func openStateLog(dir string) (*stateLog, string, error) {
	f, err := os.OpenFile(filepath.Join(dir, StateFile), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, "", err
	}
	warning, err := transcripts.CutTornLine(f, "the batch's state log")
	if err != nil {
		f.Close()
		return nil, "", err
	}
	if warning != "" {
		warning = f.Name() + ": " + warning
	}
	return &stateLog{f: f}, warning, nil
}

func (l *stateLog) write(r StateRecord) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, err := l.f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("writing %s: %w", l.f.Name(), err)
	}
	return l.f.Sync()
}

func (l *stateLog) Close() error { return l.f.Close() }

// AddSession records in dir's state log that the batch command ran for d,
// and returns the batch's wall time: d and every session recorded before.
// A batch on a queue, whose jobs' states live on the queue, keeps only
// these lines, and those of the failures that left no transcript
// (RecordFailure).
func AddSession(dir string, d time.Duration) (time.Duration, error) {
	st, err := ReadState(dir)
	if err != nil {
		return d, err
	}
	wall := d
	for _, s := range st.Sessions {
		wall += s
	}
	log, _, err := openStateLog(dir)
	if err != nil {
		return wall, err
	}
	defer log.Close()
	return wall, log.write(StateRecord{Time: time.Now(), Session: d})
}

// recoverSession records in log the session st holds as unended (killed
// before it recorded its end), counted from its start to its last
// recorded progress: its last state record, or the last message on disk
// of a conversation it ran (a transcript written since it began). It
// returns the time recorded.
func recoverSession(log *stateLog, dir string, st BatchState) (time.Duration, error) {
	u := st.Unended
	if u == nil {
		return 0, nil
	}
	last := u.Last
	runs, _ := os.ReadDir(filepath.Join(dir, RunsDir))
	for _, e := range runs {
		path, err := existingJSONL(filepath.Join(dir, RunsDir, e.Name()))
		if err != nil || path == "" {
			continue
		}
		if fi, err := os.Stat(path); err != nil || fi.ModTime().Before(u.Begin) {
			continue // untouched since the session began
		}
		t, err := transcripts.Read(path)
		if err != nil {
			continue
		}
		for _, m := range t.Messages {
			for _, at := range []time.Time{m.Started, m.Ended} {
				if at.After(last) {
					last = at
				}
			}
		}
	}
	d := last.Sub(u.Begin)
	if d <= 0 {
		return 0, nil
	}
	return d, log.write(StateRecord{Time: time.Now(), Session: d, Recovered: true})
}

// BeginSession records in dir's state log that a run of the batch command
// began at start, first counting a session before it that was killed
// before it recorded its end (see recoverSession). Runner.Run does it
// itself; a batch on a queue calls it once its batch is on the queue.
func BeginSession(dir string, start time.Time) error {
	st, err := ReadState(dir)
	if err != nil {
		return err
	}
	log, _, err := openStateLog(dir)
	if err != nil {
		return err
	}
	defer log.Close()
	if _, err := recoverSession(log, dir, st); err != nil {
		return err
	}
	return log.write(StateRecord{Time: start, Begin: true})
}

// Settled reports whether a resumed batch leaves job id as it is: its log
// records it done, or failed when failures are not retried, with its
// result. Runner.Run skips exactly these.
func (st BatchState) Settled(id string, retryFailed bool) bool {
	rec, ok := st.Last[id]
	return ok && (rec.State == StateDone || rec.State == StateFailed && !retryFailed) && rec.Result != nil
}

// BatchState is what state.jsonl says so far.
type BatchState struct {
	Last     map[string]StateRecord // the last record for each job
	Sessions []time.Duration
	// Unended is the last session that began and recorded no end: it
	// was killed, and is not counted in Sessions.
	Unended *Unended
	// Parallel holds the -j of each session that recorded its beginning,
	// in order: 0 for one of a batch on a queue, or of an earlier parley,
	// which did not record it.
	Parallel []int
	// Warnings name the lines that are no record (cut off by a crash
	// before the log was next opened) and were skipped.
	Warnings []string
}

// Unended is a session of the batch command that was killed before it
// recorded its end: when it began, and the time of its last record.
type Unended struct {
	Begin, Last time.Time
}

// ReadState reads dir/state.jsonl; a missing file is an empty state. A
// line that is no record (a crash while writing it) is skipped, and named
// in the state's Warnings when it is not the last: the records after it
// are read, so a batch that crashed once still resumes.
func ReadState(dir string) (BatchState, error) {
	st := BatchState{Last: map[string]StateRecord{}}
	path := filepath.Join(dir, StateFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return st, err
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	line := 0
	var pending string
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		if pending != "" {
			st.Warnings = append(st.Warnings, pending)
			pending = ""
		}
		var r StateRecord
		if err := json.Unmarshal(b, &r); err != nil {
			pending = fmt.Sprintf("%s: line %d is no state record (a crash cut it off while it was written) and was skipped", path, line)
			continue
		}
		switch {
		case r.Begin:
			st.Unended = &Unended{Begin: r.Time, Last: r.Time}
			st.Parallel = append(st.Parallel, r.Parallel)
		case r.Session > 0:
			st.Sessions = append(st.Sessions, r.Session)
			st.Unended = nil
		case st.Unended != nil && r.Time.After(st.Unended.Last):
			st.Unended.Last = r.Time
		}
		if r.ID != "" {
			st.Last[r.ID] = r
		}
	}
	return st, sc.Err()
}

// Finished lists the jobs of m that dir holds a finished result for: done
// or failed (see Endings). With retryFailed, as batch --resume
// --retry-failed runs them, a failed job is not finished: it is still to
// run.
func Finished(dir string, m *Manifest, retryFailed bool) (map[string]bool, error) {
	ends, err := Endings(dir, m)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for id, state := range ends {
		if state == StateDone || !retryFailed {
			out[id] = true
		}
	}
	return out, nil
}

// Endings is how each job of m that dir holds a finished result for
// ended, StateDone or StateFailed, by its id: as its state log records
// it, or (for a batch run on a queue, whose results live on the queue) as
// its transcript in runs/ID/ records a stop other than an interruption,
// failed when an error stopped it. A failure the log records without a
// transcript (one that failed before it recorded anything; see
// RecordFailure) gives way to a transcript in runs/ID/, which a retry
// wrote since.
func Endings(dir string, m *Manifest) (map[string]string, error) {
	st, err := ReadState(dir)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, j := range m.Jobs {
		rec, ok := st.Last[j.ID]
		if ok && (rec.State == StateDone || rec.State == StateFailed) && !untraced(rec) {
			out[j.ID] = rec.State
			continue
		}
		path, err := existingJSONL(filepath.Join(dir, RunsDir, j.ID))
		if err != nil || path == "" {
			if ok && untraced(rec) {
				out[j.ID] = StateFailed
			}
			continue
		}
		t, err := transcripts.Read(path)
		if err != nil || t.Run == nil || t.Run.Stop == nil || t.Run.Stop.Kind == transcripts.StopInterrupted {
			continue
		}
		out[j.ID] = StateDone
		if t.Run.Stop.Kind == transcripts.StopError {
			out[j.ID] = StateFailed
		}
	}
	return out, nil
}

// untraced reports whether rec is a failure whose result names no
// transcript: its job failed before it recorded anything.
func untraced(rec StateRecord) bool {
	return rec.State == StateFailed && rec.Result != nil && rec.Result.JSONL == ""
}

// RecordFailure records in dir's state log the failure res of a job of a
// batch run on a queue that failed before it recorded anything: runs/ID/
// holds no transcript of it, which Endings reads the other jobs' endings
// from, and a resume once the queue is gone (an embedded queue, removed
// at the batch's end) finds it failed here, as a local batch's log
// records it. A job whose last record is a failure already is left as it
// is, so that following the batch again adds nothing.
func RecordFailure(dir string, res Result) error {
	st, err := ReadState(dir)
	if err != nil {
		return err
	}
	if rec, ok := st.Last[res.ID]; ok && rec.State == StateFailed {
		return nil
	}
	log, _, err := openStateLog(dir)
	if err != nil {
		return err
	}
	defer log.Close()
	res.State, res.JSONL, res.Markdown = StateFailed, "", ""
	return log.write(StateRecord{ID: res.ID, State: StateFailed, Time: time.Now(), Result: &res})
}

// LoadScenarios loads every distinct scenario and combination of varied values
// the manifest plans, as a batch's HTTP client needs them for its routes
// and limits: the scenario of each job Distinct lists, in its order.
func (m *Manifest) LoadScenarios() ([]*configs.Scenario, error) {
	var out []*configs.Scenario
	for _, i := range m.Distinct() {
		s, err := m.Job(i).Load()
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// Distinct lists the first job the manifest plans (its index in Jobs) of
// each scenario, combination of varied values and pair: one for each
// scenario its conversations run.
func (m *Manifest) Distinct() []int {
	seen := map[string]bool{}
	var out []int
	for i := range m.Jobs {
		j := m.Job(i)
		key := fmt.Sprint(m.Jobs[i].Scenario, FormatValues(j.Vary))
		if p := j.Pair; p != nil {
			key += fmt.Sprint(" pair ", p.A, p.B)
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, i)
	}
	return out
}
