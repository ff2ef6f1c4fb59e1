// Package report renders the attractor report that `parley report` writes:
// where each conversation's substance ended and what it fell into, the
// roster as a matrix of opener × responder, and each model's figures. The
// analysis lives in package analysis; this package only writes it down, as
// one self-contained HTML page (inline CSS, SVG and a little JavaScript,
// openable from disk), as Markdown and as JSON, all with the same content.
package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/parleyhq/parley/analysis"
	"github.com/parleyhq/parley/internal/atomicfile"
	"github.com/parleyhq/parley/internal/controls"
	"github.com/parleyhq/parley/internal/phrase"
)

// Files are the names Write gives the report's files.
const (
	HTMLFile     = "report.html"
	MarkdownFile = "report.md"
	JSONFile     = "report.json"
)

// Link sets each conversation's Link to its transcript's path relative to
// dir, the folder the report is written to, so that the report's links
// work when the folder is opened from disk.
func Link(r *analysis.Report, dir string) error {
	base, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	for i := range r.Conversations {
		c := &r.Conversations[i]
		p, err := filepath.Abs(c.Path)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(base, p)
		if err != nil {
			rel = p
		}
		c.Link = filepath.ToSlash(rel)
	}
	return nil
}

// Guard says which files already in the report's folder Write may
// replace. It always replaces the report files parley wrote there before
// (analysis.WrittenByReport), so that a report is written again into its
// own folder.
type Guard struct {
	// Force replaces a file parley did not write, and a symbolic link
	// (the link itself, never the file it points to).
	Force bool
	// Read are the transcripts the report read: none is ever replaced,
	// even with Force, under its own name or through a link.
	Read []string
}

// Refused is why Write replaced nothing: a file in the report's folder
// that it may not replace. Its sentence names the file and what to do.
type Refused struct{ msg string }

func (r *Refused) Error() string { return r.msg }

// check says which of the report's files in dir Write may not replace:
// first one it replaces under no flag, then those --force would replace.
func (g Guard) check(dir string) error {
	var forceable []string
	links := false
	for _, name := range []string{HTMLFile, MarkdownFile, JSONFile} {
		p := filepath.Join(dir, name)
		fi, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("cannot write %s: %w", p, err)
		}
		if fi.Mode().IsRegular() && analysis.WrittenByReport(p) {
			continue // its own earlier report, never a transcript, though named as one
		}
		for _, read := range g.Read {
			if atomicfile.SameFile(p, read) {
				what := "a transcript this report reads"
				if fi.Mode()&fs.ModeSymlink != 0 {
					what = "a link to " + read + ", a transcript this report reads"
				}
				return &Refused{fmt.Sprintf("%s is %s; report never replaces one, even with --force: choose another --out", p, what)}
			}
		}
		switch {
		case fi.IsDir():
			return &Refused{fmt.Sprintf("%s is a folder, where report writes its %s; choose another --out", p, name)}
		case fi.Mode()&fs.ModeSymlink != 0:
			links = true
			forceable = append(forceable, p)
		default:
			forceable = append(forceable, p)
		}
	}
	if len(forceable) == 0 || g.Force {
		return nil
	}
	what := phrase.Noun(len(forceable), "it", "them")
	msg := fmt.Sprintf("%s already %s, and parley did not write %s; choose another --out, or pass --force to replace %s",
		phrase.And(forceable), phrase.Noun(len(forceable), "exists", "exist"), what, what)
	if links {
		msg += " (a symbolic link is replaced itself: report never writes through one to the file it points to)"
	}
	return &Refused{msg}
}

// Write writes report.html, report.md and report.json into dir, creating
// it, with links relative to it. It replaces what g allows and nothing
// else: when any file in its way may not be replaced, it writes none and
// returns a *Refused. Each file is written beside its final name and
// renamed onto it, so that a link in its place is replaced, never written
// through, and a failure leaves no half-written report.
func Write(dir string, r analysis.Report, g Guard) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating the report folder: %w", err)
	}
	if err := g.check(dir); err != nil {
		return err
	}
	if err := Link(&r, dir); err != nil {
		return err
	}
	for _, f := range []struct {
		name  string
		write func(io.Writer, analysis.Report) error
	}{{HTMLFile, HTML}, {MarkdownFile, Markdown}, {JSONFile, JSON}} {
		var b bytes.Buffer
		if err := f.write(&b, r); err != nil {
			return fmt.Errorf("writing %s: %w", f.name, err)
		}
		if err := atomicfile.WriteFile(filepath.Join(dir, f.name), b.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// JSON writes the report as indented JSON, DEL and the C1 controls
// escaped as encoding/json escapes the other controls
// (controls.EscapeJSON): it reads back as written, and `cat` shows them.
// Its first field, "written_by": "parley report", marks it as parley's
// (analysis.ReportHead).
func JSON(w io.Writer, r analysis.Report) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(marked{"parley report", r}); err != nil {
		return err
	}
	_, err := w.Write(controls.EscapeJSON(b.Bytes()))
	return err
}

// marked is the report as report.json holds it: under the field that
// marks it as parley's.
type marked struct {
	WrittenBy string `json:"written_by"`
	analysis.Report
}

// href escapes a relative path for a link: each segment percent-encoded,
// so that names with spaces or '#' work in HTML and Markdown alike, and
// ':' with them, which url.PathEscape leaves: "run:1.md" would be a URL
// of the scheme "run:" (and html/template refuses it as one it does not
// know), where "run%3A1.md" is the file.
func href(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if s != ".." && s != "." {
			parts[i] = strings.ReplaceAll(url.PathEscape(s), ":", "%3A")
		}
	}
	return strings.Join(parts, "/")
}

// matrixAxes are the matrix's rows and columns: the names that open a
// pair, and those that respond in one, each in the report's order. In a
// tournament every model does both; seats that keep one side (Claude 1
// opening, Claude 2 answering) leave no row or column empty.
func matrixAxes(r analysis.Report) (rows, cols []string) {
	opens, responds := map[string]bool{}, map[string]bool{}
	for _, p := range r.Pairs {
		opens[p.Opener], responds[p.Responder] = true, true
	}
	for _, m := range r.Models {
		if opens[m] {
			rows = append(rows, m)
		}
		if responds[m] {
			cols = append(cols, m)
		}
	}
	return rows, cols
}

// pairTitle is "ada → bix".
func pairTitle(opener, responder string) string {
	return isolate(opener) + " → " + isolate(responder)
}

// isolate keeps a name's own direction marks inside it: a name that holds
// a bidirectional control (an unclosed U+202E turns what follows it
// around) is wrapped in U+2068 … U+2069, which isolate it from the text
// around it wherever the report is shown, so "M\u202e ↔ N" cannot read
// "MN ↔". Other names are left as they are.
func isolate(s string) string {
	if !strings.ContainsFunc(s, bidiControl) {
		return s
	}
	return "\u2068" + s + "\u2069"
}

// bidiControl reports the marks that set or embed a direction.
func bidiControl(r rune) bool {
	return r == '\u061c' || r == '\u200e' || r == '\u200f' || ('\u202a' <= r && r <= '\u202e') || ('\u2066' <= r && r <= '\u2069')
}

// convTitle is "ada ↔ bix, run 2".
func convTitle(c *analysis.Conversation) string {
	t := isolate(c.Opener) + " ↔ " + isolate(c.Responder)
	if c.Run > 0 {
		t += fmt.Sprintf(", run %d", c.Run)
	}
	return t
}

// fileName names a conversation as check does, without the folders before
// it: "export.json#2" for the second of a file of several, so that each
// conversation of such a file keeps a name of its own where its link
// points at the file they share.
func fileName(c *analysis.Conversation) string {
	return c.File[strings.LastIndexAny(c.File, `/`+string(filepath.Separator))+1:]
}

// stopText says where the substance ended: "after 11 (loop)" or "never".
func stopText(c *analysis.Conversation) string {
	if c.Stop == 0 {
		return "never"
	}
	return fmt.Sprintf("after %d (%s)", c.Stop, c.Rule)
}

// stopPhrase is stopText as a phrase: "substance ended after 11 (loop)",
// "no rule stops it".
func stopPhrase(c *analysis.Conversation) string {
	if c.Stop == 0 && !c.Measured() {
		return "no rule stopped it before it was cut short"
	}
	if c.Stop == 0 {
		return "no rule stops it"
	}
	return "substance ended " + stopText(c)
}

// partialText says an interrupted last message was left out: " (and 1
// interrupted, left out)"; "" when there is none.
func partialText(c *analysis.Conversation) string {
	if c.Partial == 0 {
		return ""
	}
	return fmt.Sprintf(" (and %d interrupted, left out)", c.Partial)
}

// stateText names a conversation's state, with who refuses.
func stateText(c *analysis.Conversation) string {
	s := c.State.Title()
	if len(c.Refusers) > 0 {
		s += " (" + strings.Join(c.Refusers, ", ") + " refusing)"
	}
	if c.CutShort != "" && c.Measured() {
		s += ", then " + c.CutShort
	}
	return s
}

// cutVerb says how a conversation was cut short: "stopped by an error",
// "interrupted".
func cutVerb(c *analysis.Conversation) string {
	if c.CutShort == string(analysis.Failed) {
		return "stopped by an error"
	}
	return c.CutShort
}

// modelCost is a model's cost, "–" when it never replied: "$0" would say
// its replies were priced and free, where the other models' unpriced
// replies say "unknown".
func modelCost(m analysis.ModelFigures) string {
	if m.Messages == 0 {
		return "–"
	}
	return m.Cost.String()
}

// median is a median of substance, "–" when every conversation it would
// be taken over was cut short before any rule stopped it.
func median(m float64, convs, cutShort int) string {
	if convs > 0 && cutShort == convs {
		return "–"
	}
	return num(m)
}

func pct(f float64) string { return fmt.Sprintf("%.0f%%", 100*f) }

func share(n, of int) string {
	if of == 0 {
		return "–"
	}
	return fmt.Sprintf("%d of %d", n, of)
}

func num(f float64) string {
	if f == float64(int(f)) {
		return fmt.Sprintf("%d", int(f))
	}
	return fmt.Sprintf("%.1f", f)
}

// thousandsOrZero is thousands for a sentence, where none is "0".
func thousandsOrZero(n int) string {
	if n == 0 {
		return "0"
	}
	return thousands(n)
}

// plural writes n and the noun it counts, "1 pair", "3 pairs".
func plural(n int, one, many string) string { return phrase.Count(n, one, many) }

// pick is one for n of 1, many otherwise.
func pick(n int, one, many string) string { return phrase.Noun(n, one, many) }

// thousands writes a count with thousands separated: "4,480"; "–" for 0.
func thousands(n int) string {
	if n == 0 {
		return "–"
	}
	s := fmt.Sprintf("%d", n)
	var out []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}

// firingsText lists where each rule would fire: "loop 11 · end_token [END] never".
func firingsText(c *analysis.Conversation) string {
	var parts []string
	for _, f := range c.Rules {
		at := "never"
		if f.At > 0 {
			at = fmt.Sprintf("at %d", f.At)
		}
		parts = append(parts, f.Rule+" "+at)
	}
	return strings.Join(parts, " · ")
}
