package app

import (
	"testing"
)

func FuzzDecodePageToken(f *testing.F) {
	filter := AgencyFilter{ParentCode: "000.00.00.H55"}
	f.Add(encodePageToken("000.00.01.H55", filter))
	f.Add("")
	f.Add("not-a-token")
	f.Fuzz(func(t *testing.T, token string) {
		after, err := decodePageToken(token, filter)
		if err == nil && token != "" && after == "" {
			t.Fatalf("%q decoded to an empty position", token)
		}
		// Whatever decodes re-encodes to a token that decodes the same.
		if err == nil && token != "" {
			again, err := decodePageToken(encodePageToken(after, filter), filter)
			if err != nil || again != after {
				t.Fatalf("round trip of %q: %q %v", after, again, err)
			}
		}
		// A token never passes for another filter.
		if _, err := decodePageToken(token, AgencyFilter{ParentCode: "other"}); err == nil && token != "" {
			t.Fatalf("%q accepted for another filter", token)
		}
	})
}
