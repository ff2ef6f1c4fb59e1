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
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	goccy "github.com/goccy/go-yaml"
	goccyparser "github.com/goccy/go-yaml/parser"
	"gopkg.in/yaml.v3"
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
		return fmt.Errorf("line %d: %q is not a duration such as 250ms, 2s or 1m30s", n.Line, n.Value)
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

func (e *Error) Error() string {
	switch {
	case e.File != "" && e.Line > 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	case e.File != "":
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return e.Msg
}

// Load reads and validates a scenario file.
func Load(path string) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the scenario: %w", err)
	}
	return Parse(path, data)
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
	lineRe    = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
	unknownRe = regexp.MustCompile(`line (\d+): field (\S+) not found in type configs\.(\w+)`)
	typeRe    = regexp.MustCompile(`line (\d+): cannot unmarshal !!(\w+) ` + "`" + `?([^` + "`" + `]*)` + "`" + `? into (\S+)`)
)

// Parse decodes and validates a scenario. file names it in errors.
func Parse(file string, data []byte) (*Scenario, error) {
	s := &Scenario{Path: file, Source: string(data)}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(s); err != nil {
		return nil, yamlError(file, data, err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err == nil {
		s.recordLines(&doc)
	}
	if err := s.validate(); err != nil {
		var e *Error
		if errors.As(err, &e) && e.File == "" {
			e.File = file
		}
		return nil, err
	}
	return s, nil
}

// yamlError turns a decoder error into sentences that name the file, line
// and field.
func yamlError(file string, data []byte, err error) error {
	if errors.Is(err, io.EOF) || strings.TrimSpace(string(data)) == "" {
		return &Error{File: file, Msg: "the scenario is empty; see configs/demo.yaml for the shape of one"}
	}
	msg := err.Error()
	if m := lineRe.FindStringSubmatch(msg); m != nil {
		if line, col, what, ok := syntaxPosition(data); ok {
			return &Error{File: file, Line: line, Msg: fmt.Sprintf("YAML syntax error, column %d: %s", col, what)}
		}
		line, _ := strconv.Atoi(m[1])
		return &Error{File: file, Line: line, Msg: "YAML syntax error: " + m[2]}
	}
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		first := te.Errors[0]
		if m := unknownRe.FindStringSubmatch(first); m != nil {
			line, _ := strconv.Atoi(m[1])
			return &Error{File: file, Line: line, Msg: unknownField(m[2], m[3])}
		}
		if m := typeRe.FindStringSubmatch(first); m != nil {
			line, _ := strconv.Atoi(m[1])
			return &Error{File: file, Line: line, Msg: fmt.Sprintf("%q is a %s where %s was expected", m[3], m[2], goTypeName(m[4]))}
		}
		if m := regexp.MustCompile(`^line (\d+): (.*)$`).FindStringSubmatch(first); m != nil {
			line, _ := strconv.Atoi(m[1])
			return &Error{File: file, Line: line, Msg: m[2]}
		}
		return &Error{File: file, Msg: first}
	}
	if m := regexp.MustCompile(`^line (\d+): (.*)$`).FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &Error{File: file, Line: line, Msg: m[2]}
	}
	return &Error{File: file, Msg: strings.TrimPrefix(msg, "yaml: ")}
}

// syntaxPosition finds where a YAML syntax error is. yaml.v3 reports
// only a line, and sometimes that of the enclosing block rather than the
// fault; goccy/go-yaml's parser points at the token, with its column.
func syntaxPosition(data []byte) (line, col int, what string, ok bool) {
	_, err := goccyparser.ParseBytes(data, 0)
	var ye goccy.Error
	if !errors.As(err, &ye) || ye.GetToken() == nil || ye.GetToken().Position == nil {
		return 0, 0, "", false
	}
	p := ye.GetToken().Position
	what = ye.GetMessage()
	if strings.Contains(what, "'\t'") || strings.Contains(what, "\t") || strings.Contains(what, "	") {
		what = "a tab character; YAML indents with spaces"
	}
	return p.Line, p.Column, what, true
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

var where = map[string]string{"Roster": "roster:", "Scenario": "the scenario", "Agent": "an agent", "History": "history", "Output": "output", "Limit": "a limit"}

func unknownField(field, typ string) string {
	msg := fmt.Sprintf("unknown field %q in %s", field, where[typ])
	if s := closest(field, fieldsOf[typ]); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	} else if len(fieldsOf[typ]) > 0 {
		msg += "; known fields: " + strings.Join(fieldsOf[typ], ", ")
	}
	return msg
}

// Closest returns the candidate within two edits of s, if any, for "did
// you mean" sentences.
func Closest(s string, candidates []string) string { return closest(s, candidates) }

// closest returns the candidate within two edits of s, if any.
func closest(s string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		if d := editDistance(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// recordLines notes where each agent is defined, for later sentences.
func (s *Scenario) recordLines(doc *yaml.Node) {
	if len(doc.Content) == 0 {
		return
	}
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "agents" && root.Content[i+1].Kind == yaml.SequenceNode {
			for j, a := range root.Content[i+1].Content {
				if j < len(s.Agents) {
					s.Agents[j].Line = a.Line
				}
			}
		}
		if root.Content[i].Value == "roster" && s.Roster != nil {
			r := root.Content[i+1]
			s.Roster.line = root.Content[i].Line
			if l := mapValue(r, "agents"); l != nil && l.Kind == yaml.SequenceNode {
				for j, a := range l.Content {
					if j < len(s.Roster.Agents) {
						s.Roster.Agents[j].Line = a.Line
					}
				}
			}
			if d := mapValue(r, "defaults"); d != nil {
				s.Roster.Defaults.Line = d.Line
			}
		}
	}
}
