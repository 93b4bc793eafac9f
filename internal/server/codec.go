package server

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/encoding"
	grpcproto "google.golang.org/grpc/encoding/proto"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/motcua/motcua/internal/domain"
)

// requestCodec is gRPC's proto codec with one difference: a request whose
// bytes do not decode (truncated, garbled, invalid UTF-8 in a string) is the
// client's error, INVALID_ARGUMENT, where gRPC would report any codec error
// as INTERNAL. gRPC wraps whatever Unmarshal returns in INTERNAL, so
// Unmarshal cannot say it; instead it resets the message, remembers the
// failure against that message, and reports success; the interceptors
// below, first in the chain after logging and metrics, turn the remembered
// failure into the status before anything else sees the empty message.
//
// The hot path is the registered codec's: a successful decode costs one
// atomic load more, and nothing is copied.
type requestCodec struct {
	encoding.CodecV2
	failed  sync.Map     // the message being decoded (pointer) → its status error
	pending atomic.Int64 // entries in failed; 0 skips the lookup
}

func newRequestCodec() *requestCodec {
	return &requestCodec{CodecV2: encoding.GetCodecV2(grpcproto.Name)}
}

// Unmarshal implements encoding.CodecV2.
func (c *requestCodec) Unmarshal(data mem.BufferSlice, v any) error {
	err := c.CodecV2.Unmarshal(data, v)
	if err == nil {
		return nil
	}
	m, ok := v.(proto.Message)
	if !ok {
		return err
	}
	st := malformed(m, data.Materialize(), err) // a copy, on the error path only
	proto.Reset(m)
	c.failed.Store(v, st)
	c.pending.Add(1)
	return nil
}

// take returns the decoding failure remembered for m, if any, and forgets it.
func (c *requestCodec) take(m any) error {
	if c.pending.Load() == 0 {
		return nil
	}
	st, ok := c.failed.LoadAndDelete(m)
	if !ok {
		return nil
	}
	c.pending.Add(-1)
	return st.(error)
}

func (c *requestCodec) unary(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	if err := c.take(req); err != nil {
		return nil, err
	}
	return h(ctx, req)
}

func (c *requestCodec) stream(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, h grpc.StreamHandler) error {
	return h(srv, &decodedStream{ServerStream: ss, c: c})
}

type decodedStream struct {
	grpc.ServerStream
	c *requestCodec
}

func (s *decodedStream) RecvMsg(m any) error {
	if err := s.ServerStream.RecvMsg(m); err != nil {
		return err
	}
	return s.c.take(m)
}

// malformed is the INVALID_ARGUMENT status for bytes that are not a valid m,
// naming the field when the fault is invalid UTF-8 in a string.
func malformed(m proto.Message, b []byte, err error) error {
	md := m.ProtoReflect().Descriptor()
	st := status.New(codes.InvalidArgument, "the request is not a valid "+string(md.FullName())+" message: "+err.Error())
	if field := invalidUTF8Field(b, md, ""); field != "" {
		st = status.New(codes.InvalidArgument, "invalid argument: "+field+": is not valid UTF-8")
		if d, derr := st.WithDetails(&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{
			{Field: field, Reason: domain.TextInvalidUTF8, Description: "is not valid UTF-8"}}}); derr == nil {
			st = d
		}
	}
	return st.Err()
}

// invalidUTF8Field walks the wire bytes of a message of type md and returns
// the path of the first string field holding invalid UTF-8 ("" if none, or if
// the bytes are malformed before one is found).
func invalidUTF8Field(b []byte, md protoreflect.MessageDescriptor, prefix string) string {
	seen := map[protowire.Number]int{}
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return ""
		}
		b = b[n:]
		fd := md.Fields().ByNumber(num)
		if typ != protowire.BytesType || fd == nil {
			if n = protowire.ConsumeFieldValue(num, typ, b); n < 0 {
				return ""
			}
			b = b[n:]
			continue
		}
		v, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return ""
		}
		b = b[n:]
		name := prefix + string(fd.Name())
		if fd.IsList() {
			name += "[" + strconv.Itoa(seen[num]) + "]"
			seen[num]++
		}
		switch {
		case fd.Kind() == protoreflect.StringKind && !utf8.Valid(v):
			return name
		case fd.Kind() == protoreflect.MessageKind:
			if f := invalidUTF8Field(v, fd.Message(), name+"."); f != "" {
				return f
			}
		}
	}
	return ""
}
