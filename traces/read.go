package traces

import (
	"bufio"
	"bytes"
	"cmp"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Format is the kind of export a file holds.
type Format string

// The formats import reads, chosen by content.
const (
	OTLP   Format = "OTLP/JSON"
	Jaeger Format = "Jaeger JSON"
)

// Problems counts what was wrong in the input but could be read past.
type Problems struct {
	NegativeDuration int    // spans that end before they start: left out
	Outlived         int    // children that start before or end after their parent: clipped to it
	MissingParent    int    // spans whose parent is not in the input
	NoRequest        int    // spans of traces without a request (no server span, no root)
	Duplicate        int    // spans read again (the same trace and span id): left out
	First            string // the first problem met, in words, for the summary
}

func (p *Problems) note(format string, args ...any) {
	if p.First == "" {
		p.First = fmt.Sprintf(format, args...)
	}
}

// Total is how many problems were counted.
func (p *Problems) Total() int {
	return p.NegativeDuration + p.Outlived + p.MissingParent + p.NoRequest + p.Duplicate
}

// Reader reads spans from trace exports and turns each trace into its
// requests as soon as it has seen the trace's spans: a trace none of
// whose spans came in the last Window spans is finished. Its memory holds
// the spans of the traces still open and the Aggregate, not the spans
// read.
type Reader struct {
	Formats  map[Format]int // documents read, by format
	Problems Problems
	// Progress, when set, is called every ProgressEvery spans with the
	// spans read so far.
	Progress      func(spans int)
	ProgressEvery int
	// KeepAll keeps every request (Aggregate.All): --replay needs them.
	KeepAll bool
	// Window is how many spans may come between two spans of one trace
	// (a span later than that starts the trace anew, and is counted as a
	// span whose parent is not in the input); 0: DefaultWindow.
	Window int

	opts  Options
	n     int // spans read
	open  map[TraceID]*openTrace
	swept int // rd.n at the last sweep
	agg   *Aggregate
	names *table
	tree  tree // scratch of trace
}

// DefaultWindow: a trace is finished once 262,144 spans of others have
// come after its last one. The OpenTelemetry Collector writes the spans
// of a trace within a few batches (of 8,192 spans by default); this is
// 32 of them, a minute of a service serving 1,000 requests of 4 spans a
// second, and about 25 MB.
const DefaultWindow = 1 << 18

// openTrace is the spans of a trace not finished yet.
type openTrace struct {
	spans       []Span
	first, last int // rd.n when its first and last span came
}

// NewReader returns a Reader with nothing read, that makes requests as o
// says.
func NewReader(o Options) *Reader {
	return &Reader{Formats: map[Format]int{}, names: newTable(), ProgressEvery: 500_000,
		opts: o, open: map[TraceID]*openTrace{}, agg: newAggregate()}
}

// Read reads every document of r, a file named name ("-" for standard
// input), gzipped or not. An error says where: "name:line:col: …".
func (rd *Reader) Read(r io.Reader, name string) error {
	br := bufio.NewReaderSize(r, 1<<16)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		z, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("%s:1:1: gzipped, but %v", name, err)
		}
		defer z.Close()
		br = bufio.NewReaderSize(z, 1<<16)
		name += " (gunzipped)"
	}
	lines := &lineCounter{r: br}
	dec := jsontext.NewDecoder(lines, jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	for docs := 0; ; docs++ {
		if dec.PeekKind() == 0 {
			// The end, or an error that reading the value says best.
			if _, err := dec.ReadValue(); err == io.EOF {
				if docs == 0 {
					return fmt.Errorf("%s:1:1: empty: want OTLP/JSON ({\"resourceSpans\": …}) or Jaeger JSON ({\"data\": [{\"spans\": …}]})", name)
				}
				return nil
			} else if err != nil {
				return lines.syntax(name, dec.InputOffset(), err)
			}
		}
		start := dec.InputOffset() + int64(len(dec.UnreadBuffer())) - int64(len(bytes.TrimLeft(dec.UnreadBuffer(), " \t\r\n")))
		lines.forget(start)
		var d document
		if err := json.UnmarshalDecode(dec, &d); err != nil {
			return lines.syntax(name, start, err)
		}
		line, col := lines.position(start)
		switch {
		case d.ResourceSpans != nil:
			rd.Formats[OTLP]++
			if err := rd.otlp(&d, name, line); err != nil {
				return err
			}
		case d.Data != nil:
			rd.Formats[Jaeger]++
			if err := rd.jaeger(&d, name, line); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%s:%d:%d: a JSON document that is neither OTLP/JSON (no \"resourceSpans\") nor Jaeger JSON (no \"data\")", name, line, col)
		}
	}
}

// lineCounter passes bytes through and remembers where each line starts,
// for positions in messages.
type lineCounter struct {
	r      io.Reader
	n      int64   // bytes read
	starts []int64 // offsets of the lines after the first, but those forgotten
	gone   int     // lines forgotten
}

// forget drops what it knows of the lines before offset: positions from
// there on are still right, and memory does not grow with the input.
func (l *lineCounter) forget(offset int64) {
	k := sort.Search(len(l.starts), func(i int) bool { return l.starts[i] > offset })
	if k < 4096 {
		return // not worth a copy yet
	}
	l.gone += k - 1
	l.starts = append(l.starts[:0], l.starts[k-1:]...)
}

func (l *lineCounter) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	for i, c := range p[:n] {
		if c == '\n' {
			l.starts = append(l.starts, l.n+int64(i)+1)
		}
	}
	l.n += int64(n)
	return n, err
}

// position is the line and column (from 1) of offset.
func (l *lineCounter) position(offset int64) (line, col int) {
	k := sort.Search(len(l.starts), func(i int) bool { return l.starts[i] > offset })
	start := int64(0)
	if k > 0 {
		start = l.starts[k-1]
	}
	return l.gone + k + 1, int(offset-start) + 1
}

// syntax turns a decoding error into one that says where.
func (l *lineCounter) syntax(name string, start int64, err error) error {
	var se *jsontext.SyntacticError
	var me *json.SemanticError
	switch {
	case errors.As(err, &se):
		line, col := l.position(se.ByteOffset)
		if errors.Is(se.Err, io.ErrUnexpectedEOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("%s:%d:%d: the input ends inside a JSON document: cut short (a truncated line?)", name, line, col)
		}
		if se.Err != nil && strings.Contains(se.Err.Error(), "control character") {
			return fmt.Errorf("%s:%d:%d: a line ends inside a JSON string: cut short (a truncated line?)", name, line, col)
		}
		return fmt.Errorf("%s:%d:%d: not JSON: %v", name, line, col, se.Err)
	case errors.As(err, &me):
		line, col := l.position(max(me.ByteOffset, start))
		where := string(me.JSONPointer)
		if where == "" {
			where = "the document"
		}
		why := "a value of the wrong kind"
		if me.Err != nil {
			why = strings.TrimPrefix(me.Err.Error(), "traces: ")
		} else if me.JSONKind != 0 {
			why = fmt.Sprintf("a JSON %s where a trace export has another kind of value", me.JSONKind)
		}
		return fmt.Errorf("%s:%d:%d: %s: %s", name, line, col, where, why)
	case errors.Is(err, io.ErrUnexpectedEOF):
		line, col := l.position(start)
		return fmt.Errorf("%s:%d:%d: the document that starts here is cut short (a truncated line?)", name, line, col)
	}
	line, col := l.position(start)
	return fmt.Errorf("%s:%d:%d: %v", name, line, col, err)
}

// document is one JSON document of either format.
type document struct {
	ResourceSpans []otlpResourceSpans `json:"resourceSpans"`
	Data          []jaegerTrace       `json:"data"`
}

// nanos is a time in nanoseconds, written as a string (the protobuf JSON
// mapping of a 64-bit integer) or as a number.
type nanos int64

func (n *nanos) UnmarshalJSON(b []byte) error {
	s := string(bytes.Trim(b, `"`))
	if s == "null" || s == "" {
		*n = 0
		return nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil {
			return fmt.Errorf("traces: %s is not a time in nanoseconds", clip(string(b), 40))
		}
		v = int64(f)
	}
	*n = nanos(v)
	return nil
}

// kindValue is a span kind, a number or an enum name.
type kindValue Kind

func (k *kindValue) UnmarshalJSON(b []byte) error {
	s := string(bytes.Trim(b, `"`))
	v, ok := parseKind(s)
	if !ok {
		return fmt.Errorf("traces: %s is not a span kind (want 0–5 or SPAN_KIND_SERVER, …)", clip(string(b), 40))
	}
	*k = kindValue(v)
	return nil
}

// clip cuts s to at most n runes, marking the cut.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

func (rd *Reader) add(s Span) {
	t := rd.open[s.Trace]
	if t == nil {
		t = &openTrace{first: rd.n}
		rd.open[s.Trace] = t
	}
	t.spans = append(t.spans, s)
	t.last = rd.n
	rd.n++
	if rd.Progress != nil && rd.ProgressEvery > 0 && rd.n%rd.ProgressEvery == 0 {
		rd.Progress(rd.n)
	}
	window := rd.Window
	if window <= 0 {
		window = DefaultWindow
	}
	if rd.n-rd.swept >= max(window/4, 1) {
		rd.sweep(rd.n - window)
		rd.swept = rd.n
	}
}

// sweep finishes the open traces whose last span came before span number
// before, in the order their first spans came.
func (rd *Reader) sweep(before int) {
	var done []*openTrace
	for id, t := range rd.open {
		if t.last < before {
			done = append(done, t)
			delete(rd.open, id)
		}
	}
	slices.SortFunc(done, func(a, b *openTrace) int { return cmp.Compare(a.first, b.first) })
	for _, t := range done {
		rd.finish(t.spans)
	}
}

// finish turns one trace's spans into its requests. A span read twice
// (overlapping exports) counts once.
func (rd *Reader) finish(spans []Span) {
	slices.SortStableFunc(spans, func(a, b Span) int {
		if c := bytes.Compare(a.ID[:], b.ID[:]); c != 0 {
			return c
		}
		return 0
	})
	spans = slices.CompactFunc(spans, func(a, b Span) bool {
		if a.ID == b.ID {
			rd.Problems.Duplicate++
			rd.Problems.note("%s was read twice (overlapping exports?): counted once", b.where())
			return true
		}
		return false
	})
	slices.SortStableFunc(spans, func(a, b Span) int { return cmp.Compare(a.Start, b.Start) })
	for _, r := range rd.trace(spans, rd.opts) {
		rd.agg.add(r, rd.KeepAll)
	}
}

// Spans is how many spans have been read.
func (rd *Reader) Spans() int { return rd.n }

// Finish finishes every trace still open and returns what the requests
// came to. Read no more after it.
func (rd *Reader) Finish() *Aggregate {
	rd.sweep(rd.n + 1)
	return rd.agg
}
