package transcripts

// Conversations other tools write as a table (CSV or TSV, as a dataset or
// a spreadsheet exports them) or as YAML, and as JSON lists of [speaker,
// text] pairs: each is read as the JSON layouts are (jsonimport.go), from
// the same values, so a message's speaker and text come from the same
// fields whatever the file's syntax.

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"

	"gopkg.in/yaml.v3"

	"github.com/parleyhq/parley/internal/phrase"
)

// Layouts of tables and YAML, which Detect can report.
const (
	// LayoutTable is CSV or TSV: a header line naming the columns, one of
	// them the speaker's (one of speakerKeys: "speaker", "name", "role", …)
	// and one the text's (one of textKeys: "text", "content", …), then
	// one message a row.
	LayoutTable = "table"
	// LayoutYAML is YAML holding any of the JSON layouts: a list of
	// messages under "messages", "turns" or any other key, each naming
	// its speaker and holding its text.
	LayoutYAML = "yaml"
)

// tableTurns reads d as a table of messages (LayoutTable), returning its
// rows as JSON's turns: one object a row, keyed by the header's names in
// lower case. The delimiter is the first of a tab, a comma or a semicolon
// that the header holds; every row must have the header's number of
// fields, so prose with commas in it is not a table.
func tableTurns(d []byte) ([]any, bool) {
	turns, err := readTable(d)
	return turns, err == nil && turns != nil
}

// readTable reads d as a table of messages: nil, nil when its header
// names no speaker and text columns (no table of messages at all); an
// error naming the line when it does but its rows do not read, which
// Import gives as a table of messages written wrong, not as a file in no
// layout (ErrUnknownLayout).
func readTable(d []byte) ([]any, error) {
	header, _, _ := bytes.Cut(d, []byte("\n"))
	comma := rune(0)
	for _, c := range []rune{'\t', ',', ';'} {
		if bytes.ContainsRune(header, c) {
			comma = c
			break
		}
	}
	if comma == 0 {
		return nil, nil
	}
	r := csv.NewReader(bytes.NewReader(d))
	r.Comma = comma
	r.TrimLeadingSpace = true
	head, err := r.Read()
	if err != nil {
		return nil, nil
	}
	cols := map[string]int{}
	for i, h := range head {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if _, dup := cols[h]; !dup && h != "" {
			cols[h] = i
		}
	}
	named := map[string]any{}
	for h := range cols {
		named[h] = ""
	}
	if !isTurn(named) {
		return nil, nil // the header names no speaker or no text: not a table of messages
	}
	rows, err := r.ReadAll()
	if pe, ok := errors.AsType[*csv.ParseError](err); ok && comma == '\t' && (errors.Is(pe.Err, csv.ErrBareQuote) || errors.Is(pe.Err, csv.ErrQuote)) {
		// Tab-separated text has no quoting of its own (text/tab-separated-values):
		// a quote inside a message is the message's. Read so, the table
		// must still give every line the header's fields. When it does
		// not, the fault named is that of the reading that got further:
		// a line with a field too many or too few, read so, when it comes
		// at or after the quote's line (that quote is then a message's own,
		// as the line's fields would be fine without the faulty one); else
		// the quoting error, in a table whose quoted texts hold tabs.
		literal, bad, row := literalTSV(d, len(head))
		switch {
		case bad == 0:
			rows, err = literal, nil
		case bad >= cmp.Or(pe.StartLine, pe.Line):
			return nil, fieldsError(bad, row, len(head))
		}
	}
	if err != nil {
		sep := map[rune]string{'\t': "tab", ',': "comma", ';': "semicolon"}[comma]
		if pe, ok := errors.AsType[*csv.ParseError](err); ok {
			switch {
			case errors.Is(pe.Err, csv.ErrFieldCount) && comma == '\t':
				// Tab-separated text has no quoting of its own: the
				// fault is a tab too many or too few, named as a table
				// read without quoting names it.
				if row, ok := recordAt(d, pe.Line); ok {
					return nil, fieldsError(pe.Line, row, len(head))
				}
			case errors.Is(pe.Err, csv.ErrFieldCount):
				return nil, fmt.Errorf("line %d has another number of fields than the header's %d; a text that holds a %s is written in double quotes", pe.Line, len(head), sep)
			case errors.Is(pe.Err, csv.ErrQuote) && pe.StartLine > 0 && pe.StartLine < pe.Line:
				// A quote opened and never closed swallows the lines after
				// it; the fault is where it opened.
				return nil, fmt.Errorf("the text in double quotes that opens on line %d is not closed where it ends (the reader ran on to line %d); close it with a double quote, each quote inside it doubled (\"say \"\"hi\"\"\")", pe.StartLine, pe.Line)
			case errors.Is(pe.Err, csv.ErrQuote) && pe.StartLine > 0 && pastItsLine(d, pe):
				// One opened on the last line ends with the file, on
				// the line it opened on.
				return nil, fmt.Errorf("the text in double quotes that opens on line %d is not closed before the file ends; close it with a double quote, each quote inside it doubled (\"say \"\"hi\"\"\")", pe.StartLine)
			case errors.Is(pe.Err, csv.ErrQuote):
				// A quote inside a text in quotes, not doubled.
				return nil, fmt.Errorf("line %d has a double quote inside a text in double quotes that is not doubled; double each quote inside it (\"say \"\"hi\"\"\")", pe.Line)
			case errors.Is(pe.Err, csv.ErrBareQuote):
				return nil, fmt.Errorf("line %d has a double quote inside a text not in quotes; write the text in double quotes, each quote inside doubled (\"say \"\"hi\"\"\")", pe.Line)
			}
		}
		return nil, err
	}
	if len(rows) == 0 {
		return nil, nil // a header alone: no message, so no conversation
	}
	turns := make([]any, 0, len(rows))
	for _, row := range rows {
		m := make(map[string]any, len(cols))
		for h, i := range cols {
			m[h] = row[i]
		}
		turns = append(turns, m)
	}
	return []any{turns}, nil
}

// literalTSV reads the rows after the header line of d as tab-separated
// values with no quoting: each line a row, split at its tabs, blank lines
// skipped. When a row has other than fields fields, it gives none, but
// that row's line (from 1) and its fields; bad is 0 when every row reads.
func literalTSV(d []byte, fields int) (rows [][]string, bad int, row []string) {
	lines := strings.Split(strings.ReplaceAll(string(d), "\r\n", "\n"), "\n")
	for i, line := range lines {
		if i == 0 || line == "" {
			continue
		}
		row := strings.Split(line, "\t")
		if len(row) != fields {
			return nil, i + 1, row
		}
		for i, f := range row {
			row[i] = strings.TrimLeftFunc(f, unicode.IsSpace) // as TrimLeadingSpace reads a quoted table
		}
		rows = append(rows, row)
	}
	return rows, 0, nil
}

// recordAt is the fields of the row of the tab-separated table d that
// starts on line, read as readTable reads it but taking rows of any
// width; ok is false when no row starts there.
func recordAt(d []byte, line int) (row []string, ok bool) {
	r := csv.NewReader(bytes.NewReader(d))
	r.Comma = '\t'
	r.TrimLeadingSpace = true
	r.FieldsPerRecord = -1
	for {
		rec, err := r.Read()
		if err != nil {
			return nil, false
		}
		switch at, _ := r.FieldPos(0); {
		case at == line:
			return rec, true
		case at > line:
			return nil, false
		}
	}
}

// pastItsLine reports whether a quoting error is placed past the end of
// its line's text, where the reader ran out of the file inside a text in
// double quotes, not at a quote it found inside one (the column
// encoding/csv gives the two). Its columns count bytes from 1 on a line
// whose CRLF is read as LF.
func pastItsLine(d []byte, pe *csv.ParseError) bool {
	lines := bytes.Split(d, []byte("\n"))
	if pe.Line < 1 || pe.Line > len(lines) {
		return false
	}
	text := bytes.TrimSuffix(lines[pe.Line-1], []byte("\r"))
	return pe.Column > len(text)
}

// fieldsError says that line, read as tab-separated values with no
// quoting, has the fields row where the header has fields.
func fieldsError(line int, row []string, fields int) error {
	if len(row) < fields {
		return fmt.Errorf("line %d has %s where the header has %d; tab-separated text gives each line the header's fields, separated by tabs", line, phrase.Count(len(row), "field", "fields"), fields)
	}
	extra := make([]string, len(row)-fields)
	for i, f := range row[fields:] {
		if r := []rune(f); len(r) > 40 {
			f = string(r[:40]) + "…"
		}
		extra[i] = strconv.Quote(f)
	}
	return fmt.Errorf("line %d has %s past the header's %d (%s); tab-separated text has no quoting, so a tab inside a text starts another field: write a space in its place",
		line, phrase.Count(len(extra), "extra field", "extra fields"), fields, strings.Join(extra, ", "))
}

// yamlValues reads d as YAML holding one of the JSON layouts (LayoutYAML),
// returning it as JSON's values, unwrapped as unwrapJSON does.
func yamlValues(d []byte) ([]any, bool) {
	// Documents separated by "---" lines, each a message, are the list
	// of them.
	var docs []any
	dec := yaml.NewDecoder(bytes.NewReader(d))
	for {
		var doc any
		err := dec.Decode(&doc)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, false
		}
		docs = append(docs, doc)
	}
	if len(docs) == 0 {
		return nil, false
	}
	v := docs[0]
	if len(docs) > 1 {
		v = any(docs)
	}
	switch v.(type) {
	case map[string]any, []any:
	default:
		return nil, false // a scalar: plain text is YAML too
	}
	j, err := json.Marshal(v)
	if err != nil {
		return nil, false
	}
	vals, err := jsonValues(j)
	if err != nil {
		return nil, false
	}
	vals = unwrapJSON(vals)
	return vals, jsonLayout(vals) != ""
}

// pairTurns reads a list of [speaker, text] pairs, as some scripts dump a
// conversation (`[["Claude", "Hello"], ["GPT", "Hi"]]`), as JSON's turns;
// ok is false for any other list.
func pairTurns(list []any) ([]any, bool) {
	if len(list) < 2 {
		return nil, false
	}
	turns := make([]any, len(list))
	for i, it := range list {
		p, ok := it.([]any)
		if !ok || len(p) != 2 {
			return nil, false
		}
		name, ok1 := p[0].(string)
		text, ok2 := p[1].(string)
		if !ok1 || !ok2 || !validName(strings.TrimSpace(name)) {
			return nil, false
		}
		turns[i] = map[string]any{"speaker": strings.TrimSpace(name), "text": text}
	}
	return turns, true
}
