package configs

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"unicode"

	"gopkg.in/yaml.v3"

	"github.com/parleyhq/parley/agents"
	"github.com/parleyhq/parley/orchestrator/policy"
)

// KeyProblems lists the API keys a run of the scenario would lack: a key
// variable that is unset or empty, or a key file that cannot be read,
// for each agent and judge. getenv looks up variables (nil: os.Getenv).
// The sentences name the agent and the variable; they never hold a key.
// A variable several agents need is one sentence, naming each of them.
func (s *Scenario) KeyProblems(getenv func(string) string) Problems {
	needs, probs := s.KeyNeeds(getenv)
	probs = append(probs, GroupKeyNeeds(needs)...)
	probs.sort()
	return probs
}

// KeyNeed is an agent or judge whose key variable is not set.
type KeyNeed struct {
	File string
	Line int
	Kind string // "agent", "roster agent" or "judge"
	Seat int    // its place among the scenario's agents, its roster's agents or its judges (by Kind), from 0
	Name string
	Who  string // as a sentence names it: agent "A", the judge (gpt-4o-mini)
	Env  string // the variable
	// Via names the values that gave the need, when no line of the file
	// does, as a clause ("with --set agents[0].api_key_env=K"); "" for a
	// need the file gives.
	Via string
}

// KeyGap is what one agent or judge lacks for its key: a variable not
// set (Need), or a key file that cannot be read or a key that cannot be
// sent (Problem). Kind and Seat place it as KeyNeed's do, and Who names
// it as the Problem's sentence begins.
type KeyGap struct {
	Kind    string
	Seat    int
	Who     string
	Need    *KeyNeed
	Problem *Error
}

// KeyNeeds lists the agents and judges whose key variable is not set, and
// the problems of the key files that cannot be read. GroupKeyNeeds says
// the first as sentences.
func (s *Scenario) KeyNeeds(getenv func(string) string) ([]KeyNeed, Problems) {
	var needs []KeyNeed
	var probs Problems
	for _, g := range s.KeyGaps(getenv) {
		if g.Need != nil {
			needs = append(needs, *g.Need)
		} else {
			probs = append(probs, g.Problem)
		}
	}
	return needs, probs
}

// KeyGaps lists what the agents' and judges' keys lack on this machine,
// each agent's or judge's gap with its place, in the order KeyNeeds
// lists them.
func (s *Scenario) KeyGaps(getenv func(string) string) []KeyGap {
	if getenv == nil {
		getenv = os.Getenv
	}
	var gaps []KeyGap
	check := func(file string, line int, kind string, seat int, name, who, provider, keyEnv, keyFile string) {
		prob := func(msg string) {
			gaps = append(gaps, KeyGap{Kind: kind, Seat: seat, Who: who, Problem: &Error{File: file, Line: line, Msg: msg}})
		}
		if keyFile != "" {
			data, err := os.ReadFile(keyFile)
			switch key, kerr := CleanKey(string(data), "api_key_file: "+KeyFileName(keyFile)); {
			case err != nil:
				prob(KeyFileUnreadable(who, keyFile, err))
			case kerr != nil:
				prob(fmt.Sprintf("%s: %v", who, kerr))
			case key == "":
				prob(fmt.Sprintf("%s: api_key_file: %s is empty", who, KeyFileName(keyFile)))
			}
			return
		}
		if keyEnv == "" && provider != "" {
			p, _ := agents.LookupProvider(provider)
			keyEnv = p.KeyEnv
		}
		// A value that is no variable's name (a key pasted in its place)
		// is refused, without repeating it, by validate.
		if keyEnv == "" || envNameProblem(keyEnv) != "" {
			return
		}
		switch key, err := CleanKey(getenv(keyEnv), "the environment variable "+keyEnv); {
		case err != nil:
			prob(fmt.Sprintf("%s: %v", who, err))
		case key == "":
			gaps = append(gaps, KeyGap{Kind: kind, Seat: seat, Who: who,
				Need: &KeyNeed{File: file, Line: line, Kind: kind, Seat: seat, Name: name, Who: who, Env: keyEnv}})
		}
	}
	for i, a := range s.Agents {
		if a.Type == TypeOpenAI {
			// A seat a fork handed over is said of its flag, which
			// set it, not of the file.
			file, line := s.Path, a.keyLine()
			if a.seatedBy != "" {
				file, line = a.seatedBy, 0
			}
			check(file, line, "agent", i, a.Name, fmt.Sprintf("agent %q", a.Name), a.Provider, a.APIKeyEnv, a.APIKeyFile)
		}
	}
	if s.Roster != nil {
		for i := range s.Roster.Agents {
			// A roster's agent takes the defaults' provider and key;
			// with no type it is an endpoint's, as a scenario's is.
			if a := s.Roster.Merged(i); a.Type == "" || a.Type == TypeOpenAI {
				check(s.Path, a.keyLine(), "roster agent", i, a.Name, fmt.Sprintf("roster agent %q", a.Name), a.Provider, a.APIKeyEnv, a.APIKeyFile)
			}
		}
	}
	for i, j := range s.Judges() {
		check(s.Path, j.keyLine(), "judge", i, j.Name, j.JudgeWho(), j.Provider, j.APIKeyEnv, "")
	}
	return gaps
}

// GroupKeyNeeds says the needs as sentences, one for each file and
// variable: "agent "A" needs an API key: the environment variable X is not
// set" for one agent; for several, at the first one's line, "the
// environment variable X is not set, and 8 need it for their API key:
// roster agents "A" (line 12), "B" (line 13), …". A need listed twice
// (one agent in many pairs) is named once. A need that values gave
// (Via) is said after them, "with --set …: agent "A" needs …", or, among
// needs the file gives, in place of a line: "B" (--set …).
func GroupKeyNeeds(needs []KeyNeed) Problems {
	type key struct{ file, env string }
	var order []key
	groups := map[key][]KeyNeed{}
	seen := map[KeyNeed]bool{}
	for _, n := range needs {
		if seen[n] {
			continue
		}
		seen[n] = true
		k := key{n.File, n.Env}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], n)
	}
	var probs Problems
	for _, k := range order {
		g := groups[k]
		// The values every need of the group came from, said once
		// before the sentence; else each need's own, after its name.
		via := g[0].Via
		line := 0
		for _, n := range g {
			if n.Via != via {
				via = ""
			}
			if line == 0 {
				line = n.Line
			}
		}
		prefix := ""
		if via != "" {
			prefix = via + ": "
		}
		if len(g) == 1 {
			n := g[0]
			probs = append(probs, &Error{File: n.File, Line: n.Line, Msg: fmt.Sprintf("%s%s needs an API key: the environment variable %s is not set", prefix, n.Who, n.Env)})
			continue
		}
		at := func(n KeyNeed) string {
			switch {
			case n.Line > 0:
				return fmt.Sprintf(" (line %d)", n.Line)
			case n.Via != "" && via == "":
				return " (" + strings.TrimPrefix(n.Via, "with ") + ")"
			}
			return ""
		}
		// Each kind of agent once, its names after it: roster agents
		// "A" (line 3), "B" (line 4); each judge as it is named.
		var kinds []string
		byKind := map[string][]string{}
		var judges []string
		for _, n := range g {
			if n.Kind == "judge" {
				judges = append(judges, n.Who+at(n))
				continue
			}
			if _, ok := byKind[n.Kind]; !ok {
				kinds = append(kinds, n.Kind)
			}
			byKind[n.Kind] = append(byKind[n.Kind], strconv.Quote(n.Name)+at(n))
		}
		var parts []string
		for _, kind := range kinds {
			names := byKind[kind]
			if len(names) > 1 {
				kind += "s"
			}
			parts = append(parts, kind+" "+strings.Join(names, ", "))
		}
		parts = append(parts, judges...)
		probs = append(probs, &Error{File: k.file, Line: line, Msg: fmt.Sprintf("%sthe environment variable %s is not set, and %d need it for their API key: %s",
			prefix, k.env, len(g), strings.Join(parts, "; "))})
	}
	return probs
}

// FieldLine is the line of the agent's field (such as "transcript"), or
// of the agent itself when the field has no line of its own, for
// sentences about that field.
func (a *Agent) FieldLine(field string) int { return lineOf(a.lines, field, a.Line) }

// FieldError is msg, a sentence about the agent's field (or the agent,
// for ""), where the person fixes it: at the field's line in file, or,
// for a seat a fork's --agent handed to the agent, after the flag as
// typed, its secrets hidden, which the person wrote in place of the
// file's lines.
func (a *Agent) FieldError(file, field, msg string) *Error {
	if a.seatedBy != "" {
		return &Error{Msg: a.seatedBy + ": " + msg}
	}
	return &Error{File: file, Line: a.FieldLine(field), Msg: msg}
}

// lineOf is the line lines gives field, else line: where a block's field
// is written, or the block itself when the field is not.
func lineOf(lines map[string]int, field string, line int) int {
	if l, ok := lines[field]; ok {
		return l
	}
	return line
}

// keyLine is the line of the field an agent's key comes from, api_key_file
// or api_key_env, else of the agent.
func (a *Agent) keyLine() int {
	for _, f := range []string{"api_key_file", "api_key_env"} {
		if l, ok := a.lines[f]; ok {
			return l
		}
	}
	return a.Line
}

// Judges are the scenario's judge rules (its moderator models), each as
// the agent it is: its name ("judge" when it has none), provider, model,
// address, key variable, temperature, headers and fault settings, at the
// line of its own judge: key, with the line of each of its fields. They
// are read from the termination block itself, so a judge is checked, and
// its key looked for, even when another rule (or this one) has problems
// of its own.
func (s *Scenario) Judges() []Agent { return judgesIn(&s.Termination) }

// judgesIn are the judge rules of the policy n, each as the agent it is,
// as Judges gives a scenario's.
func judgesIn(n *yaml.Node) []Agent {
	var out []Agent
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n == nil {
			return
		}
		if n.Kind == yaml.AliasNode {
			n = n.Alias
			if n == nil {
				return
			}
		}
		switch n.Kind {
		case yaml.SequenceNode:
			for _, c := range n.Content {
				walk(c)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				if k.Value != "judge" {
					walk(v)
					continue
				}
				if v.Kind == yaml.AliasNode && v.Alias != nil {
					v = v.Alias
				}
				if v.Kind != yaml.MappingNode {
					continue // the policy parser says what is wrong with it
				}
				out = append(out, judgeAgent(k, v))
			}
		}
	}
	walk(n)
	return out
}

// judgeAgent is the judge whose settings are the mapping v, under the key k.
func judgeAgent(k, v *yaml.Node) Agent {
	var c policy.JudgeConfig
	// The settings that can be read are; the policy parser names those
	// that cannot.
	_ = v.Decode(&c)
	name := c.Name
	if name == "" {
		name = "judge"
	}
	return Agent{Name: name, Type: TypeOpenAI, Provider: c.Provider, Model: c.Model, BaseURL: c.BaseURL,
		APIKeyEnv: c.APIKeyEnv, System: c.System, Temperature: c.Temperature, Headers: c.Headers,
		Retries: c.Retries, Timeout: Duration(c.Timeout), IdleTimeout: Duration(c.IdleTimeout), Backoff: Duration(c.Backoff),
		Line: k.Line, lines: keyLines(v), judge: true}
}

// JudgeWho names a judge in a sentence: by its name when it was given
// one, else by its model, so that two judges are told apart.
func (a *Agent) JudgeWho() string {
	switch {
	case a.Name != "judge":
		return fmt.Sprintf("the judge %q", a.Name)
	case a.Model != "" && !HoldsKey(a.Model):
		return fmt.Sprintf("the judge (%s)", a.Model)
	}
	return "the judge"
}

// IsEnvName reports whether s can name an environment variable: letters,
// digits and _, not starting with a digit.
func IsEnvName(s string) bool {
	for i, r := range s {
		switch {
		case r == '_' || r < unicode.MaxASCII && unicode.IsLetter(r):
		case i > 0 && r >= '0' && r <= '9':
		default:
			return false
		}
	}
	return s != ""
}

// keyPrefixes begin the keys providers issue.
var keyPrefixes = []string{"sk-", "gsk_", "xai-", "AIza", "hf_", "pplx-", "nvapi-", "csk-", "r8_"}

// HoldsKey reports whether s, given where a name goes (a model, a type,
// a URL), holds what reads as a provider's key pasted there: a key's
// prefix (sk-, gsk_, xai-, AIza, hf_, …) before 16 letters or digits
// (with the - and _ keys hold between them), or 24 letters and digits in
// a row with capitals, small letters and digits among them, as keys' random parts have and the names of models
// (claude-3-5-sonnet-20240620, meta-llama/Llama-3.3-70B-Instruct) and
// hex digests do not.
func HoldsKey(s string) bool {
	for _, p := range keyPrefixes {
		for i := strings.Index(s, p); i >= 0; {
			if i == 0 || !isAlnum(s[i-1]) {
				if keyTail(s[i+len(p):]) >= 16 {
					return true
				}
			}
			j := strings.Index(s[i+1:], p)
			if j < 0 {
				break
			}
			i += 1 + j
		}
	}
	for i := 0; i < len(s); {
		n := alnumRun(s[i:])
		if n >= 24 {
			run := s[i : i+n]
			if strings.IndexFunc(run, unicode.IsUpper) >= 0 && strings.IndexFunc(run, unicode.IsLower) >= 0 && strings.IndexFunc(run, unicode.IsDigit) >= 0 {
				return true
			}
		}
		i += max(n, 1)
	}
	return false
}

// alnumRun is how many ASCII letters and digits s starts with.
func alnumRun(s string) int {
	n := 0
	for n < len(s) && isAlnum(s[n]) {
		n++
	}
	return n
}

// keyTail is how long the rest of a key after its prefix runs: letters
// and digits, with the _ and - keys hold between them (or-v1-…, proj-…).
func keyTail(s string) int {
	n := 0
	for n < len(s) && (isAlnum(s[n]) || (s[n] == '_' || s[n] == '-') && n > 0 && n+1 < len(s) && isAlnum(s[n+1])) {
		n++
	}
	return n
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// LooksLikeKey reports whether s, given where parley expects the name of
// a variable or a file (api_key_env, api_key_file), reads as an API key
// pasted there instead: 16 characters or more, lowercase letters and
// digits among them, no path separator and no space, and either no
// variable's name at all (sk-proj-…, with its dashes) or 16 letters and
// digits in a row, as random keys have (gsk_…, hex) and names made of
// words (OPENAI_API_KEY, my_key_2024) do not.
func LooksLikeKey(s string) bool {
	if len(s) < 16 || strings.ContainsAny(s, `/\`) || strings.IndexFunc(s, unicode.IsSpace) >= 0 {
		return false
	}
	if strings.IndexFunc(s, unicode.IsLower) < 0 || strings.IndexFunc(s, unicode.IsDigit) < 0 {
		return false
	}
	if !IsEnvName(s) {
		return true
	}
	run := 0
	for _, r := range s {
		if r == '_' {
			run = 0
			continue
		}
		if run++; run >= 16 {
			return true
		}
	}
	return false
}

// envNameProblem says what is wrong with an api_key_env value, without
// repeating it (it may be a key), or "" when it is a variable's name.
func envNameProblem(v string) string {
	switch {
	case LooksLikeKey(v):
		return "api_key_env: looks like a key rather than the name of an environment variable; " +
			"export the key in a variable (export MY_API_KEY=…) and name the variable here (api_key_env: MY_API_KEY). " +
			"If this file was shared, consider the key exposed and replace it"
	case !IsEnvName(v):
		return "api_key_env: is not the name of an environment variable, which holds only letters, digits and _ and does not start with a digit; " +
			"name the variable that holds the key, such as api_key_env: MY_API_KEY"
	}
	return ""
}

// KeyFileName is an api_key_file as parley names it in a sentence: the
// path, unless it looks like a key pasted in its place.
func KeyFileName(file string) string {
	if LooksLikeKey(file) {
		return "the file it names"
	}
	return file
}

// CleanKey is an API key as a variable or a key file (named by where)
// holds it: without the white space around it, such as the line end of a
// file, or the carriage return of one saved on Windows; "" when it holds
// nothing. One that holds white space alone is refused, as is a key with
// a line break, a tab or a space left inside it, which cannot be sent
// (HTTP refuses the header, and no provider's key holds one), each in a
// sentence that does not repeat it.
func CleanKey(raw, where string) (string, error) {
	// A file saved with a byte-order mark (as Windows editors save
	// them) holds it before the key; no key begins with one.
	key := strings.TrimSpace(strings.TrimPrefix(raw, "\ufeff"))
	if key == "" && raw != "" {
		return "", fmt.Errorf("%s holds only white space; put the key in it", where)
	}
	if strings.IndexFunc(key, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return "", fmt.Errorf("%s holds a line break, a tab or a space inside the key; it must hold the key alone, on one line", where)
	}
	return key, nil
}

// KeyFileUnreadable is the sentence for who's api_key_file that cannot be
// read, with err's reason (no such file, permission denied) and not its
// path. It names the file, unless its value looks like a key, which it
// then says rather than repeating it.
func KeyFileUnreadable(who, file string, err error) string {
	why := ""
	if err != nil {
		why = err.Error()
		if u := errors.Unwrap(err); u != nil {
			why = u.Error() // the reason, without the path
		}
		why = ": " + why
	}
	if LooksLikeKey(file) {
		return fmt.Sprintf("%s: api_key_file: cannot read the file it names%s, and it looks like a key rather than a file's path; "+
			"put the key in a file and name the file here, or export it in a variable and name that variable with api_key_env: instead", who, why)
	}
	return fmt.Sprintf("%s: api_key_file: cannot read %s%s", who, file, why)
}
