package transcripts

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/parleyhq/parley/internal/lazy"
	"github.com/parleyhq/parley/internal/phrase"
)

// Read reads a transcript file, Markdown or JSONL, telling them apart by
// content. Errors name the file.
func Read(path string) (*Transcript, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	t, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// Parse reads a transcript from bytes, Markdown or JSONL.
func Parse(data []byte) (*Transcript, error) {
	if LooksLikeJSONL(data) {
		return ParseJSONL(data)
	}
	t, err := ParseMarkdown(data)
	if err != nil {
		return nil, err
	}
	return t, nil
}

// Recording is a transcript being written as a conversation runs: NAME.md
// and NAME.jsonl side by side. Each Append reaches the disk (the JSONL is
// synced) before it returns; Begin starts that sync and Settle waits for
// it, so the caller can do other work meanwhile. Methods are not safe for
// concurrent use.
type Recording struct {
	MarkdownPath string
	JSONLPath    string

	md, jl  *os.File
	t       Transcript
	pending *pendingSync // the sync Begin started, until Settle
	newDir  string       // the folder CreateRun made for it, if it made one
	// The JSONL as the recording wrote it, to tell when it was removed
	// or cut short under the run: the file, and how much it holds.
	jlInfo fs.FileInfo
	jlSize int64
	// held is the interrupted message a reopened recording ends with
	// (Open): left out of t, since the resumed turn speaks it again, and
	// kept in the Markdown, as the JSONL keeps it, until a message of the
	// resumed run takes its place.
	held *Message
}

// syncInBackground is the sync Begin starts: syncData, but for tests.
var syncInBackground = syncData

// pendingSync is an fdatasync of the JSONL, started in the background. It
// runs once, on whichever goroutine claims it first: the one started for
// it, or Settle's when that one has not got a core yet, so a busy machine
// does not add the background goroutine's wait for a core to the wait for
// the disk.
type pendingSync struct {
	f       *os.File
	prev    *pendingSync // a sync started before, to finish first
	claimed atomic.Bool
	done    chan struct{}
	err     error // set before done is closed
}

// wait runs the sync unless another goroutine has claimed it, and waits
// until it is over.
func (p *pendingSync) wait() error {
	if p.claimed.CompareAndSwap(false, true) {
		p.run()
	}
	<-p.done
	return p.err
}

func (p *pendingSync) run() {
	defer close(p.done)
	if p.prev != nil {
		if p.err = p.prev.wait(); p.err != nil {
			return
		}
		p.prev = nil
	}
	p.err = syncInBackground(p.f)
}

var unsafeName = lazy.Regexp(`[^a-z0-9]+`)

// Slug turns a title into a file-name stem: "Kimi K2 ↔ grok-4" → "kimi-k2-vs-grok-4".
func Slug(title string) string {
	s := strings.ToLower(strings.ReplaceAll(title, "↔", " vs "))
	s = strings.Trim(unsafeName().ReplaceAllString(s, "-"), "-")
	if len(s) > 60 {
		s = strings.Trim(s[:60], "-")
	}
	if s == "" {
		s = "conversation"
	}
	return s
}

// Create starts a new recording in dir, named from the title and start
// time. It never overwrites: when the name is taken it adds -2, -3, ….
// The directory is created 0700 if needed, the files 0600.
func Create(dir string, run Run) (*Recording, error) { return CreateRun(dir, &run) }

// CreateRun is Create for a run held by reference: the recorder, which
// creates a transcript deep in a conversation's goroutine, passes no copy.
func CreateRun(dir string, run *Run) (*Recording, error) {
	newDir := "" // the outermost folder MkdirAll makes
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); !errors.Is(err, fs.ErrNotExist) || filepath.Dir(d) == d {
			break
		}
		newDir = d
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating the transcript directory %s: %w", dir, err)
	}
	stem := run.Started.Format("2006-01-02T150405") + "-" + Slug(run.Title)
	for n := 1; n < 10000; n++ {
		name := stem
		if n > 1 {
			name = fmt.Sprintf("%s-%d", stem, n)
		}
		mdPath := filepath.Join(dir, name+".md")
		jlPath := filepath.Join(dir, name+".jsonl")
		md, err := os.OpenFile(mdPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("creating %s: %w", mdPath, err)
		}
		jl, err := os.OpenFile(jlPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o600)
		if err != nil {
			md.Close()
			os.Remove(mdPath)
			if errors.Is(err, fs.ErrExist) {
				continue
			}
			return nil, fmt.Errorf("creating %s: %w", jlPath, err)
		}
		if err := lockFile(jl, jlPath, "transcript"); err != nil {
			// Nothing is in them yet: leave no empty pair behind.
			md.Close()
			jl.Close()
			os.Remove(mdPath)
			os.Remove(jlPath)
			removeMadeDirs(dir, newDir)
			return nil, err
		}
		r := &Recording{MarkdownPath: mdPath, JSONLPath: jlPath, md: md, jl: jl, newDir: newDir}
		r.jlInfo, _ = jl.Stat()
		r.t = Transcript{Title: run.Title, Started: run.Started}
		if run.Parent != nil {
			r.t.Run = &Run{Parent: run.Parent, Agents: run.Agents}
		}
		err = r.start(run)
		if err == nil {
			// The files' names, and the folders made for them, are made
			// durable once: syncing the JSONL keeps its lines, but not
			// its name in the folder, which a crash could otherwise lose
			// with every line in it.
			err = syncDirs(dir, newDir)
		}
		if err != nil {
			// The header did not reach the disk (a full disk, say): no
			// message is in the files, and they are not left behind.
			r.Close()
			os.Remove(mdPath)
			os.Remove(jlPath)
			removeMadeDirs(dir, newDir)
			return nil, err
		}
		return r, nil
	}
	return nil, fmt.Errorf("no free transcript name for %q in %s", stem, dir)
}

// Open continues an existing recording (for resume): the JSONL is appended
// to and the Markdown is rebuilt from it. It takes the transcript's lock
// (see LockedError) for as long as the recording stays open.
//
// A last line cut off mid-write (a crash, a full disk) is cut from the
// file before anything is appended, so the file stays readable; its bytes
// are kept in NAME.jsonl.torn and a warning in Run.Warnings says so.
func Open(jsonlPath string) (*Recording, *Transcript, error) {
	jl, err := os.OpenFile(jsonlPath, os.O_RDWR|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, err
	}
	fail := func(err error) (*Recording, *Transcript, error) {
		jl.Close()
		return nil, nil, err
	}
	if err := lockFile(jl, jsonlPath, "transcript"); err != nil {
		return fail(err)
	}
	data, err := io.ReadAll(jl)
	if err != nil {
		return fail(err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		// Created, and stopped before its first line was written (killed
		// as it started): nothing of the conversation is in it.
		return fail(fmt.Errorf("%s is empty: the run that created it stopped before it wrote its first line, so there is nothing to continue; remove it and its Markdown, and start the run again", jsonlPath))
	}
	if !LooksLikeJSONL(data) {
		return fail(fmt.Errorf("%s is not a JSONL transcript", jsonlPath))
	}
	torn, err := cutTornLine(jl, jsonlPath, "the transcript", data)
	if err != nil {
		return fail(err)
	}
	data = data[:len(data)-len(torn.bytes)]
	t, err := ParseJSONL(data)
	if err != nil {
		return fail(fmt.Errorf("%s: %w", jsonlPath, err))
	}
	if torn.warning != "" {
		t.Run.Warnings = append([]string{torn.warning}, t.Run.Warnings...)
	}
	mdPath := strings.TrimSuffix(jsonlPath, ".jsonl") + ".md"
	kept, err := keepEditedMarkdown(mdPath, t)
	if err != nil {
		return fail(err)
	}
	if kept != "" {
		t.Run.Warnings = append(t.Run.Warnings, kept)
	}
	r := &Recording{MarkdownPath: mdPath, JSONLPath: jsonlPath, jl: jl}
	if r.jlSize, err = jl.Seek(0, io.SeekEnd); err != nil {
		return fail(err)
	}
	r.jlInfo, _ = jl.Stat()
	// Leave out a partial last message: resume speaks it again. Until
	// it does, the Markdown keeps it (see held).
	if n := len(t.Messages); n > 0 && t.Messages[n-1].Partial {
		held := t.Messages[n-1]
		r.held = &held
		t.Messages = t.Messages[:n-1]
	}
	r.t = *t
	r.t.Ended = time.Time{}
	if err := r.rewriteMarkdown(); err != nil {
		return fail(err)
	}
	md, err := os.OpenFile(mdPath, os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fail(err)
	}
	r.md = md
	return r, t, nil
}

// keepEditedMarkdown keeps the Markdown at mdPath in a side file,
// NAME.md.edited (or NAME.md.edited-2, …), when it holds what the JSONL t
// was read from does not: a message edited, added or removed by hand,
// notes written below the last message, or a message whose JSONL line a
// crash cut off. Open rebuilds the Markdown from the JSONL,
// which would otherwise drop them without a word. The Markdown as parley
// leaves it, finished or cut short by a crash (a header not yet
// finalized, its last messages not yet written), is not kept. It returns
// a sentence saying where the file went, or "".
func keepEditedMarkdown(mdPath string, t *Transcript) (string, error) {
	data, err := os.ReadFile(mdPath)
	if errors.Is(err, fs.ErrNotExist) || err == nil && writtenFrom(data, t) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("reading %s before rebuilding it from %s: %w", mdPath, filepath.Base(strings.TrimSuffix(mdPath, ".md")+".jsonl"), err)
	}
	side, err := KeepAside(mdPath, ".edited", data)
	if err != nil {
		return "", fmt.Errorf("keeping %s, which differs from its JSONL, before rebuilding it: %w", mdPath, err)
	}
	return fmt.Sprintf("%s holds text its JSONL does not (an edit by hand, or a message whose JSONL line a crash cut off); it is rebuilt from the JSONL, and the file as it was is kept in %s", mdPath, side), nil
}

// KeepAside writes data, what path held, to the first of PATH+suffix,
// PATH+suffix-2, … that does not exist (made as it is written, so two
// keepers never share one), synced, and returns its name: a file about to
// be replaced is kept beside it, never lost.
func KeepAside(path, suffix string, data []byte) (string, error) {
	for n := 1; n < 1000; n++ {
		side := path + suffix
		if n > 1 {
			side = fmt.Sprintf("%s-%d", side, n)
		}
		f, err := os.OpenFile(side, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err == nil {
			_, err = f.Write(data)
			if e := f.Sync(); err == nil {
				err = e
			}
			if e := f.Close(); err == nil {
				err = e
			}
			if err != nil {
				os.Remove(side)
			}
		}
		return side, err
	}
	return "", fmt.Errorf("no free name for %s%s", path, suffix)
}

// writtenFrom reports whether md is a Markdown transcript parley wrote
// from t's messages: a header, then t's message blocks, or the first of
// them (a crash stops a recording between messages). The header is
// parley's to rewrite (its counts, its end, the title a resume under
// another scenario gives), so only its end is looked for.
func writtenFrom(md []byte, t *Transcript) bool {
	const rule = "\n---\n\n"
	end := bytes.Index(md, []byte(rule))
	if end < 0 {
		// A header cut short by a crash, or none yet.
		var head bytes.Buffer
		writeHeader(&head, t.Title, t.Started, time.Time{}, 0, t.Run)
		return bytes.HasPrefix(head.Bytes(), md)
	}
	var body bytes.Buffer
	for _, m := range t.Messages {
		AppendMarkdownMessage(&body, m)
	}
	return bytes.HasPrefix(body.Bytes(), md[end+len(rule):])
}

type tornLine struct {
	bytes   []byte
	warning string
}

// CutTornLine readies a JSON-lines file that f holds open for appending,
// after a crash: a last line cut off mid-write is moved to NAME.torn and
// the file cut back to its last complete line, so the next record starts
// a line of its own; a whole last line missing its newline gets one. It
// returns a sentence saying what it cut, in which what names the file
// (such as "the batch's state log"), or "".
func CutTornLine(f *os.File, what string) (string, error) {
	data, err := os.ReadFile(f.Name())
	if err != nil {
		return "", err
	}
	t, err := cutTornLine(f, f.Name(), what, data)
	return t.warning, err
}

// cutTornLine cuts the last line of a JSONL file when it is incomplete: no
// newline after it, or not a whole JSON value. The bytes cut are appended
// to PATH.torn first, so nothing is lost. what names the file in the
// sentence that says so.
func cutTornLine(f *os.File, path, what string, data []byte) (tornLine, error) {
	end := len(data)
	for end > 0 && (data[end-1] == '\n' || data[end-1] == '\r' || data[end-1] == ' ') {
		end--
	}
	start := bytes.LastIndexByte(data[:end], '\n') + 1
	last := data[start:end]
	switch {
	case len(last) == 0:
		return tornLine{}, nil
	case json.Valid(last):
		// Whole, but for the newline: complete it, so the next line starts on its own.
		if end == len(data) {
			if _, err := f.Write([]byte("\n")); err != nil {
				return tornLine{}, writeErr(path, err)
			}
		}
		return tornLine{}, nil
	}
	cut := data[start:]
	side := path + ".torn"
	sf, err := os.OpenFile(side, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return tornLine{}, fmt.Errorf("keeping the cut-off last line of %s: %w", path, err)
	}
	_, err = sf.Write(append(append([]byte(nil), cut...), '\n'))
	if e := sf.Close(); err == nil {
		err = e
	}
	if err == nil {
		err = f.Truncate(int64(start))
	}
	if err == nil {
		err = syncData(f)
	}
	if err != nil {
		return tornLine{}, fmt.Errorf("cutting the cut-off last line of %s: %w", path, err)
	}
	line := bytes.Count(data[:start], []byte("\n")) + 1
	return tornLine{bytes: cut, warning: fmt.Sprintf(
		"line %d was cut off mid-write; its %d bytes are kept in %s and %s now ends at its last complete line", line, len(cut), side, what)}, nil
}

func (r *Recording) start(run *Run) error {
	if err := writeHeader(r.md, run.Title, run.Started, time.Time{}, 0, run); err != nil {
		return writeErr(r.MarkdownPath, err)
	}
	return r.writeJSONL(line(runLineOf{Type: "run", Run: run}), false)
}

// Resumed records that the run continues, with the settings it continues under.
func (r *Recording) Resumed(run *Run) error {
	return r.writeJSONL(line(runLineOf{Type: "run", Run: run}), false)
}

// writeJSONL appends a line. With durable set it also syncs the file,
// which makes every line before it durable too: lines that matter only
// alongside a message (the run line, events) ride on the next message's
// sync instead of paying for their own.
//
// A line the file took only part of (a full disk) is cut off again, so
// the file still ends at its last whole line: what is written next, such
// as the stop, starts a line of its own and reads back.
func (r *Recording) writeJSONL(b []byte, durable bool) error {
	if n, err := r.jl.Write(b); err != nil {
		if n > 0 {
			if end, e := r.jl.Seek(0, io.SeekEnd); e == nil {
				r.jl.Truncate(end - int64(n))
			}
		}
		return writeErr(r.JSONLPath, err)
	}
	r.jlSize += int64(len(b))
	if !durable {
		return nil
	}
	if err := syncData(r.jl); err != nil {
		return fmt.Errorf("syncing %s: %w", r.JSONLPath, err)
	}
	return nil
}

// Append records one finished message in both files and returns once it
// is durable.
func (r *Recording) Append(m Message) error {
	if err := r.Begin(m); err != nil {
		return err
	}
	return r.Settle()
}

// Begin records one finished message in both files and starts making it
// durable (syncing the JSONL) in the background. Settle waits until it is;
// Append, Finish and Close wait for it too. A message either file could
// not take is not recorded at all, in either: Finish rebuilds the
// Markdown from what the JSONL holds.
func (r *Recording) Begin(m Message) error {
	if err := r.Settle(); err != nil {
		return err
	}
	jlEnd, err := r.jl.Seek(0, io.SeekEnd)
	if err != nil {
		return writeErr(r.JSONLPath, err)
	}
	mdEnd, err := r.md.Seek(0, io.SeekEnd)
	if err != nil {
		return writeErr(r.MarkdownPath, err)
	}
	if err := r.lost(jlEnd); err != nil {
		return err
	}
	if err := r.writeJSONL(JSONLMessage(len(r.t.Messages)+1, m), false); err != nil {
		return err
	}
	r.t.Messages = append(r.t.Messages, m)
	r.startSync()
	if r.held != nil {
		// The message takes the place of the interrupted one the
		// Markdown held: it is written again, whole, in one rename.
		if err := r.replaceHeld(); err != nil {
			r.Settle()
			r.jl.Truncate(jlEnd)
			r.jlSize = jlEnd
			r.t.Messages = r.t.Messages[:len(r.t.Messages)-1]
			return err
		}
		return nil
	}
	if err := AppendMessage(r.md, m); err != nil {
		// The Markdown could not take the message (a full disk): both
		// files go back to the messages before it, so that they agree
		// with each other and with the stop, which names the last
		// message on disk. The text of a message half written is not
		// left to be read as whole.
		r.Settle()
		r.md.Truncate(mdEnd)
		r.md.Seek(mdEnd, io.SeekStart)
		r.jl.Truncate(jlEnd)
		r.jlSize = jlEnd
		r.t.Messages = r.t.Messages[:len(r.t.Messages)-1]
		return writeErr(r.MarkdownPath, err)
	}
	return nil
}

// replaceHeld writes the Markdown again without the interrupted message
// it held, the message Begin just recorded in its place, and opens it to
// append the messages after. When it cannot be written, the file is left
// as it was, the interrupted message in it, and still held.
func (r *Recording) replaceHeld() error {
	held := r.held
	r.held = nil
	err := r.rewriteMarkdown()
	if err != nil {
		r.held = held
	}
	if r.md == nil {
		md, e := os.OpenFile(r.MarkdownPath, os.O_WRONLY|os.O_APPEND, 0o600)
		if e != nil && err == nil {
			err = fmt.Errorf("opening %s again: %w", r.MarkdownPath, e)
		}
		r.md = md
	}
	return err
}

// lost says, when the JSONL is no longer what the recording wrote (it was
// removed, with its folder or alone, or cut short: end is where the file
// ends now), that the run cannot go on recording: the messages it would
// write next would reach no file, or follow a hole.
func (r *Recording) lost(end int64) error {
	if r.jlInfo == nil {
		return nil
	}
	n := len(r.t.Messages)
	what := ""
	fi, err := os.Stat(r.JSONLPath)
	switch {
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return nil // nothing known: the writes say what fails
	case err != nil || !os.SameFile(fi, r.jlInfo):
		what = "was removed"
	case end < r.jlSize:
		what = fmt.Sprintf("was cut short (to %s of the %s written)", phrase.Count(int(end), "byte", "bytes"), phrase.Count(int(r.jlSize), "byte", "bytes"))
	default:
		return nil
	}
	return fmt.Errorf("%s %s while the run was writing it, so the run stops after message %d rather than go on unrecorded; %s is written again from the run's %s, without the JSONL's events",
		r.JSONLPath, what, n, r.MarkdownPath, phrase.Count(n, "message", "messages"))
}

// startSync starts syncing the JSONL in the background; Settle waits for
// it. A sync still running is waited for first, so Settle reports either's
// failure.
func (r *Recording) startSync() {
	p := &pendingSync{f: r.jl, prev: r.pending, done: make(chan struct{})}
	go func() {
		if p.claimed.CompareAndSwap(false, true) {
			p.run()
		}
	}()
	r.pending = p
}

// Settle waits until the message Begin recorded last is durable, and
// reports a failed sync. It returns at once when nothing is pending.
func (r *Recording) Settle() error {
	p := r.pending
	if p == nil {
		return nil
	}
	err := p.wait()
	r.pending = nil
	if err != nil {
		return fmt.Errorf("syncing %s: %w", r.JSONLPath, err)
	}
	return nil
}

// Event records a retry, wait, error or operator action in the JSONL.
func (r *Recording) Event(e Event) error { return r.writeJSONL(JSONLEvent(e), false) }

// Messages returns the messages recorded so far.
func (r *Recording) Messages() []Message { return r.t.Messages }

// Held reports whether the recording still keeps, after its messages, the
// interrupted message it was reopened with: no message of the resumed
// run has taken its place, and both files count it.
func (r *Recording) Held() bool { return r.held != nil }

// Finish records the stop and finalizes the Markdown header's counts. The
// Markdown is rewritten to a temporary file and renamed into place, so a
// crash leaves either the old or the new file, never a mix.
func (r *Recording) Finish(ended time.Time, s Stop) error {
	r.t.Ended = ended
	// The stop line is synced while the Markdown is finalized; Close
	// waits for the sync.
	err := r.writeJSONL(JSONLStop(ended, s), false)
	if err == nil {
		r.startSync()
	}
	if e := r.rewriteMarkdown(); err == nil {
		err = e
	}
	if e := r.Close(); err == nil {
		err = e
	}
	return err
}

func (r *Recording) rewriteMarkdown() error {
	tmp, err := os.CreateTemp(filepath.Dir(r.MarkdownPath), ".parley-*.md.tmp")
	if errors.Is(err, fs.ErrNotExist) {
		// The folder was removed under the run: the messages it holds
		// are kept all the same.
		if err = os.MkdirAll(filepath.Dir(r.MarkdownPath), 0o700); err == nil {
			tmp, err = os.CreateTemp(filepath.Dir(r.MarkdownPath), ".parley-*.md.tmp")
		}
	}
	if err != nil {
		return fmt.Errorf("finalizing %s: %w", r.MarkdownPath, err)
	}
	defer os.Remove(tmp.Name())
	// The new file is synced before it is renamed into place, and the
	// folder after: a rename can reach the disk before the data it
	// names, and a crash then leaves an empty Markdown in place of both
	// the old and the new one.
	shown := &r.t
	if r.held != nil {
		// The interrupted message no message has taken the place of yet.
		kept := r.t
		kept.Messages = append(slices.Clip(r.t.Messages), *r.held)
		shown = &kept
	}
	err = writeMarkdown(tmp, shown, true)
	if err == nil {
		err = syncFile(tmp)
	}
	if err != nil {
		tmp.Close()
		return fmt.Errorf("finalizing %s: %w", r.MarkdownPath, err)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if r.md != nil {
		r.md.Close()
		r.md = nil
	}
	if err := os.Rename(tmp.Name(), r.MarkdownPath); err != nil {
		return fmt.Errorf("finalizing %s: %w", r.MarkdownPath, err)
	}
	if err := syncDirs(filepath.Dir(r.MarkdownPath), ""); err != nil {
		return fmt.Errorf("finalizing %s: %w", r.MarkdownPath, err)
	}
	return nil
}

// syncFile makes a file's data, or a folder's names, durable: f.Sync, but
// for tests.
var syncFile = (*os.File).Sync

// syncDirs syncs dir, so that the names made in it survive a crash, and,
// when top is the outermost folder made for it, each folder from dir up to
// the one that holds top, so that the folders made survive too.
func syncDirs(dir, top string) error {
	if !foldersSync {
		return nil
	}
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		f, err := os.Open(d)
		if err != nil {
			return fmt.Errorf("syncing the folder %s: %w", d, err)
		}
		err = syncFile(f)
		f.Close()
		if errors.Is(err, syscall.EINVAL) || errors.Is(err, errors.ErrUnsupported) {
			err = nil // a file system that cannot sync a folder (some network ones)
		}
		if err != nil {
			return fmt.Errorf("syncing the folder %s: %w", d, err)
		}
		if top == "" || d == filepath.Dir(filepath.Clean(top)) || filepath.Dir(d) == d {
			return nil
		}
	}
}

// removeMadeDirs removes dir and the folders above it up to top, the
// outermost that CreateRun made, each only when nothing else is in it.
func removeMadeDirs(dir, top string) {
	if top == "" {
		return
	}
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		if os.Remove(d) != nil || d == filepath.Clean(top) || filepath.Dir(d) == d {
			return
		}
	}
}

// Remove closes the recording and deletes both its files, for a run that
// ended before it had anything worth keeping.
func (r *Recording) Remove() error {
	r.Close()
	err := os.Remove(r.JSONLPath)
	if e := os.Remove(r.MarkdownPath); err == nil {
		err = e
	}
	removeMadeDirs(filepath.Dir(r.JSONLPath), r.newDir)
	return err
}

// Close releases the files without finalizing, once a sync in progress is done.
func (r *Recording) Close() error {
	err := r.Settle()
	if r.md != nil {
		if e := r.md.Close(); err == nil {
			err = e
		}
		r.md = nil
	}
	if r.jl != nil {
		if e := r.jl.Close(); err == nil {
			err = e
		}
		r.jl = nil
	}
	return err
}

// writeErr is a failed write to path as parley says it: "writing PATH:"
// and the cause, which names the path only when it is another one (the
// file's own error, "write PATH: no space left on device", would say it
// twice). The cause stays wrapped, so a full disk is still told apart.
func writeErr(path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) && pe.Path == path {
		return fmt.Errorf("writing %s: %w", path, pe.Err)
	}
	return fmt.Errorf("writing %s: %w", path, err)
}
