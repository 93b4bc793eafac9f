package service

import (
	"context"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/app"
)

func checkpointToPB(c *app.CheckpointRecord) *pb.Checkpoint {
	return &pb.Checkpoint{Sequence: c.Seq, Time: ts(c.CreatedAt), TreeSize: c.TreeSize, RootHash: c.RootHash, Note: c.Note}
}

// GetCheckpoint implements pb.AuditServiceServer.
func (s AuditServer) GetCheckpoint(ctx context.Context, req *pb.GetCheckpointRequest) (*pb.GetCheckpointResponse, error) {
	c, key, err := s.app.GetCheckpoint(ctx, principal(ctx), req.GetSequence())
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &pb.GetCheckpointResponse{Checkpoint: checkpointToPB(c), PublicKey: key}, nil
}

// GetInclusionProof implements pb.AuditServiceServer.
func (s AuditServer) GetInclusionProof(ctx context.Context, req *pb.GetInclusionProofRequest) (*pb.GetInclusionProofResponse, error) {
	p, err := s.app.GetInclusionProof(ctx, principal(ctx), req.GetDossierId(), req.GetCheckpointSequence())
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	out := &pb.GetInclusionProofResponse{Checkpoint: checkpointToPB(p.Checkpoint), DossierId: p.Head.DossierID, DossierCode: p.Head.Code,
		LeafIndex: p.LeafIndex, LastSequence: p.Head.LastSeq, LastHash: p.Head.LastHash}
	for _, h := range p.Proof {
		out.Proof = append(out.Proof, append([]byte(nil), h[:]...))
	}
	return out, nil
}
