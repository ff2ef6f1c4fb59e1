package analysis

import (
	"cmp"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/parleyhq/parley/internal/phrase"
	"github.com/parleyhq/parley/transcripts"
)

// File is one transcript file found under a path given on the command line.
type File struct {
	Path string
	Root string // the argument it was found under: summaries are per root
	// Named says the command line named the file itself, not only a
	// folder that holds it: a file so named is read even when it is in
	// no layout parley reads, so that the error says why.
	Named bool
	// Repeated says the command line gave the file more than once: by a
	// path repeated, by folders that overlap, or by a link to a file it
	// gave too. It is read once all the same, under Root.
	Repeated bool
	// Conversation is the one conversation of the file that is read, from
	// 1, when the command line named it as FILE#N, as check names the
	// conversations of a file that holds several; 0 reads them all.
	Conversation int
	// Copy is NAME.json beside a NAME.md found in a folder, which tools
	// write as a JSON copy of the conversation: Load reads it too, and
	// judges it only when it holds a different conversation.
	Copy string
}

// transcriptExts are the files a directory is searched for. YAML is read
// only when named on the command line: a folder of recordings often holds
// a scenario or labels in YAML beside them.
var transcriptExts = map[string]bool{".md": true, ".markdown": true, ".jsonl": true, ".json": true, ".txt": true, ".log": true, ".csv": true, ".tsv": true}

// TranscriptExts are the extensions, without their dot, of the files
// parley reads as transcripts when they are named: those a folder is
// searched for, then YAML.
func TranscriptExts() []string {
	var out []string
	for ext := range transcriptExts {
		out = append(out, strings.TrimPrefix(ext, "."))
	}
	slices.Sort(out)
	return append(out, "yaml", "yml")
}

// notTranscripts are files parley itself writes beside transcripts, and
// label tables.
var notTranscripts = map[string]bool{"summary.md": true, "summary.json": true, "batch.json": true, "state.jsonl": true, LabelTableName: true}

// ReportMark is what each file `parley report` writes holds at its head
// (see ReportHead): a file of that name that opens so is the report's own
// output, which a folder's search passes over and a later report replaces,
// where a report.md or report.json of anyone else's (a transcript, notes)
// is read, and kept.
const ReportMark = "written by parley report"

// ReportHead is how the report file name (report.html, report.md,
// report.json) opens when `parley report` wrote it: the page's doctype and
// a comment, the Markdown's comment, the JSON's first field. "" for any
// other name.
func ReportHead(name string) string {
	switch name {
	case "report.html":
		return "<!DOCTYPE html>\n<!-- " + ReportMark + " -->\n"
	case "report.md":
		return "<!-- " + ReportMark + " -->\n"
	case "report.json":
		return "{\n  \"written_by\": \"parley report\",\n"
	}
	return ""
}

// WrittenByReport reports whether path is a file `parley report` wrote:
// named as one of its files, and opening as it opens them (ReportHead).
// A link is followed.
func WrittenByReport(path string) bool {
	head := ReportHead(filepath.Base(path))
	if head == "" {
		return false
	}
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	b := make([]byte, len(head))
	_, err = io.ReadFull(f, b)
	return err == nil && string(b) == head
}

// Gather expands directories into the transcript files they hold, each
// conversation once: when NAME.jsonl sits beside NAME.md (a parley
// recording) only the JSONL is read, since it holds timings and usage; when
// NAME.json sits beside NAME.md (the layout of tools that write a JSON copy
// of each conversation) the Markdown is read, and the JSON is its Copy,
// judged only when it holds a different conversation (see Load). Files
// named on the command line are always read.
//
// Each file is read once however many times the arguments reach it (a
// path given twice, a folder and a folder inside it, a symbolic or hard
// link to a file given too). It belongs to the most specific folder given
// that holds it, links resolved: the deepest; else (a link from outside
// the folders given) to the folder it was found in fewest levels below,
// the first given of two alike; else to the file named itself. Files come
// in the order of their folders on the command line, and in each folder in
// lexical order; Repeated marks those given more than once.
func Gather(args []string) ([]File, error) {
	var (
		entries []*gathered
		byPath  = map[string]*gathered{}
		bySize  = map[int64][]*gathered{} // candidates for os.SameFile
		seq     int
	)
	add := func(r route) {
		seq++
		r.seq = seq
		abs, err := filepath.Abs(r.path)
		if err != nil {
			abs = filepath.Clean(r.path)
		}
		if r.conversation > 0 {
			abs += "#" + strconv.Itoa(r.conversation) // one conversation of it
		}
		e := byPath[abs]
		var info os.FileInfo
		if e == nil && r.conversation == 0 {
			// Another path to a file already found: a symbolic or hard link.
			if info, err = os.Stat(r.path); err == nil {
				for _, o := range bySize[info.Size()] {
					if os.SameFile(info, o.info) {
						e = o
						break
					}
				}
			}
		}
		if e == nil {
			e = &gathered{info: info}
			entries = append(entries, e)
			if info != nil {
				bySize[info.Size()] = append(bySize[info.Size()], e)
			}
		}
		byPath[abs] = e
		e.routes = append(e.routes, r)
	}
	for i, a := range args {
		st, err := os.Stat(a)
		if err != nil {
			// FILE#N: the Nth conversation of a file that holds several.
			if file, n := transcripts.SplitConversation(a); file != a {
				if fst, ferr := os.Stat(file); ferr == nil && !fst.IsDir() {
					add(route{path: file, root: a, arg: i, conversation: cmp.Or(n, -1)})
					continue
				}
			}
			return nil, fmt.Errorf("%s: no such transcript or directory", a)
		}
		if !st.IsDir() {
			add(route{path: a, root: a, arg: i})
			continue
		}
		walk := a
		if lst, err := os.Lstat(a); err == nil && lst.Mode()&fs.ModeSymlink != 0 {
			// A link to a folder: walk the folder it names, under the
			// link's own name.
			walk = a + string(filepath.Separator)
		}
		err = filepath.WalkDir(walk, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			name := d.Name()
			if d.IsDir() {
				if p != walk && strings.HasPrefix(name, ".") {
					return filepath.SkipDir
				}
				return nil
			}
			ext := filepath.Ext(name)
			if !transcriptExts[fileKind(ext)] || notTranscripts[name] || strings.HasPrefix(strings.ToUpper(name), "README") ||
				strings.HasSuffix(name, ".expect.yaml") || strings.HasPrefix(name, ".") {
				return nil
			}
			if ReportHead(name) != "" && WrittenByReport(p) {
				// `parley report`'s own output, written into a folder it
				// reads: no conversation, and not worth a word.
				return nil
			}
			stem := strings.TrimSuffix(p, ext)
			copied := ""
			switch ext {
			case ".md":
				if exists(stem + ".jsonl") {
					return nil
				}
				if exists(stem + ".json") {
					copied = stem + ".json"
				}
			case ".json":
				if exists(stem + ".md") {
					return nil
				}
			}
			rel, err := filepath.Rel(walk, p)
			if err != nil {
				rel = p
			}
			add(route{path: p, root: a, arg: i, depth: 1 + strings.Count(rel, string(filepath.Separator)), copy: copied})
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("searching %s: %w", a, err)
		}
	}
	realRoots := map[string]string{}
	for _, e := range entries {
		e.choose(realRoots)
	}
	slices.SortStableFunc(entries, func(x, y *gathered) int {
		return cmp.Or(cmp.Compare(x.best.arg, y.best.arg), cmp.Compare(x.best.seq, y.best.seq))
	})
	out := make([]File, len(entries))
	for i, e := range entries {
		named := slices.ContainsFunc(e.routes, func(r route) bool { return r.depth == 0 })
		out[i] = File{Path: e.best.path, Root: e.best.root, Named: named, Repeated: len(e.routes) > 1, Conversation: e.best.conversation, Copy: e.best.copy}
	}
	return out, nil
}

// fileKind is a file's extension ext in lower case, as transcriptExts
// holds them; of a file whose own name ends in #N (t.json#2, named as
// check names a file's Nth conversation), the extension before it, so
// that it is read as the file it is.
func fileKind(ext string) string {
	ext = strings.ToLower(ext)
	if i := strings.LastIndexByte(ext, '#'); i > 0 {
		if n, err := strconv.Atoi(ext[i+1:]); err == nil && n >= 0 {
			return ext[:i]
		}
	}
	return ext
}

// route is one way the command line reached a file.
type route struct {
	path, root string
	arg        int // the argument's place on the command line
	depth      int // levels below the folder given; 0 for a file named itself
	seq        int // the order it was found in
	// conversation is N of FILE#N, which reaches one conversation of the
	// file (-1 for FILE#0, which names none); 0 for the whole file.
	conversation int
	copy         string // NAME.json beside the NAME.md found in a folder
}

// gathered is one file Gather found, and every way it was reached.
type gathered struct {
	info   os.FileInfo
	routes []route
	best   route
}

// choose picks the way to the file it is read by: the most specific folder
// given that holds it, links resolved (realRoots caches each folder's real
// path); of two ways through one folder, the one that is no link; then the
// folder it lies fewest levels below, a folder over the file named alone,
// and the first given.
func (e *gathered) choose(realRoots map[string]string) {
	e.best = e.routes[0]
	if len(e.routes) == 1 {
		return
	}
	real := func(p string) string {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			if r, err = filepath.Abs(r); err == nil {
				return r
			}
		}
		return ""
	}
	type rank struct {
		held   int // the length of the real folder that holds the file; -1: none
		link   bool
		folder bool
	}
	ranks := make([]rank, len(e.routes))
	for i, r := range e.routes {
		rp := real(r.path)
		abs, _ := filepath.Abs(r.path)
		ranks[i] = rank{held: -1, link: rp != abs, folder: r.depth > 0}
		if r.depth == 0 || rp == "" {
			continue
		}
		root, ok := realRoots[r.root]
		if !ok {
			root = real(r.root)
			realRoots[r.root] = root
		}
		if root != "" && strings.HasPrefix(rp, strings.TrimSuffix(root, string(filepath.Separator))+string(filepath.Separator)) {
			ranks[i].held = len(root)
		}
	}
	better := func(i, j int) bool {
		a, b, ra, rb := ranks[i], ranks[j], e.routes[i], e.routes[j]
		switch {
		case a.held != b.held:
			return a.held > b.held
		case a.link != b.link:
			return !a.link
		case a.folder != b.folder:
			return a.folder
		case ra.depth != rb.depth:
			return ra.depth < rb.depth
		case ra.arg != rb.arg:
			return ra.arg < rb.arg
		}
		return ra.seq < rb.seq
	}
	k := 0
	for i := range e.routes {
		if better(i, k) {
			k = i
		}
	}
	e.best = e.routes[k]
}

// Repeats counts the files the command line gave more than once.
func Repeats(files []File) int {
	n := 0
	for _, f := range files {
		if f.Repeated {
			n++
		}
	}
	return n
}

// RepeatedFiles is the note Each gives, before anything else, when the
// command line gave files more than once: it is no failure, since each is
// read once.
type RepeatedFiles struct{ N int }

func (r RepeatedFiles) Error() string {
	return fmt.Sprintf("%s given more than once (by a repeated path, overlapping folders or a link to one file); %s read once, under the most specific folder given that holds %s",
		phrase.Count(r.N, "file was", "files were"), phrase.Noun(r.N, "it is", "each is"), "it")
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
