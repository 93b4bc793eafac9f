package simulate

import (
	"crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"strings"

	"github.com/motcua/motcua/internal/domain"
)

// FileHash is the SHA-256, in hex, a simulated file named name is recorded
// with (the simulation stores no files; the hash only has to be well formed
// and stable).
func FileHash(name string) string {
	h := sha256.Sum256([]byte(name))
	return hex.EncodeToString(h[:])
}

// Component draws how one document of a filing arrives (one draw from r):
// identity papers are often reused from the national population database
// (for the citizen citizenID); online filings upload file; at the counter
// some are scanned into file and some stay on paper, most of them for a
// paper procedure (certified copies).
func Component(r *rand.Rand, code, file, citizenID string, online, paperProcedure bool) domain.Component {
	c := domain.Component{Code: code}
	switch p := r.Float64(); {
	case strings.HasPrefix(code, "CCCD") && p < 0.3:
		c.Source, c.ReusedFrom = domain.SourceReused, "csdlqg-dan-cu:"+citizenID
	case online:
		c.Source, c.FileRef, c.FileSHA256 = domain.SourceUploaded, file, FileHash(file)
	case paperProcedure && p < 0.7, p < 0.35:
		c.Source = domain.SourcePaper
	default:
		c.Source, c.FileRef, c.FileSHA256 = domain.SourceDigitised, file, FileHash(file)
	}
	return c
}

// ReturnChannel draws how the result is to be handed over (at most two
// draws from r): by post for a filing by post; online for most online
// filings when the procedure returns results online; else now and then by
// post, mostly at the counter.
func ReturnChannel(r *rand.Rand, p Path, onlineReturn bool) domain.Channel {
	switch {
	case p == PathPostal:
		return domain.ChannelPostal
	case p.Online() && onlineReturn && r.Float64() < 0.6:
		return domain.ChannelOnline
	case r.Float64() < 0.1:
		return domain.ChannelPostal
	}
	return domain.ChannelCounter
}
