package agents

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	openai "github.com/sashabaranov/go-openai"
)

// eventBufferSize is the buffer a stream's lines are read through. Most
// events are a few hundred bytes; a longer line is gathered in pieces.
const eventBufferSize = 1 << 10

// eventBuffers holds the line buffers of the streams that have no unread
// bytes. A stream waits for its next event most of the time, and a batch
// holds a thousand of them: each takes a buffer when bytes arrive and puts
// it back once it has read every line in it, so the ones that wait hold
// none.
var eventBuffers = sync.Pool{New: func() any { return new([eventBufferSize]byte) }}

// eventReader reads the data events of a server-sent event stream as
// go-openai v1.43's stream reader does (RecvRaw), line for line, without
// its regular expressions and with a smaller buffer: blank lines, comments
// and other fields are skipped, up to emptyMessagesLimit in a row.
//
// An event that begins {"error": is the server's error, read on its own.
// go-openai reads it joined to every line that was not a data event
// before it in the stream (an SSE comment such as OpenRouter's
// ": OPENROUTER PROCESSING", an event: error line), which makes it no JSON
// at all: the server's error was lost. The only other lines kept are the
// few before the first data event that are neither comments nor fields: a
// body that is no event stream but one JSON error is reported as that
// error when it ends.
//
// Its lines are read as a bufio.Reader's ReadSlice reads them, through a
// buffer taken from eventBuffers while it has unread bytes. With none, it
// waits for the body's next bytes in wait, a few bytes of its own, and
// copies them into a buffer once they have come.
type eventReader struct {
	body     io.Reader
	buf      *[eventBufferSize]byte // nil while no bytes are unread
	r, w     int                    // buf[r:w] is read from the body and not yet taken
	err      error                  // the body's, once buf[r:w] is taken
	wait     [16]byte
	long     []byte       // a line longer than the buffer, gathered
	stray    bytes.Buffer // the lines kept before the first data event (see keep)
	events   bool         // a data event was read, or the lines kept outgrew maxStrayBytes: no more are kept
	limit    int
	finished bool // data: [DONE] was read, as an event or as the body's last line
	begun    bool // a line was read: a byte-order mark before it is not
	skipLF   bool // the last line ended in CR: a LF right after it is its end too
}

// maxStrayBytes bounds the lines an eventReader keeps before the first data
// event: far more than any JSON error a server sends.
const maxStrayBytes = 64 << 10

func newEventReader(body io.Reader, limit int) *eventReader {
	return &eventReader{body: body, limit: limit}
}

// next returns the next data event's payload, valid until the next call;
// io.EOF after data: [DONE] or at the end of the body; the server's error
// for an event that begins {"error": and holds one. It never returns a nil
// payload with a nil error.
func (e *eventReader) next() ([]byte, error) {
	if e.finished {
		return nil, io.EOF
	}
	empty := 0
	for {
		line, err := e.line()
		if err != nil {
			if p, ok := cutData(bytes.TrimSpace(line)); ok && string(p) == "[DONE]" {
				// A last line without its newline is not an event, as
				// to go-openai; this one says the reply ended all the
				// same.
				e.finished = true
			}
			e.release() // every byte read is taken
			if apiErr := strayError(e.stray.Bytes()); apiErr != nil {
				return nil, fmt.Errorf("error, %w", apiErr)
			}
			return nil, err
		}
		if !e.begun {
			// A stream may begin with a byte-order mark, which the
			// event stream format says to skip.
			e.begun = true
			line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
		}
		line = bytes.TrimSpace(line)
		payload, isData := cutData(line)
		if !isData {
			e.keep(line)
			if empty++; empty > e.limit {
				return nil, openai.ErrTooManyEmptyStreamMessages
			}
			continue
		}
		if !e.events {
			e.events = true
			e.stray = bytes.Buffer{} // the body is an event stream
		}
		if bytes.HasPrefix(payload, []byte(`{"error":`)) {
			var resp openai.ErrorResponse
			if json.Unmarshal(payload, &resp) == nil && resp.Error != nil {
				return nil, fmt.Errorf("error, %w", resp.Error)
			}
			// No error parley can read: the caller reads it as any
			// other event, and quotes it if it is not a chunk.
		}
		if string(payload) == "[DONE]" {
			e.finished = true
			e.release() // nothing after it is read
			return nil, io.EOF
		}
		return payload, nil
	}
}

// keep keeps a line that is not a data event, trimmed, if no data event
// has come yet and it is neither a comment nor one of the format's other
// fields (event:, id:, retry:), while the lines kept fit in maxStrayBytes.
func (e *eventReader) keep(line []byte) {
	if e.events || len(line) == 0 || isField(line) {
		return
	}
	if e.stray.Len()+len(line) > maxStrayBytes {
		e.events = true // no JSON error is this long: keep no more
		e.stray = bytes.Buffer{}
		return
	}
	e.stray.Write(line)
}

// isField reports whether a line is an SSE comment or an event:, id: or
// retry: field.
func isField(line []byte) bool {
	if line[0] == ':' {
		return true
	}
	name, _, ok := bytes.Cut(line, []byte(":"))
	if !ok {
		return false
	}
	switch string(name) {
	case "event", "id", "retry":
		return true
	}
	return false
}

// strayError is the error the lines kept before the first data event
// spell, as one JSON error, or nil.
func strayError(b []byte) *openai.APIError {
	if len(b) == 0 {
		return nil
	}
	var resp *openai.ErrorResponse
	if json.Unmarshal(b, &resp) != nil || resp == nil {
		return nil
	}
	return resp.Error
}

// line reads one line, its newline included. A last line without one is
// an error, as it is to go-openai: the stream was cut off.
func (e *eventReader) line() ([]byte, error) {
	line, err := e.readSlice()
	if !errors.Is(err, bufio.ErrBufferFull) {
		return line, err
	}
	e.long = append(e.long[:0], line...)
	for {
		line, err = e.readSlice()
		e.long = append(e.long, line...)
		if !errors.Is(err, bufio.ErrBufferFull) {
			return e.long, err
		}
	}
}

// readSlice is bufio.Reader's ReadSlice('\n') over e's buffer: the bytes
// up to and including the next line's end, valid until the next read; all
// that is unread and the body's error when the body ends first; or a full
// buffer and bufio.ErrBufferFull. A line ends with LF, CRLF or CR alone,
// as the event stream format has it (go-openai splits at LF only, and
// reads a stream of CR-ended lines as one line it drops).
func (e *eventReader) readSlice() ([]byte, error) {
	s := 0 // the unread bytes searched already
	for {
		if e.skipLF && s == 0 && e.buf != nil && e.r < e.w {
			// The CR that ended the last line was the last byte read:
			// a LF after it belongs to it.
			if e.buf[e.r] == '\n' {
				e.r++
			}
			e.skipLF = false
		}
		if e.buf != nil {
			b := e.buf[e.r+s : e.w]
			i := bytes.IndexByte(b, '\n')
			seg := b
			if i >= 0 {
				seg = b[:i]
			}
			if cr := bytes.IndexByte(seg, '\r'); cr >= 0 && (cr+1 == len(b) || b[cr+1] != '\n') {
				line := e.buf[e.r : e.r+s+cr+1]
				e.r += s + cr + 1
				e.skipLF = true
				return line, nil
			}
			if i >= 0 {
				line := e.buf[e.r : e.r+s+i+1]
				e.r += s + i + 1
				return line, nil
			}
		}
		if e.err != nil {
			var line []byte
			if e.buf != nil {
				line = e.buf[e.r:e.w]
				e.r = e.w
			}
			err := e.err
			e.err = nil
			return line, err
		}
		if e.buf != nil && e.w-e.r >= len(e.buf) {
			line := e.buf[e.r:e.w]
			e.r = e.w
			return line, bufio.ErrBufferFull
		}
		if e.buf != nil {
			s = e.w - e.r
		}
		e.fill()
	}
}

// fill reads more of the body, as bufio.Reader's fill does: the unread
// bytes slide to the start of the buffer, and a body that returns nothing
// 100 times in a row is io.ErrNoProgress. With nothing unread, the buffer
// goes back to eventBuffers while the body is waited for.
func (e *eventReader) fill() {
	if e.buf == nil || e.r == e.w {
		e.release()
		n, err := e.read(e.wait[:])
		if n > 0 {
			e.buf = eventBuffers.Get().(*[eventBufferSize]byte)
			e.r, e.w = 0, copy(e.buf[:], e.wait[:n])
		}
		e.err = err
		return
	}
	if e.r > 0 {
		copy(e.buf[:], e.buf[e.r:e.w])
		e.w -= e.r
		e.r = 0
	}
	n, err := e.read(e.buf[e.w:])
	e.w += n
	e.err = err
}

// read reads the body into p until it returns a byte or an error, or
// io.ErrNoProgress after 100 reads of nothing.
func (e *eventReader) read(p []byte) (int, error) {
	for i := 100; i > 0; i-- {
		n, err := e.body.Read(p)
		if n < 0 || n > len(p) {
			panic("agents: a stream body read a negative or impossible count")
		}
		if n > 0 || err != nil {
			return n, err
		}
	}
	return 0, io.ErrNoProgress
}

// release puts the buffer back in eventBuffers, with nothing unread in it.
func (e *eventReader) release() {
	if e.buf != nil {
		eventBuffers.Put(e.buf)
		e.buf, e.r, e.w = nil, 0, 0
	}
}

// cutData strips a data field's name and the blanks after it (go-openai's
// ^data:\s*), reporting whether line is one.
func cutData(line []byte) ([]byte, bool) {
	rest, ok := bytes.CutPrefix(line, []byte("data:"))
	if !ok {
		return nil, false
	}
	i := 0
	for i < len(rest) {
		switch rest[i] {
		case ' ', '\t', '\n', '\f', '\r':
			i++
			continue
		}
		break
	}
	return rest[i:], true
}
