package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// overlapping writes a folder of three labelled conversations, one of
// them in a folder of its own and two in a folder inside it, as a corpus
// and one of its folders are laid out.
func overlapping(t *testing.T) (dir, inner string) {
	t.Helper()
	dir = t.TempDir()
	inner = filepath.Join(dir, "inner")
	if err := os.MkdirAll(inner, 0o700); err != nil {
		t.Fatal(err)
	}
	endAt := append(words(8), "done [END]", "done [END]", "x", "y")
	writeCase(t, dir, "outer", endAt, "stop_after: 8\nstop_by: 11\n")
	writeCase(t, inner, "a", endAt, "stop_after: 8\nstop_by: 11\n")
	writeCase(t, inner, "b", endAt, "stop_after: 3\nstop_by: 7\n")
	return dir, inner
}

// check, --sweep, --json and report judge a file given more than once
// (a folder twice, a folder and one inside it, a file and its folder)
// once, under the most specific folder given, and say so in one sentence.
func TestOverlappingPathsAreJudgedOnce(t *testing.T) {
	dir, inner := overlapping(t)
	policyFile := filepath.Join(t.TempDir(), "policy.yaml")
	os.WriteFile(policyFile, []byte("termination:\n  end_token: {exchanges: 1}\n"), 0o600)
	a := filepath.Join(inner, "a.md")
	cases := []struct {
		name     string
		args     []string
		want     []string // on stdout
		repeated string   // the note on stderr; "" for none
	}{
		{"a folder and one inside it", []string{"check", "--policy", policyFile, dir, inner},
			[]string{dir + ": 1 transcript, 1 labelled: 1 passed", inner + ": 2 transcripts, 2 labelled: 1 passed", "in all: 3 transcripts, 3 labelled: 2 passed"},
			"2 files were given more than once"},
		{"the inner folder first", []string{"check", "--policy", policyFile, inner, dir},
			[]string{inner + ": 2 transcripts", dir + ": 1 transcript", "in all: 3 transcripts"},
			"2 files were given more than once"},
		{"a folder given twice", []string{"check", "--policy", policyFile, inner, inner},
			[]string{"\n2 transcripts, 2 labelled: 1 passed (50%)"},
			"2 files were given more than once"},
		{"a folder, again with a slash, and a file in it", []string{"check", "--policy", policyFile, inner, inner + "/", a},
			[]string{"\n2 transcripts, 2 labelled"},
			"2 files were given more than once"},
		{"a file named twice", []string{"check", "--policy", policyFile, a, a},
			[]string{"\n1 transcript, 1 labelled: 1 passed"},
			"1 file was given more than once (by a repeated path, overlapping folders or a link to one file); it is read once"},
		{"no file given twice", []string{"check", "--policy", policyFile, inner},
			[]string{"\n2 transcripts, 2 labelled"}, ""},
		{"a sweep", []string{"check", "--policy", policyFile, "--sweep", "end_token.exchanges=1,2", dir, inner},
			[]string{"2 points over 3 transcripts (3 labelled)"},
			"2 files were given more than once"},
		{"a report", []string{"report", "--out", filepath.Join(t.TempDir(), "r"), inner, inner + "/", a},
			[]string{"2 conversations, 1 pair"},
			"2 files were given more than once"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, out, errOut := parley(t, tc.args...)
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			if n := strings.Count(errOut, "given more than once"); tc.repeated == "" && n != 0 || tc.repeated != "" && (n != 1 || !strings.Contains(errOut, tc.repeated)) {
				t.Errorf("stderr %q; want the note %q once", errOut, tc.repeated)
			}
		})
	}

	// --json names each transcript once, with the folder it is judged under.
	_, out, _ := parley(t, "check", "--json", "--policy", policyFile, dir, inner)
	folders := map[string]string{}
	for _, r := range decodeResults(t, out) {
		name := filepath.Base(r.File)
		if _, ok := folders[name]; ok {
			t.Errorf("%s judged twice", r.File)
		}
		folders[name] = r.Folder
	}
	if len(folders) != 3 || folders["outer.md"] != dir || folders["a.md"] != inner || folders["b.md"] != inner {
		t.Errorf("judged %v; want outer.md under %s, a.md and b.md under %s", folders, dir, inner)
	}
}

// A file given both by name and by a folder is still one the command line
// named: in no layout parley reads, it is an error, not a skip.
func TestAFileNamedAndInAFolderGivenIsStillNamed(t *testing.T) {
	dir := t.TempDir()
	notes := filepath.Join(dir, "notes.md")
	os.WriteFile(notes, []byte("# Notes\n\nnothing said twice\n"), 0o600)
	writeCase(t, dir, "talk", words(6), "")
	code, _, errOut := parley(t, "check", dir, notes)
	if code != exitFailure || strings.Contains(errOut, "notes.md: skipped") || !strings.Contains(errOut, "1 file could not be read") {
		t.Errorf("exit %d, stderr %q; want notes.md unread, not skipped", code, errOut)
	}
}

// train on a folder and one inside it trains on each conversation once,
// and a folder's figure "fitted on the other folders" comes from a model
// that never saw its files: each folder's rows count only its own.
func TestTrainOnOverlappingFoldersCountsEachOnce(t *testing.T) {
	dir := t.TempDir()
	inner := filepath.Join(dir, "inner")
	os.MkdirAll(inner, 0o700)
	for i, n := range []int{6, 8, 10, 12} {
		echo := append(words(n), "bye [END]", "bye [END]", "[END]", "[END]", "[END]", "[END]", "[END]", "[END]")
		folder := dir
		if i%2 == 1 {
			folder = inner
		}
		writeCase(t, folder, "loop"+strconv.Itoa(i), echo, "stop_after: "+strconv.Itoa(n)+"\nstop_by: "+strconv.Itoa(n+6)+"\n")
		writeCase(t, folder, "healthy"+strconv.Itoa(i), words(n+8), "stop_after: "+strconv.Itoa(n+8)+"\nstop_by: null\n")
	}
	code, out, errOut := parley(t, "train", "--folds", "2", dir, inner)
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "Trained on 8 labelled transcripts") || strings.Count(errOut, "4 files were given more than once") != 1 {
		t.Errorf("stdout:\n%s\nstderr:\n%s\nwant 8 transcripts trained on, and the 4 given twice named once", out, errOut)
	}
	across := regexp.MustCompile(`fitted on the other folders\s+\d+/(\d+) passed`).FindAllStringSubmatch(out, -1)
	if len(across) != 2 || across[0][1] != "4" || across[1][1] != "4" {
		t.Errorf("each folder's held-out figure should judge its own 4 conversations only:\n%s", out)
	}
}
