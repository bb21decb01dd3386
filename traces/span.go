// Package traces turns trace exports (OpenTelemetry OTLP/JSON, Jaeger JSON)
// into an open workload: each request a server handled becomes a task
// released at its start, its outgoing calls waits (overlapping calls a
// gather), the rest of its time work, and the requests of one route a
// weighted group.
//
// Reading streams: a file is a sequence of JSON documents (one per line as
// the OpenTelemetry Collector's file exporter writes them, or one whole
// document), each decoded and turned into compact spans before the next is
// read. Attribute values are data, never code.
package traces

import (
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"strings"
)

// Kind is a span's kind, as OTLP numbers it.
type Kind uint8

// The kinds.
const (
	Unspecified Kind = iota
	Internal
	Server
	Client
	Producer
	Consumer
)

// String is the kind's OTLP enum name without its prefix, lower case.
func (k Kind) String() string {
	switch k {
	case Internal:
		return "internal"
	case Server:
		return "server"
	case Client:
		return "client"
	case Producer:
		return "producer"
	case Consumer:
		return "consumer"
	}
	return "unspecified"
}

// parseKind reads a kind as OTLP/JSON writes it (a number, or an enum
// name: SPAN_KIND_SERVER) or as Jaeger's span.kind tag does (server).
func parseKind(s string) (Kind, bool) {
	s = strings.ToLower(strings.TrimPrefix(strings.ToUpper(s), "SPAN_KIND_"))
	switch s {
	case "0", "unspecified", "":
		return Unspecified, true
	case "1", "internal":
		return Internal, true
	case "2", "server":
		return Server, true
	case "3", "client":
		return Client, true
	case "4", "producer":
		return Producer, true
	case "5", "consumer":
		return Consumer, true
	}
	return Unspecified, false
}

// TraceID and SpanID are ids as the exports write them in hex; an id that
// is not hex is hashed into one, so that it still names one span.
type (
	TraceID [16]byte
	SpanID  [8]byte
)

func traceID(s string) TraceID {
	var id TraceID
	parseID(id[:], s)
	return id
}

func spanID(s string) SpanID {
	var id SpanID
	if s != "" {
		parseID(id[:], s)
	}
	return id
}

// parseID writes the id s into dst: its hex digits right-aligned, or, for
// a string that is not hex of at most len(dst) bytes, its FNV-1a hash of
// dst's size.
func parseID(dst []byte, s string) {
	if b, err := hex.DecodeString(s); err == nil && len(b) <= len(dst) {
		copy(dst[len(dst)-len(b):], b)
		return
	}
	h := fnv.New128a()
	if len(dst) == 8 {
		h = fnv.New64a()
	}
	h.Write([]byte(s))
	copy(dst, h.Sum(nil))
}

func (id SpanID) String() string { return hex.EncodeToString(id[:]) }

// Span is what import keeps of a span: 72 bytes without a pointer (its
// names are numbers in the Reader's table), so that a million spans take
// 72 MB that the garbage collector need not scan.
type Span struct {
	Trace  TraceID
	ID     SpanID
	Parent SpanID // zero: a root
	Start  int64  // Unix nanoseconds
	End    int64
	Line   int32 // the line of its document in the input (the first line of a whole document)
	Name   Name
	// Service is the service.name of its resource (OTLP) or process (Jaeger).
	Service Name
	Route   Name // the http.route attribute, if any
	Kind    Kind
	// Call says the span's attributes are those of an outgoing call: a
	// database (db.system), an HTTP client request, an RPC, a message, a
	// named peer.
	Call bool
}

// Name is a string of the Reader's table: a span's name, service or route.
type Name uint32

// where names s for a message: its span id and the line of its document.
func (s *Span) where() string {
	return fmt.Sprintf("span %s (line %d)", s.ID, s.Line)
}

// callKeys are attribute keys that mark a span as an outgoing call.
var callKeys = map[string]bool{
	"db.system": true, "db.system.name": true, "rpc.system": true, "messaging.system": true,
	"peer.service": true, "http.request.method": true, "http.method": true,
	"server.address": true, "net.peer.name": true, "url.full": true, "http.url": true,
}

// routeKey is the attribute that names a request's route.
const routeKey = "http.route"

// attribute notes what an attribute (OTLP) or tag (Jaeger) says of s: its
// route, that it is an outgoing call. value is read only for the route.
func (rd *Reader) attribute(s *Span, key string, value func() string) {
	switch {
	case key == routeKey:
		s.Route = rd.names.get(value())
	case callKeys[key]:
		s.Call = true
	}
}

// table keeps each name once and numbers it; 0 is "".
type table struct {
	strs  []string
	index map[string]Name
}

func newTable() *table { return &table{strs: []string{""}, index: map[string]Name{"": 0}} }

func (t *table) get(s string) Name {
	if n, ok := t.index[s]; ok {
		return n
	}
	s = strings.Clone(s)
	n := Name(len(t.strs))
	t.strs = append(t.strs, s)
	t.index[s] = n
	return n
}

func (t *table) text(n Name) string { return t.strs[n] }
