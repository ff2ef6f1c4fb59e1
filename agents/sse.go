package agents

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	openai "github.com/sashabaranov/go-openai"
)

// eventBufferSize is the buffer a stream's lines are read through. Most
// events are a few hundred bytes; a longer line is gathered in pieces. A
// batch holds one per running conversation, so it is kept small.
const eventBufferSize = 1 << 10

// eventReader reads the data events of a server-sent event stream as
// go-openai v1.43's stream reader does (RecvRaw), line for line and error
// for error, without its regular expressions and with a smaller buffer:
// blank lines, comments and other fields are skipped, up to
// emptyMessagesLimit in a row, and kept, as is an event that begins
// {"error":, to be reported as the server's error when the stream ends.
type eventReader struct {
	r        *bufio.Reader
	long     []byte       // a line longer than r's buffer, gathered
	errs     bytes.Buffer // lines that are not data events
	limit    int
	finished bool // data: [DONE] was read
}

func newEventReader(body io.Reader, limit int) *eventReader {
	return &eventReader{r: bufio.NewReaderSize(body, eventBufferSize), limit: limit}
}

// next returns the next data event's payload, valid until the next call;
// io.EOF after data: [DONE] or at the end of the body.
func (e *eventReader) next() ([]byte, error) {
	if e.finished {
		return nil, io.EOF
	}
	empty := 0
	errorEvent := false
	for {
		line, err := e.line()
		if err != nil || errorEvent {
			if b := e.errs.Bytes(); len(b) > 0 {
				var resp *openai.ErrorResponse
				if json.Unmarshal(b, &resp) == nil && resp != nil && resp.Error != nil {
					return nil, fmt.Errorf("error, %w", resp.Error)
				}
			}
			return nil, err
		}
		line = bytes.TrimSpace(line)
		payload, isData := cutData(line)
		if isData && bytes.HasPrefix(payload, []byte(`{"error":`)) {
			errorEvent = true
			line = payload
		}
		if !isData || errorEvent {
			e.errs.Write(line)
			if empty++; empty > e.limit {
				return nil, openai.ErrTooManyEmptyStreamMessages
			}
			continue
		}
		if string(payload) == "[DONE]" {
			e.finished = true
			return nil, io.EOF
		}
		return payload, nil
	}
}

// line reads one line, its newline included. A last line without one is
// an error, as it is to go-openai: the stream was cut off.
func (e *eventReader) line() ([]byte, error) {
	line, err := e.r.ReadSlice('\n')
	if !errors.Is(err, bufio.ErrBufferFull) {
		return line, err
	}
	e.long = append(e.long[:0], line...)
	for {
		line, err = e.r.ReadSlice('\n')
		e.long = append(e.long, line...)
		if !errors.Is(err, bufio.ErrBufferFull) {
			return e.long, err
		}
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
