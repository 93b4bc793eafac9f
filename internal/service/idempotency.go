package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/store"
)

// mutation is a mutating request: it carries an idempotency key.
type mutation interface {
	proto.Message
	GetRequestId() string
}

// idempotent runs do at most once per (principal, request_id): in the same
// transaction as do's changes it records the serialized response, and a
// retry returns that response without running do again. Reusing a
// request_id for a different request (another method or payload) fails with
// ErrRequestReused. Failed calls record nothing, so they may be retried.
func idempotent[Resp proto.Message](ctx context.Context, st store.Store, now time.Time, p domain.Principal, method string, req mutation,
	newResp func() Resp, do func(ctx context.Context) (Resp, error)) (Resp, error) {
	hash, err := requestHash(req)
	var zero Resp
	if err != nil {
		return zero, err
	}
	key := p.Subject
	for attempt := 1; ; attempt++ {
		var out Resp
		err := st.InTx(ctx, func(ctx context.Context) error {
			rec, err := st.GetRequest(ctx, key, req.GetRequestId())
			switch {
			case err == nil:
				if rec.Method != method || rec.RequestHash != hash {
					return fmt.Errorf("%w: request_id %q was already used for a different request (%s); use a new request_id for a new request",
						domain.ErrRequestReused, req.GetRequestId(), rec.Method)
				}
				out = newResp()
				return proto.Unmarshal(rec.Response, out)
			case !errors.Is(err, domain.ErrNotFound):
				return err
			}
			if out, err = do(ctx); err != nil {
				return err
			}
			b, err := proto.MarshalOptions{Deterministic: true}.Marshal(out)
			if err != nil {
				return err
			}
			return st.SaveRequest(ctx, &store.RequestRecord{Principal: key, RequestID: req.GetRequestId(), Method: method,
				RequestHash: hash, Response: b, CreatedAt: now})
		})
		var ae *domain.AlreadyExistsError
		if errors.As(err, &ae) && ae.Kind == "request" && attempt < 3 {
			continue // a concurrent retry won the race: read its answer
		}
		return out, err
	}
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
