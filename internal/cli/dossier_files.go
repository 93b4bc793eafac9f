package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"google.golang.org/grpc/metadata"

	pb "github.com/motcua/motcua/api/motcua/v1"
)

// streamCtx is the context of a file transfer: the token, and no per-call
// deadline (a large file takes as long as it takes; Ctrl-C stops it).
func (s *session) streamCtx() context.Context {
	return metadata.AppendToOutgoingContext(s.parent, "authorization", "Bearer "+s.opts.token)
}

func newDossierUploadCmd(o *clientOpts) *cobra.Command {
	var mediaType, requestID string
	cmd := &cobra.Command{
		Use:   "upload FILE",
		Short: "Store a file (DocumentService) and print its SHA-256, to attach it to a dossier",
		Long: `upload sends FILE in parts and prints its SHA-256 once the server has checked
it. Reference the file by that hash: a component (--component
CODE=digitised::<sha256>) or a result document (--document CODE=NAME::<sha256>,
with --signature CODE=<sha256 of its .p7s>). An interrupted upload resumes
when the command is repeated with the same --request-id.`,
		Example: `  motcua dossier upload scan.pdf
  motcua dossier upload --media-type application/pkcs7-signature result.pdf.p7s`,
		Args: exactArgs(1, "the file"),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := o.open(cmd)
			if err != nil {
				return err
			}
			defer s.close()
			content, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			if mediaType == "" {
				mediaType = mime.TypeByExtension(filepath.Ext(args[0]))
				if filepath.Ext(args[0]) == ".p7s" {
					mediaType = "application/pkcs7-signature"
				}
				if mediaType == "" {
					return usageError{errors.New("cannot tell the media type from the file name; pass --media-type")}
				}
			}
			sum := sha256.Sum256(content)
			sha := hex.EncodeToString(sum[:])
			if requestID == "" {
				requestID = "upload-" + sha[:32]
			}
			files := pb.NewDocumentServiceClient(s.conn)
			ctx := s.streamCtx()
			cu, err := files.CreateUpload(ctx, &pb.CreateUploadRequest{RequestId: requestID, Sha256: sha, Size: int64(len(content)), MediaType: mediaType})
			if err != nil {
				return s.fail("CreateUpload", err)
			}
			u := cu.GetUpload()
			if u.GetState() == pb.UploadState_UPLOAD_STATE_OPEN {
				// Resume from what the server holds (zero for a new upload).
				g, err := files.GetUpload(ctx, &pb.GetUploadRequest{UploadId: u.GetUploadId()})
				if err != nil {
					return s.fail("GetUpload", err)
				}
				st, err := files.UploadChunks(ctx)
				if err != nil {
					return s.fail("UploadChunks", err)
				}
				for off := g.GetUpload().GetReceived(); off < int64(len(content)); off += 1 << 20 {
					end := min(off+1<<20, int64(len(content)))
					if err := st.Send(&pb.UploadChunksRequest{UploadId: u.GetUploadId(), Offset: off, Data: content[off:end]}); err != nil {
						break // the answer says why
					}
				}
				r, err := st.CloseAndRecv()
				if err != nil {
					return s.fail("UploadChunks", err)
				}
				u = r.GetUpload()
			}
			if s.json() {
				return printJSON(s.out, u)
			}
			if u.GetState() != pb.UploadState_UPLOAD_STATE_DONE {
				return fmt.Errorf("upload %s is %s", u.GetUploadId(), u.GetState())
			}
			fmt.Fprintln(s.out, sha)
			return nil
		},
	}
	cmd.Flags().StringVar(&mediaType, "media-type", "", "the file's media type (default: from its extension)")
	cmd.Flags().StringVar(&requestID, "request-id", "", "idempotency key (default: from the file's hash)")
	return cmd
}

func newDossierDownloadCmd(o *clientOpts) *cobra.Command {
	var id, component, result, purpose, out string
	var signature bool
	cmd := &cobra.Command{
		Use:   "download",
		Short: "Fetch a component's or a result document's file (DownloadFile)",
		Example: `  motcua dossier download --id 000.00.01.H55-260213-0001 --result BS-CT --out ban-sao.pdf
  motcua dossier download --id 000.00.01.H55-260213-0001 --component BS --purpose "đối chiếu" --out scan.pdf`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := required(cmd, "id", "out"); err != nil {
				return err
			}
			if (component == "") == (result == "") {
				return usageError{errors.New("give one of --component and --result")}
			}
			s, err := o.open(cmd)
			if err != nil {
				return err
			}
			defer s.close()
			d, err := getDossier(s, id, purpose)
			if err != nil {
				return err
			}
			req := &pb.DownloadFileRequest{DossierId: d.GetId(), Purpose: purpose}
			switch {
			case component != "":
				req.File = &pb.DownloadFileRequest_ComponentCode{ComponentCode: component}
			case signature:
				req.File = &pb.DownloadFileRequest_ResultSignatureCode{ResultSignatureCode: result}
			default:
				req.File = &pb.DownloadFileRequest_ResultCode{ResultCode: result}
			}
			st, err := pb.NewDocumentServiceClient(s.conn).DownloadFile(s.streamCtx(), req)
			if err != nil {
				return s.fail("DownloadFile", err)
			}
			f, err := os.Create(out)
			if err != nil {
				return err
			}
			h := sha256.New()
			var info *pb.FileInfo
			for {
				m, err := st.Recv()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					f.Close()
					os.Remove(out)
					return s.fail("DownloadFile", err)
				}
				if m.GetInfo() != nil {
					info = m.GetInfo()
				}
				if _, err := f.Write(m.GetData()); err != nil {
					f.Close()
					return err
				}
				h.Write(m.GetData())
			}
			if err := f.Close(); err != nil {
				return err
			}
			if got := hex.EncodeToString(h.Sum(nil)); got != info.GetSha256() {
				os.Remove(out)
				return fmt.Errorf("the bytes received hash to %s, not %s; the file was removed", got, info.GetSha256())
			}
			fmt.Fprintf(s.out, "wrote %s (%d bytes, %s, sha256 %s)\n", out, info.GetSize(), info.GetMediaType(), info.GetSha256())
			return nil
		},
	}
	cmd.Flags().StringVar(&id, "id", "", "the dossier's id or code")
	cmd.Flags().StringVar(&component, "component", "", "the component's code")
	cmd.Flags().StringVar(&result, "result", "", "the result document's code")
	cmd.Flags().BoolVar(&signature, "signature", false, "with --result: fetch the document's detached signature")
	cmd.Flags().StringVar(&purpose, "purpose", "", "why you read it (required for staff; in the access log)")
	cmd.Flags().StringVar(&out, "out", "", "where to write the file")
	return cmd
}
