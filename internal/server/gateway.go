package server

import (
	"context"
	"net/http"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/motcua/motcua/internal/service"
)

// The JSON gateway answers every request it cannot turn into a valid gRPC
// request with 400 and the usual JSON error ({"code", "message",
// "details"}), never 500:
//
//   - a body that is not JSON, has the wrong types or invalid UTF-8 is
//     refused by the gateway's own decoder (INVALID_ARGUMENT → 400);
//   - a path or query parameter percent-decodes to any bytes, which the
//     gateway copies into string fields unchecked, and a message with
//     invalid UTF-8 cannot be encoded (gRPC reports that as INTERNAL). The
//     client interceptors below check the request first and answer
//     INVALID_ARGUMENT naming the field;
//   - routing errors keep their HTTP status (404, 405, 400) in the JSON form.
//
// Every other rule (NUL, control characters, blank required text, the proto
// rules) is the server's, so the gateway and gRPC give the same answer.

func gatewayMuxOptions() []runtime.ServeMuxOption {
	return []runtime.ServeMuxOption{runtime.WithRoutingErrorHandler(routingError)}
}

func gatewayDialOptions() []grpc.DialOption {
	return []grpc.DialOption{
		grpc.WithChainUnaryInterceptor(func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn,
			invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
			if err := checkOutgoing(req); err != nil {
				return err
			}
			return invoker(ctx, method, req, reply, cc, opts...)
		}),
		grpc.WithChainStreamInterceptor(func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string,
			streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
			s, err := streamer(ctx, desc, cc, method, opts...)
			if err != nil {
				return nil, err
			}
			return checkedClientStream{s}, nil
		}),
	}
}

func checkOutgoing(req any) error {
	if m, ok := req.(proto.Message); ok {
		return service.CheckUTF8(m)
	}
	return nil
}

type checkedClientStream struct{ grpc.ClientStream }

func (s checkedClientStream) SendMsg(m any) error {
	if err := checkOutgoing(m); err != nil {
		return err
	}
	return s.ClientStream.SendMsg(m)
}

// routingError is runtime.DefaultRoutingErrorHandler keeping the routing's
// HTTP status: the default maps 405 to UNIMPLEMENTED, which becomes 501.
func routingError(ctx context.Context, mux *runtime.ServeMux, m runtime.Marshaler, w http.ResponseWriter, r *http.Request, httpStatus int) {
	code := codes.NotFound
	switch httpStatus {
	case http.StatusBadRequest:
		code = codes.InvalidArgument
	case http.StatusMethodNotAllowed:
		code = codes.Unimplemented
	}
	runtime.DefaultHTTPErrorHandler(ctx, mux, m, w, r, &runtime.HTTPStatusError{HTTPStatus: httpStatus,
		Err: status.Error(code, http.StatusText(httpStatus))})
}
