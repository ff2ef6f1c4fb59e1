package batch

import (
	"path/filepath"
	"slices"
	"strings"

	"github.com/parleyhq/parley/configs"
)

// Titles tells apart the conversations of scenario files that give the
// same title: two files of one pair of agents, say, one with a budget of
// 5 messages and one of 3, are both "A ↔ B". A title more than one file
// gives is named with its file ("five.yaml: A ↔ B") wherever a batch
// names a conversation or a group of them: its summary, its --dry-run
// list and its progress lines. The file is named by as much of its path
// as tells it from the others of that title: its name alone, unless two
// of them have one name (then "a/x.yaml" and "b/x.yaml"). A title only
// one file gives is named as it is. The zero Titles names every title as
// it is.
type Titles struct {
	files map[string][]string // each title's scenario files, in the order added
}

// TitlesOf is the Titles of the scenarios a batch's conversations run
// (Manifest.LoadScenarios), each with its file and title.
func TitlesOf(scenarios []*configs.Scenario) *Titles {
	t := &Titles{}
	for _, s := range scenarios {
		t.Add(s.Title, s.Path)
	}
	return t
}

// Add records that the scenario file path gives title.
func (t *Titles) Add(title, path string) {
	if t.files == nil {
		t.files = map[string][]string{}
	}
	if !slices.Contains(t.files[title], path) {
		t.files[title] = append(t.files[title], path)
	}
}

// Name is how the batch names title, given by the scenario file path:
// "FILE: title" when another file gives the same title, else title.
func (t *Titles) Name(title, path string) string {
	if t == nil || path == "" || path == title {
		return title
	}
	files := t.files[title]
	if len(files) < 2 || !slices.Contains(files, path) {
		return title
	}
	file := distinct(path, files)
	if title == "" {
		return file
	}
	return file + ": " + title
}

// distinct is the end of path, in whole parts (its file's name, then its
// folder's too, …), that no other of paths ends in.
func distinct(path string, paths []string) string {
	parts := strings.Split(filepath.ToSlash(path), "/")
	for n := 1; n < len(parts); n++ {
		end := strings.Join(parts[len(parts)-n:], "/")
		clash := false
		for _, p := range paths {
			if p != path && (filepath.ToSlash(p) == end || strings.HasSuffix(filepath.ToSlash(p), "/"+end)) {
				clash = true
				break
			}
		}
		if !clash {
			return filepath.FromSlash(end)
		}
	}
	return path
}
