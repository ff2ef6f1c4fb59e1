package analysis

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/parleyhq/parley/transcripts"
)

// Item is one conversation read from a file, with its label.
type Item struct {
	File   File
	Name   string // the path, with "#N" for the Nth conversation of a file holding several
	Layout string
	Title  string           // the conversation's title, "A ↔ B" for most
	Run    *transcripts.Run // what a JSONL recording holds beside its messages; nil otherwise
	// Messages are the messages a live run's policy judged: an
	// interrupted (partial) last message, which no agent and no policy
	// ever saw, is left out of them and counted in Partial.
	Messages []transcripts.Message
	Partial  int // interrupted messages left out after Messages
	Label    *Label
	Warnings []string // what the reader noticed, each naming the file
}

// ErrNotTranscript is the error Load wraps for a file it found in a
// directory that is in no layout parley reads and has no label: notes, a
// README, a table of labels. Callers skip it, saying so, rather than count
// it as a transcript they could not read.
var ErrNotTranscript = errors.New("skipped: not a conversation in any layout parley reads")

// ConversationError is why one conversation of a file could not be
// scored where the file itself was read: its FILE#N row in a table of
// labels is wrong, or does not fit the messages parley reads. Load
// returns one for each such conversation (joined, when there are several)
// beside the file's other conversations, which are read and scored; Each
// hands each to its failed alone, in the file's order.
type ConversationError struct {
	Name string // FILE#N, as check names the conversation
	N    int    // the conversation's number in the file, from 1
	Err  error  // what is wrong, naming the row and the line it starts on
}

func (e *ConversationError) Error() string { return e.Err.Error() }
func (e *ConversationError) Unwrap() error { return e.Err }

// ConversationErrors splits err, as Load returns it, into the
// conversations it fails alone, in the order of the file, and the rest:
// what fails a file whole. err is returned as it is when it fails no
// conversation alone.
func ConversationErrors(err error) ([]*ConversationError, error) {
	if _, ok := errors.AsType[*ConversationError](err); !ok {
		return nil, err
	}
	var convs []*ConversationError
	var rest []error
	var walk func(error)
	walk = func(err error) {
		if ce, ok := err.(*ConversationError); ok {
			convs = append(convs, ce)
			return
		}
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		rest = append(rest, err)
	}
	walk(err)
	slices.SortStableFunc(convs, func(a, b *ConversationError) int { return a.N - b.N })
	return convs, errors.Join(rest...)
}

// Load reads a transcript file and its label: NAME.expect.yaml beside it,
// else its row in the nearest labels.json above it. A file holding several
// conversations gives several items; a label applies only to a file of one.
// A label that cannot be read, or that does not fit the transcript, fails
// the file: check and train score labels. A NAME.json found beside NAME.md
// (f.Copy) is read too: a copy of the same conversations is left out, so
// each conversation is judged once, and one that holds different ones is
// judged after the Markdown, with a warning saying why both are.
func Load(f File) ([]Item, error) { return load(f, true) }

// LoadUnscored reads a transcript file for work that scores no labels (the
// report): a label that cannot be read, or that does not fit the
// transcript, is left out with one warning that names its problems, and
// the transcript is read all the same. Labels' lesser warnings (a field
// skipped, a table's row that counts other messages) are not given.
func LoadUnscored(f File) ([]Item, error) { return load(f, false) }

func load(f File, scored bool) ([]Item, error) {
	ts, layout, err := transcripts.ReadAny(f.Path)
	if err != nil {
		if errors.Is(err, transcripts.ErrUnknownLayout) && !f.Named && !exists(LabelPath(f.Path)) {
			if tf, terr := findTableLabels(f.Path, 0, false); terr != nil || !tf.listed {
				return nil, fmt.Errorf("%s: %w", f.Path, ErrNotTranscript)
			}
		}
		return nil, LabelNotTranscript(f.Path, err)
	}
	return items(f, ts, layout, scored)
}

// items are the conversations ts the file f holds, read in layout, as
// load gives them.
func items(f File, ts []*transcripts.Transcript, layout string, scored bool) ([]Item, error) {
	if f.Conversation != 0 {
		// FILE#N: that conversation alone, named as check names it.
		t, err := transcripts.PickConversation(f.Path, max(f.Conversation, 0), ts)
		if err != nil {
			return nil, err
		}
		if len(ts) == 1 {
			// The file's one conversation: read, and labelled, as the
			// file is.
			whole := f
			whole.Conversation = 0
			its, err := items(whole, ts, layout, scored)
			for i := range its {
				its[i].File, its[i].Name = f, fmt.Sprintf("%s#%d", f.Path, f.Conversation)
			}
			return its, err
		}
		judged, partial := transcripts.Judged(t.Messages)
		it := Item{File: f, Name: fmt.Sprintf("%s#%d", f.Path, f.Conversation), Layout: layout, Title: t.Title, Run: t.Run, Messages: judged, Partial: partial}
		it.Warnings = readerWarnings(f.Path, it.Name, t, fileWarnings(ts), true)
		if partial > 0 {
			it.Warnings = append(it.Warnings, it.Name+": "+transcripts.PartialLeftOut(len(judged)))
		}
		if !scored {
			return []Item{it}, nil
		}
		fl, err := readLabel(f.Path, len(ts))
		if err != nil {
			return nil, err
		}
		it.Warnings = append(it.Warnings, fl.warnings...)
		tl := fl.conversations[f.Conversation-1]
		// A label of the file would score one conversation of several:
		// it scores none, as in a folder's walk, and is said to.
		if fl.label != nil {
			what := it.Name + " is not scored"
			if tl != nil {
				what = fmt.Sprintf("it scores none of them (%s takes its label from %s)", it.Name, tl.where)
			}
			it.Warnings = append(it.Warnings, severalSentence(fl.where, f.Path, len(ts), what))
		}
		if tl != nil {
			// The file is read: what is wrong is this conversation's.
			if tl.err != nil {
				return nil, &ConversationError{Name: it.Name, N: f.Conversation, Err: tl.err}
			}
			warnings, _, err := attach(&it, tl.label, tl.where, tl.n, tl.warnings, true)
			if err != nil {
				return nil, &ConversationError{Name: it.Name, N: f.Conversation, Err: err}
			}
			it.Warnings = append(it.Warnings, warnings...)
		}
		return []Item{it}, nil
	}
	var ignored error // the faulty label an unscored read leaves out
	fl, err := readLabel(f.Path, len(ts))
	switch {
	case err != nil && scored:
		return nil, err
	case err != nil:
		fl, ignored = fileLabel{conversations: make([]*tableLabel, len(ts))}, err
	case !scored:
		fl.warnings = nil
	}
	out := make([]Item, 0, len(ts))
	var failed []error // conversations whose own label is wrong, each failed alone
	whole := fileWarnings(ts)
	for i, t := range ts {
		judged, partial := transcripts.Judged(t.Messages)
		it := Item{File: f, Name: f.Path, Layout: layout, Title: t.Title, Run: t.Run, Messages: judged, Partial: partial}
		if len(ts) > 1 {
			it.Name = fmt.Sprintf("%s#%d", f.Path, i+1)
		}
		it.Warnings = readerWarnings(f.Path, it.Name, t, whole, i == 0)
		if partial > 0 {
			it.Warnings = append(it.Warnings, it.Name+": "+transcripts.PartialLeftOut(len(judged)))
		}
		// The file's label labels its one conversation; a table's FILE#N
		// row, a conversation of several.
		tl := fl.conversations[i]
		if len(ts) == 1 {
			tl = nil
			if fl.label != nil {
				// Its warnings are the file's, said with them.
				tl = &tableLabel{label: fl.label, where: fl.where, n: fl.counted}
			}
		}
		var labelWarnings []string
		if tl != nil {
			err := tl.err
			if err == nil {
				var skipped error
				labelWarnings, skipped, err = attach(&it, tl.label, tl.where, tl.n, tl.warnings, scored)
				if skipped != nil {
					err = skipped
				}
			}
			switch {
			case err != nil && len(ts) == 1 && scored:
				return nil, err
			case err != nil && len(ts) == 1:
				ignored = err
			case err != nil && scored:
				// A conversation whose row is wrong fails alone; the
				// file's others are judged.
				failed = append(failed, &ConversationError{Name: it.Name, N: i + 1, Err: err})
				continue
			case err != nil:
				labelWarnings = append(labelWarnings, ignoredLabel(it.Name, err))
			}
		}
		if len(out) == 0 {
			it.Warnings = append(it.Warnings, fl.warnings...)
			if len(ts) > 1 && fl.label != nil && scored {
				it.Warnings = append(it.Warnings, severalSentence(fl.where, f.Path, len(ts), "none of them is scored by it"))
			}
			if ignored != nil {
				labelWarnings = append(labelWarnings, ignoredLabel(f.Path, ignored))
			}
		}
		it.Warnings = append(it.Warnings, labelWarnings...)
		out = append(out, it)
	}
	unscored := errors.Join(failed...) // nil when every conversation is scored
	if f.Copy != "" && !runnersCopy(f.Copy) {
		if cs, csLayout, cerr := transcripts.ReadAny(f.Copy); cerr == nil && !sameConversations(ts, cs) {
			// Read unscored: a label of the stem is the Markdown's, which
			// it was found for, and would score another conversation here.
			more, err := items(File{Path: f.Copy, Root: f.Root}, cs, csLayout, false)
			for i := range more {
				more[i].Label = nil
			}
			if len(more) > 0 {
				more[0].Warnings = append(more[0].Warnings, fmt.Sprintf("%s: holds a different conversation from %s beside it, so both are judged, this one unlabelled (a JSON copy of the same conversation is read once, and a label of the name scores the Markdown)", f.Copy, filepath.Base(f.Path)))
			}
			return append(out, more...), errors.Join(unscored, err)
		}
	}
	return out, unscored
}

// runnersCopy reports whether the JSON at path is a two-model runner's copy
// of the conversation its Markdown holds ("model_a", "model_b" and
// "messages", as the system the seed came from writes beside every
// NAME.md): it is that conversation, and reading it too would double the
// cost of checking such a folder for nothing. Its first bytes tell.
func runnersCopy(path string) bool {
	head := bytes.TrimLeft(transcripts.Head(path), " \t\r\n")
	return bytes.HasPrefix(head, []byte("{")) && bytes.Contains(head, []byte(`"model_a"`)) && bytes.Contains(head, []byte(`"model_b"`))
}

// sameConversations reports whether a and b hold the same conversations:
// as many, each with as many messages, by the same speakers, saying the
// same words (spaced alike or not).
func sameConversations(a, b []*transcripts.Transcript) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i].Messages) != len(b[i].Messages) {
			return false
		}
		for k, m := range a[i].Messages {
			o := b[i].Messages[k]
			if m.Speaker != o.Speaker || m.Content != o.Content && strings.Join(strings.Fields(m.Content), " ") != strings.Join(strings.Fields(o.Content), " ") {
				return false
			}
		}
	}
	return true
}

// LabelNotTranscript is err, the error reading the file at path as a
// transcript, unless the file is a label (NAME.expect.yaml) or a table of
// labels (labels.json) given where a transcript goes: then one sentence
// saying what to give instead, in place of every layout parley reads.
func LabelNotTranscript(path string, err error) error {
	if !errors.Is(err, transcripts.ErrUnknownLayout) {
		return err
	}
	base := filepath.Base(path)
	switch {
	case strings.HasSuffix(base, ".expect.yaml"):
		stem := strings.TrimSuffix(base, ".expect.yaml")
		transcript := stem + ".md"
		entries, _ := os.ReadDir(filepath.Dir(path))
		for _, e := range entries {
			if n := e.Name(); n != base && !e.IsDir() && strings.TrimSuffix(n, filepath.Ext(n)) == stem {
				transcript = n
				break
			}
		}
		return fmt.Errorf("%s is a label, not a transcript; give the transcript it labels (%s) or its folder, and the label beside it is read", path, filepath.Join(filepath.Dir(path), transcript))
	case base == LabelTableName:
		data, rerr := os.ReadFile(path)
		if rerr == nil && parseLabelTable(path, filepath.Dir(path), data) != nil {
			return fmt.Errorf("%s is a table of labels, not a transcript; give the transcripts it lists, or their folder, and each one's label is read from it", path)
		}
	}
	return err
}

// readerWarnings are what the reader noticed in t, conversation name of
// the file path, each naming what it concerns, as check names it: FILE#N
// for a conversation of several, the file for one whole (each of the
// file's conversations carries it: its bytes are not UTF-8, its last line
// is cut off), said only where first is set, so that it is said once.
func readerWarnings(path, name string, t *transcripts.Transcript, whole map[string]bool, first bool) []string {
	var out []string
	for _, w := range t.ReaderWarnings() {
		switch {
		case !whole[w]:
			out = append(out, name+": "+w)
		case first:
			out = append(out, path+": "+w)
		}
	}
	return out
}

// fileWarnings are the reader's warnings every one of ts carries, those
// of the file rather than of one of its conversations; nil for a file of
// one conversation, which is named as the file.
func fileWarnings(ts []*transcripts.Transcript) map[string]bool {
	if len(ts) < 2 {
		return nil
	}
	whole := map[string]bool{}
	for _, w := range ts[0].ReaderWarnings() {
		whole[w] = true
	}
	for _, t := range ts[1:] {
		if len(whole) == 0 {
			break
		}
		its := t.ReaderWarnings()
		for w := range whole {
			if !slices.Contains(its, w) {
				delete(whole, w)
			}
		}
	}
	return whole
}

// ignoredLabel is the warning for a transcript read without its faulty
// label: one line, each of the label's problems named with its file and
// line.
func ignoredLabel(path string, err error) string {
	var probs []string
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			probs = append(probs, e.Error())
		}
	} else {
		probs = strings.Split(err.Error(), "\n")
	}
	return fmt.Sprintf("%s: its faulty label is ignored, since the report scores no labels: %s", path, strings.Join(probs, "; "))
}

// Each reads files one at a time on one worker per core, hands each item
// to work, and passes work's results to emit in the order of files (emit
// runs on the calling goroutine). A file that cannot be read reaches
// failed, in order too; so does each conversation of a file that could
// not be scored alone (a *ConversationError), between the results of the
// file's conversations before and after it. Only a few files are held at once, so memory stays
// flat however many files there are.
//
// When the command line gave files more than once (see Gather), failed
// first hears so, once, with the first such file and a RepeatedFiles
// error: a note to print, not a failure to count.
func Each[R any](files []File, work func(Item) R, emit func(R), failed func(File, error)) {
	each(files, Load, work, emit, failed)
}

// EachUnscored is Each for work that scores no labels (the report): it
// reads each file with LoadUnscored, so a faulty label does not keep its
// transcript from being read.
func EachUnscored[R any](files []File, work func(Item) R, emit func(R), failed func(File, error)) {
	each(files, LoadUnscored, work, emit, failed)
}

func each[R any](files []File, load func(File) ([]Item, error), work func(Item) R, emit func(R), failed func(File, error)) {
	if n := Repeats(files); n > 0 {
		i := slices.IndexFunc(files, func(f File) bool { return f.Repeated })
		failed(files[i], RepeatedFiles{N: n})
	}
	type slot struct {
		res []R
		err error
	}
	type job struct {
		i   int
		out chan slot
	}
	workers := max(1, min(runtime.GOMAXPROCS(0), len(files)))
	// The files in flight, in order: at most ahead are taken up past the
	// one being emitted. Only workers of them are read at once; the rest
	// are results, or jobs waiting. Files differ in length a hundredfold,
	// so a window of two a worker stalled the workers behind a long file
	// at its head, and an unbuffered next left a worker waiting for the
	// feeder to be scheduled after every file: in check of 300 Markdown
	// files its two workers waited between files for 9% of the time,
	// of 742 mixed files for 20%. With jobs queued and a window of eight
	// a worker, they wait 2% and 3.5%. What is in flight beyond the files
	// being read is results, so memory stays flat.
	ahead := 8 * workers
	next := make(chan job, ahead)
	order := make(chan chan slot, ahead)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range next {
				items, err := load(files[j.i])
				var s slot
				if err != nil {
					s.err = err
				}
				for _, it := range items {
					s.res = append(s.res, work(it))
				}
				j.out <- s
			}
		}()
	}
	go func() {
		for i := range files {
			out := make(chan slot, 1)
			order <- out
			next <- job{i, out}
		}
		close(next)
		close(order)
	}()
	i := 0
	for out := range order {
		s := <-out
		convs, whole := ConversationErrors(s.err)
		if whole != nil {
			failed(files[i], whole)
		}
		// The results are the file's conversations but those failed:
		// the jth failed, conversation N, comes after N-1-j of them.
		k := 0
		for j, ce := range convs {
			for ; k < len(s.res) && k+j < ce.N-1; k++ {
				emit(s.res[k])
			}
			failed(files[i], ce)
		}
		for _, r := range s.res[k:] {
			emit(r)
		}
		i++
	}
	wg.Wait()
}

// fileLabel is what labels a transcript file: its own label, and its
// conversations' rows when it holds several.
type fileLabel struct {
	label   *Label // the file's; nil for none
	where   string // names label in messages
	counted int    // how many messages a table's labeller counted (0: not said)
	// conversations holds, for each conversation of the file, the table
	// row that labels it as FILE#N; nil where none does.
	conversations []*tableLabel
	warnings      []string
}

// readLabel reads the labels of the transcript file at path, which holds
// convs conversations: NAME.expect.yaml beside it, else its row in the
// nearest label table that lists it, and that table's FILE#N rows. When
// both label the file and disagree, NAME.expect.yaml is read and a
// warning says so.
func readLabel(path string, convs int) (fileLabel, error) {
	lp := LabelPath(path)
	l, err := ReadLabel(lp)
	if err != nil {
		return fileLabel{}, err
	}
	tf, err := findTableLabels(path, convs, true)
	if err != nil {
		return fileLabel{}, err
	}
	fl := fileLabel{conversations: tf.conversations, warnings: tf.warnings}
	tl := tf.whole
	if convs == 1 && tl == nil && fl.conversations[0] != nil {
		// FILE#1 of a file of one conversation labels the file.
		if tl = fl.conversations[0]; tl.err != nil {
			return fl, tl.err
		}
	}
	switch {
	case l != nil:
		fl.warnings = append(fl.warnings, l.Warnings...)
		if tl != nil && !sameLabel(l, tl.label) {
			fl.warnings = append(fl.warnings, fmt.Sprintf("%s and %s label it differently; check reads %s", lp, tl.where, filepath.Base(lp)))
		}
		fl.label, fl.where = l, lp
	case tl != nil:
		fl.label, fl.where, fl.counted = tl.label, tl.where, tl.n
		fl.warnings = append(fl.warnings, tl.warnings...)
	}
	return fl, nil
}

// attach gives it the label l (named by where; counted is how many
// messages its labeller counted, 0 when not said), once it is checked
// against the messages read, and returns what to say of it: the label's
// own warnings, when scored. A faulty label is an error when scored;
// unscored, it is returned as the label left out.
func attach(it *Item, l *Label, where string, counted int, warnings []string, scored bool) (said []string, skipped, err error) {
	if err := l.Check(where, len(it.Messages)); err != nil {
		if scored {
			return nil, nil, err
		}
		return nil, err, nil
	}
	if scored {
		said = warnings
		if counted > 0 && counted != len(it.Messages) {
			said = append(slices.Clip(said), fmt.Sprintf("%s: counts %d messages, and parley read %d: the label's message numbers may not be parley's", where, counted, len(it.Messages)))
		}
	}
	it.Label = l
	return said, nil, nil
}

// severalSentence says that the label at where, of the file at path,
// scores none of its several conversations.
func severalSentence(where, path string, convs int, what string) string {
	return fmt.Sprintf("%s: labels %s, which holds %d conversations; a label of a file scores one conversation, so %s (label each in %s as %s#N, or give each its own file)", where, path, convs, what, LabelTableName, filepath.Base(path))
}
