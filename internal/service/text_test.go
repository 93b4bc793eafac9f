package service

import (
	"testing"

	"buf.build/go/protovalidate"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protopath"
	"google.golang.org/protobuf/reflect/protorange"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/domain"
)

// requestTypes are the input messages of every RPC of the API.
func requestTypes(t testing.TB) []protoreflect.MessageType {
	t.Helper()
	var out []protoreflect.MessageType
	for _, fd := range []protoreflect.FileDescriptor{pb.File_motcua_v1_audit_proto, pb.File_motcua_v1_calendar_proto,
		pb.File_motcua_v1_catalog_proto, pb.File_motcua_v1_dossier_proto, pb.File_motcua_v1_report_proto} {
		for i := 0; i < fd.Services().Len(); i++ {
			ms := fd.Services().Get(i).Methods()
			for j := 0; j < ms.Len(); j++ {
				mt, err := protoregistry.GlobalTypes.FindMessageByName(ms.Get(j).Input().FullName())
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, mt)
			}
		}
	}
	return out
}

func TestStorableViolations(t *testing.T) {
	req := &pb.SubmitDossierRequest{RequestId: "r1", Dossier: &pb.DossierDraft{
		ProcedureCode: " ", // required and blank
		Summary:       "ok\nok",
		Applicant:     &pb.Applicant{Name: "An\x00"},
		Components:    []*pb.DossierComponent{{Code: "A"}, {Code: "B", FileRef: "\x1b"}},
	}}
	got := map[string]string{}
	for _, v := range StorableViolations(req) {
		got[v.GetField()] = v.GetReason()
	}
	want := map[string]string{"dossier.procedure_code": reasonBlank, "dossier.applicant.name": domain.TextControl,
		"dossier.components[1].file_ref": domain.TextControl}
	if len(got) != len(want) {
		t.Fatalf("violations %v, want %v", got, want)
	}
	for f, r := range want {
		if got[f] != r {
			t.Fatalf("violations %v, want %v", got, want)
		}
	}
	list := &pb.ListDossiersRequest{ReceivedAfter: &timestamppb.Timestamp{Seconds: 253402300800}, ReceivedBefore: timestamppb.Now()}
	if vs := StorableViolations(list); len(vs) != 1 || vs[0].GetField() != "received_after" {
		t.Fatalf("timestamp: %v", vs)
	}
	if err := CheckUTF8(&pb.GetDossierRequest{Purpose: "a\x00"}); err != nil {
		t.Fatalf("CheckUTF8 refuses NUL, which encodes fine: %v", err)
	}
	if st := status.Convert(CheckUTF8(&pb.GetDossierRequest{Purpose: "\xff"})); st.Code() != codes.InvalidArgument {
		t.Fatalf("CheckUTF8: %v", st)
	}
}

// Any bytes that decode as a request are validated without panic; a request
// that passes holds only storable text, found by an independent walk
// (protorange), and a refusal is INVALID_ARGUMENT.
func FuzzValidateRequest(f *testing.F) {
	types := requestTypes(f)
	v, err := protovalidate.New()
	if err != nil {
		f.Fatal(err)
	}
	// Build every type's rules once here, not in the first inputs' time.
	for _, mt := range types {
		_ = validateRequest(v, mt.New().Interface())
	}
	for _, m := range []proto.Message{
		&pb.SubmitDossierRequest{RequestId: "r1", Dossier: &pb.DossierDraft{ProcedureCode: "1.001193", AgencyCode: "000.00.01.H55",
			Applicant: &pb.Applicant{Kind: 1, IdNumber: "001090000001", Name: "Nguyễn Văn An"}, Summary: "Cấp phiếu",
			Components: []*pb.DossierComponent{{Code: "TK", FileRef: "f", Source: 1}}}},
		&pb.GetDossierRequest{Key: &pb.GetDossierRequest_Id{Id: "01a21b58-3ac9-74c9-872e-d32392643906"}, Purpose: " "},
		&pb.ListDossiersRequest{Purpose: "x", ReceivedAfter: &timestamppb.Timestamp{Seconds: -1 << 40}},
		&pb.ExtendDeadlineRequest{RequestId: "r", DossierId: "x", Reason: "\x00", NewDueTime: timestamppb.Now()},
	} {
		b, err := proto.Marshal(m)
		if err != nil {
			f.Fatal(err)
		}
		for i, mt := range types {
			if mt.Descriptor().FullName() == m.ProtoReflect().Descriptor().FullName() {
				f.Add(uint8(i), b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, b []byte) {
		m := types[int(which)%len(types)].New().Interface()
		if proto.Unmarshal(b, m) != nil {
			return // the codec's business (internal/server)
		}
		err := validateRequest(v, m)
		if err != nil {
			if st := status.Convert(err); st.Code() != codes.InvalidArgument || st.Message() == "" {
				t.Fatalf("refusal %v", st)
			}
			return
		}
		rerr := protorange.Range(m.ProtoReflect(), func(vs protopath.Values) error {
			last := vs.Index(-1)
			if s, ok := last.Value.Interface().(string); ok {
				if _, desc := domain.TextProblem(s); desc != "" {
					t.Fatalf("accepted %s = %q, which %s", vs.Path, s, desc)
				}
			}
			return nil
		})
		if rerr != nil {
			t.Fatal(rerr)
		}
	})
}
