// Package service is the gRPC face of motcua: each handler checks the
// request's shape (protovalidate rules run in an interceptor before it),
// converts it to domain terms, calls the use case with the verified
// principal, and converts the answer back. Mutations go through the use
// cases' funnel (app.Mutate), which owns the transaction and idempotency;
// the handler supplies the request fingerprint and the answer's codec.
// Errors become gRPC statuses in one function, toStatus.
package service

import (
	"context"
	"log/slog"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/auth"
	"github.com/motcua/motcua/internal/domain"
)

// Server implements the gRPC services.
type Server struct {
	pb.UnimplementedCatalogServiceServer
	pb.UnimplementedDossierServiceServer

	app *app.Service
	log *slog.Logger
}

// New returns the gRPC services over the use cases.
func New(a *app.Service, log *slog.Logger) *Server { return &Server{app: a, log: log} }

// principal returns the verified caller; the auth interceptor guarantees one.
func principal(ctx context.Context) domain.Principal {
	p, _ := auth.FromContext(ctx)
	return p
}

func (s *Server) fail(ctx context.Context, err error) error { return toStatus(ctx, s.log, err) }
