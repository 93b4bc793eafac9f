package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"

	"google.golang.org/protobuf/proto"

	"github.com/motcua/motcua/internal/app"
)

// mutation is a mutating request: it carries an idempotency key.
type mutation interface {
	proto.Message
	GetRequestId() string
}

// idempotent runs do through the use cases' mutation funnel (app.Mutate),
// which owns the transaction and the idempotency record. The transport
// supplies only what is its own: the request's fingerprint and the
// encoding of the answer, which is recorded as the deterministic protobuf
// bytes so that a retry gets exactly the first answer.
func idempotent[Resp proto.Message](ctx context.Context, s *Server, method string, req mutation,
	newResp func() Resp, do func(ctx context.Context) (Resp, error)) (Resp, error) {
	return idempotentGrouped(ctx, s, "", method, req, newResp, do)
}

// idempotentGrouped is idempotent for a mutation the store may commit
// together with concurrent ones of other callers (app.Mutation.GroupKey):
// the intake of a new dossier, keyed by its receiving agency — the calls a
// busy one-stop centre makes most, which touch nothing but the database
// once PrepareIntake is done.
func idempotentGrouped[Resp proto.Message](ctx context.Context, s *Server, groupKey, method string, req mutation,
	newResp func() Resp, do func(ctx context.Context) (Resp, error)) (Resp, error) {
	hash, err := requestHash(req)
	if err != nil {
		var zero Resp
		return zero, err
	}
	codec := app.Codec[Resp]{
		Encode: func(r Resp) ([]byte, error) { return proto.MarshalOptions{Deterministic: true}.Marshal(r) },
		Decode: func(b []byte) (Resp, error) {
			out := newResp()
			return out, proto.Unmarshal(b, out)
		},
	}
	return app.Mutate(ctx, s.app, principal(ctx), app.Mutation{RequestID: req.GetRequestId(), Method: method, Fingerprint: hash,
		GroupKey: groupKey}, codec, do)
}

// requestHash fingerprints a request without its request_id.
func requestHash(req mutation) (string, error) {
	c := proto.Clone(req)
	c.ProtoReflect().Clear(c.ProtoReflect().Descriptor().Fields().ByName("request_id"))
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(c)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(append([]byte(req.ProtoReflect().Descriptor().FullName()), b...))
	return hex.EncodeToString(sum[:]), nil
}
