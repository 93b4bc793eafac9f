package service_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/testenv"
)

// A portal polling with updated_since gets every dossier changed at or after
// the time, oldest change first and by id within a time, across pages whose
// boundaries fall inside runs of equal times — nothing lost, nothing twice.
func TestListDossiersUpdatedSince(t *testing.T) {
	for _, kind := range testenv.Stores {
		t.Run(kind, func(t *testing.T) {
			clk := testenv.NewClock(fixedNow)
			e := testenv.Start(t, testenv.StoreURL(t, kind), testenv.Options{Now: clk.Now})
			citizen := testenv.CitizenID(81)
			ctx := e.As(t, testenv.Citizen(citizen))
			file := func(n int) *pb.Dossier {
				resp, err := e.Dossiers.SubmitDossier(ctx, &pb.SubmitDossierRequest{RequestId: fmt.Sprint("since-", n), Dossier: testenv.Draft(citizen)})
				if err != nil {
					t.Fatal(err)
				}
				return resp.GetDossier()
			}
			t0 := fixedNow
			tied := []*pb.Dossier{file(1), file(2), file(3)} // three changes at t0
			clk.Advance(time.Minute)
			d4 := file(4)
			clk.Advance(4 * time.Minute)
			// The second tied dossier changes again: it moves to the end.
			if _, err := e.Dossiers.WithdrawDossier(ctx, &pb.WithdrawDossierRequest{RequestId: "since-w", DossierId: tied[1].GetId(),
				ExpectedVersion: tied[1].GetVersion(), Reason: "nộp nhầm"}); err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, d := range []*pb.Dossier{tied[0], tied[2]} {
				want = append(want, d.GetId())
			}
			sort.Strings(want)
			want = append(want, d4.GetId(), tied[1].GetId())

			poll := func(since time.Time, size int32) []string {
				return listIDs(t, e, ctx, &pb.ListDossiersRequest{UpdatedSince: timestamppb.New(since), PageSize: size})
			}
			for _, size := range []int32{1, 2, 3, 50} {
				if got := poll(t0, size); !slices.Equal(got, want) {
					t.Fatalf("updated_since t0, pages of %d:\n got %v\nwant %v", size, got, want)
				}
			}
			if got := poll(t0.Add(time.Minute), 1); !slices.Equal(got, want[2:]) {
				t.Fatalf("updated_since t0+1m: got %v, want %v", got, want[2:])
			}
			if got := poll(t0.Add(5*time.Minute+time.Nanosecond), 10); len(got) != 0 {
				t.Fatalf("updated_since after the last change: %v", got)
			}
			// The epoch-or-earlier lists everything.
			if got := poll(time.Time{}, 10); !slices.Equal(got, want) {
				t.Fatalf("updated_since at year 1: %v", got)
			}
			// Order of change only; a token is bound to its updated_since.
			_, err := e.Dossiers.ListDossiers(ctx, &pb.ListDossiersRequest{UpdatedSince: timestamppb.New(t0), OrderBy: pb.DossierOrder_DOSSIER_ORDER_DUE_SOONEST})
			wantStatus(t, err, codes.InvalidArgument, "order_by")
			_, err = e.Dossiers.ListDossiers(ctx, &pb.ListDossiersRequest{UpdatedSince: timestamppb.New(t0), OrderBy: pb.DossierOrder_DOSSIER_ORDER_NEWEST_FIRST})
			wantStatus(t, err, codes.InvalidArgument, "order_by")
			first, err := e.Dossiers.ListDossiers(ctx, &pb.ListDossiersRequest{UpdatedSince: timestamppb.New(t0), PageSize: 1})
			if err != nil {
				t.Fatal(err)
			}
			_, err = e.Dossiers.ListDossiers(ctx, &pb.ListDossiersRequest{UpdatedSince: timestamppb.New(t0.Add(time.Second)), PageSize: 1,
				PageToken: first.GetNextPageToken()})
			wantStatus(t, err, codes.InvalidArgument, "page_token")
			// Overdue filters keep working with updated_since (ordered by change).
			if _, err := e.Dossiers.ListDossiers(ctx, &pb.ListDossiersRequest{UpdatedSince: timestamppb.New(t0), Overdue: true}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// A list with filed_before is in filing order, newest first (by id within
// an instant), across pages whose boundaries fall inside runs of equal
// filing times; its token is refused with other filters (migration 19).
func TestListDossiersFiledBefore(t *testing.T) {
	for _, kind := range testenv.Stores {
		t.Run(kind, func(t *testing.T) {
			clk := testenv.NewClock(fixedNow)
			e := testenv.Start(t, testenv.StoreURL(t, kind), testenv.Options{Now: clk.Now})
			citizen := testenv.CitizenID(82)
			ctx := e.As(t, testenv.Citizen(citizen))
			file := func(n int) string {
				resp, err := e.Dossiers.SubmitDossier(ctx, &pb.SubmitDossierRequest{RequestId: fmt.Sprint("filed-", n), Dossier: testenv.Draft(citizen)})
				if err != nil {
					t.Fatal(err)
				}
				return resp.GetDossier().GetId()
			}
			first := file(1)
			clk.Advance(time.Minute)
			tied := []string{file(2), file(3), file(4)} // filed at one instant
			slices.Sort(tied)
			clk.Advance(time.Minute)
			last := file(5)
			bound := clk.Now() // last is filed at the bound: not before it
			clk.Advance(time.Minute)
			file(6)
			want := []string{tied[2], tied[1], tied[0], first}

			list := func(req *pb.ListDossiersRequest) []string { return listIDs(t, e, ctx, req) }
			for _, size := range []int32{1, 2, 3, 50} {
				if got := list(&pb.ListDossiersRequest{FiledBefore: timestamppb.New(bound), PageSize: size}); !slices.Equal(got, want) {
					t.Fatalf("filed_before, pages of %d:\n got %v\nwant %v", size, got, want)
				}
			}
			if got := list(&pb.ListDossiersRequest{FiledBefore: timestamppb.New(bound.Add(time.Microsecond)), PageSize: 2}); len(got) != 5 || got[0] != last {
				t.Fatalf("filed_before just after the fifth: %v", got)
			}
			resp, err := e.Dossiers.ListDossiers(ctx, &pb.ListDossiersRequest{FiledBefore: timestamppb.New(bound), PageSize: 1})
			if err != nil || resp.GetNextPageToken() == "" {
				t.Fatalf("first page: %v %v", resp, err)
			}
			// A token issued before these lists ordered by filing time holds
			// the last id alone (a client listing across an upgrade): the
			// listing goes on, in id order.
			raw, err := base64.RawURLEncoding.DecodeString(resp.GetNextPageToken())
			var tok map[string]string
			if err != nil || json.Unmarshal(raw, &tok) != nil || !strings.HasSuffix(tok["a"], "|"+want[0]) {
				t.Fatalf("token %q: %s %v", resp.GetNextPageToken(), raw, err)
			}
			tok["a"] = want[0]
			raw, _ = json.Marshal(tok)
			if got := listIDs(t, e, ctx, &pb.ListDossiersRequest{FiledBefore: timestamppb.New(bound), PageSize: 1,
				PageToken: base64.RawURLEncoding.EncodeToString(raw)}); !slices.Equal(got, want[1:]) {
				t.Fatalf("after a pre-upgrade token: %v, want %v", got, want[1:])
			}
			_, err = e.Dossiers.ListDossiers(ctx, &pb.ListDossiersRequest{FiledBefore: timestamppb.New(bound.Add(time.Hour)), PageSize: 1,
				PageToken: resp.GetNextPageToken()})
			if status.Code(err) != codes.InvalidArgument {
				t.Fatalf("a token with another bound: %v", err)
			}
		})
	}
}

// listIDs follows req's pages to the end and returns the dossiers' ids.
func listIDs(t *testing.T, e *testenv.Env, ctx context.Context, req *pb.ListDossiersRequest) []string {
	t.Helper()
	var got []string
	for {
		resp, err := e.Dossiers.ListDossiers(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range resp.GetDossiers() {
			got = append(got, d.GetId())
		}
		if resp.GetNextPageToken() == "" {
			return got
		}
		req.PageToken = resp.GetNextPageToken()
	}
}

// A list with received_before is in order of receipt, newest first (by id
// within an instant) — not in filing order: dossiers filed online are
// received when a clerk takes them in (migration 19).
func TestListDossiersReceivedBefore(t *testing.T) {
	for _, kind := range testenv.Stores {
		t.Run(kind, func(t *testing.T) {
			clk := testenv.NewClock(fixedNow)
			e := testenv.Start(t, testenv.StoreURL(t, kind), testenv.Options{Now: clk.Now})
			dr := e.NewDriver(t)
			var filed []*pb.Dossier // in filing (and id) order
			for n := range 4 {
				filed = append(filed, dr.Submit(testenv.Draft(testenv.CitizenID(90+n))))
			}
			receive := func(d *pb.Dossier) { dr.Must(domain.ActionReceive, d) }
			clk.Advance(time.Minute)
			receive(filed[2])
			clk.Advance(time.Minute)
			receive(filed[0]) // these two at one instant
			receive(filed[1])
			clk.Advance(time.Minute)
			bound := clk.Now()
			receive(filed[3]) // at the bound: not before it
			want := []string{filed[1].GetId(), filed[0].GetId(), filed[2].GetId()}
			ctx := dr.ClerkCtx(filed[0])
			for _, size := range []int32{1, 2, 50} {
				got := listIDs(t, e, ctx, &pb.ListDossiersRequest{ReceivedBefore: timestamppb.New(bound), PageSize: size, Purpose: "kiểm tra"})
				if !slices.Equal(got, want) {
					t.Fatalf("received_before, pages of %d:\n got %v\nwant %v", size, got, want)
				}
			}
		})
	}
}

// A page token carries a position anyone can forge: the filters'
// fingerprint is not a secret. A forged position that is not a dossier id
// (or not a time and an id) is refused as a bad page_token on both stores —
// never handed to the database, where PostgreSQL would fail to read it as a
// uuid and the caller would get INTERNAL.
func TestForgedPageTokenPositions(t *testing.T) {
	for _, kind := range testenv.Stores {
		t.Run(kind, func(t *testing.T) {
			clk := testenv.NewClock(fixedNow)
			e := testenv.Start(t, testenv.StoreURL(t, kind), testenv.Options{Now: clk.Now})
			citizen := testenv.CitizenID(84)
			ctx := e.As(t, testenv.Citizen(citizen))
			for n := range 3 {
				if _, err := e.Dossiers.SubmitDossier(ctx, &pb.SubmitDossierRequest{RequestId: fmt.Sprint("forged-", n), Dossier: testenv.Draft(citizen)}); err != nil {
					t.Fatal(err)
				}
				clk.Advance(time.Minute)
			}
			orders := map[string]*pb.ListDossiersRequest{
				"id":            {},
				"filed_before":  {FiledBefore: timestamppb.New(clk.Now())},
				"updated_since": {UpdatedSince: timestamppb.New(fixedNow.Add(-time.Hour))},
				"due":           {OrderBy: pb.DossierOrder_DOSSIER_ORDER_DUE_SOONEST},
			}
			for name, req := range orders {
				req.PageSize = 1
				resp, err := e.Dossiers.ListDossiers(ctx, req)
				if err != nil || resp.GetNextPageToken() == "" {
					t.Fatalf("%s: first page: %v %v", name, resp, err)
				}
				raw, err := base64.RawURLEncoding.DecodeString(resp.GetNextPageToken())
				var tok map[string]string
				if err != nil || json.Unmarshal(raw, &tok) != nil {
					t.Fatalf("%s: token %q: %v", name, resp.GetNextPageToken(), err)
				}
				for _, pos := range []string{"not-a-uuid", "2026-01-01T00:00:00Z|not-a-uuid", "|", "2026-01-01T00:00:00Z|1; DROP TABLE dossiers",
					"2026-01-01T00:00:00Z|00000000-0000-0000-0000-00000000000g"} {
					tok["a"] = pos
					raw, _ := json.Marshal(tok)
					req.PageToken = base64.RawURLEncoding.EncodeToString(raw)
					_, err := e.Dossiers.ListDossiers(ctx, req)
					if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "page_token") {
						t.Errorf("%s, position %q: %v, want InvalidArgument on page_token", name, pos, err)
					}
				}
			}
		})
	}
}
