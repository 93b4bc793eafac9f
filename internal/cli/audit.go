package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/mod/sumdb/tlog"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/checkpoint"
	"github.com/motcua/motcua/internal/domain"
)

func newAuditCmd() *cobra.Command {
	o := &clientOpts{}
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Check a dossier against a signed checkpoint, independently of the server's own verification",
		Long: `audit is for an auditor who holds a signed checkpoint (a file the server
published to its checkpoint directory or witness, e.g. checkpoint-0000000042.note)
and the server's checkpoint public key, obtained out of band. It needs only read
access: an auditor token for the gRPC API (--addr, --token).`,
	}
	addClientFlags(cmd, o)
	cmd.AddCommand(newAuditVerifyCmd(o))
	return cmd
}

// auditFailed is the outcome of a verification that does not hold.
type auditFailed struct{ reason string }

func (e auditFailed) Error() string { return "NOT VERIFIED: " + e.reason }

func newAuditVerifyCmd(o *clientOpts) *cobra.Command {
	var cpFile, keyArg, purpose string
	cmd := &cobra.Command{
		Use:   "verify ID-or-CODE",
		Short: "Verify a checkpoint's signature, a dossier's inclusion in it, and the dossier's events up to the anchored head",
		Long: `verify checks, with nothing but the checkpoint file, the public key and what
the API returns:

 1. the checkpoint's Ed25519 signature (a signed note) with --public-key;
 2. the dossier's leaf (its chain head: last event sequence and hash when the
    checkpoint was sealed) against the checkpoint's Merkle root, with the
    inclusion proof from GetInclusionProof (RFC 6962);
 3. the dossier's events (ListDossierEvents), each re-hashed here from its
    fields and linked to its predecessor, and that the event at the anchored
    sequence has the anchored hash.

It exits 0 when all hold and 1, saying which does not, otherwise: a chain
rewritten together with its head in the database fails step 3; a forged
checkpoint fails step 1; a forged proof or leaf fails step 2.`,
		Example: `  motcua audit verify 000.00.01.H55-260213-0001 --checkpoint checkpoint-0000000042.note --public-key checkpoint.pub`,
		Args:    exactArgs(1, "the dossier (ID or CODE)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if cpFile == "" || keyArg == "" {
				return usageError{errors.New("--checkpoint and --public-key are required")}
			}
			signed, err := os.ReadFile(cpFile)
			if err != nil {
				return usageError{err}
			}
			key := keyArg
			if b, err := os.ReadFile(keyArg); err == nil {
				key = string(b)
			}
			cp, err := checkpoint.Open(signed, key)
			if err != nil {
				return auditFailed{err.Error()}
			}
			s, err := o.open(cmd)
			if err != nil {
				return err
			}
			defer s.close()
			id, err := dossierID(s, args[0], purpose)
			if err != nil {
				return err
			}
			auditc := pb.NewAuditServiceClient(s.conn)
			pr, err := call(s, "GetInclusionProof", func(ctx context.Context) (*pb.GetInclusionProofResponse, error) {
				return auditc.GetInclusionProof(ctx, &pb.GetInclusionProofRequest{DossierId: id, CheckpointSequence: cp.Seq})
			})
			if err != nil {
				return err
			}
			head := domain.ChainHead{DossierID: id, LastSeq: pr.GetLastSequence(), LastHash: pr.GetLastHash()}
			proof := make([]tlog.Hash, len(pr.GetProof()))
			for i, h := range pr.GetProof() {
				if len(h) != tlog.HashSize {
					return auditFailed{"the inclusion proof holds a malformed hash"}
				}
				copy(proof[i][:], h)
			}
			if err := checkpoint.VerifyInclusion(cp, pr.GetLeafIndex(), head, proof); err != nil {
				return auditFailed{err.Error()}
			}
			evs, err := listEvents(s, id, purpose)
			if err != nil {
				return err
			}
			events := make([]domain.Event, len(evs))
			for i, e := range evs {
				events[i] = eventFromPB(e)
			}
			if len(events) > 0 {
				last := events[len(events)-1]
				if b := audit.Verify(domain.ChainHead{DossierID: id, LastSeq: last.Seq, LastHash: last.Hash}, events); b != nil {
					return auditFailed{fmt.Sprintf("the dossier's events do not hold: %s at event %d: %s", b.Problem, b.Seq, b.Detail)}
				}
			}
			if head.LastSeq < 1 || head.LastSeq > int64(len(events)) || events[head.LastSeq-1].Hash != head.LastHash {
				return auditFailed{fmt.Sprintf("checkpoint %d anchors event %d with hash %.12s…, which the dossier's events do not contain: its chain was rewritten",
					cp.Seq, head.LastSeq, head.LastHash)}
			}
			fmt.Fprintf(s.out, "VERIFIED: checkpoint %d of %s (%s, %d dossiers) is signed by %s\n", cp.Seq, cp.Origin,
				cp.Time.Format("2006-01-02 15:04:05Z"), cp.Size, strings.SplitN(strings.TrimSpace(key), "+", 2)[0])
			fmt.Fprintf(s.out, "  dossier %s is leaf %d: event %d, hash %s\n", pr.GetDossierCode(), pr.GetLeafIndex(), head.LastSeq, head.LastHash)
			fmt.Fprintf(s.out, "  its %d events re-hash and link; the anchored event is among them\n", len(events))
			return nil
		},
	}
	cmd.Flags().StringVar(&cpFile, "checkpoint", "", "the signed checkpoint file")
	cmd.Flags().StringVar(&keyArg, "public-key", "", "the checkpoint public key, or a file holding it (checkpoint.pub)")
	cmd.Flags().StringVar(&purpose, "purpose", "audit: checkpoint verification", "why the dossier's events are read (recorded in the access log)")
	return cmd
}

// eventFromPB is the stored event a DossierEvent shows (every hashed field).
func eventFromPB(e *pb.DossierEvent) domain.Event {
	a := e.GetAttribution()
	return domain.Event{ID: e.GetId(), DossierID: e.GetDossierId(), Seq: e.GetSequence(), Action: domain.Action(e.GetAction()),
		From: domain.Status(e.GetFromStatus()), To: domain.Status(e.GetToStatus()), StepIndex: int(e.GetStepIndex()),
		At: e.GetTime().AsTime(), Note: e.GetNote(), RequestID: e.GetRequestId(), DossierVersion: e.GetDossierVersion(),
		Details: e.GetDetails(), State: e.GetState(), PrevHash: e.GetPrevHash(), Hash: e.GetHash(),
		Attribution: domain.Attribution{Channel: domain.Channel(a.GetChannel()), ActorID: a.GetActorId(),
			ActorRole: domain.Role(a.GetActorRole()), ActorAgency: a.GetActorAgency(), ActorKind: domain.ActorKind(a.GetActorKind()),
			Assurance: domain.Assurance(a.GetAssurance()), OnBehalfOf: a.GetOnBehalfOf(), MandateRef: a.GetMandateRef(),
			SourceSystem: a.GetSourceSystem(), ClientAddress: a.GetClientAddress()}}
}
