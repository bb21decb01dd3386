package traces

import (
	"fmt"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

// OTLP/JSON, as the OpenTelemetry Collector's file exporter writes it: the
// protobuf JSON mapping of ExportTraceServiceRequest (ids in hex, times as
// strings of nanoseconds, kind a number or an enum name). Older exports
// name scopeSpans instrumentationLibrarySpans.

type otlpResourceSpans struct {
	Resource struct {
		Attributes []otlpAttribute `json:"attributes"`
	} `json:"resource"`
	ScopeSpans   []otlpScopeSpans `json:"scopeSpans"`
	LibrarySpans []otlpScopeSpans `json:"instrumentationLibrarySpans"`
}

type otlpScopeSpans struct {
	Spans []otlpSpan `json:"spans"`
}

type otlpSpan struct {
	TraceID      string          `json:"traceId"`
	SpanID       string          `json:"spanId"`
	ParentSpanID string          `json:"parentSpanId"`
	Name         string          `json:"name"`
	Kind         kindValue       `json:"kind"`
	Start        nanos           `json:"startTimeUnixNano"`
	End          nanos           `json:"endTimeUnixNano"`
	Attributes   []otlpAttribute `json:"attributes"`
}

type otlpAttribute struct {
	Key   string `json:"key"`
	Value struct {
		String *string        `json:"stringValue"`
		Int    jsontext.Value `json:"intValue"` // a string of digits, or a number
	} `json:"value"`
}

func (a otlpAttribute) text() string {
	switch {
	case a.Value.String != nil:
		return *a.Value.String
	case a.Value.Int != nil:
		return strings.Trim(string(a.Value.Int), `"`)
	}
	return ""
}

func (rd *Reader) otlp(d *document, file string, line int) error {
	for _, rs := range d.ResourceSpans {
		var service Name
		for _, a := range rs.Resource.Attributes {
			if a.Key == "service.name" {
				service = rd.names.get(a.text())
			}
		}
		for _, ss := range append(rs.ScopeSpans, rs.LibrarySpans...) {
			for i := range ss.Spans {
				sp := &ss.Spans[i]
				if sp.TraceID == "" || sp.SpanID == "" {
					return fmt.Errorf("%s:%d:1: span %q has no traceId or spanId", file, line, clip(sp.Name, 60))
				}
				s := Span{Trace: traceID(sp.TraceID), ID: spanID(sp.SpanID), Parent: spanID(sp.ParentSpanID),
					Name: rd.names.get(sp.Name), Kind: Kind(sp.Kind), Start: int64(sp.Start), End: int64(sp.End),
					Service: service, Line: int32(line)}
				for _, a := range sp.Attributes {
					rd.attribute(&s, a.Key, a.text)
				}
				rd.add(s)
			}
		}
	}
	return nil
}

// Jaeger's JSON, as its query service and UI export it: {"data": [trace…]},
// each trace with its spans (startTime and duration in microseconds, the
// parent in references as CHILD_OF, the kind in the span.kind tag) and
// processes (the service names).

type jaegerTrace struct {
	TraceID   string                   `json:"traceID"`
	Spans     []jaegerSpan             `json:"spans"`
	Processes map[string]jaegerProcess `json:"processes"`
}

type jaegerSpan struct {
	TraceID       string      `json:"traceID"`
	SpanID        string      `json:"spanID"`
	ParentSpanID  string      `json:"parentSpanID"`
	OperationName string      `json:"operationName"`
	References    []jaegerRef `json:"references"`
	StartTime     nanos       `json:"startTime"` // microseconds
	Duration      nanos       `json:"duration"`  // microseconds
	Tags          []jaegerTag `json:"tags"`
	ProcessID     string      `json:"processID"`
}

type jaegerRef struct {
	RefType string `json:"refType"`
	TraceID string `json:"traceID"`
	SpanID  string `json:"spanID"`
}

type jaegerTag struct {
	Key   string         `json:"key"`
	Value jsontext.Value `json:"value"`
}

func (t jaegerTag) text() string {
	if t.Value.Kind() == '"' {
		if s, err := jsontext.AppendUnquote(nil, t.Value); err == nil {
			return string(s)
		}
	}
	return string(t.Value)
}

type jaegerProcess struct {
	ServiceName string `json:"serviceName"`
}

func (rd *Reader) jaeger(d *document, file string, line int) error {
	for _, tr := range d.Data {
		for i := range tr.Spans {
			sp := &tr.Spans[i]
			trace := sp.TraceID
			if trace == "" {
				trace = tr.TraceID
			}
			if trace == "" || sp.SpanID == "" {
				return fmt.Errorf("%s:%d:1: span %q has no traceID or spanID", file, line, clip(sp.OperationName, 60))
			}
			parent := sp.ParentSpanID
			for _, r := range sp.References {
				if r.RefType == "CHILD_OF" || parent == "" && r.RefType == "FOLLOWS_FROM" {
					parent = r.SpanID
				}
			}
			start := int64(sp.StartTime) * 1000
			s := Span{Trace: traceID(trace), ID: spanID(sp.SpanID), Parent: spanID(parent),
				Name: rd.names.get(sp.OperationName), Start: start, End: start + int64(sp.Duration)*1000,
				Service: rd.names.get(tr.Processes[sp.ProcessID].ServiceName), Line: int32(line)}
			for _, t := range sp.Tags {
				if t.Key == "span.kind" {
					s.Kind, _ = parseKind(t.text())
					continue
				}
				rd.attribute(&s, t.Key, t.text)
			}
			rd.add(s)
		}
	}
	return nil
}
