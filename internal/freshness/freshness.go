// Package freshness carries read-your-writes across database replicas, the
// idea of SpiceDB's ZedTokens (docs/SCALING.md, "Replicas and freshness
// tokens"). A caller that wrote gets a Token naming the primary's WAL
// position after its commit; passing it back on a read lets that read go to
// a streaming replica only once the replica has replayed past it.
//
// The package is pure: the token's encoding and the context values through
// which the transport (internal/server) and the store (gormstore) speak.
package freshness

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"strconv"
	"strings"
	"sync"
)

// Metadata is the gRPC metadata key (and, over the JSON gateway, the HTTP
// header X-Motcua-Freshness) that carries a token both ways.
const Metadata = "x-motcua-freshness"

// version is the encoding's first byte; a future encoding takes another.
const version = 1

// tokenLen is version, the LSN (8 bytes) and a CRC-32C of both (4 bytes).
const tokenLen = 1 + 8 + 4

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Token is a position in the primary's write-ahead log (a PostgreSQL LSN).
// Clients treat it as opaque.
type Token struct{ LSN uint64 }

// String encodes the token: base64url (no padding) of the version byte, the
// LSN big-endian and a CRC-32C of those nine bytes, so that a truncated or
// mistyped token is recognised instead of read as another position.
func (t Token) String() string {
	var b [tokenLen]byte
	b[0] = version
	binary.BigEndian.PutUint64(b[1:9], t.LSN)
	binary.BigEndian.PutUint32(b[9:], crc32.Checksum(b[:9], castagnoli))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// ErrMalformed is wrapped by every Parse error.
var ErrMalformed = errors.New("malformed freshness token")

// Parse decodes a token String made.
func Parse(s string) (Token, error) {
	if len(s) > 64 {
		return Token{}, fmt.Errorf("%w: too long", ErrMalformed)
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return Token{}, fmt.Errorf("%w: not base64url", ErrMalformed)
	}
	if len(b) == 0 || b[0] != version {
		return Token{}, fmt.Errorf("%w: unknown version", ErrMalformed)
	}
	if len(b) != tokenLen {
		return Token{}, fmt.Errorf("%w: wrong length", ErrMalformed)
	}
	if crc32.Checksum(b[:9], castagnoli) != binary.BigEndian.Uint32(b[9:]) {
		return Token{}, fmt.Errorf("%w: checksum mismatch", ErrMalformed)
	}
	lsn := binary.BigEndian.Uint64(b[1:9])
	if lsn == 0 {
		return Token{}, fmt.Errorf("%w: empty position", ErrMalformed)
	}
	return Token{LSN: lsn}, nil
}

// ParseLSN reads PostgreSQL's text form of a pg_lsn ("16/B374D848").
func ParseLSN(s string) (uint64, error) {
	hi, lo, ok := strings.Cut(s, "/")
	if !ok {
		return 0, fmt.Errorf("pg_lsn %q: no slash", s)
	}
	h, err := strconv.ParseUint(hi, 16, 32)
	if err != nil {
		return 0, fmt.Errorf("pg_lsn %q: %w", s, err)
	}
	l, err := strconv.ParseUint(lo, 16, 32)
	if err != nil {
		return 0, fmt.Errorf("pg_lsn %q: %w", s, err)
	}
	return h<<32 | l, nil
}

// FormatLSN is ParseLSN's inverse.
func FormatLSN(lsn uint64) string {
	return strconv.FormatUint(lsn>>32, 16) + "/" + strconv.FormatUint(lsn&0xffffffff, 16)
}

// ReadPolicy says where a read may be served from.
type ReadPolicy struct {
	// Replica allows a streaming replica at all; without it every read goes
	// to the primary.
	Replica bool
	// MinLSN, when not zero, requires the replica to have replayed at least
	// this far (the caller's token); otherwise the replica's lag bound
	// decides.
	MinLSN uint64
}

type policyKey struct{}

// WithReadPolicy marks ctx: the store may serve its plain reads (outside a
// transaction) per p. The transport sets it for the calls that only read.
func WithReadPolicy(ctx context.Context, p ReadPolicy) context.Context {
	return context.WithValue(ctx, policyKey{}, p)
}

// PolicyFrom returns the policy ctx carries (the zero policy — primary
// only — if none).
func PolicyFrom(ctx context.Context) ReadPolicy {
	p, _ := ctx.Value(policyKey{}).(ReadPolicy)
	return p
}

// Sink collects the WAL positions of the transactions a call committed;
// the transport turns the largest into the answer's token.
type Sink struct {
	mu  sync.Mutex
	lsn uint64
}

// Record notes a committed position.
func (s *Sink) Record(lsn uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if lsn > s.lsn {
		s.lsn = lsn
	}
}

// Token returns the token for everything recorded, and false if nothing was.
func (s *Sink) Token() (Token, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Token{LSN: s.lsn}, s.lsn != 0
}

type sinkKey struct{}

// WithSink attaches a sink to ctx.
func WithSink(ctx context.Context, s *Sink) context.Context {
	return context.WithValue(ctx, sinkKey{}, s)
}

// SinkFrom returns the sink ctx carries, or nil.
func SinkFrom(ctx context.Context) *Sink {
	s, _ := ctx.Value(sinkKey{}).(*Sink)
	return s
}
