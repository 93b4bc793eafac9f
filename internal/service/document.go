package service

import (
	"context"
	"errors"
	"io"

	"google.golang.org/grpc"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/app"
)

// DocumentServer implements pb.DocumentServiceServer.
type DocumentServer struct {
	pb.UnimplementedDocumentServiceServer
	*Server
}

// downloadChunk is the size of each data message of a download.
const downloadChunk = 256 << 10

func uploadToPB(u *app.Upload) *pb.Upload {
	return &pb.Upload{UploadId: u.ID, Sha256: u.SHA256, Size: u.Size, MediaType: u.MediaType, Received: u.Received,
		State: pb.UploadState(u.State), CreateTime: ts(u.CreatedAt)}
}

// CreateUpload implements pb.DocumentServiceServer.
func (s DocumentServer) CreateUpload(ctx context.Context, req *pb.CreateUploadRequest) (*pb.CreateUploadResponse, error) {
	p := principal(ctx)
	resp, err := idempotent(ctx, s.Server, pb.DocumentService_CreateUpload_FullMethodName, req,
		func() *pb.CreateUploadResponse { return &pb.CreateUploadResponse{} },
		func(ctx context.Context) (*pb.CreateUploadResponse, error) {
			u, err := s.app.CreateUpload(ctx, p, req.GetSha256(), req.GetSize(), req.GetMediaType())
			if err != nil {
				return nil, err
			}
			return &pb.CreateUploadResponse{Upload: uploadToPB(u)}, nil
		})
	return resp, s.fail(ctx, err)
}

// GetUpload implements pb.DocumentServiceServer.
func (s DocumentServer) GetUpload(ctx context.Context, req *pb.GetUploadRequest) (*pb.GetUploadResponse, error) {
	u, err := s.app.GetUpload(ctx, principal(ctx), req.GetUploadId())
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &pb.GetUploadResponse{Upload: uploadToPB(u)}, nil
}

// UploadChunks implements pb.DocumentServiceServer.
func (s DocumentServer) UploadChunks(stream grpc.ClientStreamingServer[pb.UploadChunksRequest, pb.UploadChunksResponse]) error {
	ctx := stream.Context()
	u, err := s.app.ReceiveChunks(ctx, principal(ctx), func() (app.Chunk, error) {
		m, err := stream.Recv()
		if err != nil {
			return app.Chunk{}, err
		}
		return app.Chunk{UploadID: m.GetUploadId(), Offset: m.GetOffset(), Data: m.GetData()}, nil
	})
	if err != nil {
		return s.fail(ctx, err)
	}
	return stream.SendAndClose(&pb.UploadChunksResponse{Upload: uploadToPB(u)})
}

// DownloadFile implements pb.DocumentServiceServer.
func (s DocumentServer) DownloadFile(req *pb.DownloadFileRequest, stream grpc.ServerStreamingServer[pb.DownloadFileResponse]) error {
	ctx := stream.Context()
	info, rc, err := s.app.ReadFile(ctx, principal(ctx), app.FileRequest{DossierID: req.GetDossierId(),
		ComponentCode: req.GetComponentCode(), ResultCode: req.GetResultCode(), ResultSignatureCode: req.GetResultSignatureCode(),
		Purpose: req.GetPurpose()})
	if err != nil {
		return s.fail(ctx, err)
	}
	defer rc.Close()
	if err := stream.Send(&pb.DownloadFileResponse{Part: &pb.DownloadFileResponse_Info{Info: &pb.FileInfo{
		Sha256: info.SHA256, Size: info.Size, MediaType: info.MediaType, FirstFetchTime: ts(info.FirstFetch)}}}); err != nil {
		return err
	}
	buf := make([]byte, downloadChunk)
	for {
		n, err := io.ReadFull(rc, buf)
		if n > 0 {
			if serr := stream.Send(&pb.DownloadFileResponse{Part: &pb.DownloadFileResponse_Data{Data: buf[:n]}}); serr != nil {
				return serr
			}
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil
		}
		if err != nil {
			return s.fail(ctx, err)
		}
	}
}

// ListReusableDocuments implements pb.DocumentServiceServer.
func (s DocumentServer) ListReusableDocuments(ctx context.Context, req *pb.ListReusableDocumentsRequest) (*pb.ListReusableDocumentsResponse, error) {
	docs, next, err := s.app.ListReusableDocuments(ctx, principal(ctx), req.GetApplicantIdNumber(), int(req.GetPageSize()), req.GetPageToken(), req.GetPurpose())
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	out := &pb.ListReusableDocumentsResponse{NextPageToken: next}
	for _, d := range docs {
		out.Documents = append(out.Documents, &pb.ReusableDocument{Reference: d.Reference, Kind: pb.ReusableKind(d.Kind),
			Source: pb.ComponentSource(d.Source), Code: d.Code, Name: d.Name, DossierId: d.Dossier.ID, DossierCode: d.Dossier.Code,
			ProcedureCode: d.Dossier.ProcedureCode, Sha256: d.SHA256, Size: d.Size, MediaType: d.MediaType,
			ValidUntil: ts(d.ValidUntil), Signature: signatureToPB(d.Signature), SubmitTime: ts(d.Dossier.SubmittedAt)})
	}
	return out, nil
}
