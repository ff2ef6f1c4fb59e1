package analysis

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode"

	"gopkg.in/yaml.v3"

	"github.com/parleyhq/parley/configs"
	"github.com/parleyhq/parley/orchestrator/policy"
)

// Label is a transcript's hand label: NAME.expect.yaml beside NAME.md, or
// its row in a labels.json above it (see LabelTableName).
type Label struct {
	// StopAfter is the last message that adds something new: stopping
	// before it cuts content.
	StopAfter int `yaml:"stop_after" json:"stop_after"`
	// StopBy is the last message a rule may stop at before it wastes
	// messages (the loop's start + 6); nil when the conversation is
	// healthy to its end.
	StopBy *int `yaml:"stop_by" json:"stop_by"`
	// Loops are stretches that looped and were later broken out of, as
	// [first, last] message pairs: stopping in one is right, since a live
	// rule cannot know the loop will end.
	Loops [][2]int `yaml:"loops" json:"loops,omitempty"`
	Note  string   `yaml:"note" json:"-"`
	// Warnings names the fields the label holds that parley does not read
	// (what other labelling tools add, such as a loop's kind): they are
	// skipped, each named with its line.
	Warnings []string `yaml:"-" json:"-"`
}

// labelFields are the fields a label's reader takes.
var labelFields = []string{"stop_after", "stop_by", "loops", "note"}

// LabelPath is where the label of a transcript file lives.
func LabelPath(transcript string) string {
	return strings.TrimSuffix(transcript, filepath.Ext(transcript)) + ".expect.yaml"
}

// ReadLabel reads NAME.expect.yaml; nil, nil when there is none.
func ReadLabel(path string) (*Label, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return ParseLabel(path, data)
}

// ParseLabel reads a label; path names the file in errors.
func ParseLabel(path string, data []byte) (*Label, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %s", path, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("%s: is empty; write stop_after: and stop_by:", path)
	}
	// A field parley does not read is skipped with a warning, so labels
	// that other tools wrote with more in them still read; one that looks
	// like a misspelt field of parley's is an error, since skipping it
	// would misread the label.
	var l Label
	root := doc.Content[0]
	if root.Kind == yaml.MappingNode {
		kept := make([]*yaml.Node, 0, len(root.Content))
		for i := 0; i+1 < len(root.Content); i += 2 {
			k := root.Content[i]
			if slices.Contains(labelFields, k.Value) {
				kept = append(kept, k, root.Content[i+1])
				continue
			}
			if near := nearField(k.Value); near != "" {
				return nil, fmt.Errorf("%s:%d: unknown field %q; did you mean %s? (a label holds %s)", path, k.Line, k.Value, near, strings.Join(labelFields, ", "))
			}
			l.Warnings = append(l.Warnings, fmt.Sprintf("%s:%d: skipped field %q: a label parley reads holds %s", path, k.Line, k.Value, strings.Join(labelFields, ", ")))
		}
		root.Content = kept
	}
	if err := policy.StrictDecode(root, &l); err != nil {
		return nil, fileLine(path, err)
	}
	if err := l.valid(path); err != nil {
		return nil, err
	}
	return &l, nil
}

// valid reports a label whose fields contradict each other; where names
// it in the error.
func (l *Label) valid(where string) error {
	switch {
	case l.StopAfter < 0:
		return fmt.Errorf("%s: stop_after must not be negative", where)
	case l.StopBy != nil && *l.StopBy < l.StopAfter:
		return fmt.Errorf("%s: stop_by (%d) comes before stop_after (%d)", where, *l.StopBy, l.StopAfter)
	}
	for i, lp := range l.Loops {
		if lp[0] < 1 || lp[1] < lp[0] {
			return fmt.Errorf("%s: loop %d is [%d, %d]; write each loop as [first, last] message numbers, first ≤ last", where, i+1, lp[0], lp[1])
		}
	}
	return nil
}

// nearField is the scored label field (stop_after, stop_by, loops) that
// name looks like a misspelling of, or "": the same but for case and
// punctuation, or a few edits away (two, one for loops). A misspelt note
// is only skipped: no score depends on it.
func nearField(name string) string {
	squash := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r == '_' || r == '-' || r == ' ' {
				return -1
			}
			return unicode.ToLower(r)
		}, s)
	}
	for _, f := range labelFields[:3] {
		if squash(name) == squash(f) || configs.EditDistance(name, f) <= min(2, len(f)/4) {
			return f
		}
	}
	return ""
}

// Check reports a label that does not fit a transcript of n messages.
func (l *Label) Check(path string, n int) error {
	if l.StopBy == nil && l.StopAfter > n {
		return fmt.Errorf("%s: stop_after is %d but the transcript has %d messages", path, l.StopAfter, n)
	}
	for i, lp := range l.Loops {
		if lp[1] > n {
			return fmt.Errorf("%s: loop %d ends at message %d but the transcript has %d messages", path, i+1, lp[1], n)
		}
	}
	return nil
}

// fileLine turns "line N: msg" into "FILE:N: msg".
func fileLine(path string, err error) error {
	msg := err.Error()
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, tail, ok := strings.Cut(rest, ": "); ok && strings.Trim(num, "0123456789") == "" {
			return fmt.Errorf("%s:%s: %s", path, num, tail)
		}
	}
	return fmt.Errorf("%s: %s", path, msg)
}
