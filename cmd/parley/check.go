package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/parleyhq/parley/analysis"
	"github.com/parleyhq/parley/configs"
	"github.com/parleyhq/parley/internal/lazy"
	"github.com/parleyhq/parley/internal/phrase"
	"github.com/parleyhq/parley/orchestrator/policy"
)

func init() { commands = append(commands, newCheckCmd) }

type checkFlags struct {
	policyFile string
	json       bool
	sweeps     []string
}

func newCheckCmd() *cobra.Command {
	var f checkFlags
	c := &cobra.Command{
		Use:   "check [--policy FILE] [--json] [--sweep SPEC]... TRANSCRIPT|DIR...",
		Short: "Replay recorded transcripts through termination policies and see where they would stop",
		Long: `check replays each transcript through a termination policy, one message at
a time as a live run would, and reports where the policy would have stopped
it, which rule fired and why, and how many messages that saves.

Transcripts may be in any layout parley reads: its own Markdown and JSONL,
"### Name ###" headed blocks, speaker-labelled text ("## Name", "**Name:**",
"Name:", "> Name:", "- Name:", "=== Name ===", "<Name>", "[12:00] Name:",
"Turn 3 - Name:"), OpenAI "messages" JSON, ShareGPT "conversations" JSON,
other JSON or YAML lists of turns, JSON of numbered messages ("message_1",
…), or CSV and TSV tables with a speaker and a text column; directories are
searched for them (YAML only when named). Without --policy, parley's default
set is used. --policy takes a YAML file holding a termination: block (a
scenario will do) or the bare policy.

A transcript NAME.md (or NAME.jsonl, NAME.json, NAME.csv, …) may carry a
labelled window in NAME.expect.yaml:

  stop_after: 15      # stopping before message 15 cuts content
  stop_by: 27         # stopping after message 27, or never, wastes messages
  loops: [[18, 24]]   # optional: stretches that looped, then broke out

A stop passes from stop_after to stop_by, or in the six messages after a
loop's first (19 to 24 here: a live rule cannot know a loop will end).
Before stop_after and in no loop it is cut early; anything else is late.
With stop_by null, or none, the transcript must not be stopped before its
end. A transcript without NAME.expect.yaml takes its label from the nearest
labels.json in its folder or above that lists it, as the labelled corpus
has them: {"transcripts": [{"file": "dir/NAME.md", "stop_after": 15,
"stop_by": 27}, …]}. check reports pass or fail for each labelled
transcript and exits 1 if any fails.

--sweep runs a grid over policy settings and reports, for each point, how
many labelled transcripts pass and how many messages are wasted. It varies
rules the policy holds (the default set, or the file --policy names):

  parley check --sweep end_token.exchanges=1..4 transcripts/corpus
  parley check --sweep loop.threshold=0.6,0.7,0.8 --sweep loop.count=3..5 DIR
  parley check --policy rules.yaml --sweep repetition.threshold=0.8,0.85,0.9 DIR`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErr(errors.New("check takes one or more transcripts or directories, such as transcripts/corpus"))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error { return runCheck(cmd, f, args) },
	}
	c.Flags().StringVar(&f.policyFile, "policy", "", "YAML file with the policy to check (default: parley's default set)")
	c.Flags().BoolVar(&f.json, "json", false, "print one JSON object per transcript (or per sweep point)")
	c.Flags().StringArrayVar(&f.sweeps, "sweep", nil, "vary a setting, as RULE.FIELD=A..B or RULE.FIELD=X,Y,Z (repeat for a grid)")
	return c
}

// checkResult is what check reports for one transcript.
type checkResult struct {
	File     string             `json:"file"`
	Folder   string             `json:"folder"` // the path given on the command line it was found under
	Layout   string             `json:"layout"`
	Messages int                `json:"messages"`          // the messages judged
	Partial  int                `json:"partial,omitempty"` // interrupted messages after them, left out as a live run leaves them
	StopAt   *int               `json:"stop_at"`
	Policy   *string            `json:"policy"`
	Reason   *string            `json:"reason"`
	Saved    int                `json:"saved"`
	Expect   *analysis.Label    `json:"expect"`
	Pass     *bool              `json:"pass"`            // null when unlabelled
	Verdict  string             `json:"verdict"`         // pass, early, late, unlabelled, or unread
	Wasted   int                `json:"wasted"`          // messages spoken after stop_by
	Cut      int                `json:"cut"`             // labelled messages lost before stop_after
	Error    string             `json:"error,omitempty"` // why a transcript could not be read, or scored (verdict "unread")
	outcome  analysis.Outcome   `json:"-"`
	points   []analysis.Outcome // one per sweep point
	saved    []int              // one per sweep point
	moved    bool               // a sweep point stopped it elsewhere than the first did
	warnings []string           // the reader's, printed as the result is, in the order of files
}

func runCheck(cmd *cobra.Command, f checkFlags, args []string) error {
	// Rows quote transcripts (a stop's reason names speakers), which may
	// hold bytes a terminal acts on; standard error, where warnings go,
	// drops them on a terminal for every command (newRoot).
	out, errw := terminalSafe(cmd.OutOrStdout()), cmd.ErrOrStderr()
	// check keeps little (a few transcripts in flight) and allocates a lot,
	// so with Go's default the collector runs every few transcripts: twice
	// the live heap before it runs cuts check's time by a fifth for a few
	// MiB, the same however many transcripts there are. GOGC, when set,
	// decides instead.
	if os.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(200))
	}
	base, source, err := loadPolicyNode(f.policyFile)
	if err != nil {
		return usageErr(err)
	}
	grid, err := analysis.ParseSweeps(f.sweeps)
	if err != nil {
		return usageErr(err)
	}
	points, err := analysis.Points(base, grid)
	if err != nil {
		return usageErr(noRuleAdvice(err, f.policyFile))
	}
	// Parse every point once now, so a bad value shows before any transcript is read.
	for _, pt := range points {
		if f.policyFile != "" {
			// A swept loop.model is looked for beside the policy file
			// too, as the file's own model: is.
			policy.ResolveFiles(pt.Node, filepath.Dir(f.policyFile))
		}
		if _, err := policy.Parse(pt.Node); err != nil {
			return usageErr(sweepErr(grid, pt, source, err))
		}
	}
	files, err := analysis.Gather(args)
	if err != nil {
		return usageErr(err)
	}
	if len(files) == 0 {
		return failureErr(fmt.Errorf("no transcripts found in %s; check takes parley Markdown or JSONL, \"### Name ###\" logs, speaker-labelled text, or OpenAI or ShareGPT JSON", strings.Join(args, ", ")))
	}
	// Each transcript's row is printed as soon as it is judged and then
	// dropped: only the tallies the summary needs are kept, so memory
	// stays flat however many transcripts there are.
	var (
		unread   = unjudged{w: errw}
		judged   int
		moved    bool // some transcript's stop differs between sweep points
		folders  []string
		byFolder = map[string]*analysis.Tally{}
		total    analysis.Tally
		lines    = make([]sweepLine, len(points))
		enc      = json.NewEncoder(out)
		table    = newCheckTable(out, files)
	)
	enc.SetEscapeHTML(false)
	if f.json && len(grid) == 0 {
		unread.json = enc
	}
	// Without --sweep, a worker keeps its rules from one transcript to the
	// next. A rule knows another conversation when it is given one, and
	// judges it as a fresh rule would (see policy's memo), but it keeps the
	// room it grew: its tables are not allocated and cleared again for
	// every transcript. A sweep's points are each renewed for every
	// transcript instead and dropped once it is judged: kept, every worker
	// would hold each point's room, grown to the longest transcript (a few
	// MiB a point), and memory would grow with the grid.
	sets := sync.Pool{New: func() any {
		ps := make([]policy.Policy, len(points))
		for i, pt := range points {
			ps[i], _ = policy.Parse(pt.Node) // parsed above: cannot fail
		}
		return &ps // a pointer: a slice put back would be allocated each time
	}}
	var templates []policy.Policy // a sweep's points, parsed once and never used to judge
	if len(grid) > 0 {
		templates = make([]policy.Policy, len(points))
		for i, pt := range points {
			templates[i], _ = policy.Parse(pt.Node) // parsed above: cannot fail
		}
	}
	rules := func(i int, ps []policy.Policy) policy.Policy {
		if templates == nil {
			return ps[i]
		}
		if p, ok := policy.Renew(templates[i]); ok {
			return p
		}
		p, _ := policy.Parse(points[i].Node) // a rule Renew cannot copy, such as a judge
		return p
	}
	work := func(it analysis.Item) checkResult {
		r := checkResult{File: it.Name, Folder: it.File.Root, Layout: it.Layout, Messages: len(it.Messages), Partial: it.Partial, Expect: it.Label, warnings: it.Warnings}
		var ps []policy.Policy
		if templates == nil {
			set := sets.Get().(*[]policy.Policy)
			defer sets.Put(set)
			ps = *set
		}
		// A fork's rules judged a seat handed to another model as the
		// owner of what it spoke under its former name: so does check.
		judged := it.Run.Seated(it.Messages)
		end := analysis.Spoken(it.Messages) // where a stop is scored against
		first := 0
		for i := range points {
			st := analysis.Judge(rules(i, ps), judged)
			if i == 0 {
				first = st.At
			}
			r.moved = r.moved || st.At != first
			o := analysis.Score(it.Label, end, st.At)
			saved := 0
			if st.At > 0 {
				saved = max(end-st.At, 0)
			}
			if len(grid) == 0 {
				r.fill(st, o, saved)
			}
			r.points, r.saved = append(r.points, o), append(r.saved, saved)
		}
		return r
	}
	emit := func(r checkResult) {
		for _, w := range r.warnings {
			fmt.Fprintln(errw, "parley: warning:", w)
		}
		judged++
		if _, ok := byFolder[r.Folder]; !ok {
			folders = append(folders, r.Folder)
			byFolder[r.Folder] = new(analysis.Tally)
		}
		switch {
		case len(grid) > 0:
			moved = moved || r.moved
			for i := range points {
				lines[i].Tally.Add(r.points[i], r.saved[i])
				if lines[i].Folders == nil {
					lines[i].Folders = map[string]analysis.Tally{}
				}
				t := lines[i].Folders[r.Folder]
				t.Add(r.points[i], r.saved[i])
				lines[i].Folders[r.Folder] = t
			}
			return
		case f.json:
			enc.Encode(r)
		default:
			table.row(r)
		}
		byFolder[r.Folder].Add(r.outcome, r.Saved)
		total.Add(r.outcome, r.Saved)
	}
	analysis.Each(files, work, emit, unread.add)

	switch {
	case len(grid) > 0:
		if len(folders) <= 1 {
			for i := range lines {
				lines[i].Folders = nil
			}
		}
		printSweep(out, f.json, grid, points, lines, folders, judged, unread.total(), moved)
	case f.json:
		all := unread.total()
		s := jsonSummary{Tally: total, Unread: all.files + all.convs, UnreadConversations: all.convs}
		if len(folders) > 1 {
			s.Folders = map[string]analysis.Tally{}
			for _, f := range folders {
				s.Folders[f] = *byFolder[f]
			}
		}
		b, _ := json.Marshal(s)
		fmt.Fprintf(errw, "summary: %s\n", b)
	default:
		printTallies(out, folders, byFolder, total, unread)
	}
	failed := 0
	if len(grid) == 0 {
		failed = total.Failed()
	}
	switch {
	case failed > 0 || unread.any():
		return failureErr(errors.New(checkFailure(failed, total.Labelled, unread.files, unread.convs, unread.named)))
	case judged == 0:
		return failureErr(errors.New("no transcript could be read"))
	}
	return nil
}

// checkFailure is check's last line when it fails: how many labelled
// transcripts failed their expectations, how many files could not be
// read, and how many conversations of files that were read could not be
// scored, with the first of them named (FILE#N), whichever there are.
func checkFailure(failed, labelled, files, convs int, named []string) string {
	var parts []string
	if failed > 0 {
		parts = append(parts, fmt.Sprintf("%d of %s failed %s expectations",
			failed, phrase.Count(labelled, "labelled transcript", "labelled transcripts"), phrase.Noun(failed, "its", "their")))
	}
	if files > 0 {
		parts = append(parts, phrase.Count(files, "file", "files")+" could not be read")
	}
	if convs > 0 {
		// Only a FILE#N row fails one conversation of a file alone.
		parts = append(parts, fmt.Sprintf("%s could not be scored, as %s %s %s wrong (%s)",
			phrase.Count(convs, "conversation", "conversations"), phrase.Noun(convs, "its", "their"),
			analysis.LabelTableName, phrase.Noun(convs, "row is", "rows are"), someOf(named, convs)))
	}
	if len(parts) > 2 {
		return strings.Join(parts[:len(parts)-1], ", ") + ", and " + parts[len(parts)-1]
	}
	return strings.Join(parts, ", and ")
}

// namedConversations is how many conversations that could not be scored
// the last line names; the rest it counts.
const namedConversations = 3

// someOf names the first of names, of n in all, and says how many more
// there are.
func someOf(names []string, n int) string {
	names = names[:min(len(names), namedConversations, n)]
	if n <= len(names) {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names, ", "), n-len(names))
}

func (r *checkResult) fill(st analysis.Stop, o analysis.Outcome, saved int) {
	if st.At > 0 {
		at, pol, reason := st.At, st.Policy, st.Reason
		r.StopAt, r.Policy, r.Reason = &at, &pol, &reason
	}
	r.Saved, r.outcome, r.Verdict, r.Wasted, r.Cut = saved, o, o.Verdict, o.Wasted, o.Cut
	if o.Verdict != analysis.Unlabelled {
		pass := o.Verdict == analysis.Pass
		r.Pass = &pass
	}
}

// sweepErr says what is wrong with a sweep's point, one sentence a
// problem: one in a value the sweep set names its --sweep, as the value
// is on no line of a file; one in the policy file names its file and line.
func sweepErr(grid []analysis.Axis, pt analysis.Point, source string, err error) error {
	lines := make([][]string, len(grid)+1) // by --sweep, in the order given; then the file's
	for _, e := range policy.Errors(err) {
		msg := e.Error()
		if m := sweepLinePrefix().FindStringSubmatch(msg); m != nil {
			n, _ := strconv.Atoi(m[1])
			if i, ok := analysis.SweepOf(grid, n); ok {
				lines[i] = append(lines[i], fmt.Sprintf("--sweep %q: %s", grid[i].Spec, msg[len(m[0]):]))
				continue
			}
		}
		lines[len(grid)] = append(lines[len(grid)], fmt.Sprintf("--sweep at %s: %v", describe(pt), fileLineErr(source, e)))
	}
	return errors.New(strings.Join(slices.Concat(lines...), "\n"))
}

// noRuleAdvice says where to add the rule a --sweep varies when the
// policy holds none: to the file given to --policy, or, as the default
// set cannot be changed, to a policy file of its own given with --policy.
func noRuleAdvice(err error, policyFile string) error {
	nr, ok := errors.AsType[*analysis.NoRuleError](err)
	if !ok {
		return err
	}
	ax := nr.Axis
	if policyFile == "" {
		return fmt.Errorf("--sweep %q: the default policy set holds no %s rule to vary; to sweep it, write a policy file that holds one and give it with --policy FILE", ax.Spec, ax.Rule)
	}
	return fmt.Errorf("--sweep %q: the policy in %s has no %s rule to vary; add one to it", ax.Spec, policyFile, ax.Rule)
}

var sweepLinePrefix = lazy.Regexp(`^line (-\d+): `)

func describe(pt analysis.Point) string {
	var parts []string
	for k, v := range pt.Settings {
		parts = append(parts, k+"="+v)
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

// loadPolicyNode reads the policy to check: the file's termination: block
// or bare policy, or parley's default set.
func loadPolicyNode(path string) (*yaml.Node, string, error) {
	if path != "" {
		n, err := configs.LoadPolicyNode(path)
		return n, path, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(policy.DefaultYAML), &doc); err != nil {
		return nil, "", fileLineErr("", err)
	}
	return policy.Unwrap(&doc), "the default policy set", nil
}

var linePrefix = lazy.Regexp(`^line (\d+): `)

// fileLineErr turns "line N: msg" into "FILE:N: msg", for each of the
// mistakes err joins.
func fileLineErr(path string, err error) error {
	if errs := policy.Errors(err); len(errs) > 1 {
		var lines []string
		for _, e := range errs {
			lines = append(lines, fileLineErr(path, e).Error())
		}
		return errors.New(strings.Join(lines, "\n"))
	}
	if path == "" {
		path = "the default policy set"
	}
	msg := err.Error()
	if m := linePrefix().FindStringSubmatch(msg); m != nil {
		if m[1] == "0" {
			// A field --sweep set: it is on no line of the file.
			return errors.New(msg[len(m[0]):])
		}
		return fmt.Errorf("%s:%s: %s", path, m[1], msg[len(m[0]):])
	}
	return fmt.Errorf("%s: %s", path, msg)
}

// checkTable prints check's table a row at a time, as each transcript is
// judged, in columns two spaces apart. The first column is as wide as the
// longest file name, with room for "#999" after it: a file of any layout
// may hold several conversations, named FILE#N (a JSON export, Markdown
// transcripts joined into one file, JSON saved as .txt), which its name
// does not tell. The others are as wide as their headings or the values
// they usually hold. A longer value pushes the rest of its row along.
type checkTable struct {
	w       io.Writer
	widths  []int
	started bool
}

var checkHeadings = []string{"TRANSCRIPT", "MSGS", "STOP AT", "POLICY", "SAVED", "EXPECT", "RESULT", "REASON"}

func newCheckTable(w io.Writer, files []analysis.File) *checkTable {
	t := &checkTable{w: w, widths: []int{len(checkHeadings[0]), 4, 7, 6, 5, len("10..end"), len("FAIL 10 late"), 0}}
	for _, f := range files {
		for _, p := range []string{f.Path, f.Copy} { // a Copy is judged when it differs
			if p != "" {
				t.widths[0] = max(t.widths[0], utf8.RuneCountInString(p)+len("#999"))
			}
		}
	}
	for _, n := range policy.Names() {
		t.widths[3] = max(t.widths[3], len(n))
	}
	return t
}

func (t *checkTable) line(cells ...string) {
	var b strings.Builder
	for i, c := range cells {
		b.WriteString(c)
		if i < len(cells)-1 {
			b.WriteString(strings.Repeat(" ", max(0, t.widths[i]-utf8.RuneCountInString(c))+2))
		}
	}
	b.WriteByte('\n')
	io.WriteString(t.w, b.String())
}

func (t *checkTable) header() {
	if !t.started {
		t.started = true
		t.line(checkHeadings...)
	}
}

func (t *checkTable) row(r checkResult) {
	t.header()
	stop, pol, reason := "-", "-", "no policy fired"
	if r.StopAt != nil {
		stop, pol, reason = strconv.Itoa(*r.StopAt), *r.Policy, *r.Reason
	}
	exp := "-"
	if r.Expect != nil {
		exp = expectCell(*r.Expect)
	}
	res := r.Verdict
	switch r.Verdict {
	case analysis.Early:
		res = fmt.Sprintf("FAIL cut %d early", r.Cut)
	case analysis.Late:
		res = fmt.Sprintf("FAIL %d late", r.Wasted)
		if r.Wasted == 0 {
			res = "FAIL late"
		}
	case analysis.Pass:
		res = "ok"
	}
	t.line(r.File, strconv.Itoa(r.Messages), stop, pol, strconv.Itoa(r.Saved), exp, res, reason)
}

// expectCell is a label as the EXPECT column gives it: stop_after..stop_by
// ("..end" when the conversation is healthy to its end), then each loop
// the conversation later broke out of, as "+first..last" (a stop from the
// message after its first to six after that passes too).
func expectCell(l analysis.Label) string {
	s := fmt.Sprintf("%d..end", l.StopAfter)
	if l.StopBy != nil {
		s = fmt.Sprintf("%d..%d", l.StopAfter, *l.StopBy)
	}
	for _, lp := range l.Loops {
		s += fmt.Sprintf(" +%d..%d", lp[0], lp[1])
	}
	return s
}

// printTallies prints one summary line per folder given on the command
// line (when there are several) and one for all of them.
// A folder's line counts the files in it that could not be read, and the
// conversations of files read that could not be scored, beside the
// transcripts judged.
func printTallies(w io.Writer, folders []string, byFolder map[string]*analysis.Tally, total analysis.Tally, unread unjudged) {
	fmt.Fprintln(w)
	if len(folders) > 1 {
		for _, f := range folders {
			fmt.Fprintf(w, "%s: %s\n", f, tallyLine(*byFolder[f], unread.byRoot[f]))
		}
		fmt.Fprintf(w, "in all: %s\n", tallyLine(total, unread.total()))
		return
	}
	fmt.Fprintln(w, tallyLine(total, unread.total()))
}

// unjudged says why each file analysis.Each could not read could not be
// read, and why each conversation of a file it read could not be scored
// (an analysis.ConversationError: its FILE#N row in a table of labels is
// wrong), and counts them: files a directory held that are no
// conversation at all are skipped, and files given more than once are
// read once, and neither is counted. A reason is said once: a broken
// label table fails every transcript it labels with the same one.
type unjudged struct {
	w      io.Writer
	files  int
	convs  int
	named  []string                 // the first conversations that could not be scored, as FILE#N: the last line names them
	byRoot map[string]unjudgedCount // by the folder (or file) given that held them
	said   map[string]bool
	// json, with --json, takes an object for each transcript that could
	// not be read or scored, beside those judged, so a script sees every
	// one: a conversation's names it FILE#N.
	json *json.Encoder
}

// unjudgedCount is how many files could not be read, and how many
// conversations of files read could not be scored.
type unjudgedCount struct{ files, convs int }

func (u *unjudged) add(f analysis.File, err error) {
	var repeated analysis.RepeatedFiles
	msg := err.Error()
	if ce, ok := errors.AsType[*analysis.ConversationError](err); ok {
		u.convs++
		if len(u.named) < namedConversations {
			u.named = append(u.named, ce.Name)
		}
		u.count(f.Root, unjudgedCount{convs: 1})
		msg = fmt.Sprintf("%s could not be scored: %v", ce.Name, ce.Err)
		if u.json != nil {
			u.json.Encode(checkResult{File: ce.Name, Folder: f.Root, Verdict: "unread", Error: ce.Err.Error()})
		}
	} else if !errors.Is(err, analysis.ErrNotTranscript) && !errors.As(err, &repeated) {
		u.files++
		u.count(f.Root, unjudgedCount{files: 1})
		msg = scenarioNotTranscript(f.Path, err).Error()
		if u.json != nil {
			u.json.Encode(checkResult{File: f.Path, Folder: f.Root, Verdict: "unread", Error: msg})
		}
	}
	if u.said[msg] {
		return
	}
	if u.said == nil {
		u.said = map[string]bool{}
	}
	u.said[msg] = true
	fmt.Fprintln(u.w, "parley:", msg)
}

func (u *unjudged) count(root string, c unjudgedCount) {
	if u.byRoot == nil {
		u.byRoot = map[string]unjudgedCount{}
	}
	t := u.byRoot[root]
	t.files += c.files
	t.convs += c.convs
	u.byRoot[root] = t
}

// any reports whether some file could not be read, or some conversation
// scored.
func (u *unjudged) any() bool { return u.files > 0 || u.convs > 0 }

func (u *unjudged) total() unjudgedCount { return unjudgedCount{u.files, u.convs} }

// err is the last line of a command that read the files: what could not
// be read or scored, as check says it.
func (u *unjudged) err() error {
	return failureErr(errors.New(checkFailure(0, 0, u.files, u.convs, u.named)))
}

// jsonSummary is the summary --json prints on stderr.
type jsonSummary struct {
	analysis.Tally
	// Unread counts the transcripts that could not be judged, each also
	// an object with verdict "unread": files that could not be read, and
	// the conversations counted in UnreadConversations.
	Unread int `json:"unread"`
	// UnreadConversations counts the conversations of files read that
	// could not be scored, as their FILE#N row in a table of labels is
	// wrong (each object names one FILE#N); the file's others are judged.
	UnreadConversations int                       `json:"unread_conversations,omitempty"`
	Folders             map[string]analysis.Tally `json:"folders,omitempty"`
}

// tallyLine is a summary line: t, and the files that could not be read
// and conversations that could not be scored.
func tallyLine(t analysis.Tally, unread unjudgedCount) string {
	s := phrase.Count(t.Transcripts, "transcript", "transcripts")
	var left []string
	if unread.files > 0 {
		left = append(left, phrase.Count(unread.files, "file", "files")+" that could not be read")
	}
	if unread.convs > 0 {
		left = append(left, phrase.Count(unread.convs, "conversation", "conversations")+" that could not be scored")
	}
	if len(left) > 0 {
		s += " (and " + phrase.And(left) + ")"
	}
	s += fmt.Sprintf(", %d labelled: %d passed", t.Labelled, t.Passed)
	if t.Labelled > 0 {
		s += fmt.Sprintf(" (%.0f%%)", 100*float64(t.Passed)/float64(t.Labelled))
	}
	return s + fmt.Sprintf(", %d cut too early, %d stopped late, %s wasted; %s saved in all.",
		t.Early, t.Late, phrase.Count(t.Wasted, "message", "messages"), phrase.Count(t.Saved, "message", "messages"))
}

// sweepLine is one grid point and how the policy fared there.
type sweepLine struct {
	Settings map[string]string         `json:"settings"`
	Folders  map[string]analysis.Tally `json:"folders,omitempty"`
	analysis.Tally
	Best bool `json:"best,omitempty"` // the point the table marks "← best"
	// Unread counts the transcripts none of the points judged, since they
	// could not be read or scored (each is named on stderr);
	// UnreadConversations, those of them that are conversations of a file
	// read, as jsonSummary counts them.
	Unread              int `json:"unread,omitempty"`
	UnreadConversations int `json:"unread_conversations,omitempty"`
}

// printSweep prints each grid point's tallies, summed as the transcripts
// were judged: lines holds one per point. With more than one folder, each
// folder's passes and cut-short count come first, in the order given.
// moved says whether any transcript stopped elsewhere at one point than
// at another: if none did, the settings swept changed nothing on these
// transcripts, and the footer says so rather than leave the labels blamed.
func printSweep(w io.Writer, asJSON bool, grid []analysis.Axis, points []analysis.Point, lines []sweepLine, folders []string, transcripts int, unread unjudgedCount, moved bool) {
	for i, pt := range points {
		lines[i].Settings, lines[i].Unread, lines[i].UnreadConversations = pt.Settings, unread.files+unread.convs, unread.convs
	}
	// The best point passes most, a conversation cut short costing three
	// passes, then wastes fewest messages (analysis.Better). With no
	// label, every point passes 0 of 0 and none is better than another.
	best, tied := -1, 0
	if lines[0].Labelled > 0 {
		best = 0
		for i, l := range lines {
			if analysis.Better(l.Tally, lines[best].Tally) {
				best = i
			}
		}
		// Points that score exactly as the best are as good a choice:
		// each is marked, and the footer says they tie.
		for i := range lines {
			if lines[i].Best = !analysis.Better(lines[best].Tally, lines[i].Tally); lines[i].Best {
				tied++
			}
		}
	}
	if asJSON {
		enc := json.NewEncoder(w)
		for _, l := range lines {
			enc.Encode(l)
		}
		return
	}
	// The table is laid out whole, then written without the padding a
	// row's empty last cell leaves.
	var table strings.Builder
	tw := tabwriter.NewWriter(&table, 0, 4, 2, ' ', 0)
	var head []string
	for _, ax := range grid {
		head = append(head, strings.ToUpper(ax.Name()))
	}
	if len(folders) > 1 {
		// Each folder by its last element, unless two share one.
		names, seen := make([]string, len(folders)), map[string]bool{}
		for i, f := range folders {
			names[i] = filepath.Base(f)
			if seen[names[i]] {
				copy(names, folders)
				break
			}
			seen[names[i]] = true
		}
		for _, n := range names {
			head = append(head, strings.ToUpper(n))
		}
	}
	fmt.Fprintf(tw, "%s\tPASS\tEARLY\tLATE\tWASTED\tSAVED\t\n", strings.Join(head, "\t"))
	for i, l := range lines {
		mark := ""
		if l.Best {
			mark = "← best"
		}
		cells := slices.Clone(points[i].Values)
		if len(folders) > 1 {
			for _, f := range folders {
				t := l.Folders[f]
				cells = append(cells, fmt.Sprintf("%d/%d, %d early", t.Passed, t.Labelled, t.Early))
			}
		}
		fmt.Fprintf(tw, "%s\t%d/%d\t%d\t%d\t%d\t%d\t%s\n", strings.Join(cells, "\t"), l.Passed, l.Labelled, l.Early, l.Late, l.Wasted, l.Saved, mark)
	}
	tw.Flush()
	for l := range strings.Lines(table.String()) {
		io.WriteString(w, strings.TrimRight(l, " \n")+"\n")
	}
	perFolder := ""
	if len(folders) > 1 {
		perFolder = " Each folder's column gives its own passes and conversations cut early; PASS and the columns after it count them all."
	}
	choose := " The best point passes most, each conversation cut early costing three passes; fewer wasted messages decide between points that pass alike."
	switch {
	case len(lines) > 1 && !moved && transcripts > 0:
		choose += " Every transcript stops at the same message at every point: on these transcripts the values swept change nothing (a min_messages guard holds every stop until its minimum, 4 in the default set, and another rule may stop first)."
	case tied > 1:
		choose += fmt.Sprintf(" %d points tie as best: the labels cannot tell them apart.", tied)
	}
	if best < 0 {
		choose = " No transcript is labelled, so no point can be called best: label some (NAME.expect.yaml, or a labels.json row) to choose between them."
	}
	fmt.Fprintf(w, "\n%s over %s (%d labelled). PASS counts labelled transcripts stopped inside their window; EARLY those cut before their last new message; WASTED counts messages spoken past stop_by.%s%s\n",
		phrase.Count(len(lines), "point", "points"), phrase.Count(transcripts, "transcript", "transcripts"), lines[0].Labelled, choose, perFolder)
}
