package console

import (
	"context"
	"net/http"

	"google.golang.org/grpc"
)

// Mount returns the hook with which the server serves the console on its
// HTTP side (server.Options.HTTPMount): conn is the server's loopback
// connection to its own gRPC API.
func Mount(o Options) func(ctx context.Context, mux *http.ServeMux, conn grpc.ClientConnInterface) error {
	return func(ctx context.Context, mux *http.ServeMux, conn grpc.ClientConnInterface) error {
		o.Conn = conn
		c, err := New(ctx, o)
		if err != nil {
			return err
		}
		mux.Handle(c.opts.Prefix, c)
		return nil
	}
}
