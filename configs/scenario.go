// Package configs loads parley scenarios: the YAML files that say which two
// agents talk, who opens, what each sees and when the conversation stops.
// The example scenarios in this folder are embedded so `parley demo` runs
// with no files at all.
package configs

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/parleyhq/parley/internal/lazy"
	"github.com/parleyhq/parley/internal/suggest"
	"github.com/parleyhq/parley/internal/yamlpos"
	"github.com/parleyhq/parley/orchestrator/policy"
	"github.com/parleyhq/parley/transcripts"
)

// Examples holds the example scenarios shipped in this folder.
//
//go:embed *.yaml
var Examples embed.FS

// DemoName is the embedded scenario `parley demo` runs.
const DemoName = "demo.yaml"

// Agent types.
const (
	TypeOpenAI   = "openai" // any OpenAI-compatible chat-completions endpoint (the default)
	TypeReplay   = "replay"
	TypeScripted = "scripted"
	TypeHuman    = "human"
)

// Scenario is one conversation to stage.
type Scenario struct {
	Title   string  `yaml:"title"`
	Agents  []Agent `yaml:"agents"`
	First   string  `yaml:"first"`
	Opening *string `yaml:"opening"`
	// EmptyReply is what an empty or whitespace-only message is shown to
	// the agents as ("" means "(no reply)"); the transcript keeps it as it came.
	EmptyReply  string    `yaml:"empty_reply"`
	History     History   `yaml:"history"`
	Termination yaml.Node `yaml:"termination"`
	Output      Output    `yaml:"output"`
	// Limits bound the requests sent to a provider (keyed by preset name,
	// such as "openai") or to an endpoint (keyed by base URL), shared by
	// every conversation running at once in this process.
	Limits map[string]Limit `yaml:"limits"`
	// Roster, when set, names many agents in place of two: `parley batch`
	// stages its pairs (see roster.go).
	Roster *Roster `yaml:"roster"`

	// Path is the file the scenario came from ("" or "embedded:NAME").
	Path string `yaml:"-"`
	// Source is the YAML as read, recorded in each transcript's JSONL.
	Source string `yaml:"-"`
	// Handovers, for a scenario forks handed seats of to other models
	// (fork --agent), are each fork's --agent values, in order: Source is
	// the YAML of Path with them applied (see Reseated), and each
	// transcript records them beside it.
	Handovers []transcripts.Handover `yaml:"-"`

	lines       map[string]int     // where each top-level field is, for sentences
	unread      map[string]bool    // top-level fields the decoder could not read, already said
	termination *parsedTermination // the termination block, parsed once (nil: parse it each time)
}

// History limits what each agent is shown.
type History struct {
	// MaxMessages keeps only the most recent messages (0 keeps all). The
	// system prompt is always kept.
	MaxMessages int `yaml:"max_messages"`
}

// Output says where transcripts go.
type Output struct {
	Dir string `yaml:"dir"`
}

// Agent is one side of the conversation.
type Agent struct {
	Name string `yaml:"name"`
	Type string `yaml:"type"`

	// OpenAI-compatible endpoints.
	Provider    string            `yaml:"provider"`
	Model       string            `yaml:"model"`
	BaseURL     string            `yaml:"base_url"`
	BaseURLs    []string          `yaml:"base_urls"` // replicas of one model; requests spread across the healthy ones; base_url defaults to the first
	APIKeyEnv   string            `yaml:"api_key_env"`
	APIKeyFile  string            `yaml:"api_key_file"`
	System      string            `yaml:"system"`
	Temperature *float64          `yaml:"temperature"`
	TopP        *float64          `yaml:"top_p"`
	MaxTokens   *int              `yaml:"max_tokens"`
	Seed        *int              `yaml:"seed"`
	Stop        []string          `yaml:"stop"`
	Headers     map[string]string `yaml:"headers"`
	// Reliability settings.
	Retries     *int     `yaml:"retries"`      // most attempts per reply (default 5)
	Timeout     Duration `yaml:"timeout"`      // per request (default 10m)
	IdleTimeout Duration `yaml:"idle_timeout"` // no token for this long is a fault (default 60s)
	Backoff     Duration `yaml:"backoff"`      // the first wait between attempts, doubling after (default 1s)

	// Replay.
	Transcript string `yaml:"transcript"`
	Speaker    string `yaml:"speaker"`
	// Scripted.
	Lines []string `yaml:"lines"`
	// Replay and scripted: the delay between streamed pieces (default 0).
	Pace Duration `yaml:"pace"`

	// Formerly lists earlier names of this seat: messages recorded under
	// them count as its own (a fork that hands a seat to another model).
	Formerly []string `yaml:"formerly"`

	// APIKey is accepted only to refuse it with a hint: keys come from the
	// environment or a key file.
	APIKey string `yaml:"api_key"`

	// Line is where the agent is defined in its file.
	Line int `yaml:"-"`

	lines  map[string]int  // where each of its fields is, for sentences
	unread map[string]bool // its fields the decoder could not read, already said
	judge  bool            // a judge's moderator, whose model and address the policy parser requires
	// seatedBy is the fork --agent value that handed the seat to this
	// agent, as a sentence shows it: what is said of the agent is said
	// of it, not at a line. "" for an agent its file seats.
	seatedBy string
	// nullLines are the items of lines: written as null (~, or nothing
	// after the dash), by their place in the list: the decoder drops them.
	nullLines []int
}

// Limit bounds the requests parley sends to one provider or endpoint.
// Zero means no bound.
type Limit struct {
	Concurrent int `yaml:"concurrent"` // most requests in flight at once
	PerMinute  int `yaml:"per_minute"` // most requests started in any 60 seconds
}

// Duration is a time.Duration written in YAML as "250ms", "2s", "1m30s".
type Duration time.Duration

// UnmarshalYAML implements yaml.Unmarshaler.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		// A TypeError lets the decoder go on and report the other problems.
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %q is not a duration such as 250ms, 2s or 1m30s", n.Line, n.Value)}}
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML implements yaml.Marshaler.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// Error is a scenario problem, with the file and line to fix.
type Error struct {
	File string
	Line int
	Msg  string
}

// Problems are every problem found in one scenario, in the order of their
// lines. errors.As finds the first *Error among them.
type Problems []*Error

func (p Problems) Error() string {
	msgs := make([]string, len(p))
	for i, e := range p {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Unwrap gives each problem to errors.Is and errors.As.
func (p Problems) Unwrap() []error {
	out := make([]error, len(p))
	for i, e := range p {
		out[i] = e
	}
	return out
}

func (p Problems) sort() {
	sort.SliceStable(p, func(i, j int) bool { return p[i].Line < p[j].Line })
}

// AsProblems lists the problems an error from Load or Parse holds: each
// one, or the error itself when it is of another kind.
func AsProblems(err error) Problems {
	var ps Problems
	if errors.As(err, &ps) {
		return ps
	}
	var e *Error
	if errors.As(err, &e) {
		return Problems{e}
	}
	return Problems{{Msg: err.Error()}}
}

func (e *Error) Error() string {
	switch {
	case e.File != "" && e.Line > 0 && e.File != QuickSource: // --agent flags have no lines
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	case e.File != "":
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return e.Msg
}

// Load reads and validates a scenario file.
func Load(path string) (*Scenario, error) {
	data, err := ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// ReadFile reads a scenario file. A directory or a missing file gets a
// sentence that says what to give instead.
func ReadFile(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, &Error{File: path, Msg: "no such file" + missingHint(path)}
	case err == nil && fi.IsDir():
		return nil, &Error{File: path, Msg: "is a directory; give a scenario file in it" + dirHint(path)}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the scenario: %w", err)
	}
	return data, nil
}

// dirHint names the scenarios in dir, or the examples when it holds none.
func dirHint(dir string) string {
	var names []string
	for _, ext := range []string{"*.yaml", "*.yml"} {
		m, _ := filepath.Glob(filepath.Join(dir, ext))
		names = append(names, m...)
	}
	switch {
	case len(names) == 0:
		return "; it holds no .yaml files (" + examplesHint() + ")"
	case len(names) > 3:
		return fmt.Sprintf(", such as %s (%d .yaml files there)", names[0], len(names))
	}
	return ", such as " + strings.Join(names, " or ")
}

// missingHint suggests a file of a close name beside the missing one, else
// where the examples are.
func missingHint(path string) string {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	if entries, err := os.ReadDir(dir); err == nil {
		var cands []string
		for _, e := range entries {
			if !e.IsDir() {
				cands = append(cands, e.Name())
			}
		}
		if c := suggest.Closest(base, cands); c != "" {
			return fmt.Sprintf("; did you mean %s?", filepath.Join(filepath.Dir(path), c))
		}
	} else if errors.Is(err, fs.ErrNotExist) && !strings.Contains(path, "://") {
		// (A URL given for a file has no folder to name: the one its
		// "//" cleaned away would show its password.)
		return fmt.Sprintf("; the folder %s does not exist either (%s)", filepath.Clean(dir), examplesHint())
	}
	return "; " + examplesHint()
}

// examplesHint says where parley's example scenarios are: in configs/
// when the person is in parley's repository (or a folder with its own
// configs/), else where they ship.
func examplesHint() string {
	if m, _ := filepath.Glob(filepath.Join("configs", "*.yaml")); len(m) > 0 {
		return "the examples are in configs/ (parley validate configs/*.yaml checks them)"
	}
	return "parley's examples are in the configs/ folder of its source repository, and parley demo stages one with no file"
}

// LoadExample reads one of the embedded example scenarios.
func LoadExample(name string) (*Scenario, error) {
	data, err := Examples.ReadFile(name)
	if err != nil {
		return nil, err
	}
	return Parse("embedded:"+name, data)
}

var (
	lineRe    = lazy.Regexp(`^yaml: line (\d+): (.*)$`)
	unknownRe = lazy.Regexp(`line (\d+): field (\S+) not found in type configs\.(\w+)`)
	typeRe    = lazy.Regexp(`line (\d+): cannot unmarshal !!(\w+) (?:` + "`" + `([^` + "`" + `]*)` + "`" + ` )?into (\S+)`)
)

// Parse decodes and validates a scenario. file names it in errors. Its
// error holds every problem found (Problems), each naming the file and
// line to fix.
func Parse(file string, data []byte) (*Scenario, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, Problems{yamlError(file, data, err)}
	}
	if len(doc.Content) == 0 {
		return nil, Problems{yamlError(file, data, io.EOF)}
	}
	return parseDocument(file, data, &doc)
}

// parseDocument is Parse of doc, the document node the YAML data reads
// as, or one code that edits a scenario made from what it read (a fork's
// --agent): its sentences name each problem at its node's line, the line
// it was read at in file, however the edits moved it in data. It may
// change doc.
func parseDocument(file string, data []byte, doc *yaml.Node) (*Scenario, error) {
	s := &Scenario{Path: file, Source: string(data), termination: &parsedTermination{}}
	if line, bomb := aliasBomb(doc); bomb {
		return nil, Problems{{File: file, Line: line, Msg: aliasBombMsg}}
	}
	if line := secondDocument(data); line > 0 {
		return nil, Problems{{File: file, Line: line, Msg: "a second YAML document starts here, after a --- line; a scenario file holds one scenario, and parley would read the first alone: " +
			"put each scenario in a file of its own (validate, run and batch take several), or stage them together as a roster"}}
	}
	if root := doc.Content[0]; root.Kind != yaml.MappingNode {
		what := "a list"
		if root.Kind == yaml.ScalarNode {
			what = "a single value"
		}
		return nil, Problems{{File: file, Line: root.Line, Msg: fmt.Sprintf("a scenario is a set of fields (agents:, opening:, termination:, …), one a line; this file holds %s", what)}}
	}
	// A key given twice is said, and the first one read: the decoder
	// would drop the whole mapping around it (an agent, so that the
	// scenario seemed to hold one).
	probs := dropDuplicateKeys(doc, "")
	walkTyped(doc, func(*yaml.Node, reflect.Type, string) bool { return false }, func(k *yaml.Node, t reflect.Type) {
		probs = append(probs, &Error{Line: k.Line, Msg: unknownField(k.Value, t.Name())})
	})
	unread := map[*yaml.Node]bool{}
	if err := doc.Decode(s); err != nil {
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			return nil, Problems{yamlError(file, data, err)}
		}
		// Field errors leave the rest decoded: report them with whatever
		// else is wrong.
		for _, msg := range te.Errors {
			e, n := fieldError(doc, msg)
			probs = append(probs, e)
			if n != nil {
				unread[n] = true
			}
		}
	}
	{
		s.recordLines(doc, unread)
		// A fraction where a count belongs (max_tokens: 1.5) is refused:
		// the decoder cut it to its whole part. The termination block's
		// rules are the policy parser's to check.
		if root := doc.Content[0]; root.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(root.Content); i += 2 {
				if root.Content[i].Value == "termination" {
					continue
				}
				for _, err := range policy.Fractions(root.Content[i+1], policy.WholeFields) {
					e := &Error{Msg: err.Error()}
					if m := anyLineRe().FindStringSubmatch(e.Msg); m != nil {
						e.Line, _ = strconv.Atoi(m[1])
						e.Msg = m[2]
						// Named in full, with its agent: agent "A": seed.
						_, rest, _ := strings.Cut(e.Msg, ": ")
						if value, ok := strings.CutSuffix(rest, " is not a whole number"); ok {
							if field, _ := fieldAt(doc, e.Line, value, ""); field != "" {
								e.Msg = field + ": " + rest
							}
						}
					}
					probs = append(probs, e)
				}
			}
		}
	}
	if file != "" && file != QuickSource && file != StdinSource && !strings.HasPrefix(file, "embedded:") {
		// A loop model named by a relative path is found beside the
		// scenario, as a replay transcript is.
		policy.ResolveFiles(&s.Termination, filepath.Dir(file))
	}
	if err := s.validate(); err != nil {
		probs = append(probs, err.(Problems)...)
	}
	if len(probs) == 0 {
		return s, nil
	}
	probs.sort()
	for _, e := range probs {
		if e.File == "" {
			e.File = file
		}
	}
	return nil, &invalid{Problems: probs, s: s}
}

// invalid is Parse's error for a scenario it read but found problems in:
// the problems (errors.As finds them as Problems), and the scenario as
// far as it could be read, for Unchecked.
type invalid struct {
	Problems
	s *Scenario
}

// As lets errors.As find the problems.
func (e *invalid) As(target any) bool {
	if p, ok := target.(*Problems); ok {
		*p = e.Problems
		return true
	}
	return false
}

// Unchecked is the scenario that Parse (or Load) read but refused with
// err, as far as it could be read, or nil. It is for saying what else a
// run would lack, such as the API keys (KeyProblems), in the same round
// as the problems; it is never to be run.
func Unchecked(err error) *Scenario {
	var e *invalid
	if errors.As(err, &e) {
		return e.s
	}
	return nil
}

var anyLineRe = lazy.Regexp(`^line (\d+): (.*)$`)

// fieldError turns one of the decoder's field errors into a sentence that
// names the field, its agent and its line, and gives the value that could
// not be read (nil when it cannot be found), so that validate says
// nothing more of that field.
func fieldError(doc *yaml.Node, msg string) (*Error, *yaml.Node) {
	if m := unknownRe().FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &Error{Line: line, Msg: unknownField(m[2], m[3])}, nil
	}
	if m := typeRe().FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		field, n := fieldAt(doc, line, m[3], m[4])
		value := m[3]
		if n != nil {
			value = n.Value // the decoder cuts a long one to its first 7 bytes
		}
		what := fmt.Sprintf("%s is %s, not %s", quoteValue(value, m[2]), tagName(m[2]), goTypeName(m[4]))
		if into := goTypeName(m[4]); m[3] == "" || into == "a list" || into == "a mapping" || LooksLikeKey(value) {
			// A list or a mapping has no one value to quote; nor is text
			// where a list or a mapping belongs (under headers:, it may
			// be a header's value) or a key repeated.
			what = fmt.Sprintf("it is %s, not %s", tagName(m[2]), goTypeName(m[4]))
		}
		if field != "" {
			what = field + ": " + what
		}
		return &Error{Line: line, Msg: what}, n
	}
	if m := anyLineRe().FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		what := m[2]
		// A sentence of an UnmarshalYAML, such as Duration's, starts with
		// the value it refused.
		value, _ := strconv.QuotedPrefix(what)
		value, _ = strconv.Unquote(value)
		field, n := fieldAt(doc, line, value, "")
		if field != "" {
			what = field + ": " + what
		}
		return &Error{Line: line, Msg: what}, n
	}
	return &Error{Msg: msg}, nil
}

// quoteValue is a value of YAML tag tag as a sentence repeats it: text
// quoted, cut to its first 40 characters; a number or true or false as
// written.
func quoteValue(v, tag string) string {
	if tag != "str" {
		return v
	}
	if r := []rune(v); len(r) > 40 {
		return strconv.Quote(string(r[:40])) + "…"
	}
	return strconv.Quote(v)
}

// tagName says what a YAML tag holds, in words.
func tagName(tag string) string {
	switch tag {
	case "str":
		return "text"
	case "int":
		return "a whole number"
	case "float":
		return "a number"
	case "bool":
		return "true or false"
	case "seq":
		return "a list"
	case "map":
		return "a mapping"
	case "null":
		return "empty"
	}
	return "a " + tag
}

// fieldAt finds the value the decoder could not read: the one at line
// that it reads into a Go value of type goType (as the decoder names it,
// such as "float64" or "[]configs.Agent"; "" for any), holding value when
// it is not "" (which the decoder may have cut to "1234567..."). It walks
// the document beside the Scenario's type, so a mapping where a list
// belongs is told from the mappings inside it. It gives the field's name,
// such as `agent "B": temperature` or `history`, and its node.
func fieldAt(doc *yaml.Node, line int, value, goType string) (string, *yaml.Node) {
	if doc == nil {
		return "", nil
	}
	cut := strings.HasSuffix(value, "...") && len(value) == 10
	var found string
	var node *yaml.Node
	walkTyped(doc, func(n *yaml.Node, t reflect.Type, path string) bool {
		if n.Line != line || (goType != "" && t.String() != goType) {
			return false
		}
		switch {
		case value == "":
		case cut:
			if !strings.HasPrefix(n.Value, value[:7]) || len(n.Value) <= 10 {
				return false
			}
		case n.Value != value:
			return false
		}
		found, node = path, n
		return true
	}, nil)
	return fieldName(found), node
}

// secondDocument is the line where a second YAML document of data starts,
// or 0 when data holds one (an empty one after a last --- line aside),
// or when what follows the first cannot be read: the decoder reads the
// first document alone, and would drop the rest without a word.
func secondDocument(data []byte) int {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var first, second yaml.Node
	if dec.Decode(&first) != nil || dec.Decode(&second) != nil || len(second.Content) == 0 {
		return 0
	}
	n := second.Content[0]
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return 0
	}
	return n.Line
}

// yamlError turns a decoder error that stopped decoding (a syntax error,
// an empty file) into a sentence that names the file and line.
func yamlError(file string, data []byte, err error) *Error {
	e := &Error{File: file, Msg: strings.TrimPrefix(err.Error(), "yaml: ")}
	var te *yaml.TypeError
	switch {
	case errors.Is(err, io.EOF) || strings.TrimSpace(string(data)) == "":
		e.Msg = "the scenario is empty; it needs agents: at least (" + examplesHint() + ")"
	case errors.As(err, &te) && len(te.Errors) > 0:
		e, _ = fieldError(nil, te.Errors[0])
		e.File = file
	default:
		if m := lineRe().FindStringSubmatch(err.Error()); m != nil {
			if line, col, what, ok := yamlpos.Syntax(data); ok {
				e.Line, e.Msg = line, fmt.Sprintf("YAML syntax error, column %d: %s", col, what)
			} else {
				e.Line, _ = strconv.Atoi(m[1])
				e.Msg = "YAML syntax error: " + m[2]
			}
		} else if msg, ok := strings.CutPrefix(err.Error(), "yaml: "); ok {
			// yaml.v3 names no line for a fault on the first.
			if line, col, what, ok := yamlpos.Syntax(data); ok {
				e.Line, e.Msg = line, fmt.Sprintf("YAML syntax error, column %d: %s", col, what)
			} else {
				e.Line, e.Msg = 1, "YAML syntax error: "+msg
			}
		} else if m := anyLineRe().FindStringSubmatch(err.Error()); m != nil {
			e.Line, _ = strconv.Atoi(m[1])
			e.Msg = m[2]
		}
	}
	return e
}

func goTypeName(t string) string {
	switch {
	case strings.Contains(t, "float"):
		return "a number"
	case strings.Contains(t, "int"):
		return "a whole number"
	case strings.HasPrefix(t, "[]"):
		return "a list"
	case strings.HasPrefix(t, "map"), strings.HasPrefix(t, "configs."):
		return "a mapping"
	case t == "string":
		return "text"
	case t == "bool":
		return "true or false"
	}
	return t
}

var fieldsOf = map[string][]string{
	"Scenario": {"title", "agents", "first", "opening", "empty_reply", "history", "termination", "output", "limits", "roster"},
	"Agent": {"name", "type", "provider", "model", "base_url", "base_urls", "api_key_env", "api_key_file", "system",
		"temperature", "top_p", "max_tokens", "seed", "stop", "headers", "retries", "timeout",
		"idle_timeout", "backoff", "transcript", "speaker", "lines", "pace", "formerly"},
	"Roster":  {"defaults", "agents", "pairs", "self_play", "runs", "first", "parallel"},
	"History": {"max_messages"},
	"Output":  {"dir"},
	"Limit":   {"concurrent", "per_minute"},
}

// ScenarioFields are a scenario's top-level fields; AgentFields an
// agent's. --set and --vary tell by them what a path names.
func ScenarioFields() []string { return slices.Clone(fieldsOf["Scenario"]) }
func AgentFields() []string    { return slices.Clone(fieldsOf["Agent"]) }

var where = map[string]string{"Roster": "roster:", "Scenario": "the scenario", "Agent": "an agent", "History": "history", "Output": "output", "Limit": "a limit"}

func unknownField(field, typ string) string {
	msg := fmt.Sprintf("unknown field %q in %s", field, where[typ])
	if h := suggest.Hint(field, fieldsOf[typ]); h != "" {
		msg += h
	} else if len(fieldsOf[typ]) > 0 {
		msg += "; known fields: " + strings.Join(fieldsOf[typ], ", ")
	}
	return msg
}

// recordLines notes where each field and agent is defined, for later
// sentences, and which fields hold a value the decoder could not read
// (unread), whose problem is said already: validate says nothing more of
// them, such as that the 0 left in place of max_tokens: "lots" is below 1.
func (s *Scenario) recordLines(doc *yaml.Node, unread map[*yaml.Node]bool) {
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return
	}
	root := doc.Content[0]
	s.lines = keyLines(root)
	s.unread = unreadKeys(root, unread)
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "agents" && root.Content[i+1].Kind == yaml.SequenceNode {
			for j, a := range root.Content[i+1].Content {
				if j < len(s.Agents) {
					s.Agents[j].Line = a.Line
					s.Agents[j].lines = keyLines(a)
					s.Agents[j].unread = unreadKeys(a, unread)
					s.Agents[j].nullLines = nullItems(mapValue(a, "lines"))
				}
			}
		}
		if root.Content[i].Value == "roster" && s.Roster != nil {
			r := root.Content[i+1]
			s.Roster.line = root.Content[i].Line
			if r.Kind == yaml.MappingNode {
				s.Roster.lines = keyLines(r)
				s.Roster.unread = unreadKeys(r, unread)
			}
			if l := mapValue(r, "agents"); l != nil && l.Kind == yaml.SequenceNode {
				for j, a := range l.Content {
					if j < len(s.Roster.Agents) {
						s.Roster.Agents[j].Line = a.Line
						s.Roster.Agents[j].lines = keyLines(a)
						s.Roster.Agents[j].unread = unreadKeys(a, unread)
						s.Roster.Agents[j].nullLines = nullItems(mapValue(a, "lines"))
					}
				}
			}
			if d := mapValue(r, "defaults"); d != nil {
				s.Roster.Defaults.Line = d.Line
				s.Roster.Defaults.lines = keyLines(d)
				s.Roster.Defaults.unread = unreadKeys(d, unread)
			}
		}
	}
}

// unreadKeys names the keys of mapping m whose value holds one of the
// unread nodes; nil when none does.
func unreadKeys(m *yaml.Node, unread map[*yaml.Node]bool) map[string]bool {
	if len(unread) == 0 || m.Kind != yaml.MappingNode {
		return nil
	}
	var holds func(n *yaml.Node) bool
	holds = func(n *yaml.Node) bool {
		if unread[n] {
			return true
		}
		return slices.ContainsFunc(n.Content, holds)
	}
	var out map[string]bool
	for i := 0; i+1 < len(m.Content); i += 2 {
		if holds(m.Content[i+1]) {
			if out == nil {
				out = map[string]bool{}
			}
			out[m.Content[i].Value] = true
		}
	}
	return out
}

// nullItems are the places of the items of list l written as null, which
// the decoder leaves out of a list of strings; nil when l is no list.
func nullItems(l *yaml.Node) []int {
	if l == nil || l.Kind != yaml.SequenceNode {
		return nil
	}
	var out []int
	for j, it := range l.Content {
		if it.Kind == yaml.ScalarNode && it.ShortTag() == "!!null" {
			out = append(out, j)
		}
	}
	return out
}

func keyLines(m *yaml.Node) map[string]int {
	out := map[string]int{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		out[k.Value] = k.Line
		if v.Kind == yaml.MappingNode {
			// Each key too, as "headers.X-Title", for a sentence about one.
			for j := 0; j+1 < len(v.Content); j += 2 {
				out[k.Value+"."+v.Content[j].Value] = v.Content[j].Line
			}
		}
		if v.Kind == yaml.SequenceNode {
			// Each item too, as "base_urls[2]", for a sentence about one.
			for j, it := range v.Content {
				out[fmt.Sprintf("%s[%d]", k.Value, j)] = it.Line
			}
		}
	}
	return out
}

// ParseMapping reads scenario YAML into its document node and the root
// mapping beneath it, for code that edits a scenario and writes it back
// (forks, rosters' pairs, batch values), keeping comments and order.
func ParseMapping(src []byte) (doc, root *yaml.Node, err error) {
	doc = new(yaml.Node)
	if err := yaml.Unmarshal(src, doc); err != nil {
		return nil, nil, err
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, nil, fmt.Errorf("the scenario is not a YAML mapping")
	}
	return doc, doc.Content[0], nil
}

// maxExpanded is the most values a YAML file may hold once its aliases
// are read out: far beyond any scenario or policy written by hand, and
// far below what a file of aliases of aliases can make of a few lines
// (nine levels of nine make 387 million), which would hold parley up for
// hours.
const maxExpanded = 1 << 20

// aliasBombMsg is the sentence for a file over maxExpanded.
const aliasBombMsg = "its aliases (*name) expand to more than a million values, each alias of an alias multiplying them; write the values out, or alias fewer times"

// aliasBomb reports whether doc, its aliases read out, holds more than
// maxExpanded values, and the line of its first alias.
func aliasBomb(doc *yaml.Node) (line int, bomb bool) {
	sizes := map[*yaml.Node]int{}
	var size func(n *yaml.Node) int
	size = func(n *yaml.Node) int {
		if n == nil {
			return 0
		}
		if v, ok := sizes[n]; ok {
			return v
		}
		sizes[n] = maxExpanded + 1 // a cycle, if one could be written, is too many
		total := 1
		if n.Kind == yaml.AliasNode {
			if line == 0 {
				line = n.Line
			}
			total += size(n.Alias)
		}
		for _, c := range n.Content {
			if total += size(c); total > maxExpanded {
				total = maxExpanded + 1
				break
			}
		}
		sizes[n] = total
		return total
	}
	return line, size(doc) > maxExpanded
}
