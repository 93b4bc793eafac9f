package simulate

import (
	"crypto/sha256"
	"encoding/hex"
)

// FileHash is the SHA-256, in hex, a simulated file named name is recorded
// with (the simulation stores no files; the hash only has to be well formed
// and stable).
func FileHash(name string) string {
	h := sha256.Sum256([]byte(name))
	return hex.EncodeToString(h[:])
}
