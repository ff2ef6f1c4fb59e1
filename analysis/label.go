package analysis

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/parleyhq/parley/orchestrator/policy"
)

// Label is a transcript's hand label, NAME.expect.yaml beside NAME.md.
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
}

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
	var l Label
	if err := policy.StrictDecode(doc.Content[0], &l); err != nil {
		return nil, fileLine(path, err)
	}
	switch {
	case l.StopAfter < 0:
		return nil, fmt.Errorf("%s: stop_after must not be negative", path)
	case l.StopBy != nil && *l.StopBy < l.StopAfter:
		return nil, fmt.Errorf("%s: stop_by (%d) comes before stop_after (%d)", path, *l.StopBy, l.StopAfter)
	}
	for i, lp := range l.Loops {
		if lp[0] < 1 || lp[1] < lp[0] {
			return nil, fmt.Errorf("%s: loop %d is [%d, %d]; write each loop as [first, last] message numbers, first ≤ last", path, i+1, lp[0], lp[1])
		}
	}
	return &l, nil
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
