package server

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/motcua/motcua/api/motcua/v1"
)

// Browsers send and fetch files as plain HTTP bodies, which grpc-gateway
// does not map onto streams. These handlers sit next to the gateway's mux
// and call the gRPC streams the same way it does: over the gateway's
// in-memory connection, with the metadata the gateway would set (its
// header matcher and caller metadata, through runtime.AnnotateContext), so
// every interceptor, the authorisation and the access log apply once, in
// one place (docs/documents.md):
//
//	PUT /v1/uploads/{upload_id}/content?offset=N   body: the bytes from N
//	GET /v1/dossiers/{dossier_id}/files/components/{code}?purpose=…
//	GET /v1/dossiers/{dossier_id}/files/results/{code}
//	GET /v1/dossiers/{dossier_id}/files/results/{code}/signature

// uploadBodyChunk is the size of each UploadChunks message an HTTP body is
// cut into.
const uploadBodyChunk = 1 << 20

func mountFiles(mux *http.ServeMux, gw *runtime.ServeMux, conn grpc.ClientConnInterface) {
	files := pb.NewDocumentServiceClient(conn)
	mux.HandleFunc("PUT /v1/uploads/{upload_id}/content", func(w http.ResponseWriter, r *http.Request) {
		putUploadContent(w, r, gw, files)
	})
	for _, kind := range []string{"components/{code}", "results/{code}", "results/{code}/signature"} {
		mux.HandleFunc("GET /v1/dossiers/{dossier_id}/files/"+kind, func(w http.ResponseWriter, r *http.Request) {
			getFile(w, r, gw, files, kind)
		})
	}
}

func httpError(ctx context.Context, gw *runtime.ServeMux, w http.ResponseWriter, r *http.Request, err error) {
	_, out := runtime.MarshalerForRequest(gw, r)
	runtime.HTTPError(ctx, gw, out, w, r, err)
}

func putUploadContent(w http.ResponseWriter, r *http.Request, gw *runtime.ServeMux, files pb.DocumentServiceClient) {
	ctx, err := runtime.AnnotateContext(r.Context(), gw, r, pb.DocumentService_UploadChunks_FullMethodName)
	if err != nil {
		httpError(r.Context(), gw, w, r, err)
		return
	}
	offset, err := strconv.ParseInt(r.URL.Query().Get("offset"), 10, 64)
	if r.URL.Query().Get("offset") == "" {
		offset, err = 0, nil
	}
	if err != nil || offset < 0 {
		httpError(ctx, gw, w, r, status.Error(codes.InvalidArgument, "offset: a non-negative byte offset"))
		return
	}
	stream, err := files.UploadChunks(ctx)
	if err != nil {
		httpError(ctx, gw, w, r, err)
		return
	}
	id := r.PathValue("upload_id")
	buf := make([]byte, uploadBodyChunk)
	for {
		n, rerr := io.ReadFull(r.Body, buf)
		if n > 0 {
			if err := stream.Send(&pb.UploadChunksRequest{UploadId: id, Offset: offset, Data: buf[:n]}); err != nil {
				break // the server answered early; CloseAndRecv says why
			}
			offset += int64(n)
		}
		if errors.Is(rerr, io.EOF) || errors.Is(rerr, io.ErrUnexpectedEOF) {
			break
		}
		if rerr != nil {
			// The browser's connection broke: end the stream as broken,
			// so the server keeps what arrived for a resumed PUT.
			httpError(ctx, gw, w, r, status.Error(codes.Canceled, "the request body broke off; GET the upload and resume from its offset"))
			return
		}
	}
	resp, err := stream.CloseAndRecv()
	if err != nil {
		httpError(ctx, gw, w, r, err)
		return
	}
	_, out := runtime.MarshalerForRequest(gw, r)
	b, err := out.Marshal(resp)
	if err != nil {
		httpError(ctx, gw, w, r, err)
		return
	}
	w.Header().Set("Content-Type", out.ContentType(resp))
	_, _ = w.Write(b)
}

func getFile(w http.ResponseWriter, r *http.Request, gw *runtime.ServeMux, files pb.DocumentServiceClient, kind string) {
	ctx, err := runtime.AnnotateContext(r.Context(), gw, r, pb.DocumentService_DownloadFile_FullMethodName)
	if err != nil {
		httpError(r.Context(), gw, w, r, err)
		return
	}
	req := &pb.DownloadFileRequest{DossierId: r.PathValue("dossier_id"), Purpose: r.URL.Query().Get("purpose")}
	code := r.PathValue("code")
	switch kind {
	case "components/{code}":
		req.File = &pb.DownloadFileRequest_ComponentCode{ComponentCode: code}
	case "results/{code}":
		req.File = &pb.DownloadFileRequest_ResultCode{ResultCode: code}
	default:
		req.File = &pb.DownloadFileRequest_ResultSignatureCode{ResultSignatureCode: code}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := files.DownloadFile(ctx, req)
	if err != nil {
		httpError(ctx, gw, w, r, err)
		return
	}
	first, err := stream.Recv()
	if err != nil {
		httpError(ctx, gw, w, r, err)
		return
	}
	info := first.GetInfo()
	h := w.Header()
	h.Set("Content-Type", info.GetMediaType())
	h.Set("Content-Length", strconv.FormatInt(info.GetSize(), 10))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Disposition", "attachment")
	if sum, err := hex.DecodeString(info.GetSha256()); err == nil {
		h.Set("Repr-Digest", "sha-256=:"+base64.StdEncoding.EncodeToString(sum)+":") // RFC 9530
	}
	h.Set("ETag", `"`+info.GetSha256()+`"`)
	w.WriteHeader(http.StatusOK)
	for {
		m, err := stream.Recv()
		if err != nil {
			// After the headers a failure can only cut the body short;
			// the client sees fewer bytes than Content-Length.
			return
		}
		if _, err := w.Write(m.GetData()); err != nil {
			return
		}
	}
}
