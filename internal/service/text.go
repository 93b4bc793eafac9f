package service

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"buf.build/gen/go/bufbuild/protovalidate/protocolbuffers/go/buf/validate"
	"buf.build/go/protovalidate"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/motcua/motcua/internal/domain"
)

// The storable-input rules apply to every field of every request, on top of
// the per-field rules written in the proto files:
//
//   - text is valid UTF-8 and holds no control character other than tab,
//     line feed and carriage return (domain.TextProblem);
//   - a text the proto marks as required (min_len ≥ 1, or required) holds
//     more than white space: "   " is no reason and no purpose;
//   - a google.protobuf.Timestamp or Duration is within its documented range
//     (years 0001–9999; ±10 000 years), so that it can be stored and
//     compared on both stores.
//
// Each violation names its field by its API path, as protovalidate does.

// Reasons in the BadRequest violations of the storable-input rules that
// domain.TextProblem does not give.
const (
	reasonBlank     = "text.blank"
	reasonTimeRange = "time.range"
)

// requiredText reports whether the proto rules of fd demand a non-empty
// string; the answer is cached per field.
func requiredText(fd protoreflect.FieldDescriptor) bool {
	if v, ok := requiredCache.Load(fd); ok {
		return v.(bool)
	}
	rules, _ := proto.GetExtension(fd.Options(), validate.E_Field).(*validate.FieldRules)
	req := rules.GetRequired() || rules.GetString().GetMinLen() > 0
	requiredCache.Store(fd, req)
	return req
}

var requiredCache sync.Map // protoreflect.FieldDescriptor → bool

// textChecker walks a message and collects violations.
type textChecker struct {
	utf8Only bool
	out      []*errdetails.BadRequest_FieldViolation
}

func (c *textChecker) add(field, reason, desc string) {
	c.out = append(c.out, &errdetails.BadRequest_FieldViolation{Field: field, Reason: reason, Description: desc})
}

func (c *textChecker) str(field string, fd protoreflect.FieldDescriptor, s string) {
	reason, desc := domain.TextProblem(s)
	if reason == domain.TextControl && c.utf8Only {
		return
	}
	if reason != "" {
		c.add(field, reason, desc)
		return
	}
	if !c.utf8Only && fd != nil && requiredText(fd) && strings.TrimSpace(s) == "" {
		c.add(field, reasonBlank, "must not be blank")
	}
}

func (c *textChecker) message(prefix string, m protoreflect.Message) {
	switch m.Descriptor().FullName() {
	case "google.protobuf.Timestamp", "google.protobuf.Duration":
		if !c.utf8Only {
			c.wellKnownTime(prefix, m)
		}
		return
	}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		name := string(fd.Name())
		if prefix != "" {
			name = prefix + "." + name
		}
		switch {
		case fd.IsMap():
			v.Map().Range(func(k protoreflect.MapKey, mv protoreflect.Value) bool {
				key := k.String()
				if fd.MapKey().Kind() == protoreflect.StringKind {
					c.str(name, nil, key)
					key = fmt.Sprintf("%q", key)
				}
				c.value(fmt.Sprintf("%s[%s]", name, key), fd.MapValue(), mv)
				return true
			})
		case fd.IsList():
			l := v.List()
			for i := 0; i < l.Len(); i++ {
				c.value(fmt.Sprintf("%s[%d]", name, i), fd, l.Get(i))
			}
		default:
			c.value(name, fd, v)
		}
		return true
	})
}

func (c *textChecker) value(field string, fd protoreflect.FieldDescriptor, v protoreflect.Value) {
	switch fd.Kind() {
	case protoreflect.StringKind:
		c.str(field, fd, v.String())
	case protoreflect.MessageKind, protoreflect.GroupKind:
		c.message(field, v.Message())
	}
}

// Limits of google.protobuf.Timestamp (0001-01-01 to 9999-12-31T23:59:59Z)
// and Duration (±10 000 years), as their definitions state.
const (
	minTimestampSeconds = -62135596800
	maxTimestampSeconds = 253402300799
	maxDurationSeconds  = 315576000000
)

func (c *textChecker) wellKnownTime(field string, m protoreflect.Message) {
	fields := m.Descriptor().Fields()
	secs := m.Get(fields.ByNumber(1)).Int()
	nanos := m.Get(fields.ByNumber(2)).Int()
	if m.Descriptor().FullName() == "google.protobuf.Timestamp" {
		if secs < minTimestampSeconds || secs > maxTimestampSeconds || nanos < 0 || nanos >= 1e9 {
			c.add(field, reasonTimeRange, "must be a valid time between 0001-01-01 and 9999-12-31 UTC")
		}
		return
	}
	if secs < -maxDurationSeconds || secs > maxDurationSeconds || nanos <= -1e9 || nanos >= 1e9 ||
		(secs > 0 && nanos < 0) || (secs < 0 && nanos > 0) {
		c.add(field, reasonTimeRange, "must be a valid duration of at most 10 000 years")
	}
}

// StorableViolations lists the fields of m that break the storable-input
// rules (see above); nil when there are none.
func StorableViolations(m proto.Message) []*errdetails.BadRequest_FieldViolation {
	c := textChecker{}
	c.message("", m.ProtoReflect())
	return c.out
}

// CheckUTF8 answers INVALID_ARGUMENT, naming the field, when a string of m
// is not valid UTF-8: such a message cannot even be encoded. The JSON
// gateway calls it before forwarding a request built from a URL, where
// percent-escapes may decode to any bytes.
func CheckUTF8(m proto.Message) error {
	c := textChecker{utf8Only: true}
	c.message("", m.ProtoReflect())
	if len(c.out) == 0 {
		return nil
	}
	return badRequest(c.out)
}

// validateRequest applies the proto rules (protovalidate) and the
// storable-input rules, and reports every violation of both at once.
func validateRequest(v protovalidate.Validator, m proto.Message) error {
	text := StorableViolations(m)
	err := v.Validate(m)
	if err == nil && len(text) == 0 {
		return nil
	}
	var ve *protovalidate.ValidationError
	if err != nil && !errors.As(err, &ve) {
		return validationStatus(err)
	}
	return badRequest(append(protovalidateViolations(ve), text...))
}

// badRequest is INVALID_ARGUMENT with a BadRequest listing violations, and
// a message that repeats them for people reading logs and JSON.
func badRequest(vs []*errdetails.BadRequest_FieldViolation) error {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = v.GetField() + ": " + v.GetDescription()
	}
	return withDetails(codes.InvalidArgument, "invalid argument: "+strings.Join(parts, "; "),
		&errdetails.BadRequest{FieldViolations: vs})
}
