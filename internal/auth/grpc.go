package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	"github.com/motcua/motcua/internal/domain"
)

// Metadata keys an integration uses to say which authenticated citizen it
// acts for, and how that citizen was authenticated.
const (
	MDCitizenID        = "x-motcua-citizen-id"
	MDCitizenAssurance = "x-motcua-citizen-assurance"
)

// Public reports the methods callable without credentials: health checks
// and server reflection.
func Public(fullMethod string) bool {
	return strings.HasPrefix(fullMethod, "/grpc.health.v1.Health/") ||
		strings.HasPrefix(fullMethod, "/grpc.reflection.")
}

// Authenticator is the gRPC authentication interceptor.
type Authenticator struct {
	Verifier *Verifier
	Log      *slog.Logger
	// IntegrationCert requires integrations to present a verified TLS client
	// certificate naming their token's subject (CN or DNS SAN): a stolen
	// integration token alone is then useless.
	IntegrationCert bool
	// TrustedProxies are the networks whose X-Forwarded-For is believed
	// (gateway.go, ClientAddress); none by default.
	TrustedProxies []netip.Prefix
}

// Unary authenticates unary calls.
func (a *Authenticator) Unary() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if Public(info.FullMethod) {
			return handler(ctx, req)
		}
		ctx, err := a.authenticate(ctx, info.FullMethod)
		if err != nil {
			return nil, err
		}
		return handler(ctx, req)
	}
}

// Stream authenticates streaming calls.
func (a *Authenticator) Stream() grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		if Public(info.FullMethod) {
			return handler(srv, ss)
		}
		ctx, err := a.authenticate(ss.Context(), info.FullMethod)
		if err != nil {
			return err
		}
		return handler(srv, &wrappedStream{ServerStream: ss, ctx: ctx})
	}
}

type wrappedStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (w *wrappedStream) Context() context.Context { return w.ctx }

func (a *Authenticator) authenticate(ctx context.Context, method string) (context.Context, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	addr, addrErr := a.clientAddress(ctx, md)
	reject := func(reason error, msg string) error {
		a.Log.Warn("rejected credentials", "method", method, "client", addr, "reason", reason.Error())
		return status.Error(codes.Unauthenticated, msg)
	}
	if addrErr != nil {
		return nil, reject(addrErr, addrErr.Error())
	}
	vals := md.Get("authorization")
	if len(vals) != 1 {
		return nil, reject(errors.New("no single authorization header"), "missing credentials: send \"authorization: Bearer <token>\"")
	}
	raw, ok := strings.CutPrefix(vals[0], "Bearer ")
	if !ok || raw == "" {
		return nil, reject(errors.New("authorization is not a bearer token"), "the authorization header must be \"Bearer <token>\"")
	}
	p, err := a.Verifier.Verify(ctx, strings.TrimSpace(raw))
	if err != nil {
		return nil, reject(err, "invalid or expired token")
	}
	p.ClientAddress = addr
	if p.Role == domain.RoleIntegration {
		if a.IntegrationCert {
			if err := clientCertNames(ctx, md, p.Subject); err != nil {
				return nil, reject(err, "an integration must present its TLS client certificate")
			}
		}
		if p, err = onBehalfOf(p, md); err != nil {
			return nil, reject(err, err.Error())
		}
	}
	return WithPrincipal(ctx, p), nil
}

// onBehalfOf completes an integration principal with the citizen it relays
// for; without one the integration acts as itself and sees no dossiers.
func onBehalfOf(p domain.Principal, md metadata.MD) (domain.Principal, error) {
	ids := md.Get(MDCitizenID)
	if len(ids) == 0 {
		return p, nil
	}
	if len(ids) > 1 {
		return p, errors.New(MDCitizenID + " given more than once")
	}
	if msg := domain.ValidateIDNumber(domain.ApplicantCitizen, ids[0]); msg != "" {
		return p, errors.New(MDCitizenID + ": " + msg)
	}
	levels := md.Get(MDCitizenAssurance)
	if len(levels) != 1 {
		return p, errors.New("an integration acting for a citizen must send " + MDCitizenAssurance + " (VNEID_1 or VNEID_2)")
	}
	lvl, err := ParseAssurance(levels[0])
	if err != nil {
		return p, err
	}
	p.CitizenID, p.Assurance = ids[0], lvl
	return p, nil
}

// clientCertNames checks that the call came with a verified client
// certificate whose common name or a DNS name is subject.
// On the gateway's connection the names are those of the HTTP caller's
// certificate, which the gateway's TLS server verified.
func clientCertNames(ctx context.Context, md metadata.MD, subject string) error {
	if names, ok := gatewayCertNames(ctx, md); ok {
		if len(names) == 0 {
			return errors.New("no verified TLS client certificate on the HTTPS connection")
		}
		if slices.Contains(names, subject) {
			return nil
		}
		return fmt.Errorf("client certificate %q does not name the token subject %q", names[0], subject)
	}
	pr, ok := peer.FromContext(ctx)
	if !ok {
		return errors.New("no peer information")
	}
	info, ok := pr.AuthInfo.(credentials.TLSInfo)
	if !ok || len(info.State.VerifiedChains) == 0 || len(info.State.VerifiedChains[0]) == 0 {
		return errors.New("no verified TLS client certificate")
	}
	leaf := info.State.VerifiedChains[0][0]
	if leaf.Subject.CommonName == subject || slices.Contains(leaf.DNSNames, subject) {
		return nil
	}
	return fmt.Errorf("client certificate %q does not name the token subject %q", leaf.Subject.CommonName, subject)
}
