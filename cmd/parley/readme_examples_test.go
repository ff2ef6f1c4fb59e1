package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// readmeBlock is one fenced block of the README: its language, the line
// its fence opens on, its text, and what an HTML comment on the line just
// above the fence says of it.
type readmeBlock struct {
	lang, text string
	line       int
	// refused holds the sentence the block must be refused with, from a
	// `<!-- refused: SENTENCE -->` line above its fence: an example shown
	// to be wrong on purpose.
	refused string
}

// readmeBlocks reads the README's fenced blocks.
func readmeBlocks(t *testing.T) []readmeBlock {
	t.Helper()
	f, err := os.Open("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var (
		blocks []readmeBlock
		cur    *readmeBlock
		body   strings.Builder
		prev   string
		n      int
	)
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		n++
		line := sc.Text()
		switch {
		case cur == nil && strings.HasPrefix(line, "```"):
			cur = &readmeBlock{lang: strings.TrimSpace(strings.TrimPrefix(line, "```")), line: n}
			if c, ok := strings.CutPrefix(strings.TrimSpace(prev), "<!-- refused:"); ok {
				cur.refused = strings.TrimSpace(strings.TrimSuffix(c, "-->"))
			}
			body.Reset()
		case cur != nil && strings.HasPrefix(line, "```"):
			cur.text = body.String()
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			body.WriteString(line + "\n")
		}
		prev = line
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if cur != nil {
		t.Fatalf("README.md:%d: a fence opens and is never closed", cur.line)
	}
	return blocks
}

// The README's YAML examples are what a newcomer copies: each scenario
// must pass validate, each termination: block or bare policy must be a
// --policy check takes, and each label must be read as a label, as the
// README says of them. An example meant to be refused carries
// `<!-- refused: SENTENCE -->` on the line above its fence, and must be
// refused with that sentence.
func TestREADMEExamplesAreWhatParleyTakes(t *testing.T) {
	seed, err := filepath.Abs(seedPath)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, b := range readmeBlocks(t) {
		if b.lang != "yaml" && !(b.lang == "json" && strings.Contains(b.text, `"transcripts"`)) {
			continue
		}
		name := fmt.Sprintf("README.md:%d", b.line)
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			// A bare policy may be a list of rules; what is no mapping
			// is taken as one, and check says what is wrong with it.
			var top map[string]any
			_ = yaml.Unmarshal([]byte(b.text), &top)
			var args []string
			switch {
			case b.lang == "json":
				// A labels.json row: the transcript it names is the seed.
				var table struct {
					Transcripts []struct {
						File string `json:"file"`
					} `json:"transcripts"`
				}
				if err := json.Unmarshal([]byte(b.text), &table); err != nil || len(table.Transcripts) == 0 {
					t.Fatalf("%s: the labels.json example does not read as a table of rows: %v", name, err)
				}
				for _, row := range table.Transcripts {
					copyExample(t, seed, filepath.Join(dir, filepath.FromSlash(row.File)))
				}
				writeExample(t, filepath.Join(dir, "labels.json"), b.text)
				args = []string{"check", "--json", dir}
			case top["agents"] != nil || top["roster"] != nil:
				file := filepath.Join(dir, "scenario.yaml")
				writeExample(t, file, b.text)
				args = []string{"validate", "--offline", file}
			case top["stop_after"] != nil:
				copyExample(t, seed, filepath.Join(dir, "seed.md"))
				writeExample(t, filepath.Join(dir, "seed.expect.yaml"), b.text)
				args = []string{"check", "--json", dir}
			default:
				file := filepath.Join(dir, "policy.yaml")
				writeExample(t, file, b.text)
				args = []string{"check", "--json", "--policy", file, seed}
			}
			checked++
			code, out, errOut := parley(t, args...)
			if b.refused != "" {
				if code == exitOK || !strings.Contains(errOut, b.refused) {
					t.Fatalf("%s is shown as refused with %q; parley %s exited %d:\n%s%s", name, b.refused, strings.Join(args, " "), code, out, errOut)
				}
				return
			}
			if strings.Contains(errOut, "warning") || strings.Contains(out, `"unread"`) {
				t.Fatalf("%s: parley %s does not take the example as written:\n%s%s", name, args[0], out, errOut)
			}
			// A label is read whether or not the seed passes it; anything
			// else must be taken whole.
			if code != exitOK && !(args[0] == "check" && code == exitFailure && strings.Contains(out, `"verdict"`)) {
				t.Fatalf("%s: parley %s exited %d:\n%s%s", name, strings.Join(args, " "), code, out, errOut)
			}
		})
	}
	if checked < 5 {
		t.Fatalf("only %d YAML examples found in README.md; the fences this test looks for have changed", checked)
	}
}

func writeExample(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func copyExample(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	writeExample(t, to, string(b))
}
