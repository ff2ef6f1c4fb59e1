package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/parleyhq/parley/orchestrator/policy"
	"github.com/parleyhq/parley/transcripts"
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

Transcripts may be parley Markdown or JSONL, "### Name ###" headed blocks,
OpenAI "messages" JSON or ShareGPT "conversations" JSON; directories are
searched for them. Without --policy, parley's default set is used. --policy
takes a YAML file holding a termination: block (a scenario will do) or the
bare policy.

A transcript NAME.md (or .jsonl, .json) may carry a labelled window in
NAME.expect.yaml:

  stop_after: 15   # stopping before message 15 cuts content
  stop_by: 27      # stopping after message 27, or never, wastes messages

Without stop_by the transcript must not be stopped before its end. check
reports pass or fail for each labelled transcript and exits 1 if any fails.

--sweep runs a grid over policy settings and reports, for each point, how
many labelled transcripts pass and how many messages are wasted:

  parley check --sweep end_token.exchanges=1..4 transcripts/corpus
  parley check --sweep repetition.threshold=0.8,0.85,0.9 --sweep stagnation.count=3..5 DIR`,
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

// expectation is a transcript's labelled stopping window.
type expectation struct {
	StopAfter int    `yaml:"stop_after" json:"stop_after"`
	StopBy    *int   `yaml:"stop_by" json:"stop_by"`
	Note      string `yaml:"note" json:"-"`
}

// checked is one transcript, read and labelled.
type checked struct {
	name   string
	layout string
	msgs   []transcripts.Message
	expect *expectation
}

// checkResult is what check reports for one transcript.
type checkResult struct {
	File     string       `json:"file"`
	Layout   string       `json:"layout"`
	Messages int          `json:"messages"`
	StopAt   *int         `json:"stop_at"`
	Policy   *string      `json:"policy"`
	Reason   *string      `json:"reason"`
	Saved    int          `json:"saved"`
	Expect   *expectation `json:"expect"`
	Pass     *bool        `json:"pass"`   // null when unlabelled
	Result   string       `json:"result"` // pass, cut, late or unlabelled
	Wasted   int          `json:"wasted"` // messages spoken after stop_by
	Cut      int          `json:"cut"`    // labelled messages lost before stop_after
}

type summary struct {
	Transcripts int `json:"transcripts"`
	Labelled    int `json:"labelled"`
	Passed      int `json:"passed"`
	Cut         int `json:"cut_too_early"`
	Late        int `json:"stopped_late"`
	Wasted      int `json:"messages_wasted"`
	Saved       int `json:"messages_saved"`
}

func runCheck(cmd *cobra.Command, f checkFlags, args []string) error {
	out, errw := cmd.OutOrStdout(), cmd.ErrOrStderr()
	base, source, err := loadPolicyNode(f.policyFile)
	if err != nil {
		return usageErr(err)
	}
	grid, err := parseSweeps(f.sweeps)
	if err != nil {
		return usageErr(err)
	}
	files, err := gatherTranscripts(args)
	if err != nil {
		return usageErr(err)
	}
	var items []checked
	var readErrs int
	for _, path := range files {
		cs, err := readChecked(path)
		if err != nil {
			fmt.Fprintln(errw, "parley:", err)
			readErrs++
			continue
		}
		items = append(items, cs...)
	}
	if len(grid) > 0 {
		if err := runSweep(out, f.json, base, source, grid, items); err != nil {
			return usageErr(err)
		}
		if readErrs > 0 {
			return failureErr(fmt.Errorf("%d files could not be read", readErrs))
		}
		return nil
	}
	results, sum, err := evaluate(base, source, items)
	if err != nil {
		return usageErr(err)
	}
	if f.json {
		enc := json.NewEncoder(out)
		enc.SetEscapeHTML(false)
		for _, r := range results {
			if err := enc.Encode(r); err != nil {
				return failureErr(err)
			}
		}
		b, _ := json.Marshal(sum)
		fmt.Fprintf(errw, "summary: %s\n", b)
	} else {
		printResults(out, results, sum)
	}
	switch {
	case sum.Cut+sum.Late > 0:
		return failureErr(fmt.Errorf("%d of %d labelled transcripts failed their expectations", sum.Cut+sum.Late, sum.Labelled))
	case readErrs > 0:
		return failureErr(fmt.Errorf("%d files could not be read", readErrs))
	}
	return nil
}

// loadPolicyNode reads the policy to check: the file's termination: block
// or bare policy, or parley's default set.
func loadPolicyNode(path string) (*yaml.Node, string, error) {
	source, data := "the default policy set", []byte(policy.DefaultYAML)
	if path != "" {
		var err error
		if data, err = os.ReadFile(path); err != nil {
			return nil, "", fmt.Errorf("reading the policy: %w", err)
		}
		source = path
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, "", fileLineErr(path, errors.New(strings.TrimPrefix(err.Error(), "yaml: ")))
	}
	n := policy.Unwrap(&doc)
	if n.Kind == 0 || (n.Kind == yaml.ScalarNode && n.Tag == "!!null") {
		return nil, "", fmt.Errorf("%s: holds no policy; write a termination: block or a policy such as {max_messages: 100}", path)
	}
	// Parse once now, so errors show before any transcript is read.
	if _, err := policy.Parse(n); err != nil {
		return nil, "", fileLineErr(path, err)
	}
	return n, source, nil
}

var linePrefix = regexp.MustCompile(`^line (\d+): `)

// fileLineErr turns "line N: msg" into "FILE:N: msg".
func fileLineErr(path string, err error) error {
	if path == "" {
		path = "the default policy set"
	}
	msg := err.Error()
	if m := linePrefix.FindStringSubmatch(msg); m != nil {
		return fmt.Errorf("%s:%s: %s", path, m[1], msg[len(m[0]):])
	}
	return fmt.Errorf("%s: %s", path, msg)
}

// transcriptExts are the files a directory is searched for.
var transcriptExts = map[string]bool{".md": true, ".jsonl": true, ".json": true, ".txt": true}

// gatherTranscripts expands directories into the transcript files they
// hold. When NAME.md and NAME.jsonl sit side by side (a parley recording)
// only the JSONL is read: it holds the timings and usage.
func gatherTranscripts(args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		st, err := os.Stat(a)
		if err != nil {
			return nil, fmt.Errorf("%s: no such transcript or directory", a)
		}
		if !st.IsDir() {
			out = append(out, a)
			continue
		}
		err = filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			name := d.Name()
			if d.IsDir() {
				if p != a && strings.HasPrefix(name, ".") {
					return filepath.SkipDir
				}
				return nil
			}
			ext := filepath.Ext(name)
			if !transcriptExts[ext] || strings.HasPrefix(strings.ToUpper(name), "README") {
				return nil
			}
			if ext == ".md" {
				if _, err := os.Stat(strings.TrimSuffix(p, ext) + ".jsonl"); err == nil {
					return nil
				}
			}
			out = append(out, p)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("searching %s: %w", a, err)
		}
	}
	return out, nil
}

// readChecked reads a transcript file and its expectation, if any.
func readChecked(path string) ([]checked, error) {
	ts, layout, err := transcripts.ReadAny(path)
	if err != nil {
		return nil, err
	}
	exp, err := readExpect(strings.TrimSuffix(path, filepath.Ext(path)) + ".expect.yaml")
	if err != nil {
		return nil, err
	}
	var out []checked
	for i, t := range ts {
		c := checked{name: path, layout: layout, msgs: t.Messages}
		if len(ts) > 1 {
			c.name = fmt.Sprintf("%s#%d", path, i+1)
		} else {
			c.expect = exp
		}
		if c.expect != nil && c.expect.StopBy == nil && c.expect.StopAfter > len(c.msgs) {
			return nil, fmt.Errorf("%s: stop_after is %d but the transcript has %d messages",
				strings.TrimSuffix(path, filepath.Ext(path))+".expect.yaml", c.expect.StopAfter, len(c.msgs))
		}
		out = append(out, c)
	}
	return out, nil
}

// readExpect reads NAME.expect.yaml; nil when there is none.
func readExpect(path string) (*expectation, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fileLineErr(path, errors.New(strings.TrimPrefix(err.Error(), "yaml: ")))
	}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("%s: is empty; write stop_after: and stop_by:", path)
	}
	var e expectation
	if err := policy.StrictDecode(doc.Content[0], &e); err != nil {
		return nil, fileLineErr(path, err)
	}
	switch {
	case e.StopAfter < 0:
		return nil, fmt.Errorf("%s: stop_after must not be negative", path)
	case e.StopBy != nil && *e.StopBy < e.StopAfter:
		return nil, fmt.Errorf("%s: stop_by (%d) comes before stop_after (%d)", path, *e.StopBy, e.StopAfter)
	}
	return &e, nil
}

// evaluate checks every transcript with a fresh policy built from node.
func evaluate(node *yaml.Node, source string, items []checked) ([]checkResult, summary, error) {
	var sum summary
	results := make([]checkResult, 0, len(items))
	for _, it := range items {
		p, err := policy.Parse(node)
		if err != nil {
			return nil, sum, fileLineErr(source, err)
		}
		r := judgeOne(p, it)
		results = append(results, r)
		sum.Transcripts++
		sum.Saved += r.Saved
		if r.Pass != nil {
			sum.Labelled++
			sum.Wasted += r.Wasted
			switch r.Result {
			case "pass":
				sum.Passed++
			case "cut":
				sum.Cut++
			case "late":
				sum.Late++
			}
		}
	}
	return results, sum, nil
}

// judgeOne replays one transcript through p and grades it.
func judgeOne(p policy.Policy, it checked) checkResult {
	n := len(it.msgs)
	at, v := policy.FirstStop(p, it.msgs)
	r := checkResult{File: it.name, Layout: it.layout, Messages: n, Expect: it.expect, Result: "unlabelled"}
	end := n
	if at > 0 {
		r.StopAt, r.Policy, r.Reason = &at, &v.Policy, &v.Reason
		r.Saved = n - at
		end = at
	}
	if e := it.expect; e != nil {
		pass := true
		switch {
		case at > 0 && at < e.StopAfter:
			pass, r.Result, r.Cut = false, "cut", e.StopAfter-at
		case e.StopBy == nil && at > 0 && at < n:
			pass, r.Result, r.Cut = false, "cut", n-at
		case e.StopBy != nil && end > *e.StopBy:
			pass, r.Result = false, "late"
		default:
			r.Result = "pass"
		}
		if e.StopBy != nil && end > *e.StopBy {
			r.Wasted = end - *e.StopBy
		}
		r.Pass = &pass
	}
	return r
}

func printResults(w io.Writer, results []checkResult, sum summary) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TRANSCRIPT\tMSGS\tSTOP AT\tPOLICY\tSAVED\tEXPECT\tRESULT\tREASON")
	for _, r := range results {
		stop, pol, reason := "-", "-", "no policy fired"
		if r.StopAt != nil {
			stop, pol, reason = strconv.Itoa(*r.StopAt), *r.Policy, *r.Reason
		}
		exp := "-"
		if e := r.Expect; e != nil {
			exp = fmt.Sprintf("%d..end", e.StopAfter)
			if e.StopBy != nil {
				exp = fmt.Sprintf("%d..%d", e.StopAfter, *e.StopBy)
			}
		}
		res := r.Result
		switch {
		case r.Result == "cut":
			res = fmt.Sprintf("FAIL cut %d early", r.Cut)
		case r.Result == "late":
			res = fmt.Sprintf("FAIL %d late", r.Wasted)
		case r.Result == "pass":
			res = "ok"
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%d\t%s\t%s\t%s\n", r.File, r.Messages, stop, pol, r.Saved, exp, res, reason)
	}
	tw.Flush()
	fmt.Fprintf(w, "\n%d transcripts, %d labelled: %d passed, %d cut too early, %d stopped late, %d messages wasted; %d messages saved in all.\n",
		sum.Transcripts, sum.Labelled, sum.Passed, sum.Cut, sum.Late, sum.Wasted, sum.Saved)
}
