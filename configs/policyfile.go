package configs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/parleyhq/parley/internal/phrase"
	"github.com/parleyhq/parley/internal/suggest"
	"github.com/parleyhq/parley/orchestrator/policy"
	"github.com/parleyhq/parley/transcripts"
)

// LoadPolicy reads a policy file: either a mapping with a termination: key
// (a scenario's own block, copied out) or the policy itself, such as
// `any: [...]`. Errors name the file and line.
func LoadPolicy(path string) (policy.Policy, error) {
	data, err := readPolicyFile(path)
	if err != nil {
		return nil, err
	}
	return ParsePolicy(path, data)
}

// ParsePolicy is LoadPolicy on bytes; file names it in errors.
func ParsePolicy(file string, data []byte) (policy.Policy, error) {
	n, err := ParsePolicyNode(file, data)
	if err != nil {
		return nil, err
	}
	return policy.Parse(n) // checked by ParsePolicyNode: cannot fail
}

// LoadPolicyNode reads a policy file as LoadPolicy does, and gives the
// policy's YAML (its termination: block, or the whole file), checked, for
// a caller that varies its settings (check --sweep).
func LoadPolicyNode(path string) (*yaml.Node, error) {
	data, err := readPolicyFile(path)
	if err != nil {
		return nil, err
	}
	return ParsePolicyNode(path, data)
}

// ParsePolicyNode is LoadPolicyNode on bytes; file names it in errors.
// Every mistake is refused with its line: a key given twice, an unknown
// rule or setting, a policy of no rules, which would never stop a
// conversation, and a judge that validate would refuse in a scenario (its
// provider, address, temperature, key variable's name, headers, fault
// settings), in the same sentences. Whether a judge's key is set is not
// the file's mistake, and is checked only for a live run
// (PolicyKeyProblems): check, show and report never ask a judge.
func ParsePolicyNode(file string, data []byte) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		if err := transcriptNotPolicy(file, data); err != nil {
			return nil, err
		}
		return nil, Problems{yamlError(file, data, err)}
	}
	if line, bomb := aliasBomb(&doc); bomb {
		return nil, &Error{File: file, Line: line, Msg: aliasBombMsg}
	}
	if probs := dropDuplicateKeys(&doc, ""); len(probs) > 0 {
		for _, e := range probs {
			e.File = file
		}
		return nil, probs
	}
	if line := secondDocument(data); line > 0 {
		return nil, &Error{File: file, Line: line, Msg: "a second YAML document starts here, after a --- line; a policy file holds one policy, and parley would read the first alone: " +
			"join their rules in one list (any: [rule, rule])"}
	}
	if err := scenarioWithoutRules(file, &doc); err != nil {
		return nil, err
	}
	n := policy.Unwrap(&doc)
	if n.Kind == 0 || (n.Kind == yaml.ScalarNode && n.Tag == "!!null") {
		return nil, &Error{File: file, Msg: "holds no policy; write a termination: block or a policy such as {max_messages: 100}"}
	}
	policy.ResolveFiles(n, filepath.Dir(file))
	// A judge is checked as an agent is, in the same round as its rule's
	// settings, each problem at its line.
	probs := judgeProblems(judgesIn(n), "")
	for _, e := range probs {
		e.File = file
	}
	p, err := policy.Parse(n)
	if err != nil {
		// A transcript may read as YAML (Markdown prose as one value, a
		// JSONL's first line as a mapping), but holds no rules.
		if err := transcriptNotPolicy(file, data); err != nil {
			return nil, err
		}
		for _, err := range policy.Errors(err) {
			probs = append(probs, withLine(file, "", err).(*Error))
		}
		probs.sort()
		return nil, probs
	}
	if p == nil {
		return nil, &Error{File: file, Msg: "holds no policy; write a termination: block or a policy such as {max_messages: 100}"}
	}
	// A list of no rules parses, and would stop nothing, as an empty file
	// would.
	for _, err := range policy.Empty(n) {
		probs = append(probs, withLine(file, "", err).(*Error))
	}
	if len(probs) > 0 {
		probs.sort()
		return nil, probs
	}
	return n, nil
}

// PolicyKeyProblems lists the API keys the judges of a policy file's
// rules n (as ParsePolicyNode gives them) would lack in a live run: a key
// variable that is unset or empty, in the sentences KeyProblems says of a
// scenario's judges, at the file's lines. getenv looks up variables (nil:
// os.Getenv).
func PolicyKeyProblems(file string, n *yaml.Node, getenv func(string) string) Problems {
	s := &Scenario{Path: file, Termination: *n}
	return s.KeyProblems(getenv)
}

// readPolicyFile reads a policy file. A missing file or a directory gets
// a sentence that says what to give instead.
func readPolicyFile(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("the policy file %s does not exist", path)
	case err == nil && fi.IsDir():
		return nil, &Error{File: path, Msg: "is a directory; --policy takes one YAML file of rules, such as a scenario (its termination: block is read) or {max_messages: 100}"}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the policy file: %w", err)
	}
	return data, nil
}

// transcriptNotPolicy is a sentence for a transcript given where a policy
// file goes, in place of a YAML error about Markdown, or nil when data is
// no transcript.
func transcriptNotPolicy(file string, data []byte) error {
	ts, _, err := transcripts.Import(data)
	if err != nil || len(ts) == 0 || len(ts[0].Messages) == 0 {
		return nil
	}
	return &Error{File: file, Msg: fmt.Sprintf("is a transcript (%s), not a policy; --policy takes a YAML file of rules, such as a scenario (its termination: block is read) or {max_messages: 100}, and the transcripts to judge come after the flags",
		phrase.Count(len(ts[0].Messages), "message", "messages"))}
}

// scenarioWithoutRules is the sentence for a scenario given as a policy
// file that has no termination: block, or nil when doc is no such
// scenario. Such a scenario runs under the default set, but holds no
// rules of its own, and its fields (agents:, title:) are no rules either.
// A policy file is a scenario when its top level holds a scenario's
// field, which no rule is named. The sentence names a rule written at the
// top level, and a misspelt termination:, where the block was meant to be.
func scenarioWithoutRules(file string, doc *yaml.Node) error {
	if len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil
	}
	top := doc.Content[0].Content
	scenario, rules := false, policy.Names()
	var notes []string
	for i := 0; i+1 < len(top); i += 2 {
		k := top[i]
		switch {
		case k.Value == "termination":
			return nil
		case slices.Contains(rules, k.Value):
			notes = append(notes, fmt.Sprintf("its %s (line %d) is a rule, which goes in that block", k.Value, k.Line))
		case slices.Contains(fieldsOf["Scenario"], k.Value):
			scenario = true
		case suggest.Closest(k.Value, []string{"termination"}) != "":
			notes = append(notes, fmt.Sprintf("its %s (line %d) is no field; did you mean termination:?", k.Value, k.Line))
		}
	}
	if !scenario {
		return nil
	}
	msg := "is a scenario with no termination: block, so it holds no rules to judge by (a scenario without one runs under the default set); " +
		"add a termination: block to it, or leave --policy out to judge under the default set"
	if len(notes) > 0 {
		msg += "; " + strings.Join(notes, "; ")
	}
	return &Error{File: file, Msg: msg}
}
